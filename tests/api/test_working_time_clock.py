"""The answer clock counts office time, on SQLite and PostgreSQL, through the
API with a clock the test sets (nothing sleeps):

- routed on Friday at 20:00, a complaint is due on Monday at 10:30 (the
  reminder at 09:30), while `complaint.routed` goes out at once;
- a holiday on that Monday, added through the API, moves it to Tuesday 10:30
  in the holiday's own transaction (a failing listener after ours undoes both);
- a timer due at 02:00 sends nothing until the office opens at 07:30;
- all of it is in the database and survives a restart of the app;
- the dashboard's "within standard" counts office time too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.common.errors import Conflict
from backend.working_time.office_hours import DEFAULT_SPEC, WIB
from tests.support.app_instance import Instance
from tests.support.clock import HandClock, hand_clock
from tests.support.complaint_flow import Who
from tests.support.error_shape import assert_error
from tests.support.records import events_of, outbox_of

EXTRA_ENV = {
    "UPIK_OFFICE_HOURS": DEFAULT_SPEC,
    # The clock jumps up to three weeks ahead; sessions idle for more than the
    # default 7 days would end on the way (their 30-day cap still holds).
    "UPIK_SESSION_TTL_SECONDS": str(30 * 24 * 3600),
}
H = "/api/v1/holidays"
SLA_TYPES = ("sla.reminder", "sla.escalated")


def wib(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant of December 2026 in Cirebon (Dec 4 is a Friday)."""
    return datetime(2026, 12, day, hour, minute, second, tzinfo=WIB)


@pytest.fixture(scope="module")
def clock(database):
    with hand_clock(wib(4, 19, 0)) as hand:
        yield hand


@pytest.fixture(scope="module")
async def inst(clock):
    instance = await Instance().start()
    try:
        yield instance
    finally:
        await instance.stop()


@pytest.fixture(scope="module")
async def people(inst) -> dict[str, Who]:
    # Made at the hand clock's time, so their sessions are valid across the weeks we move.
    api = inst.api
    return {
        "admin": Who(*await api.staff("admin")),
        "pic": Who(*await api.staff("pic", "DPUTR")),
        "reporter": Who(*await api.citizen("Pelapor")),
    }


async def route(inst: Instance, people: dict[str, Who]) -> dict:
    c = await inst.api.submit(people["reporter"].h)
    return await inst.api.post(
        f"/api/v1/complaints/{c['id']}/dispatch",
        people["admin"].h,
        {"unit_id": await inst.api.unit_id("DPUTR")},
    )


async def clock_of(cid: int) -> dict[str, datetime | None]:
    from backend.complaints.tables import Complaint as C

    row = await (
        C.select(C.sla_due_at, C.sla_reminder_at, C.sla_escalate_at).where(C.id == cid).first()
    )
    return {
        "due": row["sla_due_at"],
        "reminder": row["sla_reminder_at"],
        "escalate": row["sla_escalate_at"],
    }


async def due_shown(inst: Instance, who: Who, cid: int) -> datetime:
    r = await inst.client.get(f"/api/v1/complaints/{cid}", headers=who.h)
    assert r.status_code == 200, r.text
    return datetime.fromisoformat(r.json()["sla_due_at"])


async def sla_rows(cid: int) -> list[dict]:
    return [r for r in await outbox_of(cid) if r["type"] in SLA_TYPES]


async def tick(clock: HandClock, at: datetime) -> float | None:
    """Set the hand clock and run the SLA ticker as the push engine would."""
    from backend.complaints import sla

    clock.set(at)
    return await sla.fire_due_timers()


@pytest.fixture(scope="module")
async def friday(inst, people, clock) -> dict:
    """A complaint routed on Friday 4 December at 20:00 WIB."""
    clock.set(wib(4, 20, 0))
    return await route(inst, people)


