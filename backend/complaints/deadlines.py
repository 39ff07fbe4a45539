"""Running answer clocks follow the holiday calendar: when a holiday is added
or removed, every routed complaint whose clock spans that day gets its due
time and its pending timers moved, inside the holiday change's own
transaction (a listener on `backend.holidays.service.on_holidays_changed`).

Each clock keeps the office time it was given: the office seconds between
routing and the old deadline under the calendar as it was are laid out again
under the calendar as it is now. So a holiday moves a deadline by exactly the
office time it takes away or gives back, whatever the SLA settings say today.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from backend.complaints import lifecycle as rules
from backend.complaints.sla import calendar
from backend.complaints.tables import Complaint
from backend.holidays.service import HolidaysChanged, on_holidays_changed
from backend.working_time.calendar import WorkingCalendar

C = Complaint
# (column, whether it holds a fire time rather than an exact instant)
CLOCK_COLUMNS = ((C.sla_due_at, False), (C.sla_reminder_at, True), (C.sla_escalate_at, True))


def _span(change: HolidaysChanged, cal: WorkingCalendar) -> tuple[datetime, datetime]:
    """From the first changed day's start to the last one's end, as instants."""
    days = change.added | change.removed
    tz = cal.hours.tz
    start = datetime.combine(min(days), time(0), tzinfo=tz)
    end = datetime.combine(max(days) + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _moved(
    before: WorkingCalendar, after: WorkingCalendar, routed_at: datetime, old: datetime, fire: bool
) -> datetime:
    given = before.office_seconds_between(routed_at, old)
    new = after.add_office_seconds(routed_at, max(0.0, given))
    return (after.fire_time(new) if fire else new).astimezone(UTC)


async def move_deadlines(change: HolidaysChanged) -> None:
    """Move the clocks of routed complaints that run across a changed day."""
    if not (change.added or change.removed):
        return
    after = await calendar()
    if after.hours.always:
        return  # round-the-clock hours ignore holidays
    # The calendar as it was before this change.
    before = WorkingCalendar(after.hours, (after.holidays - change.added) | change.removed)
    start, end = _span(change, after)
    rows = await C.select(C.id, C.routed_at, *(column for column, _ in CLOCK_COLUMNS)).where(
        (C.status == rules.Status.ROUTED)
        & C.routed_at.is_not_null()
        & C.sla_due_at.is_not_null()
        & (C.routed_at < end)
        & (C.sla_due_at >= start)
    )
    for row in rows:
        values = {
            column: _moved(before, after, row["routed_at"], row[column._meta.name], fire)
            for column, fire in CLOCK_COLUMNS
            if row[column._meta.name] is not None
        }
        changed = {c: v for c, v in values.items() if v != row[c._meta.name]}
        if changed:
            await C.update(changed).where(C.id == row["id"])


def follow_holidays() -> None:
    """Register `move_deadlines` once (the composition roots call this)."""
    if move_deadlines not in on_holidays_changed:
        on_holidays_changed.append(move_deadlines)
