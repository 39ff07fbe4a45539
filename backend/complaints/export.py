"""The admins' CSV export: one line per complaint, oldest first, read a page
at a time by id (keyset), so a million rows stream in constant memory.

No reporter identity at all, for any complaint: the export leaves the system
(spreadsheets, e-mail), and the analyses it is for need none. Anonymous and
confidential complaints could never be told apart from the others by a
blank column this way either."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime

from backend.common.clock import now
from backend.complaints.tables import Complaint
from backend.complaints.tracking import tracking_no

C = Complaint
PAGE = 1000
HEADER = [
    "tracking_no",
    "received_at",
    "routed_at",
    "answered_at",
    "released_at",
    "kind",
    "category",
    "unit",
    "status",
    "sla_met",
    "rating",
]
COLUMNS = (
    C.id,
    C.created_at,
    C.routed_at,
    C.answered_at,
    C.released_at,
    C.kind,
    C.category.name.as_alias("category_name"),
    C.unit.code.as_alias("unit_code"),
    C.status,
    C.sla_due_at,
    C.rating_score,
)


def _time(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def sla_met(row: dict, at: datetime) -> str:
    """yes: answered by the deadline; no: answered late, or still unanswered
    past it; empty: no deadline (never routed) or not yet due."""
    due = row["sla_due_at"]
    if due is None:
        return ""
    answered = row["answered_at"]
    # An answer before the latest routing (it was returned) is not this routing's.
    if answered is not None and (row["routed_at"] is None or answered >= row["routed_at"]):
        return "yes" if answered <= due else "no"
    return "no" if at > due else ""


def _line(row: dict, at: datetime) -> list:
    return [
        tracking_no(row["id"], row["created_at"]),
        _time(row["created_at"]),
        _time(row["routed_at"]),
        _time(row["answered_at"]),
        _time(row["released_at"]),
        row["kind"],
        row["category_name"] or "",
        row["unit_code"] or "",
        row["status"],
        sla_met(row, at),
        row["rating_score"] if row["rating_score"] is not None else "",
    ]


async def csv_lines(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    unit_id: int | None = None,
    status: str | None = None,
) -> AsyncIterator[bytes]:
    """The CSV, header first, then one chunk per page of complaints."""
    at = now()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield buffer.getvalue().encode()
    last = 0
    while True:
        query = C.select(*COLUMNS).where(C.id > last)
        if since is not None:
            query = query.where(C.created_at >= since)
        if until is not None:
            query = query.where(C.created_at < until)
        if unit_id is not None:
            query = query.where(C.unit == unit_id)
        if status:
            query = query.where(C.status == status)
        rows = await query.order_by(C.id).limit(PAGE)
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_line(r, at) for r in rows)
        yield buffer.getvalue().encode()
        last = rows[-1]["id"]
