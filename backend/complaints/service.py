"""Use cases of the complaint SOP. Each one: check the rules (lifecycle.py),
then in ONE transaction change the complaint, write its audit event and its
outbox rows; after the commit, announce the change."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from backend.accounts.service import CurrentUser
from backend.common.clock import now
from backend.common.errors import BadInput, NotFound
from backend.common.fields import MAX_ID
from backend.complaints import lifecycle as rules
from backend.complaints.classify import classify_kind
from backend.complaints.lifecycle import Action, Caller, ComplaintFacts, Role, Status
from backend.complaints.schemas import (
    AttachmentOut,
    CategoryRef,
    ComplaintDetailOut,
    ComplaintIn,
    ComplaintOut,
    ComplaintPage,
    EventOut,
    LocationOut,
    MessageOut,
    RatingOut,
    ReporterOut,
)
from backend.complaints.tables import Attachment, Complaint, ComplaintEvent, ComplaintMessage
from backend.complaints.tracking import parse as parse_tracking_no
from backend.complaints.tracking import tracking_no
from backend.database import (
    Statement,
    compiled,
    current_engine,
    insert_chain,
    insert_statement,
    is_unique_violation,
    write_chain,
)
from backend.notifications import outbox, signals
from backend.organisation import service as organisation
from backend.organisation.schemas import UnitOut
from backend.settings import get_settings

C = Complaint
_COLUMNS = (
    *C.all_columns(),
    C.category.code.as_alias("category_code"),
    C.category.name.as_alias("category_name"),
    C.category.unit.as_alias("category_unit"),
    C.unit.code.as_alias("unit_code"),
    C.unit.name.as_alias("unit_name"),
    C.unit.kind.as_alias("unit_kind"),
    C.category.unit.code.as_alias("suggested_code"),
    C.category.unit.name.as_alias("suggested_name"),
    C.category.unit.kind.as_alias("suggested_kind"),
    C.reporter.name.as_alias("reporter_name"),
)


def facts(row: dict) -> ComplaintFacts:
    return ComplaintFacts(
        reporter_id=row["reporter"],
        unit_id=row["unit"],
        status=Status(row["status"]),
        is_anonymous=bool(row["is_anonymous"]),
        is_confidential=bool(row["is_confidential"]),
    )


def _ref(row: dict, unit_id: int | None) -> outbox.ComplaintRef:
    return outbox.ComplaintRef(
        id=row["id"],
        tracking_no=tracking_no(row["id"], row["created_at"]),
        title=row["title"],
        reporter_id=row["reporter"],
        unit_id=unit_id,
    )


def _to_out(
    row: dict,
    caller: Caller,
    attachments: list[AttachmentOut],
    cls: type = ComplaintOut,
    **extra: Any,
) -> Any:
    f = facts(row)
    unit = (
        UnitOut(id=row["unit"], code=row["unit_code"], name=row["unit_name"], kind=row["unit_kind"])
        if row["unit"]
        else None
    )
    suggested = (
        UnitOut(
            id=row["category_unit"],
            code=row["suggested_code"],
            name=row["suggested_name"],
            kind=row["suggested_kind"],
        )
        if row["category_unit"] and not row["unit"]
        else None
    )
    return cls(
        id=row["id"],
        tracking_no=tracking_no(row["id"], row["created_at"]),
        title=row["title"],
        body=row["body"],
        kind=row["kind"],
        kind_source=row["kind_source"],
        category=(
            CategoryRef(
                id=row["category"],
                code=row["category_code"],
                name=row["category_name"],
                unit_id=row["category_unit"],
            )
            if row["category"]
            else None
        ),
        unit=unit,
        suggested_unit=suggested,
        status=row["status"],
        is_anonymous=bool(row["is_anonymous"]),
        is_confidential=bool(row["is_confidential"]),
        location=(
            LocationOut(
                lat=row["location_lat"], lon=row["location_lon"], address=row["location_address"]
            )
            if row["location_lat"] is not None
            else None
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        sla_due_at=row["sla_due_at"] if row["status"] == Status.ROUTED else None,
        reporter=(
            ReporterOut(id=row["reporter"], name=row["reporter_name"])
            if rules.may_see_reporter(caller, f)
            else None
        ),
        rating=(
            RatingOut(score=row["rating_score"], comment=row["rating_comment"])
            if row["rating_score"] is not None
            else None
        ),
        attachments=attachments,
        **extra,
    )


async def _load(complaint_id: int) -> dict | None:
    return await C.select(*_COLUMNS).where(C.id == complaint_id).first()


async def _visible_row(caller: Caller, complaint_id: int) -> dict:
    row = await _load(complaint_id)
    if row is None or not rules.can_see(caller, facts(row)):
        # The same answer whether it is missing or hidden: never leak existence.
        raise NotFound(f"no complaint with id {complaint_id}")
    return row


async def _attachments(complaint_ids: list[int]) -> dict[int, list[AttachmentOut]]:
    if not complaint_ids:
        return {}
    rows = (
        await Attachment.select(
            Attachment.id, Attachment.complaint, Attachment.content_type, Attachment.size
        )
        .where(Attachment.complaint.is_in(complaint_ids))
        .order_by(Attachment.id)
    )
    found: dict[int, list[AttachmentOut]] = {}
    for r in rows:
        found.setdefault(r["complaint"], []).append(
            AttachmentOut(id=r["id"], content_type=r["content_type"], size=r["size"])
        )
    return found


async def get_detail(user: CurrentUser, complaint_id: int) -> ComplaintDetailOut:
    caller = user.caller
    row = await _visible_row(caller, complaint_id)
    return await _detail(caller, row)


async def _detail(caller: Caller, row: dict) -> ComplaintDetailOut:
    complaint_id = row["id"]
    messages = ComplaintMessage.select().where(ComplaintMessage.complaint == complaint_id)
    if caller.user_id == row["reporter"] and caller.role == Role.CITIZEN:
        # Unreleased answers and internal notes never reach the reporter.
        messages = messages.where(ComplaintMessage.visible_to_reporter == True)  # noqa: E712
    message_rows = await messages.order_by(ComplaintMessage.id)
    event_rows = (
        await ComplaintEvent.select()
        .where(ComplaintEvent.complaint == complaint_id)
        .order_by(ComplaintEvent.id)
    )
    return _to_out(
        row,
        caller,
        (await _attachments([complaint_id])).get(complaint_id, []),
        cls=ComplaintDetailOut,
        messages=[
            MessageOut(
                id=m["id"],
                kind=m["kind"],
                body=m["body"],
                author_role=m["author_role"],
                created_at=m["created_at"],
            )
            for m in message_rows
        ],
        events=[
            EventOut(
                type=e["type"],
                actor_role=e["actor_role"],
                at=e["at"],
                from_status=e["from_status"],
                to_status=e["to_status"],
            )
            for e in event_rows
        ],
    )


# --- submit ----------------------------------------------------------------


def _check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= 64 or not key.isascii() or not key.isprintable():
        raise BadInput("Idempotency-Key", "must be 1-64 printable ASCII characters")
    return key


async def submit(
    user: CurrentUser, data: ComplaintIn, idempotency_key: str | None = None
) -> tuple[ComplaintDetailOut, bool]:
    """Record a citizen's complaint. Returns (complaint, replayed)."""
    caller = user.caller
    if caller.role != Role.CITIZEN:
        raise rules.NotAllowed(f"a {caller.role} may not submit complaints; citizens do")
    key = _check_idempotency_key(idempotency_key)
    scope = f"{user.id}:{key}" if key else None
    if scope and (first := await _by_scope(scope)):
        return await _detail(caller, first), True

    title, body = data.title.strip(), data.body.strip()
    if not title:
        raise BadInput("title", "must not be blank")
    if not body:
        raise BadInput("body", "must not be blank")
    directory = await organisation.directory.get()
    if data.category_id is not None:
        category = directory.categories.get(data.category_id)
        if category is None:
            directory = await organisation.directory.refresh()  # created a moment ago?
            category = directory.categories.get(data.category_id)
        if category is None:
            raise BadInput("category_id", f"no category with id {data.category_id}")
    else:
        rule = directory.matcher.match(title, body)
        category = directory.categories.get(rule.id) if rule else None
    kind, kind_source = (
        (data.kind, "reporter") if data.kind else (classify_kind(title, body), "system")
    )
    auto_unit = category.unit_id if category and category.auto_dispatch else None

    settings = get_settings()
    at = now()
    status = Status.ROUTED if auto_unit else Status.RECEIVED
    values: dict[str, Any] = dict(
        reporter=user.id,
        title=title,
        body=body,
        kind=kind,
        kind_source=kind_source,
        category=category.id if category else None,
        unit=auto_unit,
        status=status,
        is_anonymous=data.is_anonymous,
        is_confidential=data.is_confidential,
        location_lat=data.location.lat if data.location else None,
        location_lon=data.location.lon if data.location else None,
        location_address=data.location.address if data.location else None,
        idempotency_scope=scope,
        created_at=at,
        updated_at=at,
    )
    if auto_unit:
        values.update(
            routed_at=at,
            **outbox.sla_times(at, settings.sla_answer_seconds, settings.sla_reminder_seconds),
        )

    def after_insert(rows: list[dict]) -> list:
        # Runs inside the transaction, once the new id is known.
        new_id = rows[0]["id"]
        ref = outbox.ComplaintRef(new_id, tracking_no(new_id, at), title, user.id, auto_unit)
        events = [
            _event_row(
                new_id,
                "submit",
                user,
                None,
                Status.RECEIVED,
                at,
                {"category_id": values["category"], "kind": kind},
            )
        ]
        # An auto-dispatched complaint needs nothing from the admins: tell
        # them, but without waking anybody.
        notifications = outbox.statements(
            rules.notices_for(Action.SUBMIT, Status.RECEIVED),
            ref,
            at,
            actor_id=user.id,
            urgency="normal" if auto_unit else None,
        )
        if auto_unit:
            events.append(
                _event_row(
                    new_id,
                    "auto_dispatch",
                    None,
                    Status.RECEIVED,
                    Status.ROUTED,
                    at,
                    {"unit_id": auto_unit, "category_id": category.id},
                )
            )
            notifications += outbox.statements(
                rules.notices_for(Action.AUTO_DISPATCH, Status.ROUTED), ref, at
            )
        return [insert_statement(ComplaintEvent, events), *notifications]

    try:
        rows = await insert_chain(current_engine(), C, values, after_insert)
    except Exception as exc:
        if scope and is_unique_violation(exc) and (first := await _by_scope(scope)):
            return await _detail(caller, first), True  # lost a race with its own replay
        raise
    new_id = rows[0]["id"]
    await signals.announce(
        signals.ComplaintChanged(
            new_id,
            tracking_no(new_id, at),
            status,
            "submit",
            user.id,
            frozenset({auto_unit} if auto_unit else ()),
        )
    )
    # Everything the answer needs is known: no need to read it all back.
    events = [EventOut(type="submit", actor_role=user.role, at=at, to_status=Status.RECEIVED)]
    if auto_unit:
        events.append(
            EventOut(
                type="auto_dispatch",
                actor_role=Role.SYSTEM,
                at=at,
                from_status=Status.RECEIVED,
                to_status=Status.ROUTED,
            )
        )
    row = _fresh_row(values, new_id, category, directory.units, user.name)
    return _to_out(row, caller, [], cls=ComplaintDetailOut, messages=[], events=events), False


