"""A citizen submits a complaint: triage (category, kind, auto-dispatch), then
in ONE statement chain the complaint, its audit events and its outbox rows;
after the commit, the change is announced."""

from __future__ import annotations

import itertools
from typing import Any

from backend.accounts.service import CurrentUser
from backend.common.clock import now
from backend.common.errors import BadInput
from backend.common.roles import Role
from backend.complaints import audit, durations, queries
from backend.complaints import lifecycle as rules
from backend.complaints.lifecycle import Action, Status
from backend.complaints.schemas import ComplaintDetailOut, ComplaintIn, EventOut
from backend.complaints.sla import start_clock
from backend.complaints.tables import Complaint
from backend.complaints.tracking import tracking_no
from backend.database import current_engine, insert_chain, is_unique_violation
from backend.notifications import outbox, signals
from backend.organisation import service as organisation
from backend.triage.classify import classify_kind

C = Complaint
# The complaint's column names, read once (Piccolo's all_columns() copies
# every column, and a ForeignKey's attributes go through a proxy).
_COLUMN_NAMES = tuple(column._meta.name for column in C._meta.columns)


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
    if scope and (first := await queries.by_scope(scope)):
        return await queries.detail(caller, first), True

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
        values.update(routed_at=at, **(await start_clock(at)))

    def after_insert(rows: list[dict]) -> list:
        # Runs inside the transaction, once the new id is known.
        new_id = rows[0]["id"]
        ref = outbox.ComplaintRef(new_id, tracking_no(new_id, at), title, user.id, auto_unit)
        events = [
            audit.event(
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
                audit.event(
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
        # Auto-dispatch ends the received-to-routed step at once (0 s).
        measured = [
            durations.step_row(
                new_id,
                durations.ClockEvent(e["type"], e["to_status"], e["at"]),
                durations.ClockEvent(n["type"], n["to_status"], n["at"]),
                n["data"],
            )
            for e, n in itertools.pairwise(events)
        ]
        steps = durations.insert([m for m in measured if m])
        return [s for s in (audit.insert(events), steps) if s] + notifications

    try:
        rows = await insert_chain(current_engine(), C, values, after_insert)
    except Exception as exc:
        if scope and is_unique_violation(exc) and (first := await queries.by_scope(scope)):
            return await queries.detail(caller, first), True  # lost a race with its own replay
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
    return (
        queries.to_out(row, caller, [], cls=ComplaintDetailOut, messages=[], events=events),
        False,
    )


def _fresh_row(values: dict, new_id: int, category, units: dict, reporter_name: str) -> dict:
    """The row `queries.load` would return for a complaint just inserted."""
    unit = units.get(values["unit"]) if values["unit"] else None
    suggested = units.get(category.unit_id) if category and category.unit_id else None
    row = dict.fromkeys(_COLUMN_NAMES)
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
