"""Every edge of the status graph, allowed and forbidden, over the API.

received --dispatch--> routed --answer--> answered --release--> released --rate--> closed
received --reject--> rejected          answered --return--> routed
routed --decline--> received           released | closed --reply--> routed
received | routed | answered --merge--> merged (terminal)
"""

from __future__ import annotations

import asyncio

import pytest

from tests.support.complaint_flow import STATUSES
from tests.support.error_shape import assert_error
from tests.support.records import events_of, messages_of, outbox_of
from tests.support.sample_files import JPEG

# Which statuses each action may start from (the contract's graph).
ALLOWED_FROM = {
    "dispatch": {"received"},
    "reject": {"received"},
    "decline": {"routed"},
    "answer": {"routed"},
    "return": {"answered"},
    "release": {"answered"},
    "replies": {"received", "routed", "answered", "released", "closed"},
    "rating": {"released"},
    "attachments": {"received", "routed", "answered", "released"},
    "merge": {"received", "routed", "answered"},
}
# action -> (who takes it, body)
ACTOR = {
    "dispatch": "admin",
    "reject": "admin",
    "decline": "pic",
    "answer": "pic",
    "return": "admin",
    "release": "admin",
    "replies": "reporter",
    "rating": "reporter",
    "attachments": "reporter",
    "merge": "admin",
}


def _body(action: str, cast) -> dict:
    return {
        "dispatch": {"unit_id": cast.putr},
        "reject": {"reason": "Tidak jelas."},
        "decline": {"reason": "Bukan unit kami."},
        "answer": {"body": "Jawaban."},
        "return": {"note": "Perbaiki."},
        "release": {},
        "replies": {"body": "Tanggapan warga."},
        "rating": {"score": 3},
    }[action]


FORBIDDEN = [(s, a) for a, sources in ALLOWED_FROM.items() for s in STATUSES if s not in sources]


@pytest.fixture(scope="module")
async def by_status(flow) -> dict:
    """One complaint per status, built lazily; forbidden steps must not move it."""
    return {}


async def _take(api, flow, action: str, cid: int):
    who = getattr(flow.cast, ACTOR[action])
    if action == "merge":
        into = await flow.routed(flow.cast.other)
        body = {"into": into["id"]}
        return await api.client.post(flow.url(cid, action), json=body, headers=who.h)
    if action == "attachments":
        return await api.client.post(
            flow.url(cid, action), headers=who.h, files={"file": ("foto.jpg", JPEG, "image/jpeg")}
        )
    return await api.client.post(
        flow.url(cid, action), json=_body(action, flow.cast), headers=who.h
    )


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=[f"{s}-{a}" for s, a in FORBIDDEN])
async def test_forbidden_edge_is_409_naming_the_status(api, flow, by_status, status, action):
    if status not in by_status:
        by_status[status] = await flow.build(status)
    c = by_status[status]
    events_before = len(await events_of(c["id"]))
    outbox_before = len(await outbox_of(c["id"]))
    messages_before = len(await messages_of(c["id"]))

    r = await _take(api, flow, action, c["id"])

    if ACTOR[action] == "pic" and status in ("received", "rejected"):
        # Not routed to any unit: the PIC cannot even see it (never leak existence).
        assert_error(r, 404)
    else:
        assert_error(r, 409, f"'{status}'")
    # Nothing was half-applied.
    assert await flow.status_of(c["id"]) == status
    assert len(await events_of(c["id"])) == events_before
    assert len(await outbox_of(c["id"])) == outbox_before
    assert len(await messages_of(c["id"])) == messages_before


async def test_dispatch_received_to_routed(api, flow, cast):
    c = await flow.build("received")
    assert c["unit"] is None and c["sla_due_at"] is None
    r = await api.post(
        flow.url(c["id"], "dispatch"), cast.admin.h, {"unit_id": cast.putr, "note": "Tolong cek."}
    )
    assert r["status"] == "routed"
    assert r["unit"]["id"] == cast.putr and r["unit"]["code"] == "DPUTR"
    assert r["sla_due_at"] is not None
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"], ev["actor"], ev["actor_role"]) == (
        "dispatch",
        "received",
        "routed",
        cast.admin.id,
        "admin",
    )
    assert ev["data"]["unit_id"] == cast.putr
    note = (await messages_of(c["id"]))[-1]
    assert (note["kind"], note["body"], bool(note["visible_to_reporter"])) == (
        "note",
        "Tolong cek.",
        False,
    )