def _fresh_row(values: dict, new_id: int, category, units: dict, reporter_name: str) -> dict:
    """The row `_load` would return for a complaint just inserted."""
    unit = units.get(values["unit"]) if values["unit"] else None
    suggested = units.get(category.unit_id) if category and category.unit_id else None
    row = {column._meta.name: None for column in C.all_columns()}
    row.update(values, id=new_id)
    row.update(
        category_code=category.code if category else None,
        category_name=category.name if category else None,
        category_unit=category.unit_id if category else None,
        unit_code=unit.code if unit else None,
        unit_name=unit.name if unit else None,
        unit_kind=unit.kind if unit else None,
        suggested_code=suggested.code if suggested else None,
        suggested_name=suggested.name if suggested else None,
        suggested_kind=suggested.kind if suggested else None,
        reporter_name=reporter_name,
    )
    return row


async def _by_scope(scope: str) -> dict | None:
    return await C.select(*_COLUMNS).where(C.idempotency_scope == scope).first()


def _event_row(
    complaint_id: int,
    type_: str,
    actor: CurrentUser | None,
    from_status: Status | None,
    to_status: Status | None,
    at,
    data: dict,
) -> dict:
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


# --- the steps after submission ------------------------------------------


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


async def _step(
    user: CurrentUser,
    complaint_id: int,
    action: Action,
    plan_for: Callable[[dict], Awaitable[StepPlan]],
) -> ComplaintDetailOut:
    caller = user.caller
    if not rules.role_may(caller.role, action):
        raise rules.NotAllowed(f"a {caller.role} may not {action} complaints")
    row = await _visible_row(caller, complaint_id)
    edge = rules.check(caller, action, facts(row))
    plan = await plan_for(row)
    at = now()
    before = Status(row["status"])
    values = {C.updated_at: at, **plan.values}
    if rules.starts_routing(before, edge.target):
        s = get_settings()
        values.update(
            {
                C.routed_at: at,
                **{
                    getattr(C, k): v
                    for k, v in outbox.sla_times(
                        at, s.sla_answer_seconds, s.sla_reminder_seconds
                    ).items()
                },
            }
        )
    if edge.target is not None:
        values[C.status] = edge.target
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
            insert_statement(
                ComplaintEvent,
                [
                    _event_row(
                        complaint_id, action, user, before, edge.target or before, at, plan.data
                    )
                ],
            ),
            *outbox.statements(rules.notices_for(action, edge.target), ref, at, actor_id=user.id),
        ]
        return [s for s in statements if s is not None]

    try:
        await write_chain(
            current_engine(),
            compiled(
                C.update(values)
                .where((C.id == complaint_id) & (C.status == before) & same_unit)
                .returning(C.id)
            ),
            after_update,
        )
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
    return await _detail(caller, await _load(complaint_id))


