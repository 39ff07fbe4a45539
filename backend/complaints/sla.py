"""The unit's answer clock. Entering `routed` sets three times: a reminder to
the unit's PICs, the due time, and an escalation to the admins when it passes
unanswered. All three count office time only (UPIK_OFFICE_HOURS minus the
stored holidays), and a timer never acts while the office is closed.
`fire_due_timers` is a ticker: the push engine (or the worker) calls it, it
fires what is due and says how long until the next timer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.common.clock import now
from backend.complaints import audit
from backend.complaints import lifecycle as rules
from backend.complaints.tables import Complaint
from backend.complaints.tracking import tracking_no
from backend.database import current_engine, write_transaction
from backend.holidays.service import holiday_dates
from backend.notifications import outbox
from backend.settings import get_settings
from backend.working_time.calendar import WorkingCalendar

# A timer column and the notice its firing sends.
TIMERS = (
    (Complaint.sla_reminder_at, rules.SLA_REMINDER),
    (Complaint.sla_escalate_at, rules.SLA_ESCALATED),
)
FIRE_BATCH = 200
# A timer may still act this long after the office closed: the ticker wakes a
# moment after a deadline that falls on the closing instant itself.
LATE_GRACE = timedelta(seconds=60)


async def calendar(since: datetime | None = None) -> WorkingCalendar:
    """The office calendar the answer clock counts with: office hours plus the
    stored holidays (from `since`'s date on, when given: earlier ones cannot
    matter to a clock that starts then)."""
    hours = get_settings().office_hours
    if hours.always:
        return WorkingCalendar(hours)
    first_day = (since - timedelta(days=1)).date() if since is not None else None
    return WorkingCalendar(hours, await holiday_dates(since=first_day))


def sla_times(
    cal: WorkingCalendar, routed_at: datetime, answer_s: int, reminder_s: int
) -> dict[str, datetime]:
    """The due time is `answer_s` office seconds after routing; the reminder
    `reminder_s` office seconds after it. The timers hold when they may act
    (the calendar's fire time), the due time itself stays exact."""
    due = cal.add_office_seconds(routed_at, answer_s)
    reminder = cal.add_office_seconds(routed_at, reminder_s)
    return {
        "sla_due_at": due.astimezone(UTC),
        "sla_reminder_at": cal.fire_time(reminder).astimezone(UTC),
        "sla_escalate_at": cal.fire_time(due).astimezone(UTC),
    }


async def start_clock(routed_at: datetime) -> dict[str, datetime]:
    """`sla_times` for a routing now, with the configured standards."""
    s = get_settings()
    return sla_times(
        await calendar(routed_at), routed_at, s.sla_answer_seconds, s.sla_reminder_seconds
    )


def may_act(cal: WorkingCalendar, at: datetime) -> bool:
    """Whether an `sla.*` push may go out at `at`: the office is open, or closed
    less than LATE_GRACE ago."""
    return cal.fire_time(at - LATE_GRACE) <= at


async def _earliest(column) -> datetime | None:
    timer = (
        await Complaint.select(column)
        .where((Complaint.status == rules.Status.ROUTED) & column.is_not_null())
        .order_by(column)
        .first()
    )
    return timer[column._meta.name] if timer else None


async def _fire(column, notice: rules.Notice, at: datetime) -> int:
    fired = 0
    answer_s = get_settings().sla_answer_seconds
    due = (
        await Complaint.select(
            Complaint.id,
            Complaint.created_at,
            Complaint.title,
            Complaint.reporter,
            Complaint.unit,
            Complaint.sla_due_at,
            column,
        )
        .where((Complaint.status == rules.Status.ROUTED) & (column <= at))
        .limit(FIRE_BATCH)
    )
    for row in due:
        due_in = (row["sla_due_at"] - at).total_seconds() if row["sla_due_at"] else 0
        async with write_transaction(current_engine()):
            # Compare-and-clear: of several workers exactly one fires it.
            won = (
                await Complaint.update({column: None})
                .where(
                    (Complaint.id == row["id"])
                    & (Complaint.status == rules.Status.ROUTED)
                    & (column == row[column._meta.name])
                )
                .returning(Complaint.id)
            )
            if not won:
                continue
            await audit.record(
                audit.event(
                    row["id"],
                    notice.type,
                    None,
                    rules.Status.ROUTED,
                    rules.Status.ROUTED,
                    at,
                    {"unit_id": row["unit"], "due_at": str(row["sla_due_at"])},
                )
            )
            await outbox.enqueue(
                [notice],
                outbox.ComplaintRef(
                    row["id"],
                    tracking_no(row["id"], row["created_at"]),
                    row["title"],
                    row["reporter"],
                    row["unit"],
                ),
                at,
                ttl=int(max(60, due_in if due_in > 0 else answer_s)),
            )
            fired += 1
    return fired


async def fire_due_timers() -> float | None:
    """Fire every timer that is due; seconds until the next one (None: no
    timer is set). Looks at the earliest timer first, so an idle call costs
    one query per timer column. While the office is closed a due timer waits
    for the opening (a reminder due at 02:00 goes out at 07:30)."""
    at = now()
    cal: WorkingCalendar | None = None
    upcoming = []
    for column, notice in TIMERS:
        earliest = await _earliest(column)
        if earliest is not None and earliest <= at:
            cal = cal or await calendar(at)
            if may_act(cal, at):
                await _fire(column, notice, at)
                earliest = await _earliest(column)
            else:
                earliest = cal.next_open(at)
        if earliest is not None:
            upcoming.append(earliest)
    if not upcoming:
        return None
    return max(0.0, (min(upcoming) - now()).total_seconds())
