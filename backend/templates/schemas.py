from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType

from backend.common.fields import Id, text

Title = text(1, 200)
Body = text(1, 5000)


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title  # type: ignore[valid-type]
    body: Body  # type: ignore[valid-type]
    # Absent: a PIC's own unit, an admin's global template. Null: global (admin only).
    unit_id: Id | UnsetType | None = UNSET


class TemplatePatch(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | UnsetType = UNSET  # type: ignore[valid-type]
    body: Body | UnsetType = UNSET  # type: ignore[valid-type]
    unit_id: Id | UnsetType | None = UNSET


class TemplateOut(msgspec.Struct):
    id: int
    title: str
    body: str
    unit_id: int | None
    created_at: datetime
    updated_at: datetime
