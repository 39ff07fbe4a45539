"""The SLA timers: one reminder to the unit's PICs and one escalation to the
admins per routing, none once answered, again after a return, and kept across
a restart of the app (they live in the database, not in memory)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import pytest

from tests.support.app_instance import Instance
from tests.support.network import free_port
from tests.support.people import Person, person
from tests.support.push_checks import pushes, wait_pushes
from tests.support.records import notifications

PUSH_PORT = free_port()
REMINDER_S = 1
ANSWER_S = 2
EXTRA_ENV = {
    "UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}",
    "UPIK_SLA_REMINDER_SECONDS": str(REMINDER_S),
    "UPIK_SLA_ANSWER_SECONDS": str(ANSWER_S),
}
# After the last timer was due, how long we keep watching for a repeat.
WATCH_S = 1.0
SLA_TYPES = ("sla.reminder", "sla.escalated")


@pytest.fixture(scope="module")
async def inst(database):
    """This module's app; the restart test stops it and starts a new one."""
    instance = await Instance().start()
    try:
        yield instance
    finally:
        await instance.stop()


@dataclass
class Cast:
    admins: list[Person]
    pics: list[Person]  # both PICs of DPUTR
    other_pic: Person  # DINKES
    reporter: Person
    putr: int

    @property
    def everyone(self) -> list[Person]:
        return [*self.admins, *self.pics, self.other_pic, self.reporter]


@pytest.fixture(scope="module")
async def cast(inst, push) -> Cast:
    key = (await inst.client.get("/api/v1/push/key")).json()["public_key"]
    api = inst.api
    return Cast(
        admins=[await person(api, push, key, "admin") for _ in range(2)],
        pics=[await person(api, push, key, "pic", "DPUTR") for _ in range(2)],
        other_pic=await person(api, push, key, "pic", "DINKES"),
        reporter=await person(api, push, key),
        putr=await api.unit_id("DPUTR"),
    )


def url(cid: int, action: str) -> str:
    return f"/api/v1/complaints/{cid}/{action}"


async def route(inst: Instance, cast: Cast) -> dict:
    c = await inst.api.submit(cast.reporter.h)
    return await inst.api.post(url(c["id"], "dispatch"), cast.admins[0].h, {"unit_id": cast.putr})


def sla_counts(cast: Cast, cid: int) -> dict[str, dict[str, int]]:
    """{type: {role-ish name: count}} for everyone in the cast."""
    names = {
        "admin0": cast.admins[0],
        "admin1": cast.admins[1],
        "pic0": cast.pics[0],
        "pic1": cast.pics[1],
        "other_pic": cast.other_pic,
        "reporter": cast.reporter,
    }
    return {t: {n: len(pushes(p.device, cid, t)) for n, p in names.items()} for t in SLA_TYPES}


def expected(reminders: int, escalations: int) -> dict[str, dict[str, int]]:
    nobody = {"other_pic": 0, "reporter": 0}
    return {
        "sla.reminder": {
            "admin0": 0, "admin1": 0, "pic0": reminders, "pic1": reminders, **nobody
        },
        "sla.escalated": {
            "admin0": escalations, "admin1": escalations, "pic0": 0, "pic1": 0, **nobody
        },
    }  # fmt: skip


async def timer_events(cid: int) -> dict[str, int]:
    from backend.complaints.tables import ComplaintEvent as E

    rows = await E.select(E.type).where((E.complaint == cid) & E.type.is_in(list(SLA_TYPES)))
    return {t: sum(1 for r in rows if r["type"] == t) for t in SLA_TYPES}


async def timers_of(cid: int) -> dict:
    from backend.complaints.tables import Complaint as C

    return (
        await C.select(C.sla_reminder_at, C.sla_escalate_at, C.sla_due_at)
        .where(C.id == cid)
        .first()
    )


