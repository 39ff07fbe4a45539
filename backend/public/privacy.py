"""THE privacy projection: the only way a complaint reaches a public output
(the public API, Open311, the PWA's public pages).

It builds the public Structs from a read model (`ComplaintRecord`) field by
field, so anything not named here never leaks, whatever the query selected:
- never the reporter's name, username, phone, e-mail or photos;
- a confidential complaint shows only its tracking number, status and step
  times (title, kind, category, unit, answer and location are null);
- an anonymous complaint is public, without identity;
- every free text passes `public_text`: personal numbers masked and the
  reporter's known identity strings (carried in `identity`, never output)
  removed.

Pure: no database, no app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from backend.complaints.lifecycle import Status
from backend.complaints.tracking import tracking_no
from backend.public.lapor import lapor_type
from backend.public.masking import public_text
from backend.public.schemas import (
    PublicAnswer,
    PublicCategory,
    PublicComplaint,
    PublicLocation,
    PublicStep,
    PublicUnit,
)

ANSWERED = frozenset({Status.RELEASED, Status.CLOSED})


@dataclass(frozen=True)
class ComplaintRecord:
    """A complaint as the public queries read it. `identity` holds the
    reporter's name, username, phone and e-mail (and Open311 contact details)
    for redaction only; the projection never copies it out."""

    id: int
    created_at: datetime
    updated_at: datetime
    status: str
    kind: str | None
    title: str
    is_anonymous: bool
    is_confidential: bool
    sla_due_at: datetime | None
    released_at: datetime | None
    category_code: str | None = None
    category_name: str | None = None
    unit_id: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    location_lat: float | None = None
    location_lon: float | None = None
    location_address: str | None = None
    answer_body: str | None = None
    steps: tuple[tuple[str, datetime], ...] = ()
    identity: tuple[str | None, ...] = field(default=(), repr=False)


def project(record: ComplaintRecord) -> PublicComplaint:
    steps = [PublicStep(type=t, at=at) for t, at in record.steps]
    number = tracking_no(record.id, record.created_at)
    # While a unit works on it the deadline is public; afterwards it is history.
    due = record.sla_due_at if record.status == Status.ROUTED else None
    if record.is_confidential:
        return PublicComplaint(
            tracking_no=number,
            status=record.status,
            kind=None,
            lapor_type=None,
            title=None,
            category=None,
            unit=None,
            created_at=record.created_at,
            updated_at=record.updated_at,
            sla_due_at=due,
            steps=steps,
            answer=None,
            location=None,
            is_confidential=True,
        )
    identity = record.identity
    answer = None
    if record.answer_body and record.released_at is not None:
        answer = PublicAnswer(
            body=public_text(record.answer_body, identity), released_at=record.released_at
        )
    location = None
    if record.location_lat is not None or record.location_address:
        location = PublicLocation(
            lat=record.location_lat,
            lon=record.location_lon,
            address=public_text(record.location_address, identity),
        )
    return PublicComplaint(
        tracking_no=number,
        status=record.status,
        kind=record.kind,
        lapor_type=lapor_type(record.kind),
        title=public_text(record.title, identity),
        category=(
            PublicCategory(code=record.category_code, name=record.category_name)
            if record.category_code
            else None
        ),
        unit=(
            PublicUnit(id=record.unit_id, code=record.unit_code, name=record.unit_name)
            if record.unit_id
            else None
        ),
        created_at=record.created_at,
        updated_at=record.updated_at,
        sla_due_at=due,
        steps=steps,
        answer=answer,
        location=location,
        is_confidential=False,
    )
