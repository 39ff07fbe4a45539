"""Admin-only reads around the open data: an Open311 request's contact
details and complaints selected for SP4N-LAPOR!. Never used by a public route."""

from __future__ import annotations

from datetime import datetime

from backend.common.errors import BadInput, NotFound
from backend.complaints.tables import Complaint
from backend.public import lapor
from backend.public.tables import Open311Contact

C = Complaint
MAX_EXPORT = 1000


async def contact(complaint_id: int) -> dict:
    row = (
        await Open311Contact.select(
            Open311Contact.first_name,
            Open311Contact.last_name,
            Open311Contact.email,
            Open311Contact.phone,
            Open311Contact.api_key.name.as_alias("api_key_name"),
            Open311Contact.created_at,
        )
        .where(Open311Contact.complaint == complaint_id)
        .first()
    )
    if row is None:
        raise NotFound(f"complaint {complaint_id} did not come through Open311")
    return row


def parse_ids(value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        ids = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError:
        raise BadInput("ids", "must be complaint ids separated by commas") from None
    if not ids or len(ids) > MAX_EXPORT or ids[0] < 1:
        raise BadInput("ids", f"must name 1-{MAX_EXPORT} complaint ids")
    return ids


async def lapor_records(
    ids: list[int] | None, since: datetime | None, until: datetime | None
) -> list[dict]:
    if ids is None and since is None:
        raise BadInput("ids", "give ids=1,2,3 or since=YYYY-MM-DD (and until)")
    query = C.select(
        C.id,
        C.title,
        C.body,
        C.kind,
        C.created_at,
        C.is_anonymous,
        C.is_confidential,
        C.location_lat,
        C.location_lon,
        C.location_address,
        C.category.name.as_alias("category_name"),
        C.unit.name.as_alias("unit_name"),
        C.reporter.name.as_alias("reporter_name"),
        C.reporter.email.as_alias("reporter_email"),
        C.reporter.phone.as_alias("reporter_phone"),
    )
    if ids is not None:
        query = query.where(C.id.is_in(ids))
    if since is not None:
        query = query.where(C.created_at >= since)
    if until is not None:
        query = query.where(C.created_at < until)
    rows = await query.order_by(C.id).limit(MAX_EXPORT)
    contacts = {
        r["complaint"]: r
        for r in await Open311Contact.select().where(
            Open311Contact.complaint.is_in([r["id"] for r in rows] or [-1])
        )
    }
    for row in rows:
        # An Open311 request's reporter is the system account; its person is the contact.
        if (c := contacts.get(row["id"])) is not None:
            row["reporter_name"] = " ".join(p for p in (c["first_name"], c["last_name"]) if p)
            row["reporter_email"], row["reporter_phone"] = c["email"], c["phone"]
    return [lapor.lapor_record(r) for r in rows]
