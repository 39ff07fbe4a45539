"""The public outputs' read queries. They return `ComplaintRecord`s for the
privacy projection; the reporter's identity is read only into
`ComplaintRecord.identity`, which the projection uses to redact and never
outputs. No route reads complaint rows itself."""

from __future__ import annotations

from datetime import datetime

from backend.complaints.lifecycle import Status
from backend.complaints.tables import Complaint, ComplaintEvent, ComplaintMessage
from backend.public.privacy import ComplaintRecord
from backend.public.tables import Open311Contact

C = Complaint
ANSWERED_STATUSES = (Status.RELEASED, Status.CLOSED)

_COLUMNS = (
    C.id,
    C.created_at,
    C.updated_at,
    C.status,
    C.kind,
    C.title,
    C.is_anonymous,
    C.is_confidential,
    C.sla_due_at,
    C.released_at,
    C.location_lat,
    C.location_lon,
    C.location_address,
    C.unit,
    C.category.code.as_alias("category_code"),
    C.category.name.as_alias("category_name"),
    C.unit.code.as_alias("unit_code"),
    C.unit.name.as_alias("unit_name"),
    C.reporter.name.as_alias("identity_name"),
    C.reporter.username.as_alias("identity_username"),
    C.reporter.phone.as_alias("identity_phone"),
    C.reporter.email.as_alias("identity_email"),
)


def base_query():
    return C.select(*_COLUMNS)


async def _answers(ids: list[int]) -> dict[int, str]:
    """The latest released answer of each complaint."""
    rows = (
        await ComplaintMessage.select(ComplaintMessage.complaint, ComplaintMessage.body)
        .where(
            ComplaintMessage.complaint.is_in(ids)
            & (ComplaintMessage.kind == "answer")
            & (ComplaintMessage.visible_to_reporter == True)  # noqa: E712
        )
        .order_by(ComplaintMessage.id)
    )
    return {r["complaint"]: r["body"] for r in rows}  # later rows win


async def _steps(ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    rows = (
        await ComplaintEvent.select(
            ComplaintEvent.complaint, ComplaintEvent.type, ComplaintEvent.at
        )
        .where(ComplaintEvent.complaint.is_in(ids))
        .order_by(ComplaintEvent.id)
    )
    found: dict[int, list[tuple[str, datetime]]] = {}
    for r in rows:
        found.setdefault(r["complaint"], []).append((r["type"], r["at"]))
    return found


async def _contacts(ids: list[int]) -> dict[int, tuple[str | None, ...]]:
    rows = await Open311Contact.select(
        Open311Contact.complaint,
        Open311Contact.first_name,
        Open311Contact.last_name,
        Open311Contact.email,
        Open311Contact.phone,
    ).where(Open311Contact.complaint.is_in(ids))
    return {
        r["complaint"]: (
            r["first_name"],
            r["last_name"],
            " ".join(p for p in (r["first_name"], r["last_name"]) if p) or None,
            r["email"],
            r["phone"],
        )
        for r in rows
    }


async def records(rows: list[dict]) -> list[ComplaintRecord]:
    """Rows of `base_query()` completed with answers, steps and identity."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    answers, steps, contacts = await _answers(ids), await _steps(ids), await _contacts(ids)
    return [
        ComplaintRecord(
            id=r["id"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            status=r["status"],
            kind=r["kind"],
            title=r["title"],
            is_anonymous=bool(r["is_anonymous"]),
            is_confidential=bool(r["is_confidential"]),
            sla_due_at=r["sla_due_at"],
            released_at=r["released_at"],
            category_code=r["category_code"],
            category_name=r["category_name"],
            unit_id=r["unit"],
            unit_code=r["unit_code"],
            unit_name=r["unit_name"],
            location_lat=r["location_lat"],
            location_lon=r["location_lon"],
            location_address=r["location_address"],
            answer_body=answers.get(r["id"]),
            steps=tuple(steps.get(r["id"], ())),
            identity=(
                r["identity_name"],
                r["identity_username"],
                r["identity_phone"],
                r["identity_email"],
                *contacts.get(r["id"], ()),
            ),
        )
        for r in rows
    ]


async def by_id(complaint_id: int) -> ComplaintRecord | None:
    rows = await base_query().where(C.id == complaint_id)
    found = await records(rows)
    return found[0] if found else None


async def answered_page(
    *,
    unit_id: int | None,
    kind: str | None,
    needle: str | None,
    before_id: int | None,
    limit: int,
) -> list[ComplaintRecord]:
    """Released and closed, non-confidential complaints, newest first, at
    most `limit + 1` (the extra one says whether there is a next page)."""
    query = base_query().where(
        C.status.is_in(list(ANSWERED_STATUSES))
        & (C.is_confidential == False)  # noqa: E712
        & C.released_at.is_not_null()
    )
    if unit_id is not None:
        query = query.where(C.unit == unit_id)
    if kind:
        query = query.where(C.kind == kind)
    if needle:
        query = query.where(C.title.ilike(needle))
    if before_id is not None:
        query = query.where(C.id < before_id)
    return await records(await query.order_by(C.id, ascending=False).limit(limit + 1))


async def open311_requests(
    *,
    ids: list[int] | None,
    category_codes: list[str] | None,
    statuses: list[str] | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[ComplaintRecord]:
    """Non-confidential complaints for Open311: confidential ones are never listed."""
    query = base_query().where(C.is_confidential == False)  # noqa: E712
    if ids is not None:
        query = query.where(C.id.is_in(ids or [-1]))
    if category_codes:
        query = query.where(C.category.code.is_in(category_codes))
    if statuses:
        query = query.where(C.status.is_in(statuses))
    if start is not None:
        query = query.where(C.created_at >= start)
    if end is not None:
        query = query.where(C.created_at <= end)
    return await records(await query.order_by(C.id, ascending=False).limit(limit))
