"""Admin routes of the open data: Open311 contact details and the
SP4N-LAPOR! export."""

from __future__ import annotations

from datetime import timedelta

from litestar import Controller, Response, get

from backend.common.errors import BadInput
from backend.common.guards import admin_only
from backend.public import admin, lapor
from backend.public.service import parse_since


class OpenDataAdminController(Controller):
    path = "/api/v1/complaints"
    tags = ["open data"]
    guards = [admin_only]

    @get("/{complaint_id:int}/contact")
    async def contact(self, complaint_id: int) -> dict:
        """Who sent an Open311 request (name, e-mail, phone as the client gave them)."""
        return await admin.contact(complaint_id)

    @get("/export/lapor")
    async def export_lapor(
        self,
        format: str = "json",
        ids: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Response:
        """Complaints in the fields SP4N-LAPOR!'s forms ask for, as CSV or JSON."""
        if format not in ("csv", "json"):
            raise BadInput("format", "must be csv or json")
        start = parse_since(since)
        end = parse_since(until.strip(), "until") if until else None
        if end is not None and until and len(until.strip()) == 10:
            end += timedelta(days=1)  # a date includes its whole day
        records = await admin.lapor_records(admin.parse_ids(ids), start, end)
        if format == "csv":
            return Response(
                content=lapor.to_csv(records),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="lapor.csv"'},
            )
        return Response(content={"items": records}, media_type="application/json")