async def test_reject_received_to_rejected(api, flow, cast):
    c = await flow.build("received")
    r = await api.post(flow.url(c["id"], "reject"), cast.admin.h, {"reason": "Laporan ganda."})
    assert r["status"] == "rejected" and r["unit"] is None
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"]) == ("reject", "received", "rejected")
    mine = (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).json()
    assert [(m["kind"], m["body"]) for m in mine["messages"]] == [("rejection", "Laporan ganda.")]


async def test_decline_routed_to_received_then_redispatch(api, flow, cast):
    c = await flow.build("routed")
    r = await api.post(flow.url(c["id"], "decline"), cast.pic.h, {"reason": "Ini urusan Dinkes."})
    assert r["status"] == "received"
    assert r["unit"] is None and r["sla_due_at"] is None
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"], ev["actor_role"]) == (
        "decline",
        "routed",
        "received",
        "pic",
    )
    assert ev["data"]["unit_id"] == cast.putr
    # Back in triage: the admin routes it elsewhere.
    again = await api.post(flow.url(c["id"], "dispatch"), cast.admin.h, {"unit_id": cast.dinkes})
    assert again["status"] == "routed" and again["unit"]["code"] == "DINKES"
    assert again["sla_due_at"] is not None


async def test_answer_routed_to_answered(api, flow, cast):
    from backend.complaints.tables import Complaint

    c = await flow.build("routed")
    r = await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "  Sudah diperbaiki.  "})
    assert r["status"] == "answered"
    assert r["sla_due_at"] is None  # the clock stopped
    row = await Complaint.select().where(Complaint.id == c["id"]).first()
    assert row["answered_at"] is not None
    assert row["sla_reminder_at"] is None and row["sla_escalate_at"] is None
    answer = (await messages_of(c["id"]))[-1]
    assert (answer["kind"], answer["body"], bool(answer["visible_to_reporter"])) == (
        "answer",
        "Sudah diperbaiki.",
        False,
    )
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"], ev["actor"]) == (
        "answer",
        "routed",
        "answered",
        cast.pic.id,
    )


async def test_return_answered_to_routed(api, flow, cast):
    c = await flow.build("answered")
    r = await api.post(flow.url(c["id"], "return"), cast.admin.h, {"note": "Kurang rinci."})
    assert r["status"] == "routed" and r["unit"]["id"] == cast.putr
    assert r["sla_due_at"] is not None  # a new answer clock
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"]) == ("return", "answered", "routed")
    # ... and the PIC can answer again.
    again = await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "Lebih rinci."})
    assert again["status"] == "answered"


async def test_release_without_edit_publishes_the_pic_answer(api, flow, cast):
    c = await flow.build("answered")
    r = await api.post(flow.url(c["id"], "release"), cast.admin.h, {})
    assert r["status"] == "released"
    mine = (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).json()
    assert [m["body"] for m in mine["messages"] if m["kind"] == "answer"] == [
        "Sudah kami bersihkan hari ini."
    ]
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"]) == ("release", "answered", "released")
    assert ev["data"]["edited"] is False
    assert "original_answer" not in ev["data"]


async def test_release_without_any_body_at_all(api, flow, cast):
    c = await flow.build("answered")
    r = await api.client.post(flow.url(c["id"], "release"), headers=cast.admin.h)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "released"


async def test_release_with_edited_body_keeps_the_original_in_the_audit(api, flow, cast):
    c = await flow.build("answered")
    r = await api.post(
        flow.url(c["id"], "release"), cast.admin.h, {"body": "Saluran sudah dibersihkan petugas."}
    )
    assert r["status"] == "released"
    mine = (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).json()
    assert [m["body"] for m in mine["messages"] if m["kind"] == "answer"] == [
        "Saluran sudah dibersihkan petugas."
    ]
    ev = (await events_of(c["id"]))[-1]
    assert ev["type"] == "release" and ev["data"]["edited"] is True
    assert ev["data"]["original_answer"] == "Sudah kami bersihkan hari ini."


