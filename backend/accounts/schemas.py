from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from backend.common.fields import Id, text

Username = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="3-64 letters, digits, '_', '.', '-'",
    ),
]
Password = Annotated[str, Meta(min_length=8, max_length=128, description="at least 8 characters")]
PersonName = text(1, 120)
# The pattern alone bounds the length (at most 32); a separate max_length would
# only trip schema fuzzers that merge the two (schemathesis 3.x).
Phone = Annotated[str, Meta(pattern=r"^\+?[0-9 \-]{6,31}$")]
Email = Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
StaffRole = Literal["pic", "admin"]


class RegisterIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password
    name: PersonName
    phone: Phone | None = None
    email: Email | None = None


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    username: text(1, 64)
    password: Annotated[str, Meta(min_length=1, max_length=128)]


class UserOut(msgspec.Struct):
    id: int
    username: str
    name: str
    role: str
    unit_id: int | None


class UserRowOut(UserOut):
    """A row of the admin's user list: with whether the account may log in."""

    is_active: bool


class LoginOut(msgspec.Struct):
    token: str
    user: UserOut


class CreateUserIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password
    name: PersonName
    role: StaffRole
    unit_id: Id | None = None
    phone: Phone | None = None
    email: Email | None = None


class UpdateUserIn(msgspec.Struct, forbid_unknown_fields=True):
    """Extension: an admin renames, moves, re-passwords or deactivates staff."""

    name: PersonName | None = None
    unit_id: Id | None = None
    password: Password | None = None
    is_active: bool | None = None