def _clean(text: str, field_name: str) -> str:
    text = text.strip()
    if not text:
        raise BadInput(field_name, "must not be blank")
    return text


async def dispatch(
    user: CurrentUser, complaint_id: int, unit_id: int, note: str | None
) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        await organisation.require_unit(unit_id)
        messages = [("note", note.strip(), False)] if note and note.strip() else []
        return StepPlan(values={C.unit: unit_id}, messages=messages, data={"unit_id": unit_id})

    return await _step(user, complaint_id, Action.DISPATCH, plan)


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

    return await _step(user, complaint_id, Action.DECLINE, plan)


async def answer(user: CurrentUser, complaint_id: int, body: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        # Answered in time: the pending reminder and escalation are void.
        return StepPlan(
            values={C.answered_at: now(), C.sla_reminder_at: None, C.sla_escalate_at: None},
            messages=[("answer", _clean(body, "body"), False)],
            data={"unit_id": row["unit"]},
        )

    return await _step(user, complaint_id, Action.ANSWER, plan)


async def return_answer(user: CurrentUser, complaint_id: int, note: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            messages=[("note", _clean(note, "note"), False)],
            data={"unit_id": row["unit"], "note": note.strip()},
        )

    return await _step(user, complaint_id, Action.RETURN, plan)


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
        return StepPlan(values={C.released_at: now()}, data=data, writes=writes)

    return await _step(user, complaint_id, Action.RELEASE, plan)


async def reject(user: CurrentUser, complaint_id: int, reason: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            messages=[("rejection", _clean(reason, "reason"), True)],
            data={"reason": reason.strip()},
        )

    return await _step(user, complaint_id, Action.REJECT, plan)


async def reply(user: CurrentUser, complaint_id: int, body: str) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            messages=[("reply", _clean(body, "body"), True)], data={"unit_id": row["unit"]}
        )

    return await _step(user, complaint_id, Action.REPLY, plan)