@pytest.mark.parametrize("status", ["released", "closed"])
async def test_reply_on_released_or_closed_reopens_to_routed(api, flow, cast, status):
    """Contract v2 adds closed --reply--> routed: a rated complaint can still be reopened."""
    c = await flow.build(status)
    r = await api.post(
        flow.url(c["id"], "replies"), cast.reporter.h, {"body": "Belum beres."}, expect=201
    )
    assert r["status"] == "routed"
    assert r["unit"]["id"] == cast.putr
    assert r["sla_due_at"] is not None
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"], ev["actor_role"]) == (
        "reply",
        status,
        "routed",
        "citizen",
    )
    routed = [o for o in await outbox_of(c["id"]) if o["type"] == "complaint.routed"]
    assert len(routed) == 2 and all(o["recipient"] == cast.pic.id for o in routed)
    reply = (await messages_of(c["id"]))[-1]
    assert (reply["kind"], reply["body"], bool(reply["visible_to_reporter"])) == (
        "reply",
        "Belum beres.",
        True,
    )
    # The unit answers again; the released answer stays, the new one waits.
    await api.post(flow.url(c["id"], "answer"), cast.pic.h, {"body": "Besok kami ulangi."})
    mine = (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).json()
    assert [m["body"] for m in mine["messages"] if m["kind"] == "answer"] == [
        "Sudah kami bersihkan hari ini."
    ]


@pytest.mark.parametrize("status", ["received", "routed", "answered"])
async def test_reply_while_open_keeps_status(api, flow, cast, status):
    c = await flow.build(status)
    outbox_before = len(await outbox_of(c["id"]))
    r = await api.post(
        flow.url(c["id"], "replies"), cast.reporter.h, {"body": "Tambahan info."}, expect=201
    )
    assert r["status"] == status
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"]) == ("reply", status, status)
    assert len(await outbox_of(c["id"])) == outbox_before  # nobody is woken for it
    mine = (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).json()
    assert "Tambahan info." in [m["body"] for m in mine["messages"]]


async def test_rate_released_to_closed(api, flow, cast):
    c = await flow.build("released")
    r = await api.post(
        flow.url(c["id"], "rating"), cast.reporter.h, {"score": 2, "comment": " Lambat "}
    )
    assert r["status"] == "closed"
    assert r["rating"] == {"score": 2, "comment": "Lambat"}
    ev = (await events_of(c["id"]))[-1]
    assert (ev["type"], ev["from_status"], ev["to_status"]) == ("rate", "released", "closed")
    assert ev["data"]["score"] == 2


async def test_concurrent_double_dispatch_one_wins(api, flow, cast):
    c = await flow.build("received")
    url = flow.url(c["id"], "dispatch")
    r1, r2 = await asyncio.gather(
        api.client.post(url, json={"unit_id": cast.putr}, headers=cast.admin.h),
        api.client.post(url, json={"unit_id": cast.dinkes}, headers=cast.admin.h),
    )
    codes = sorted([r1.status_code, r2.status_code])
    assert codes == [200, 409], (r1.text, r2.text)
    winner = r1 if r1.status_code == 200 else r2
    loser = r2 if winner is r1 else r1
    assert_error(loser, 409, "routed")
    dispatches = [e for e in await events_of(c["id"]) if e["type"] == "dispatch"]
    assert len(dispatches) == 1
    assert dispatches[0]["data"]["unit_id"] == winner.json()["unit"]["id"]
    detail = (await api.client.get(flow.url(c["id"]), headers=cast.admin.h)).json()
    assert detail["status"] == "routed" and detail["unit"] == winner.json()["unit"]
    routed = [n for n in await outbox_of(c["id"]) if n["type"] == "complaint.routed"]
    winner_pic = cast.pic.id if winner.json()["unit"]["id"] == cast.putr else cast.other_pic.id
    assert [n["recipient"] for n in routed] == [winner_pic]


async def test_concurrent_answer_and_decline_one_wins(api, flow, cast):
    c = await flow.build("routed")
    r1, r2 = await asyncio.gather(
        api.client.post(flow.url(c["id"], "answer"), json={"body": "A"}, headers=cast.pic.h),
        api.client.post(flow.url(c["id"], "decline"), json={"reason": "B"}, headers=cast.pic.h),
    )
    assert sorted([r1.status_code, r2.status_code]) in ([200, 404], [200, 409]), (r1.text, r2.text)
    steps = [e["type"] for e in await events_of(c["id"]) if e["type"] in ("answer", "decline")]
    assert len(steps) == 1
    expected = "answered" if steps == ["answer"] else "received"
    assert await flow.status_of(c["id"]) == expected