async def test_routed_friday_evening_is_due_monday_1030(inst, people, clock, friday):
    cid = friday["id"]
    assert datetime.fromisoformat(friday["sla_due_at"]) == wib(7, 10, 30)
    assert await due_shown(inst, people["pic"], cid) == wib(7, 10, 30)
    assert await clock_of(cid) == {
        "due": wib(7, 10, 30),
        "reminder": wib(7, 9, 30),
        "escalate": wib(7, 10, 30),
    }
    # complaint.routed is not held back: it is due the moment it is written.
    [routed] = [r for r in await outbox_of(cid) if r["type"] == "complaint.routed"]
    assert routed["next_attempt_at"] == wib(4, 20, 0)

    # Nothing of the answer clock acts over the weekend.
    for at in (wib(4, 23, 0), wib(5, 10, 0), wib(6, 12, 0), wib(7, 9, 29, 59)):
        await tick(clock, at)
        assert await sla_rows(cid) == [], at


async def test_a_holiday_on_monday_moves_it_to_tuesday(inst, people, clock, friday):
    from backend.holidays import service

    cid = friday["id"]
    admin = people["admin"]
    clock.set(wib(5, 9, 0))  # Saturday: the admin declares Monday a holiday
    # Beside it: a complaint routed on Tuesday, after the new holiday.
    clock.set(wib(8, 8, 0))
    tuesday = await route(inst, people)
    clock.set(wib(5, 9, 0))

    # A listener after ours fails: the holiday and the moved deadlines go together.
    async def refuse(change):
        raise Conflict("refused by a later listener")

    service.on_holidays_changed.append(refuse)
    try:
        r = await inst.client.post(H, json={"date": "2026-12-07", "name": "Libur"}, headers=admin.h)
        assert_error(r, 409, "refused by a later listener")
    finally:
        service.on_holidays_changed.remove(refuse)
    assert await clock_of(cid) == {
        "due": wib(7, 10, 30),
        "reminder": wib(7, 9, 30),
        "escalate": wib(7, 10, 30),
    }

    r = await inst.client.post(H, json={"date": "2026-12-07", "name": "Libur"}, headers=admin.h)
    assert r.status_code == 201, r.text
    assert await due_shown(inst, people["reporter"], cid) == wib(8, 10, 30)
    assert await clock_of(cid) == {
        "due": wib(8, 10, 30),
        "reminder": wib(8, 9, 30),
        "escalate": wib(8, 10, 30),
    }
    # Routed after the holiday: its clock does not cross it, so it stays.
    assert await due_shown(inst, people["pic"], tuesday["id"]) == wib(8, 11, 0)

    # Monday is now like Sunday: the reminder that was due at 09:30 waits.
    await tick(clock, wib(7, 9, 45))
    assert await sla_rows(cid) == []

    # Taking the holiday back gives the Monday back.
    r = await inst.client.delete(f"{H}/2026-12-07", headers=admin.h)
    assert r.status_code == 204, r.text
    assert await clock_of(cid) == {
        "due": wib(7, 10, 30),
        "reminder": wib(7, 9, 30),
        "escalate": wib(7, 10, 30),
    }
    r = await inst.client.post(H, json={"date": "2026-12-07", "name": "Libur"}, headers=admin.h)
    assert r.status_code == 201, r.text
    assert (await clock_of(cid))["due"] == wib(8, 10, 30)


async def test_the_moved_clock_survives_a_restart_and_fires_on_tuesday(
    inst, people, clock, friday
):
    cid = friday["id"]
    await inst.stop()
    clock.set(wib(8, 7, 0))
    await inst.start()  # a new app on the same database
    assert await due_shown(inst, people["pic"], cid) == wib(8, 10, 30)

    assert await tick(clock, wib(8, 9, 29)) == pytest.approx(60.0)
    assert await sla_rows(cid) == []
    await tick(clock, wib(8, 9, 30))
    assert [r["type"] for r in await sla_rows(cid)] == ["sla.reminder"]
    await tick(clock, wib(8, 10, 30))
    rows = await sla_rows(cid)
    assert sorted(r["type"] for r in rows) == ["sla.escalated", "sla.reminder"]
    assert {r["created_at"] for r in rows} == {wib(8, 9, 30), wib(8, 10, 30)}
    # Once each.
    await tick(clock, wib(8, 15, 0))
    assert len(await sla_rows(cid)) == 2
    fired = [e["type"] for e in await events_of(cid) if e["type"] in SLA_TYPES]
    assert fired == ["sla.reminder", "sla.escalated"]


