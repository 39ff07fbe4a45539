"""What a password may not be (contract v2, "Accounts, tightened"): one of the
commonly used passwords, or the username. The length rule lives in the
schema. The list ships with the package (data/NOTICE says where it is from):
no network call at run time."""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

from backend.common.errors import BadInput

COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common-passwords.txt.gz"


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def check(password: str, username: str, field: str = "password") -> None:
    """Raises BadInput naming `field` and the rule it breaks."""
    candidate = password.strip().lower()
    if candidate == username.strip().lower():
        raise BadInput(field, "must not be the username", code="username_as_password")
    if candidate in common_passwords():
        raise BadInput(
            field,
            "is one of the commonly used passwords; choose another",
            code="common_password",
        )
