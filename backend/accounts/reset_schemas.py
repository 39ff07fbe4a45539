from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from backend.accounts.schemas import Email, Password
from backend.common.fields import text

# What people type: "ABCD-EFGH", "abcd efgh"; normalised before checking.
ResetCode = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9 \-]+$")]


class ForgotIn(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of the two."""

    username: text(1, 64) | None = None
    email: Email | None = None


class ResetIn(msgspec.Struct, forbid_unknown_fields=True):
    username: text(1, 64)
    code: ResetCode
    new_password: Password


class ResetCodeOut(msgspec.Struct):
    code: str
    expires_at: datetime
