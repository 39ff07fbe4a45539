from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from backend.common.fields import Id, text
from backend.organisation.schemas import UnitOut
from backend.triage.classify import Kind

Title = text(1, 200, description="1-200 characters, not blank")
Body = text(1, 5000, description="1-5000 characters, not blank")
Reason = text(1, 2000)
Comment = text(0, 2000, blank_ok=True)


class LocationIn(msgspec.Struct, forbid_unknown_fields=True):
    lat: Annotated[float, Meta(ge=-90, le=90)]
    lon: Annotated[float, Meta(ge=-180, le=180)]
    address: text(0, 300, blank_ok=True) | None = None


class ComplaintIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    body: Body
    kind: Kind | None = None
    category_id: Id | None = None
    is_anonymous: bool = False
    is_confidential: bool = False
    location: LocationIn | None = None


class DispatchIn(msgspec.Struct, forbid_unknown_fields=True):
    unit_id: Id
    note: Comment | None = None


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    note: Reason


class BodyIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Body


class ReleaseIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Body | None = None


class RatingIn(msgspec.Struct, forbid_unknown_fields=True):
    score: Annotated[int, Meta(ge=1, le=5)]
    comment: Comment | None = None


class CategoryRef(msgspec.Struct):
    id: int
    code: str
    name: str
    unit_id: int | None


class ReporterOut(msgspec.Struct):
    id: int
    name: str
    # Only for those lifecycle.may_see_reporter_phone allows; None otherwise.
    phone: str | None = None


class LocationOut(msgspec.Struct):
    lat: float
    lon: float
    address: str | None


class RatingOut(msgspec.Struct):
    score: int
    comment: str | None


class AttachmentOut(msgspec.Struct):
    id: int
    content_type: str
    size: int
    # "citizen" for the reporter's photos, "pic"/"admin" for a photo of an answer.
    uploader_role: str | None = None


class MessageOut(msgspec.Struct):
    id: int
    kind: str
    body: str
    author_role: str
    created_at: datetime


class EventOut(msgspec.Struct):
    type: str
    actor_role: str
    at: datetime
    from_status: str | None = None
    to_status: str | None = None


class LastStepOut(msgspec.Struct):
    """The latest step that changed the status (staff only): lets a card say
    "Dikembalikan", "Dibuka kembali" or "Ditolak DISDUKCAPIL: <reason>"."""

    type: str
    at: datetime
    unit_code: str | None = None  # decline: the unit that declined
    note: str | None = None  # decline: the reason; return: the admin's note


class ComplaintOut(msgspec.Struct):
    id: int
    tracking_no: str
    title: str
    body: str
    kind: str
    kind_source: str
    category: CategoryRef | None
    unit: UnitOut | None
    suggested_unit: UnitOut | None
    status: str
    is_anonymous: bool
    is_confidential: bool
    location: LocationOut | None
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    reporter: ReporterOut | None
    rating: RatingOut | None
    attachments: list[AttachmentOut]
    last_step: LastStepOut | None = None


class MergeIn(msgspec.Struct, forbid_unknown_fields=True):
    into: Id


class ComplaintLink(msgspec.Struct):
    """Another complaint, by number only: never its reporter or its text."""

    id: int
    tracking_no: str


class ComplaintDetailOut(ComplaintOut):
    messages: list[MessageOut] = []
    events: list[EventOut] = []
    # The complaint this one was merged into (it gets that one's answer).
    merged_into: ComplaintLink | None = None
    # Staff only: the complaints merged into this one.
    merged: list[ComplaintLink] = []


class SimilarOut(msgspec.Struct):
    """One suggestion of GET /complaints/{id}/similar. `distance_m` is an
    extension (docs/api.md): metres between the two, when both have a place."""

    complaint: ComplaintOut
    score: float
    reasons: list[str]
    distance_m: int | None


class ComplaintPage(msgspec.Struct):
    items: list[ComplaintOut]
    next_cursor: str | None
