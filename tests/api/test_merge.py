"""Merging duplicate complaints through the API, on SQLite and PostgreSQL:
the merged one stops and follows the other, its reporter is told, and the
release of the followed complaint releases every follower with the same
answer in the same transaction. No reporter ever sees another reporter."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.error_shape import assert_error
from tests.support.records import events_of, messages_of, outbox_of


def merge_url(cid: int) -> str:
    return f"/api/v1/complaints/{cid}/merge"


async def merge(api, cast, cid: int, into: int, expect: int = 200):
    return await api.post(merge_url(cid), cast.admin.h, {"into": into}, expect=expect)


async def detail(api, who, cid: int):
    return await api.client.get(f"/api/v1/complaints/{cid}", headers=who.h)


def types(rows: list[dict]) -> list[str]:
    return [r["type"] for r in rows]


async def test_admin_merges_a_routed_complaint_into_an_answered_one(api, flow, cast):
    followed = await flow.build("answered", cast.other, title="Jalan Sumber berlubang besar")
    dup = await flow.build("routed", is_anonymous=True, title="Lubang di jalan Sumber")
    assert dup["sla_due_at"] is not None

    r = await merge(api, cast, dup["id"], followed["id"])
    assert r["status"] == "merged"
    assert r["merged_into"] == {"id": followed["id"], "tracking_no": followed["tracking_no"]}
    assert r["sla_due_at"] is None

    from backend.complaints.tables import Complaint as C

    timers = await C.select(C.sla_reminder_at, C.sla_escalate_at).where(C.id == dup["id"]).first()
    assert timers == {"sla_reminder_at": None, "sla_escalate_at": None}
    ev = (await events_of(dup["id"]))[-1]
    assert (ev["type"], ev["actor_role"], ev["from_status"], ev["to_status"]) == (
        "merge",
        "admin",
        "routed",
        "merged",
    )
    assert ev["data"]["into"] == followed["id"]
    assert ev["data"]["into_tracking_no"] == followed["tracking_no"]
    # Only its own reporter is told; nothing reaches the other reporter.
    [told] = [o for o in await outbox_of(dup["id"]) if o["type"] == "complaint.merged"]
    assert told["recipient"] == cast.reporter.id
    assert told["payload"]["complaint_id"] == dup["id"]
    assert "merged" not in types(await outbox_of(followed["id"]))

    # The reporter's page links to the followed complaint by number only...
    mine = (await detail(api, cast.reporter, dup["id"])).json()
    assert mine["status"] == "merged"
    assert mine["merged_into"] == {"id": followed["id"], "tracking_no": followed["tracking_no"]}
    assert mine["merged"] == []
    # ...and the followed complaint (another reporter's) stays closed to them.
    assert_error(await detail(api, cast.reporter, followed["id"]), 404)
    # Its reporter sees nothing of the duplicate; the staff see the link.
    theirs = (await detail(api, cast.other, followed["id"])).json()
    assert theirs["merged"] == [] and theirs["merged_into"] is None
    staff = (await detail(api, cast.pic, followed["id"])).json()
    assert staff["merged"] == [{"id": dup["id"], "tracking_no": dup["tracking_no"]}]
    # The admin still sees who reported the anonymous duplicate; the PIC does not.
    assert (await detail(api, cast.admin, dup["id"])).json()["reporter"]["id"] == cast.reporter.id
    assert (await detail(api, cast.pic, dup["id"])).json()["reporter"] is None


async def test_the_release_answers_every_follower_in_one_go(api, flow, cast):
    followed = await flow.build("answered", cast.other)
    routed_dup = await flow.build("routed")
    received_dup = await flow.build("received", is_confidential=True)
    await merge(api, cast, routed_dup["id"], followed["id"])
    await merge(api, cast, received_dup["id"], followed["id"])
    answer = "Lubang sudah kami tambal pada hari Senin. Terima kasih atas laporannya."

    r = await api.post(
        f"/api/v1/complaints/{followed['id']}/release", cast.admin.h, {"body": answer}
    )
    assert r["status"] == "released"
    assert [m["id"] for m in r["merged"]] == [routed_dup["id"], received_dup["id"]]
    for dup in (routed_dup, received_dup):
        assert await flow.status_of(dup["id"]) == "released"
        mine = (await detail(api, cast.reporter, dup["id"])).json()
        assert mine["status"] == "released"
        assert mine["merged_into"]["id"] == followed["id"]
        assert [(m["kind"], m["body"]) for m in mine["messages"]] == [("answer", answer)]
        ev = (await events_of(dup["id"]))[-1]
        assert (ev["type"], ev["from_status"], ev["to_status"]) == ("release", "merged", "released")
        assert ev["data"]["with"] == followed["id"]
        released = [o for o in await outbox_of(dup["id"]) if o["type"] == "complaint.released"]
        assert [o["recipient"] for o in released] == [cast.reporter.id]
        # Same transaction, same instant as the release itself.
        [own] = [o for o in await outbox_of(followed["id"]) if o["type"] == "complaint.released"]
        assert released[0]["created_at"] == own["created_at"]
    # From here on it is a released complaint like any other: its reporter rates it.
    await api.post(
        f"/api/v1/complaints/{routed_dup['id']}/rating", cast.reporter.h, {"score": 4}
    )
    assert await flow.status_of(routed_dup["id"]) == "closed"
    # The followed complaint's own answer is unchanged for its own reporter.
    theirs = (await detail(api, cast.other, followed["id"])).json()
    assert [m["body"] for m in theirs["messages"] if m["kind"] == "answer"] == [answer]


async def test_followers_move_along_when_their_complaint_is_merged(api, flow, cast):
    first = await flow.build("routed")
    middle = await flow.build("received", cast.other)
    last = await flow.build("answered", cast.other)
    await merge(api, cast, first["id"], middle["id"])
    await merge(api, cast, middle["id"], last["id"])
    moved = (await detail(api, cast.reporter, first["id"])).json()
    assert moved["merged_into"]["id"] == last["id"]
    await api.post(f"/api/v1/complaints/{last['id']}/release", cast.admin.h, {})
    assert await flow.status_of(first["id"]) == "released"
    assert await flow.status_of(middle["id"]) == "released"
    mine = (await detail(api, cast.reporter, first["id"])).json()
    assert [m["body"] for m in mine["messages"]] == ["Sudah kami bersihkan hari ini."]


@pytest.mark.parametrize("target", ["merged", "closed", "rejected", "released"])
async def test_merging_into_a_complaint_no_longer_waiting_is_409(api, flow, cast, target):
    into = await flow.build(target, cast.other)
    c = await flow.build("routed")
    before = len(await events_of(c["id"]))
    r = await api.client.post(merge_url(c["id"]), json={"into": into["id"]}, headers=cast.admin.h)
    assert_error(r, 409, f"'{target}'")
    assert await flow.status_of(c["id"]) == "routed"
    assert len(await events_of(c["id"])) == before
    assert "complaint.merged" not in types(await outbox_of(c["id"]))


async def test_merge_refusals_name_their_reason(api, flow, cast, client, anon):
    c = await flow.build("received")
    into = await flow.build("routed", cast.other)
    url = merge_url(c["id"])
    assert_error(
        await client.post(url, json={"into": c["id"]}, headers=cast.admin.h), 409, "itself"
    )
    assert_error(
        await client.post(url, json={"into": 987654}, headers=cast.admin.h), 400, "into", "987654"
    )
    for bad in ({}, {"into": 0}, {"into": "x"}, {"into": into["id"], "also": 1}):
        r = await client.post(url, json=bad, headers=cast.admin.h)
        assert r.status_code == 400, (bad, r.text)
        assert ("into" in r.text) or ("also" in r.text), (bad, r.text)
    assert_error(await client.post(url, json={"into": into["id"]}, headers=cast.pic.h), 403)
    assert_error(await client.post(url, json={"into": into["id"]}, headers=cast.reporter.h), 403)
    assert (await anon.post(url, json={"into": into["id"]})).status_code == 401
    assert_error(
        await client.post(merge_url(987654), json={"into": into["id"]}, headers=cast.admin.h), 404
    )
    # Nothing of it reached the complaint.
    assert await flow.status_of(c["id"]) == "received"
    assert types(await events_of(c["id"])) == ["submit"]
    # A merged complaint is finished: no reply, no photo, no second merge.
    await merge(api, cast, c["id"], into["id"])
    r = await client.post(
        f"/api/v1/complaints/{c['id']}/replies", json={"body": "Halo?"}, headers=cast.reporter.h
    )
    assert_error(r, 409, "'merged'")
    other = await flow.build("routed", cast.other)
    assert_error(
        await client.post(url, json={"into": other["id"]}, headers=cast.admin.h), 409, "'merged'"
    )


async def test_a_merge_racing_the_release_is_never_left_behind(api, flow, cast):
    """Either the merge lands first and the release takes the follower along,
    or the release lands first and the merge is refused: never a complaint
    merged into an answer that was already released without it."""
    outcomes = set()
    for _ in range(4):
        followed = await flow.build("answered", cast.other)
        dup = await flow.build("routed")
        merged, released = await asyncio.gather(
            api.client.post(
                merge_url(dup["id"]), json={"into": followed["id"]}, headers=cast.admin.h
            ),
            api.client.post(
                f"/api/v1/complaints/{followed['id']}/release", json={}, headers=cast.admin.h
            ),
        )
        assert released.status_code == 200, released.text
        if merged.status_code == 200:
            assert await flow.status_of(dup["id"]) == "released"
            assert [m["kind"] for m in await messages_of(dup["id"])] == ["answer"]
        else:
            assert_error(merged, 409)
            assert await flow.status_of(dup["id"]) == "routed"
        outcomes.add(merged.status_code)
    assert outcomes <= {200, 409}
