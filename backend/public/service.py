"""The public API's use cases: read through queries.py, out through the
privacy projection. Input is checked here, with errors naming the field."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, date, datetime

from backend.common.errors import BadInput, NotFound
from backend.complaints.lifecycle import Status
from backend.complaints.tracking import parse as parse_tracking_no
from backend.complaints.tracking import tracking_no
from backend.organisation.tables import Unit
from backend.public import queries
from backend.public.privacy import project
from backend.public.schemas import (
    PublicComplaint,
    PublicPage,
    PublicStats,
    PublicStepStats,
    PublicUnit,
    PublicUnitCounts,
    PublicUnitStats,
)
from backend.stats import service as sop_stats
from backend.triage.classify import Kind

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
OPEN = {Status.RECEIVED, Status.ROUTED, Status.ANSWERED}
ANSWERED = {Status.RELEASED, Status.CLOSED}
# A search for a long number could confirm a masked phone or NIK number.
_LONG_NUMBER = re.compile(r"\d[\d .\-]{3,}\d")
_CURSOR_PREFIX = "pub:"


async def by_tracking_no(number: str) -> PublicComplaint:
    complaint_id = parse_tracking_no(number)
    record = await queries.by_id(complaint_id) if complaint_id is not None else None
    # The year is part of the number: UPIK-2025-000007 is not UPIK-2026-000007.
    if record is None or tracking_no(record.id, record.created_at) != number.strip().upper():
        raise NotFound(f"no complaint with tracking number {number!r}")
    return project(record)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError
        value = int(raw.removeprefix(_CURSOR_PREFIX))
        if value < 1:
            raise ValueError
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadInput("cursor", "is not a cursor this server gave out") from None


def parse_positive_int(value: str | None, field: str, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadInput(field, f"must be a whole number, got {value!r}") from None
    if number < 1:
        raise BadInput(field, "must be at least 1")
    return number


def parse_kind(value: str | None) -> str | None:
    if not value:
        return None
    if value not in {k.value for k in Kind}:
        raise BadInput("kind", "must be one of " + ", ".join(k.value for k in Kind))
    return value


def search_needle(q: str | None) -> str | None:
    if q is None or not q.strip():
        return None
    q = q.strip()
    if len(q) > 100:
        raise BadInput("q", "must be at most 100 characters")
    if _LONG_NUMBER.search(q):
        raise BadInput("q", "may not contain long numbers (personal numbers are masked)")
    # LIKE wildcards typed by a user are taken as plain spaces.
    return "%" + q.replace("%", " ").replace("_", " ") + "%"


async def answered_list(
    *,
    unit_id: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    limit: str | None = None,
    cursor: str | None = None,
) -> PublicPage:
    size = parse_positive_int(limit, "limit", DEFAULT_LIMIT)
    if size > MAX_LIMIT:
        raise BadInput("limit", f"must be at most {MAX_LIMIT}")
    found = await queries.answered_page(
        unit_id=parse_positive_int(unit_id, "unit_id"),
        kind=parse_kind(kind),
        needle=search_needle(q),
        before_id=decode_cursor(cursor) if cursor else None,
        limit=size,
    )
    page = found[:size]
    return PublicPage(
        items=[project(r) for r in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > size else None,
    )


def parse_since(value: str | None, field: str = "since") -> datetime | None:
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(field, "must be a date (2026-01-31) or an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def stats(since: str | None = None) -> PublicStats:
    start = parse_since(since)
    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name)}
    counts: dict[int, dict[str, int]] = {}
    # From the dashboard's running counts: no complaint row is read.
    for row in await sop_stats.complaint_counts(start):
        if not row["unit"] or not row["n"]:
            continue
        bucket = counts.setdefault(
            row["unit"], {"total": 0, "open": 0, "answered": 0, "rejected": 0}
        )
        bucket["total"] += row["n"]
        if row["status"] in OPEN:
            bucket["open"] += row["n"]
        elif row["status"] in ANSWERED:
            bucket["answered"] += row["n"]
        elif row["status"] == Status.REJECTED:
            bucket["rejected"] += row["n"]
    # The step timings are the SOP statistics' own (aggregates only).
    timings = {u.unit_id: u.steps for u in (await sop_stats.compute(start)).units}
    result = []
    for unit_id in sorted(set(counts) | set(timings)):
        if unit_id not in units:
            continue
        u = units[unit_id]
        result.append(
            PublicUnitStats(
                unit=PublicUnit(id=unit_id, code=u["code"], name=u["name"]),
                counts=PublicUnitCounts(
                    **counts.get(unit_id, {"total": 0, "open": 0, "answered": 0, "rejected": 0})
                ),
                steps=[
                    PublicStepStats(
                        step=s.step,
                        standard_seconds=s.standard_seconds,
                        count=s.count,
                        median_seconds=s.median_seconds,
                        within_standard=s.within_standard,
                    )
                    for s in timings.get(unit_id, [])
                ],
            )
        )
    return PublicStats(since=start, units=result)
