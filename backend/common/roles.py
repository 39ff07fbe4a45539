"""Who is acting: the four roles and the caller the rules are asked about.

Shared by accounts (who logs in), the complaint rules (who may take a step),
the guards, the outbox and the live stream; it imports nothing of theirs."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    PIC = "pic"
    ADMIN = "admin"
    SYSTEM = "system"  # auto-dispatch and timers: no person took the step


@dataclass(frozen=True)
class Caller:
    user_id: int
    role: Role
    unit_id: int | None = None
