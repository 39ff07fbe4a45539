"""SOP step durations, stored when the step happens (a `complaint_step` row
written in the step's own transaction), so the dashboard reads them instead
of replaying every audit event.

The rule is the one the dashboard always used, over a complaint's events in
order (the events are the truth: a complaint routed twice is measured twice):
- `submit` and `decline` start the received-to-routed clock;
- a routing event (dispatch, auto-dispatch, return, reply) into `routed`
  ends that clock and starts routed-to-answered;
- `answer` ends it and starts answered-to-released; `release` ends that.
A step is measured only when the event that ends it directly follows (among
these clock events) the one that starts it. Other events (rate, attach,
reminders) leave the clocks alone. The unit is the ending event's
`data.unit_id`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from backend.complaints.tables import ComplaintEvent, ComplaintStep
from backend.database import Statement, insert_statement

ROUTING_TYPES = ("dispatch", "auto_dispatch", "return", "reply")
RECEIVED_TO_ROUTED = "received_to_routed"
ROUTED_TO_ANSWERED = "routed_to_answered"
ANSWERED_TO_RELEASED = "answered_to_released"
STEPS = (RECEIVED_TO_ROUTED, ROUTED_TO_ANSWERED, ANSWERED_TO_RELEASED)
_CLEARED = ""  # release: a clock event that starts no clock


@dataclass(frozen=True)
class ClockEvent:
    type: str
    to_status: str | None
    at: datetime


def _is_routing(type_: str, to_status: str | None) -> bool:
    return type_ in ROUTING_TYPES and to_status == "routed"


def starts(type_: str, to_status: str | None) -> str | None:
    """The clock this event starts ("" for release, which only stops one),
    or None when the event does not touch the clocks."""
    if type_ in ("submit", "decline"):
        return RECEIVED_TO_ROUTED
    if _is_routing(type_, to_status):
        return ROUTED_TO_ANSWERED
    if type_ == "answer":
        return ANSWERED_TO_RELEASED
    if type_ == "release":
        return _CLEARED
    return None


def ends(type_: str, to_status: str | None) -> str | None:
    """The step this event completes, if any."""
    if type_ in ("submit", "decline"):
        return None
    if _is_routing(type_, to_status):
        return RECEIVED_TO_ROUTED
    if type_ == "answer":
        return ROUTED_TO_ANSWERED
    if type_ == "release":
        return ANSWERED_TO_RELEASED
    return None


def wall_seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def step_row(
    complaint_id: int,
    previous: ClockEvent | None,
    event: ClockEvent,
    data: dict,
    measure: Callable[[datetime, datetime], float] = wall_seconds,
) -> dict | None:
    """The complaint_step row `event` completes, given the complaint's
    previous clock event, or None. `measure` is how long the step took: the
    app passes office time (what the SOP standards count); the backfill of
    history and the bulk loader take wall-clock seconds."""
    step = ends(event.type, event.to_status)
    if step is None or previous is None or starts(previous.type, previous.to_status) != step:
        return None
    return dict(
        complaint=complaint_id,
        step=step,
        unit=data.get("unit_id") or None,
        started_at=previous.at,
        at=event.at,
        seconds=measure(previous.at, event.at),
    )


def insert(rows: list[dict]) -> Statement | None:
    return insert_statement(ComplaintStep, rows)


async def last_clock_event(complaint_id: int) -> ClockEvent | None:
    """The complaint's latest clock event. Read before a step's transaction:
    every clock event changes the status, and the step's compare-and-set on
    the status fails if one was written meanwhile, so this stays the latest."""
    E = ComplaintEvent
    routing = E.type.is_in(list(ROUTING_TYPES)) & (E.to_status == "routed")
    row = (
        await E.select(E.type, E.to_status, E.at)
        .where(E.complaint == complaint_id)
        .where(E.type.is_in(["submit", "decline", "answer", "release"]) | routing)
        .order_by(E.id, ascending=False)
        .first()
    )
    return ClockEvent(row["type"], row["to_status"], row["at"]) if row else None
