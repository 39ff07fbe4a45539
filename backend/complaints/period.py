"""The filters the dashboard and the CSV export share: a time range and a
unit, checked so bad values are a 400 naming the field."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.common.errors import BadInput
from backend.organisation import service as organisation


def _utc(value: datetime | None) -> datetime | None:
    # A time without a zone is read as UTC, as the API's times are written.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


async def check_range(
    since: datetime | None, until: datetime | None, unit_id: int | None
) -> tuple[datetime | None, datetime | None]:
    """A real unit and a range that is not backwards; returns the times with
    their zone."""
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and until <= since:
        raise BadInput("until", "must be after since")
    if unit_id is not None:
        await organisation.require_unit(unit_id)
    return since, until
