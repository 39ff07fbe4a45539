"""The merge flow end to end, on SQLite and PostgreSQL, with real Web Pushes
to the loopback push service (VAPID, aes128gcm): two citizens report the same
broken bridge; the admin merges the second report into the first; its
reporter's phone gets `complaint.merged`; the PIC answers the first, the
admin releases it, and both phones get `complaint.released`, each for its own
complaint. No push names or reaches another reporter."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from tests.support.network import free_port
from tests.support.people import Person, person
from tests.support.push_checks import check_contract, pushes, wait_pushes

PUSH_PORT = free_port()
EXTRA_ENV = {"UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}"}
FIRST_NAME = "Raden Ayu Siti Khodijah"
SECOND_NAME = "Ki Bagus Sutawijaya"
GRACE_S = 0.3


@dataclass
class Cast:
    admin: Person
    pic: Person
    first: Person  # reported first: the complaint the other follows
    second: Person  # reported the duplicate, anonymously


@pytest.fixture(scope="module")
async def cast(api, push, key) -> Cast:
    admin, pic, first, second = await asyncio.gather(
        person(api, push, key, "admin", name="Admin"),
        person(api, push, key, "pic", "DPUTR", name="PIC PUTR"),
        person(api, push, key, name=FIRST_NAME),
        person(api, push, key, name=SECOND_NAME),
    )
    return Cast(admin, pic, first, second)


def reporter_pushes(who: Person) -> list:
    return [p for p in pushes(who.device) if str(p.json.get("type", "")).startswith("complaint.")]


async def test_merge_then_release_reaches_both_reporters(api, push, cast):
    putr = await api.unit_id("DPUTR")
    followed = await api.submit(
        cast.first.h,
        title="Jembatan desa Plumbon retak",
        body="Jembatan di desa Plumbon retak besar dan bergoyang saat dilewati motor.",
    )
    dup = await api.submit(
        cast.second.h,
        title="Jembatan Plumbon hampir ambruk",
        body="Jembatan di Plumbon bergoyang, retakannya makin lebar. Mohon segera dicek.",
        is_anonymous=True,
    )
    await api.post(
        f"/api/v1/complaints/{followed['id']}/dispatch", cast.admin.h, {"unit_id": putr}
    )

    merged = await api.post(
        f"/api/v1/complaints/{dup['id']}/merge", cast.admin.h, {"into": followed["id"]}
    )
    assert merged["status"] == "merged"
    await wait_pushes([cast.second.device], dup["id"], "complaint.merged")
    [told] = pushes(cast.second.device, dup["id"], "complaint.merged")
    data = check_contract(told, push, dup, "complaint.merged")
    assert dup["tracking_no"] in data["body"]
    for text in (FIRST_NAME, SECOND_NAME, followed["tracking_no"], followed["title"]):
        assert text not in told.payload.decode(), text

    await api.post(
        f"/api/v1/complaints/{followed['id']}/answer",
        cast.pic.h,
        {"body": "Jembatan sudah kami tutup sementara; perbaikan dimulai Senin."},
    )
    await api.post(f"/api/v1/complaints/{followed['id']}/release", cast.admin.h, {})

    await wait_pushes([cast.first.device], followed["id"], "complaint.released")
    await wait_pushes([cast.second.device], dup["id"], "complaint.released")
    [mine] = pushes(cast.second.device, dup["id"], "complaint.released")
    data = check_contract(mine, push, dup, "complaint.released")
    assert data["url"] == f"/app/complaints/{dup['id']}"
    [theirs] = pushes(cast.first.device, followed["id"], "complaint.released")
    check_contract(theirs, push, followed, "complaint.released")
    for text in (FIRST_NAME, SECOND_NAME, followed["tracking_no"]):
        assert text not in mine.payload.decode(), text
    for text in (FIRST_NAME, SECOND_NAME, dup["tracking_no"]):
        assert text not in theirs.payload.decode(), text

    await asyncio.sleep(GRACE_S)
    # Each reporter heard only of their own complaint, and exactly this.
    assert [(p.json["type"], p.json["complaint_id"]) for p in reporter_pushes(cast.first)] == [
        ("complaint.released", followed["id"])
    ]
    assert [(p.json["type"], p.json["complaint_id"]) for p in reporter_pushes(cast.second)] == [
        ("complaint.merged", dup["id"]),
        ("complaint.released", dup["id"]),
    ]
    # The second reporter reads the shared answer on their own page.
    r = await api.client.get(f"/api/v1/complaints/{dup['id']}", headers=cast.second.h)
    page = r.json()
    assert page["status"] == "released"
    assert page["merged_into"] == {"id": followed["id"], "tracking_no": followed["tracking_no"]}
    assert [m["body"] for m in page["messages"]] == [
        "Jembatan sudah kami tutup sementara; perbaikan dimulai Senin."
    ]