async def rate(
    user: CurrentUser, complaint_id: int, score: int, comment: str | None
) -> ComplaintDetailOut:
    async def plan(row: dict) -> StepPlan:
        return StepPlan(
            values={C.rating_score: score, C.rating_comment: (comment or "").strip() or None},
            data={"score": score, "unit_id": row["unit"]},
        )

    return await _step(user, complaint_id, Action.RATE, plan)


# --- listing ---------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id" or not 0 < int(value) <= MAX_ID + 1:
            raise ValueError
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadInput("cursor", "is not a cursor this server gave out") from None


async def list_complaints(
    user: CurrentUser,
    *,
    status: str | None = None,
    kind: str | None = None,
    unit_id: int | None = None,
    q: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> ComplaintPage:
    caller = user.caller
    query = C.select(*_COLUMNS)
    if caller.role == Role.CITIZEN:
        query = query.where(C.reporter == caller.user_id)
    elif caller.role == Role.PIC:
        query = query.where(C.unit == caller.unit_id)
    if status:
        query = query.where(C.status == status)
    if kind:
        query = query.where(C.kind == kind)
    if unit_id is not None:
        query = query.where(C.unit == unit_id)
    if q and q.strip():
        if (wanted := parse_tracking_no(q)) is not None:
            # The id finds the row; the year must match too (checked below).
            query = query.where(C.id == wanted)
        else:
            # LIKE wildcards typed by a user are taken literally enough by dropping them.
            needle = "%" + q.strip().replace("%", " ").replace("_", " ") + "%"
            query = query.where(C.title.ilike(needle) | C.body.ilike(needle))
    if cursor:
        query = query.where(C.id < decode_cursor(cursor))
    rows = await query.order_by(C.id, ascending=False).limit(limit + 1)
    if q and parse_tracking_no(q) is not None:
        rows = [r for r in rows if tracking_no(r["id"], r["created_at"]) == q.strip().upper()]
    more = len(rows) > limit
    rows = rows[:limit]
    files = await _attachments([r["id"] for r in rows])
    return ComplaintPage(
        items=[_to_out(r, caller, files.get(r["id"], [])) for r in rows],
        next_cursor=encode_cursor(rows[-1]["id"]) if more and rows else None,
    )


async def visible_complaint_row(user: CurrentUser, complaint_id: int) -> dict:
    return await _visible_row(user.caller, complaint_id)
