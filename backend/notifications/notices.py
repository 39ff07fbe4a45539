"""What a notice is: a type, who receives it, and how urgently. The complaint
rules declare which step sends which notice; the outbox turns a notice into
rows per recipient."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Audience(enum.StrEnum):
    ADMINS = "admins"
    UNIT_PICS = "unit_pics"
    REPORTER = "reporter"


@dataclass(frozen=True)
class Notice:
    type: str
    audience: Audience
    urgency: str  # RFC 8030 Urgency
