"""The public API: no login, cached. Thin: the use cases are in service.py."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get

from backend.public import service
from backend.public.caching import cached

JSON = "application/json"
STATS_MAX_AGE = 300


class PublicController(Controller):
    path = "/api/v1/public"
    tags = ["public"]
    opt = {"exclude_from_auth": True}

    @get("/complaints/{tracking_no:str}")
    async def complaint(self, request: Request, tracking_no: str) -> Response:
        """A complaint by its tracking number, as the public may see it."""
        found = await service.by_tracking_no(tracking_no)
        return cached(request, msgspec.json.encode(found), JSON)

    @get("/complaints")
    async def answered(
        self,
        request: Request,
        unit_id: str | None = None,
        kind: str | None = None,
        q: str | None = None,
        limit: str | None = None,
        cursor: str | None = None,
    ) -> Response:
        """Released and closed, non-confidential complaints with their answer, newest first."""
        page = await service.answered_list(
            unit_id=unit_id, kind=kind, q=q, limit=limit, cursor=cursor
        )
        return cached(request, msgspec.json.encode(page), JSON)

    @get("/stats")
    async def stats(self, request: Request, since: str | None = None) -> Response:
        """Per unit: counts, and per SOP step the median time and the share within the standard."""
        found = await service.stats(since)
        return cached(request, msgspec.json.encode(found), JSON, max_age=STATS_MAX_AGE)
