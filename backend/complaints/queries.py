"""The read side of complaints: the row every answer is built from, what a
caller may see of it, the detail view, the listing and its cursors."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from backend.accounts.service import CurrentUser
from backend.common.errors import BadInput, NotFound
from backend.common.fields import MAX_ID
from backend.common.roles import Caller, Role
from backend.complaints import lifecycle as rules
from backend.complaints import search
from backend.complaints.lifecycle import ComplaintFacts, Status
from backend.complaints.schemas import (
    AttachmentOut,
    CategoryRef,
    ComplaintDetailOut,
    ComplaintLink,
    ComplaintOut,
    ComplaintPage,
    EventOut,
    LastStepOut,
    LocationOut,
    MessageOut,
    RatingOut,
    ReporterOut,
)
from backend.complaints.tables import Attachment, Complaint, ComplaintEvent, ComplaintMessage
from backend.complaints.tracking import parse as parse_tracking_no
from backend.complaints.tracking import tracking_no
from backend.database import json_column
from backend.organisation.schemas import UnitOut
from backend.organisation.tables import Unit

C = Complaint
COLUMNS = (
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
    C.reporter.phone.as_alias("reporter_phone"),
)


def facts(row: dict) -> ComplaintFacts:
    return ComplaintFacts(
        reporter_id=row["reporter"],
        unit_id=row["unit"],
        status=Status(row["status"]),
        is_anonymous=bool(row["is_anonymous"]),
        is_confidential=bool(row["is_confidential"]),
    )


def to_out(
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
            ReporterOut(
                id=row["reporter"],
                name=row["reporter_name"],
                # submit's freshly built row has no phone: the reporter sees it later.
                phone=row.get("reporter_phone")
                if rules.may_see_reporter_phone(caller, f)
                else None,
            )
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


async def load(complaint_id: int) -> dict | None:
    return await C.select(*COLUMNS).where(C.id == complaint_id).first()


async def by_scope(scope: str) -> dict | None:
    """The complaint an idempotent submission already created, if any."""
    return await C.select(*COLUMNS).where(C.idempotency_scope == scope).first()


async def visible_row(caller: Caller, complaint_id: int) -> dict:
    row = await load(complaint_id)
    if row is None or not rules.can_see(caller, facts(row)):
        # The same answer whether it is missing or hidden: never leak existence.
        raise NotFound(f"no complaint with id {complaint_id}")
    return row


async def visible_complaint_row(user: CurrentUser, complaint_id: int) -> dict:
    return await visible_row(user.caller, complaint_id)


async def _attachments(caller: Caller, complaints: list[dict]) -> dict[int, list[AttachmentOut]]:
    if not complaints:
        return {}
    by_id = {c["id"]: facts(c) for c in complaints}
    rows = (
        await Attachment.select(
            Attachment.id,
            Attachment.complaint,
            Attachment.content_type,
            Attachment.size,
            Attachment.uploader.role.as_alias("uploader_role"),
        )
        .where(Attachment.complaint.is_in(list(by_id)))
        .order_by(Attachment.id)
    )
    found: dict[int, list[AttachmentOut]] = {}
    for r in rows:
        if not rules.may_see_attachment(caller, by_id[r["complaint"]], r["uploader_role"]):
            continue
        found.setdefault(r["complaint"], []).append(
            AttachmentOut(
                id=r["id"],
                content_type=r["content_type"],
                size=r["size"],
                uploader_role=r["uploader_role"],
            )
        )
    return found


async def _last_steps(caller: Caller, complaint_ids: list[int]) -> dict[int, LastStepOut]:
    """The latest status-changing event of each complaint, for staff only: the
    notes it carries are internal (a decline's reason, a return's note)."""
    if not complaint_ids or caller.role not in (Role.ADMIN, Role.PIC):
        return {}
    E = ComplaintEvent
    rows = (
        await E.select(E.complaint, E.type, E.at, E.data)
        .where(E.complaint.is_in(complaint_ids) & (E.from_status != E.to_status))
        .order_by(E.id)
    )
    latest = {r["complaint"]: r for r in rows}  # ordered by id: the last one wins
    unit_ids = set()
    for r in latest.values():
        r["data"] = json_column(r["data"], {}) or {}
        if r["type"] == "decline" and r["data"].get("unit_id"):
            unit_ids.add(r["data"]["unit_id"])
    codes = {}
    if unit_ids:
        codes = {
            u["id"]: u["code"]
            for u in await Unit.select(Unit.id, Unit.code).where(Unit.id.is_in(list(unit_ids)))
        }
    return {
        cid: LastStepOut(
            type=r["type"],
            at=r["at"],
            unit_code=codes.get(r["data"].get("unit_id")) if r["type"] == "decline" else None,
            note=r["data"].get("reason") or r["data"].get("note"),
        )
        for cid, r in latest.items()
    }
async def list_items(caller: Caller, rows: list[dict]) -> list[ComplaintOut]:
    """Rows loaded with COLUMNS as list items, in the order given."""
    files = await _attachments(caller, rows)
    steps = await _last_steps(caller, [r["id"] for r in rows])
    return [to_out(r, caller, files.get(r["id"], []), last_step=steps.get(r["id"])) for r in rows]


async def get_detail(user: CurrentUser, complaint_id: int) -> ComplaintDetailOut:
    caller = user.caller
    row = await visible_row(caller, complaint_id)
    return await detail(caller, row)


async def _links(where) -> list[ComplaintLink]:
    rows = await C.select(C.id, C.created_at).where(where).order_by(C.id)
    return [
        ComplaintLink(id=r["id"], tracking_no=tracking_no(r["id"], r["created_at"])) for r in rows
    ]


async def merge_links(caller: Caller, row: dict) -> dict[str, Any]:
    """The one this complaint follows (for whoever sees it) and, for staff, the
    ones that follow it. Numbers only: no reporter sees another's complaint."""
    links: dict[str, Any] = {}
    if row["merged_into"]:
        links["merged_into"] = next(iter(await _links(C.id == row["merged_into"])), None)
    if caller.role in (Role.ADMIN, Role.PIC, Role.SYSTEM):
        links["merged"] = await _links(C.merged_into == row["id"])
    return links


