from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, get

from backend.common.errors import BadInput
from backend.common.guards import admin_only
from backend.organisation import service as organisation
from backend.stats import service
from backend.stats.service import StatsOut


def _utc(value: datetime | None) -> datetime | None:
    # A time without a zone is read as UTC, as the API's times are written.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


async def check_range(
    since: datetime | None, until: datetime | None, unit_id: int | None
) -> tuple[datetime | None, datetime | None]:
    """The dashboard's and the export's filters: a real unit and a range
    that is not backwards. Returns the times with their zone."""
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and until <= since:
        raise BadInput("until", "must be after since")
    if unit_id is not None:
        await organisation.require_unit(unit_id)
    return since, until


class StatsController(Controller):
    path = "/api/v1/stats"
    tags = ["stats"]
    guards = [admin_only]

    @get("/")
    async def stats(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        unit_id: int | None = None,
    ) -> StatsOut:
        """Counts by status, kind and unit; per SOP step (overall and per unit)
        the median and 90th percentile time and the share within the standard.
        `since`/`until` bound when complaints were received and steps were
        completed; `unit_id` narrows to one unit."""
        since, until = await check_range(since, until, unit_id)
        return await service.compute(since, until, unit_id)
