"""The outbox rows each step writes match the contract's push table exactly:
type -> recipients, urgency, topic, TTL and payload; none for a refused step."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import pytest

from tests.support.complaint_flow import Who
from tests.support.error_shape import assert_error
from tests.support.records import events_of, outbox_of

PAYLOAD_KEYS = {"type", "complaint_id", "tracking_no", "title", "body", "url"}


@dataclass
class Crowd:
    admins: set[int]  # the active ones
    putr_pics: set[int]
    dukcapil_pics: set[int]
    bpbd_pics: set[int]
    inactive: set[int]


@pytest.fixture(scope="module")
async def crowd(api, cast) -> Crowd:
    admin2 = Who(*await api.staff("admin"))
    pic2 = Who(*await api.staff("pic", "DPUTR"))
    dukcapil = [Who(*await api.staff("pic", "DISDUKCAPIL")) for _ in range(2)]
    bpbd = Who(*await api.staff("pic", "BPBD"))
    gone_admin = Who(*await api.staff("admin"))
    gone_pic = Who(*await api.staff("pic", "DPUTR"))
    for gone in (gone_admin, gone_pic):
        r = await api.client.patch(
            f"/api/v1/users/{gone.id}", json={"is_active": False}, headers=cast.admin.h
        )
        assert r.status_code == 200, r.text
    return Crowd(
        admins={cast.admin.id, admin2.id},
        putr_pics={cast.pic.id, pic2.id},
        dukcapil_pics={d.id for d in dukcapil},
        bpbd_pics={bpbd.id},
        inactive={gone_admin.id, gone_pic.id},
    )


class Tracker:
    """The outbox rows a complaint gained since the last look."""

    def __init__(self, cid: int) -> None:
        self.cid = cid
        self.seen = 0

    async def new(self) -> list[dict]:
        rows = await outbox_of(self.cid)
        fresh, self.seen = rows[self.seen :], len(rows)
        return fresh


def _who(rows: list[dict]) -> Counter:
    return Counter((r["type"], r["recipient"]) for r in rows)


def _expect(type_: str, users: set[int]) -> Counter:
    return Counter((type_, u) for u in users)


def _check_rows(rows: list[dict], complaint: dict, urgency: str, ttl: int | None = None) -> None:
    for r in rows:
        assert r["urgency"] == urgency, r
        assert r["topic"] == f"complaint-{complaint['id']}"
        assert r["created_at"] is not None
        if ttl is not None:
            assert r["ttl"] == ttl
        p = r["payload"]
        assert set(p) >= PAYLOAD_KEYS, p
        assert p["type"] == r["type"]
        assert p["complaint_id"] == complaint["id"]
        assert p["tracking_no"] == complaint["tracking_no"]
        assert p["url"] == f"/app/complaints/{complaint['id']}"
        assert isinstance(p["title"], str) and p["title"]
        assert isinstance(p["body"], str) and p["body"]


async def test_each_step_tells_exactly_the_right_people(api, flow, cast, crowd):
    c = await flow.received()
    t = Tracker(c["id"])
    rows = await t.new()
    assert _who(rows) == _expect("complaint.received", crowd.admins)
    _check_rows(rows, c, "high")

    await api.post(flow.url(c["id"], "dispatch"), cast.admin.h, {"unit_id": cast.putr})
    rows = await t.new()
    assert _who(rows) == _expect("complaint.routed", crowd.putr_pics)
    _check_rows(rows, c, "high")

    await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "Dijawab."})
    rows = await t.new()
    assert _who(rows) == _expect("complaint.answered", crowd.admins)
    _check_rows(rows, c, "high")

    await api.post(flow.url(c["id"], "return"), cast.admin.h, {"note": "Kurang."})
    rows = await t.new()
    assert _who(rows) == _expect("complaint.returned", crowd.putr_pics)
    _check_rows(rows, c, "high")

    await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "Dijawab lagi."})
    assert _who(await t.new()) == _expect("complaint.answered", crowd.admins)

    await api.post(flow.url(c["id"], "release"), cast.admin.h, {})
    rows = await t.new()
    assert _who(rows) == _expect("complaint.released", {cast.reporter.id})
    _check_rows(rows, c, "high")
    assert c["tracking_no"] in rows[0]["payload"]["body"]

    # A reply on the released answer reopens it: the unit is told again.
    await api.post(flow.url(c["id"], "replies"), cast.reporter.h, {"body": "Belum."}, expect=201)
    rows = await t.new()
    assert _who(rows) == _expect("complaint.routed", crowd.putr_pics)
    _check_rows(rows, c, "high")

    # A reply while the unit is working on it wakes nobody.
    await api.post(flow.url(c["id"], "replies"), cast.reporter.h, {"body": "Tambah."}, expect=201)
    assert await t.new() == []

    await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "Sudah."})
    await api.post(flow.url(c["id"], "release"), cast.admin.h, {})
    await t.new()
    await api.post(flow.url(c["id"], "rating"), cast.reporter.h, {"score": 5})
    assert await t.new() == []  # closing needs nobody


async def test_reject_tells_the_reporter_without_urgency(api, flow, cast, crowd):
    c = await flow.received()
    t = Tracker(c["id"])
    await t.new()
    await api.post(flow.url(c["id"], "reject"), cast.admin.h, {"reason": "Spam."})
    rows = await t.new()
    assert _who(rows) == _expect("complaint.rejected", {cast.reporter.id})
    _check_rows(rows, c, "normal")


async def test_decline_tells_the_admins(api, flow, cast, crowd):
    c = await flow.routed()
    t = Tracker(c["id"])
    await t.new()
    await api.post(flow.url(c["id"], "decline"), cast.pic.h, {"reason": "Bukan kami."})
    rows = await t.new()
    assert _who(rows) == _expect("complaint.declined", crowd.admins)
    _check_rows(rows, c, "high")
    # Re-dispatched to another unit: only that unit's PIC is told.
    await api.post(flow.url(c["id"], "dispatch"), cast.admin.h, {"unit_id": cast.dinkes})
    assert _who(await t.new()) == _expect("complaint.routed", {cast.other_pic.id})


@pytest.mark.parametrize(
    ("title", "body", "unit", "pics"),
    [
        (
            "KTP elektronik belum jadi",
            "Sudah tiga bulan e-KTP saya belum dicetak oleh Disdukcapil.",
            "DISDUKCAPIL",
            "dukcapil_pics",
        ),
        (
            "Banjir di Desa Gebang",
            "Banjir setinggi lutut merendam rumah warga sejak subuh.",
            "BPBD",
            "bpbd_pics",
        ),
    ],
    ids=["ADMINDUK", "BENCANA"],
)
async def test_auto_dispatch_tells_the_unit_and_quietly_the_admins(
    api, flow, cast, crowd, title, body, unit, pics
):
    c = await flow.received(title=title, body=body)
    assert c["status"] == "routed" and c["unit"]["code"] == unit
    rows = await outbox_of(c["id"])
    received = [r for r in rows if r["type"] == "complaint.received"]
    routed = [r for r in rows if r["type"] == "complaint.routed"]
    assert len(received) + len(routed) == len(rows)
    assert _who(received) == _expect("complaint.received", crowd.admins)
    # Nothing for the admins to do: they are told without waking anybody.
    _check_rows(received, c, "normal")
    assert _who(routed) == _expect("complaint.routed", getattr(crowd, pics))
    _check_rows(routed, c, "high")
    assert not {r["recipient"] for r in rows} & crowd.inactive


async def test_ttl_reporter_longer_than_staff(api, flow, cast):
    c = await flow.released()
    rows = await outbox_of(c["id"])
    staff_ttl = {r["ttl"] for r in rows if r["type"] != "complaint.released"}
    reporter_ttl = {r["ttl"] for r in rows if r["type"] == "complaint.released"}
    assert len(staff_ttl) == 1 and len(reporter_ttl) == 1
    assert reporter_ttl.pop() > staff_ttl.pop() > 0


@pytest.mark.parametrize("flag", ["is_anonymous", "is_confidential"])
async def test_payloads_never_name_a_hidden_reporter(api, flow, cast, flag):
    name = "Zulaikha Purnamasari"
    user, headers = await api.citizen(name)
    secret = Who(user, headers)
    c = await flow.received(
        reporter=secret,
        title="Pungutan liar di kantor desa",
        body="Ada pungutan untuk surat pengantar.",
        **{flag: True},
    )
    await api.post(flow.url(c["id"], "dispatch"), cast.admin.h, {"unit_id": cast.putr})
    await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "Ditindaklanjuti."})
    await api.post(flow.url(c["id"], "return"), cast.admin.h, {"note": "Lengkapi."})
    await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "Sudah ditegur."})
    await api.post(flow.url(c["id"], "release"), cast.admin.h, {})
    await api.post(flow.url(c["id"], "replies"), secret.h, {"body": "Masih ada."}, expect=201)
    rows = await outbox_of(c["id"])
    assert {r["type"] for r in rows} == {
        "complaint.received",
        "complaint.routed",
        "complaint.answered",
        "complaint.returned",
        "complaint.released",
    }
    for r in rows:
        text = json.dumps(r["payload"], ensure_ascii=False).lower()
        assert name.lower() not in text, r["payload"]
        assert "zulaikha" not in text and "purnamasari" not in text
        assert user["username"].lower() not in text, r["payload"]


async def test_a_refused_step_writes_no_event_and_no_outbox_row(api, flow, cast):
    c = await flow.build("answered")
    events = len(await events_of(c["id"]))
    outbox = len(await outbox_of(c["id"]))
    refused = [
        (cast.pic.h, "answer", {"body": "Lagi."}, 409),
        (cast.admin.h, "dispatch", {"unit_id": cast.putr}, 409),
        (cast.admin.h, "reject", {"reason": "x"}, 409),
        (cast.reporter.h, "rating", {"score": 5}, 409),
        (cast.pic.h, "decline", {"reason": "x"}, 409),
        (cast.admin.h, "release", {"body": "   "}, 400),  # blank edit: refused inside the step
        (cast.other_pic.h, "answer", {"body": "x"}, 404),
        (cast.reporter.h, "release", {}, 403),
    ]
    for headers, action, body, code in refused:
        r = await api.client.post(flow.url(c["id"], action), json=body, headers=headers)
        assert_error(r, code)
    assert await flow.status_of(c["id"]) == "answered"
    assert len(await events_of(c["id"])) == events
    assert len(await outbox_of(c["id"])) == outbox

    # A dispatch to a unit that does not exist fails inside the step: nothing is kept.
    r = await flow.received()
    before = (len(await events_of(r["id"])), len(await outbox_of(r["id"])))
    bad = await api.client.post(
        flow.url(r["id"], "dispatch"), json={"unit_id": 999999}, headers=cast.admin.h
    )
    assert_error(bad, 400, "unit_id")
    assert await flow.status_of(r["id"]) == "received"
    assert (len(await events_of(r["id"])), len(await outbox_of(r["id"]))) == before
