"""The unit's answer clock. Entering `routed` sets three times: a reminder to
the unit's PICs, the due time, and an escalation to the admins when it passes
unanswered. `fire_due_timers` is a ticker: the push engine (or the worker)
calls it, it fires what is due and says how long until the next timer."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.common.clock import now
from backend.complaints import audit
from backend.complaints import lifecycle as rules
from backend.complaints.tables import Complaint
from backend.complaints.tracking import tracking_no
from backend.database import current_engine, write_transaction
from backend.notifications import outbox
from backend.settings import get_settings

# A timer column and the notice its firing sends.
TIMERS = (
    (Complaint.sla_reminder_at, rules.SLA_REMINDER),
    (Complaint.sla_escalate_at, rules.SLA_ESCALATED),
)
FIRE_BATCH = 200


def sla_times(routed_at: datetime, answer_s: int, reminder_s: int) -> dict[str, datetime]:
    due = routed_at + timedelta(seconds=answer_s)
    return {
        "sla_due_at": due,
        "sla_reminder_at": routed_at + timedelta(seconds=reminder_s),
        "sla_escalate_at": due,
    }


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
    one query per timer column."""
    at = now()
    upcoming = []
    for column, notice in TIMERS:
        earliest = await _earliest(column)
        if earliest is not None and earliest <= at:
            await _fire(column, notice, at)
            earliest = await _earliest(column)
        if earliest is not None:
            upcoming.append(earliest)
    if not upcoming:
        return None
    return max(0.0, (min(upcoming) - now()).total_seconds())
