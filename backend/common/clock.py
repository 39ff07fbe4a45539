"""The one clock every use case asks. Tests that must move time (the answer
clock across a weekend, a timer due at night) set it; nothing sleeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    return _source() if _source is not None else datetime.now(UTC)


def set_source(source: Callable[[], datetime] | None) -> None:
    """Make `now()` ask `source` (a function returning an aware datetime); None
    goes back to the wall clock."""
    global _source
    _source = source