async def test_one_reminder_then_one_escalation_none_once_answered(inst, cast, push):
    """A routed complaint left alone: one reminder to each PIC of its unit, then
    one escalation to each admin, never repeated. Two routed beside it, answered
    or declined before the reminder was due: neither."""
    api = inst.api
    t0 = time.monotonic()
    c = await route(inst, cast)
    assert c["sla_due_at"] is not None
    answered = await route(inst, cast)
    declined = await route(inst, cast)
    await api.post(url(answered["id"], "answer"), cast.pics[0].h, {"body": "Sudah ditangani."})
    await api.post(url(declined["id"], "decline"), cast.pics[1].h, {"reason": "Bukan unit kami."})
    assert time.monotonic() - t0 < REMINDER_S, "too slow to answer before the reminder"

    await wait_pushes(
        [p.device for p in cast.pics], c["id"], "sla.reminder", timeout=REMINDER_S + 5
    )
    await wait_pushes(
        [p.device for p in cast.admins], c["id"], "sla.escalated", timeout=ANSWER_S + 5
    )
    [reminder] = pushes(cast.pics[0].device, c["id"], "sla.reminder")
    [escalation] = pushes(cast.admins[0].device, c["id"], "sla.escalated")
    # Not early (the engine sleeps until the due time, not a sweep interval).
    assert reminder.received_at - t0 >= REMINDER_S - 0.05
    assert escalation.received_at - t0 >= ANSWER_S - 0.05
    assert reminder.urgency == escalation.urgency == "high"

    await asyncio.sleep(WATCH_S)
    assert sla_counts(cast, c["id"]) == expected(1, 1)
    assert await timer_events(c["id"]) == {"sla.reminder": 1, "sla.escalated": 1}
    timers = await timers_of(c["id"])
    assert timers["sla_reminder_at"] is None and timers["sla_escalate_at"] is None
    assert timers["sla_due_at"] is not None  # the due time itself stays on record
    rows = [r for t in SLA_TYPES for r in await notifications(c["id"], t)]
    assert len(rows) == 4 and all(r["status"] == "sent" for r in rows), rows

    for quiet in (answered, declined):
        assert sla_counts(cast, quiet["id"]) == expected(0, 0)
        assert await timer_events(quiet["id"]) == {"sla.reminder": 0, "sla.escalated": 0}
        for t in SLA_TYPES:
            assert await notifications(quiet["id"], t) == []


async def test_returned_or_reopened_complaint_gets_its_timers_again(inst, cast, push):
    api = inst.api
    c = await route(inst, cast)
    # Beside it: one released and reopened by the reporter's reply at once.
    reopened = await route(inst, cast)
    await api.post(url(reopened["id"], "answer"), cast.pics[0].h, {"body": "Sudah ditangani."})
    await api.post(url(reopened["id"], "release"), cast.admins[0].h, {})
    await api.post(url(reopened["id"], "replies"), cast.reporter.h, {"body": "Belum."}, 201)

    admins = [p.device for p in cast.admins]
    await wait_pushes(admins, c["id"], "sla.escalated", timeout=ANSWER_S + 5)
    await api.post(url(c["id"], "answer"), cast.pics[0].h, {"body": "Sudah ditangani."})
    returned_at = time.monotonic()
    again = await api.post(url(c["id"], "return"), cast.admins[1].h, {"note": "Kurang lengkap."})
    assert again["status"] == "routed" and again["sla_due_at"] is not None

    await wait_pushes([p.device for p in cast.pics], c["id"], "sla.reminder", 2, REMINDER_S + 5)
    await wait_pushes(admins, c["id"], "sla.escalated", 2, ANSWER_S + 5)
    second = pushes(cast.pics[1].device, c["id"], "sla.reminder")[1]
    assert second.received_at - returned_at >= REMINDER_S - 0.05
    await asyncio.sleep(WATCH_S)
    # Once per routing: two routings, two of each.
    assert sla_counts(cast, c["id"]) == expected(2, 2)
    assert await timer_events(c["id"]) == {"sla.reminder": 2, "sla.escalated": 2}
    # Answered (timers void), then reopened: the new routing's timers, once.
    assert sla_counts(cast, reopened["id"]) == expected(1, 1)


async def test_timers_survive_a_restart(inst, cast, push, monkeypatch):
    from backend.settings import reset_settings_cache

    # More room for this one: the app must be down before the reminder is due.
    reminder_s, answer_s = 2, 3
    monkeypatch.setenv("UPIK_SLA_REMINDER_SECONDS", str(reminder_s))
    monkeypatch.setenv("UPIK_SLA_ANSWER_SECONDS", str(answer_s))
    reset_settings_cache()
    try:
        t0 = time.monotonic()
        c = await route(inst, cast)
        await wait_pushes([p.device for p in cast.pics], c["id"], "complaint.routed")
        await inst.stop()
        assert time.monotonic() - t0 < reminder_s, "too slow to test a restart"
        timers = await timers_of(c["id"])
        assert timers["sla_reminder_at"] is not None, "the reminder fired before the shutdown"

        # Down past the reminder's due time (not yet the escalation's).
        await asyncio.sleep(max(0.0, t0 + reminder_s + 0.3 - time.monotonic()))
        assert sla_counts(cast, c["id"]) == expected(0, 0)
        await inst.start()  # a new app, a new lifespan, a new push engine
        started = time.monotonic()
        await wait_pushes([p.device for p in cast.pics], c["id"], "sla.reminder", timeout=5)
        late = pushes(cast.pics[0].device, c["id"], "sla.reminder")[0]
        assert late.received_at - started < 2.0  # fired at start-up, not a sweep later
        await wait_pushes([p.device for p in cast.admins], c["id"], "sla.escalated", timeout=5)
        await asyncio.sleep(WATCH_S)
        assert sla_counts(cast, c["id"]) == expected(1, 1)
        # The complaint.routed push of before the restart is not sent again.
        for pic in cast.pics:
            assert len(pushes(pic.device, c["id"], "complaint.routed")) == 1
    finally:
        monkeypatch.undo()
        reset_settings_cache()
        if not inst.running:
            await inst.start()
