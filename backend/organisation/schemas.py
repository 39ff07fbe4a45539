from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.common.fields import Id, text

Code = Annotated[
    str,
    Meta(
        min_length=2,
        max_length=32,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="2-32 letters, digits, '_' or '-'",
    ),
]
Name = text(1, 200)
Keyword = text(1, 80)
Keywords = Annotated[list[Keyword], Meta(max_length=200)]
UnitKind = Literal["skpd", "vertical"]


class UnitIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    name: Name
    kind: UnitKind


class UnitPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    kind: UnitKind | None = None


class UnitOut(msgspec.Struct):
    id: int
    code: str
    name: str
    kind: str


class CategoryIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    name: Name
    keywords: Keywords
    unit_id: Id
    auto_dispatch: bool = False


class CategoryPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    keywords: Keywords | None = None
    unit_id: Id | None = None
    auto_dispatch: bool | None = None


class CategoryOut(msgspec.Struct):
    id: int
    code: str
    name: str
    keywords: list[str]
    unit_id: int | None
    auto_dispatch: bool


class SuggestionOut(msgspec.Struct):
    """Extension: what the system would decide for this text, before submitting."""

    kind: str
    category: CategoryOut | None
    unit: UnitOut | None
