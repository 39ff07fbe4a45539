"""What staff need to see (issue 13, items 6-8): the reporter's phone, the
latest step of each complaint (returned, reopened, declined with its reason),
a PIC's photo on an answer, and the staff-only user list."""

from __future__ import annotations

import pytest

from tests.support.api_client import PASSWORD
from tests.support.complaint_flow import Who
from tests.support.error_shape import assert_error
from tests.support.sample_files import JPEG

PHONE = "081234567890"


@pytest.fixture(scope="module")
async def caller_with_phone(api, client) -> Who:
    r = await client.post(
        "/api/v1/auth/register",
        json={
            "username": "warga.telp",
            "password": PASSWORD,
            "name": "Warga Bertelepon",
            "phone": PHONE,
        },
    )
    assert r.status_code == 201, r.text
    return Who(r.json(), await api.token("warga.telp"))


async def _detail(api, flow, who: Who, cid: int) -> dict:
    r = await api.client.get(flow.url(cid), headers=who.h)
    assert r.status_code == 200, r.text
    return r.json()


async def _list_item(api, who: Who, cid: int) -> dict:
    r = await api.client.get("/api/v1/complaints?limit=100", headers=who.h)
    assert r.status_code == 200, r.text
    return next(i for i in r.json()["items"] if i["id"] == cid)


@pytest.mark.parametrize(
    ("flags", "pic_sees"),
    [({}, True), ({"is_anonymous": True}, False), ({"is_confidential": True}, False)],
)
async def test_phone_for_admin_always_for_the_pic_only_when_open(
    api, flow, cast, caller_with_phone, flags, pic_sees
):
    c = await flow.routed(caller_with_phone, **flags)
    admin_view = await _detail(api, flow, cast.admin, c["id"])
    assert admin_view["reporter"]["phone"] == PHONE
    assert (await _list_item(api, cast.admin, c["id"]))["reporter"]["phone"] == PHONE
    pic_view = await _detail(api, flow, cast.pic, c["id"])
    if pic_sees:
        assert pic_view["reporter"]["phone"] == PHONE
    else:
        assert pic_view["reporter"] is None
    own = await _detail(api, flow, caller_with_phone, c["id"])
    assert own["reporter"]["phone"] == PHONE
    # The submit answer itself is built before the join: no phone, no error.
    assert c["reporter"]["phone"] is None or c["reporter"]["phone"] == PHONE


async def test_phone_never_in_push_payloads_or_public_outputs(
    api, flow, cast, caller_with_phone, anon
):
    from tests.support.records import outbox_of

    c = await flow.released(caller_with_phone)
    for row in await outbox_of(c["id"]):
        assert PHONE not in str(row["payload"])
    r = await anon.get(f"/api/v1/public/complaints/{c['tracking_no']}")
    assert PHONE not in r.text


async def test_last_step_says_returned_then_reopened(api, flow, cast):
    c = await flow.answered()
    await api.post(
        flow.url(c["id"], "return"), cast.admin.h, {"note": "Lengkapi jadwal perbaikan."}
    )
    item = await _list_item(api, cast.pic, c["id"])
    assert item["last_step"]["type"] == "return"
    assert item["last_step"]["note"] == "Lengkapi jadwal perbaikan."
    await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "Diperbaiki Senin depan."})
    await api.post(flow.url(c["id"], "release"), cast.admin.h, {})
    await api.post(
        flow.url(c["id"], "replies"), cast.reporter.h, {"body": "Belum diperbaiki."}, expect=201
    )
    item = await _list_item(api, cast.pic, c["id"])
    assert item["last_step"]["type"] == "reply"
    assert (await _detail(api, flow, cast.pic, c["id"]))["last_step"]["type"] == "reply"
    # The reporter never gets the staff's notes.
    assert (await _list_item(api, cast.reporter, c["id"]))["last_step"] is None


async def test_a_declined_card_names_the_unit_and_reason(api, flow, cast):
    c = await flow.routed()
    await api.post(flow.url(c["id"], "decline"), cast.pic.h, {"reason": "Bukan jalan kabupaten."})
    item = await _list_item(api, cast.admin, c["id"])
    assert item["status"] == "received"
    assert item["last_step"] == {
        "type": "decline",
        "at": item["last_step"]["at"],
        "unit_code": "DPUTR",
        "note": "Bukan jalan kabupaten.",
    }


async def test_pic_attaches_a_photo_to_the_answer_hidden_until_release(api, flow, cast):
    c = await flow.routed()
    url = flow.url(c["id"], "attachments")
    files = {"file": ("hasil.jpg", JPEG, "image/jpeg")}
    r = await api.client.post(url, files=files, headers=cast.other_pic.h)
    assert_error(r, 404)  # another unit's PIC does not even see it
    r = await api.client.post(url, files=files, headers=cast.pic.h)
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["uploader_role"] == "pic"
    assert [a["id"] for a in (await _detail(api, flow, cast.pic, c["id"]))["attachments"]] == [
        photo["id"]
    ]
    # Before release the reporter neither lists nor downloads it.
    assert (await _detail(api, flow, cast.reporter, c["id"]))["attachments"] == []
    r = await api.client.get(f"/api/v1/attachments/{photo['id']}", headers=cast.reporter.h)
    assert_error(r, 404)
    await api.post(
        flow.url(c["id"], "answer"), cast.pic.h, {"body": "Sudah dibersihkan, foto terlampir."}
    )
    # Once answered the PIC may no longer add photos (the answer is under review).
    r = await api.client.post(url, files=files, headers=cast.pic.h)
    assert_error(r, 409)
    await api.post(flow.url(c["id"], "release"), cast.admin.h, {})
    assert [a["id"] for a in (await _detail(api, flow, cast.reporter, c["id"]))["attachments"]] == [
        photo["id"]
    ]
    r = await api.client.get(f"/api/v1/attachments/{photo['id']}", headers=cast.reporter.h)
    assert r.status_code == 200


async def test_user_list_role_filter_and_staff_excludes_citizens(api, cast):
    r = await api.client.get("/api/v1/users?role=staff", headers=cast.admin.h)
    assert r.status_code == 200, r.text
    roles = {u["role"] for u in r.json()}
    assert roles == {"admin", "pic"}
    assert all("is_active" in u for u in r.json())
    r = await api.client.get("/api/v1/users?role=pic", headers=cast.admin.h)
    assert {u["role"] for u in r.json()} == {"pic"}
    r = await api.client.get("/api/v1/users?role=nobody", headers=cast.admin.h)
    assert_error(r, 400, "role")
    r = await api.client.get("/api/v1/users?role=staff", headers=cast.pic.h)
    assert_error(r, 403)
