"""What the public sees of a complaint. Nothing here can hold a reporter's
identity: no name, username, phone, e-mail, photo or free body text."""

from __future__ import annotations

from datetime import datetime

import msgspec


class PublicUnit(msgspec.Struct):
    id: int
    code: str
    name: str


class PublicCategory(msgspec.Struct):
    code: str
    name: str


class PublicStep(msgspec.Struct):
    type: str
    at: datetime


class PublicAnswer(msgspec.Struct):
    body: str
    released_at: datetime | None


class PublicLocation(msgspec.Struct):
    lat: float | None
    lon: float | None
    address: str | None


class PublicComplaint(msgspec.Struct):
    tracking_no: str
    status: str
    kind: str | None
    lapor_type: str | None  # SP4N-LAPOR!: pengaduan | aspirasi | permintaan informasi
    title: str | None
    category: PublicCategory | None
    unit: PublicUnit | None
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    steps: list[PublicStep]
    answer: PublicAnswer | None
    location: PublicLocation | None
    is_confidential: bool


class PublicPage(msgspec.Struct):
    items: list[PublicComplaint]
    next_cursor: str | None


class PublicStepStats(msgspec.Struct):
    step: str
    standard_seconds: int
    count: int
    median_seconds: float | None
    within_standard: float | None


class PublicUnitCounts(msgspec.Struct):
    total: int
    open: int
    answered: int
    rejected: int


class PublicUnitStats(msgspec.Struct):
    unit: PublicUnit
    counts: PublicUnitCounts
    steps: list[PublicStepStats]


class PublicStats(msgspec.Struct):
    since: datetime | None
    units: list[PublicUnitStats]
