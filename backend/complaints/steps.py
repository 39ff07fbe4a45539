"""The steps after submission. Each one: check the rules (lifecycle.py), then
in ONE transaction change the complaint, write its audit event and its
outbox rows; after the commit, announce the change. `run_step` is the
machinery; each use case below only says what its step changes (a StepPlan)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from backend.accounts.service import CurrentUser
from backend.common.clock import now
from backend.common.errors import BadInput
from backend.complaints import audit, durations, merge, queries
from backend.complaints import lifecycle as rules
from backend.complaints.lifecycle import Action, Status
from backend.complaints.schemas import ComplaintDetailOut
from backend.complaints.sla import calendar, start_clock
from backend.complaints.tables import Complaint, ComplaintMessage
from backend.complaints.tracking import tracking_no
from backend.database import (
    Statement,
    compiled,
    current_engine,
    insert_statement,
    run_statement,
    write_chain,
    write_transaction,
)
from backend.notifications import outbox, signals
from backend.organisation import service as organisation

C = Complaint


class _Moved(Exception):
    """The complaint changed between reading it and writing the step."""


@dataclass
class StepPlan:
    """What a step changes beyond the status: columns, messages, event data,
    and any extra writes that must share the transaction."""

    values: dict = field(default_factory=dict)
    messages: list[tuple[str, str, bool]] = field(default_factory=list)  # kind, body, visible
    data: dict = field(default_factory=dict)
    writes: list[Statement] = field(default_factory=list)
    # Work that must read inside the step's transaction, after its own writes
    # (a release finds the complaints that follow it there, so none merged a
    # moment before is missed). Returns the further changes to announce.
    inside: Callable[[datetime], Awaitable[list[signals.ComplaintChanged]]] | None = None


def _ref(row: dict, unit_id: int | None) -> outbox.ComplaintRef:
    return outbox.ComplaintRef(
        id=row["id"],
        tracking_no=tracking_no(row["id"], row["created_at"]),
        title=row["title"],
        reporter_id=row["reporter"],
        unit_id=unit_id,
    )


async def run_step(
    user: CurrentUser,
    complaint_id: int,
    action: Action,
    plan_for: Callable[[dict], Awaitable[StepPlan]],
) -> ComplaintDetailOut:
    caller = user.caller
    if not rules.role_may(caller.role, action):
        raise rules.NotAllowed(f"a {caller.role} may not {action} complaints")
    row = await queries.visible_row(caller, complaint_id)
    edge = rules.check(caller, action, queries.facts(row))
    plan = await plan_for(row)
    at = now()
    before = Status(row["status"])
    values = {C.updated_at: at, **plan.values}
    if rules.starts_routing(before, edge.target):
        clock = await start_clock(at)
        values.update({C.routed_at: at, **{getattr(C, k): v for k, v in clock.items()}})
    if edge.target is not None:
        values[C.status] = edge.target
    after = edge.target or before
    measured = None
    if durations.ends(action, after) is not None:
        previous = await durations.last_clock_event(complaint_id)
        # Office time, as the answer clock counts it (UPIK_OFFICE_HOURS minus holidays).
        cal = await calendar(previous.at if previous else at)
        measured = durations.step_row(
            complaint_id,
            previous,
            durations.ClockEvent(action, after, at),
            plan.data,
            measure=cal.office_seconds_between,
        )
    unit_after = values.get(C.unit, row["unit"])
    ref = _ref(row, unit_after)
    same_unit = C.unit == row["unit"] if row["unit"] else C.unit.is_null()
    messages = [
        dict(
            complaint=complaint_id,
            author=user.id,
            author_role=user.role,
            kind=kind,
            body=body,
            visible_to_reporter=visible,
            created_at=at,
        )
        for kind, body, visible in plan.messages
    ]

    def after_update(changed: list[dict]) -> list:
        # Runs inside the transaction. Compare-and-set on the status and unit
        # read above: of two racing steps one wins, the other gets a 409, and
        # nothing is half-applied.
        if not changed:
            raise _Moved
        statements = [
            insert_statement(ComplaintMessage, messages),
            *plan.writes,
            audit.insert([audit.event(complaint_id, action, user, before, after, at, plan.data)]),
            durations.insert([measured] if measured else []),
            *outbox.statements(rules.notices_for(action, edge.target), ref, at, actor_id=user.id),
        ]
        return [s for s in statements if s is not None]

    step_update = compiled(
        C.update(values)
        .where((C.id == complaint_id) & (C.status == before) & same_unit)
        .returning(C.id)
    )
    also_changed: list[signals.ComplaintChanged] = []
    try:
        if plan.inside is None:
            await write_chain(current_engine(), step_update, after_update)
        else:
            async with write_transaction(current_engine()):
                for statement in after_update(await run_statement(C, step_update)):
                    await run_statement(C, statement)
                also_changed = await plan.inside(at)
    except _Moved:
        current = await C.select(C.status).where(C.id == complaint_id).first()
        raise rules.TransitionError(
            f"complaint moved to '{current['status']}' meanwhile; reload and retry"
        ) from None
    await signals.announce(
        signals.ComplaintChanged(
            complaint_id,
            tracking_no(row["id"], row["created_at"]),
            edge.target or before,
            str(action),
            row["reporter"],
            frozenset(u for u in (row["unit"], unit_after) if u),
        )
    )
    for change in also_changed:
        await signals.announce(change)
    return await queries.detail(caller, await queries.load(complaint_id))


def _clean(text: str, field_name: str) -> str:
    text = text.strip()
    if not text:
        raise BadInput(field_name, "must not be blank")
    return text


# --- the eight steps -------------------------------------------------------


async def dispatch(
    user: CurrentUser, complaint_id: int, unit_id: int, note: str | None
) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        await organisation.require_unit(unit_id)
        messages = [("note", note.strip(), False)] if note and note.strip() else []
        return StepPlan(values={C.unit: unit_id}, messages=messages, data={"unit_id": unit_id})

    return await run_step(user, complaint_id, Action.DISPATCH, plan)


async def decline(user: CurrentUser, complaint_id: int, reason: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            values={
                C.unit: None,
                C.sla_reminder_at: None,
                C.sla_escalate_at: None,
                C.sla_due_at: None,
            },
            messages=[("note", _clean(reason, "reason"), False)],
            data={"unit_id": row["unit"], "reason": reason.strip()},
        )

    return await run_step(user, complaint_id, Action.DECLINE, plan)


async def answer(user: CurrentUser, complaint_id: int, body: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        # Answered in time: the pending reminder and escalation are void.
        return StepPlan(
            values={C.answered_at: now(), C.sla_reminder_at: None, C.sla_escalate_at: None},
            messages=[("answer", _clean(body, "body"), False)],
            data={"unit_id": row["unit"]},
        )

    return await run_step(user, complaint_id, Action.ANSWER, plan)


async def return_answer(user: CurrentUser, complaint_id: int, note: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            messages=[("note", _clean(note, "note"), False)],
            data={"unit_id": row["unit"], "note": note.strip()},
        )

    return await run_step(user, complaint_id, Action.RETURN, plan)


async def release(user: CurrentUser, complaint_id: int, body: str | None) -> ComplaintDetailOut:
    edited = _clean(body, "body") if body is not None else None

    async def plan(row: dict) -> StepPlan:
        latest = (
            await ComplaintMessage.select(ComplaintMessage.id, ComplaintMessage.body)
            .where(
                (ComplaintMessage.complaint == complaint_id) & (ComplaintMessage.kind == "answer")
            )
            .order_by(ComplaintMessage.id, ascending=False)
            .first()
        )
        data: dict = {"unit_id": row["unit"], "edited": edited is not None}
        if latest and edited is not None and edited != latest["body"]:
            data["original_answer"] = latest["body"]  # the audit keeps what the PIC wrote

        writes = []
        if latest is not None:
            update = {ComplaintMessage.visible_to_reporter: True}
            if edited is not None:
                update[ComplaintMessage.body] = edited
            writes.append(
                compiled(ComplaintMessage.update(update).where(ComplaintMessage.id == latest["id"]))
            )
        final = edited if edited is not None else (latest["body"] if latest else None)

        async def release_followers(at: datetime) -> list[signals.ComplaintChanged]:
            return await merge.release_followers(user, row, final, at)

        return StepPlan(
            values={C.released_at: now()}, data=data, writes=writes, inside=release_followers
        )

    return await run_step(user, complaint_id, Action.RELEASE, plan)


async def reject(user: CurrentUser, complaint_id: int, reason: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            messages=[("rejection", _clean(reason, "reason"), True)],
            data={"reason": reason.strip()},
        )

    return await run_step(user, complaint_id, Action.REJECT, plan)


async def reply(user: CurrentUser, complaint_id: int, body: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            messages=[("reply", _clean(body, "body"), True)], data={"unit_id": row["unit"]}
        )

    return await run_step(user, complaint_id, Action.REPLY, plan)


async def rate(
    user: CurrentUser, complaint_id: int, score: int, comment: str | None
) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            values={C.rating_score: score, C.rating_comment: (comment or "").strip() or None},
            data={"score": score, "unit_id": row["unit"]},
        )

    return await run_step(user, complaint_id, Action.RATE, plan)
