from __future__ import annotations

from datetime import datetime

from litestar import Controller, get

from backend.common.fields import QueryId
from backend.common.guards import admin_only
from backend.complaints.period import check_range
from backend.stats import service
from backend.stats.service import StatsOut


class StatsController(Controller):
    path = "/api/v1/stats"
    tags = ["stats"]
    guards = [admin_only]

    @get("/")
    async def stats(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        unit_id: QueryId = None,
    ) -> StatsOut:
        """Counts by status, kind and unit; per SOP step (overall and per unit)
        the median and 90th percentile time and the share within the standard.
        `since`/`until` bound when complaints were received and steps were
        completed; `unit_id` narrows to one unit."""
        since, until = await check_range(since, until, unit_id)
        return await service.compute(since, until, unit_id)