async def test_a_timer_due_at_two_in_the_night_fires_at_half_past_seven(
    inst, people, clock, monkeypatch
):
    """Routed late on Wednesday while the unit ran round the clock: reminder
    due 01:00, escalation 02:00. The app restarts with office hours; the
    timers stay in the database and go out when the office opens."""
    from backend.settings import reset_settings_cache

    await inst.stop()
    monkeypatch.setenv("UPIK_OFFICE_HOURS", "always")
    monkeypatch.setenv("UPIK_SLA_REMINDER_SECONDS", "7200")
    monkeypatch.setenv("UPIK_SLA_ANSWER_SECONDS", "10800")
    reset_settings_cache()
    clock.set(wib(9, 23, 0))
    try:
        await inst.start()
        c = await route(inst, people)
        assert await clock_of(c["id"]) == {
            "due": wib(10, 2, 0),
            "reminder": wib(10, 1, 0),
            "escalate": wib(10, 2, 0),
        }
    finally:
        await inst.stop()
        monkeypatch.setenv("UPIK_OFFICE_HOURS", DEFAULT_SPEC)
        reset_settings_cache()
        await inst.start()

    cid = c["id"]
    # 02:00: both timers are due, the office is closed: nothing, and the ticker
    # asks to be woken at the opening.
    assert await tick(clock, wib(10, 2, 0)) == pytest.approx(5.5 * 3600)
    assert await sla_rows(cid) == []
    await tick(clock, wib(10, 7, 29, 59))
    assert await sla_rows(cid) == []
    await tick(clock, wib(10, 7, 30))
    rows = await sla_rows(cid)
    assert sorted(r["type"] for r in rows) == ["sla.escalated", "sla.reminder"]
    assert all(r["created_at"] == wib(10, 7, 30) for r in rows)


async def test_within_standard_counts_office_time(inst, people, clock, friday):
    """The Friday complaint is answered on Tuesday at 09:00: 61 wall-clock
    hours, but only 1.5 office hours (Monday is a holiday)."""
    cid = friday["id"]
    clock.set(wib(8, 9, 0))
    await inst.api.post(
        f"/api/v1/complaints/{cid}/answer", people["pic"].h, {"body": "Sudah kami tangani."}
    )
    since = wib(4, 19, 59).astimezone(UTC).isoformat()
    r = await inst.client.get(
        "/api/v1/stats", params={"since": since}, headers=people["admin"].h
    )
    assert r.status_code == 200, r.text
    [answered] = [s for s in r.json()["steps"] if s["step"] == "routed_to_answered"]
    assert answered["count"] == 1
    assert answered["median_seconds"] == pytest.approx(5400)
    assert answered["within_standard"] == 1.0


async def test_upik_seed_moves_the_clocks_it_crosses(inst, people, clock, capsys):
    """`upik seed` registers the deadline listener itself (it runs without the
    app): the seeded cuti bersama (24 Dec) and Christmas (25 Dec) push a clock
    that was due on Thursday to the Monday after."""
    from backend import cli
    from backend.holidays import service

    clock.set(wib(23, 15, 0))  # Wednesday
    c = await route(inst, people)
    assert (await clock_of(c["id"]))["due"] == wib(24, 9, 30)

    saved = list(service.on_holidays_changed)
    service.on_holidays_changed.clear()  # as in a fresh `upik seed` process
    try:
        await cli._seed_holidays()
        assert "holidays and cuti bersama days of 2026-2027 added" in capsys.readouterr().out
    finally:
        service.on_holidays_changed[:] = saved
    assert await clock_of(c["id"]) == {
        "due": wib(28, 9, 30),
        "reminder": wib(28, 8, 30),
        "escalate": wib(28, 9, 30),
    }
