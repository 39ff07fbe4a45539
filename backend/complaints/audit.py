"""The audit trail: every writer of a ComplaintEvent goes through here, so an
event has one shape whoever records it (a person's step, an upload, a timer)."""

from __future__ import annotations

from datetime import datetime

from backend.accounts.service import CurrentUser
from backend.common.roles import Role
from backend.complaints.tables import ComplaintEvent
from backend.database import Statement, insert_statement, run_statement


def event(
    complaint_id: int,
    type_: str,
    actor: CurrentUser | None,
    from_status: str | None,
    to_status: str | None,
    at: datetime,
    data: dict,
) -> dict:
    """One event row; `actor=None` is the system (auto-dispatch, timers)."""
    return dict(
        complaint=complaint_id,
        type=type_,
        actor=actor.id if actor else None,
        actor_role=actor.role if actor else Role.SYSTEM,
        from_status=from_status,
        to_status=to_status,
        data=data,
        at=at,
    )


def insert(events: list[dict]) -> Statement | None:
    """The INSERT for `events`, to run in the step's own transaction."""
    return insert_statement(ComplaintEvent, events)


async def record(*events: dict) -> None:
    """Write `events` now, in the caller's transaction."""
    statement = insert(list(events))
    if statement is not None:
        await run_statement(ComplaintEvent, statement)