async def detail(caller: Caller, row: dict) -> ComplaintDetailOut:
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
    return to_out(
        row,
        caller,
        (await _attachments(caller, [row])).get(complaint_id, []),
        cls=ComplaintDetailOut,
        last_step=(await _last_steps(caller, [complaint_id])).get(complaint_id),
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
        **await merge_links(caller, row),
    )


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


def list_query(
    caller: Caller,
    *,
    status: str | None = None,
    kind: str | None = None,
    unit_id: int | None = None,
    q: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
    window: bool = False,
    everything: bool = False,
    newest: int | None = None,
):
    """The listing's SELECT (one page and one row more, newest first), or
    None when `q` holds no word to look for. Each filter matches a composite
    index ending in id (see the scale migration), so a page is an index walk."""
    query = C.select(*COLUMNS)
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
            # The id finds the row; the year must match too (checked by the caller).
            query = query.where(C.id == wanted)
        elif (
            condition := search.matching(
                q,
                window=window,
                before=decode_cursor(cursor) if cursor else newest,
                everything=everything,
            )
        ) is not None:
            query = query.where(condition)
        else:
            return None  # punctuation only: no word to find
    if cursor:
        query = query.where(C.id < decode_cursor(cursor))
    return query.order_by(C.id, ascending=False).limit(limit + 1)


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
    filters = dict(status=status, kind=kind, unit_id=unit_id, q=q, limit=limit, cursor=cursor)
    words = bool(q and parse_tracking_no(q) is None)
    # A word search by an admin (no scope index to lean on) first looks at
    # the newest matches or complaints only (search.WINDOW); a short page
    # means the words are sparse there, and the retry takes all matches.
    postgres = C._meta.db.engine_type == "postgres"
    window = words and (not postgres or caller.role == Role.ADMIN)
    newest = None
    if window and postgres and not cursor:
        top = await C.select(C.id).order_by(C.id, ascending=False).first()
        newest = (top["id"] if top else 0) + 1
    query = list_query(caller, **filters, window=window, newest=newest)
    if query is None:
        return ComplaintPage(items=[], next_cursor=None)
    rows = await query
    if window and len(rows) <= limit:
        rows = await list_query(caller, **filters, everything=postgres)
    if q and parse_tracking_no(q) is not None:
        rows = [r for r in rows if tracking_no(r["id"], r["created_at"]) == q.strip().upper()]
    more = len(rows) > limit
    rows = rows[:limit]
    return ComplaintPage(
        items=await list_items(caller, rows),
        next_cursor=encode_cursor(rows[-1]["id"]) if more and rows else None,
    )
