from __future__ import annotations

from datetime import datetime

from litestar import Controller, get

from backend.common.guards import admin_only
from backend.stats import service
from backend.stats.service import StatsOut


class StatsController(Controller):
    path = "/api/v1/stats"
    tags = ["stats"]
    guards = [admin_only]

    @get("/")
    async def stats(self, since: datetime | None = None) -> StatsOut:
        """Counts by status, kind and unit; per SOP step (overall and per unit)
        the median and 90th percentile time and the share within the standard."""
        return await service.compute(since)
