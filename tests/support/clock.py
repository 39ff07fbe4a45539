"""A clock tests set and move by hand (backend.common.clock asks it while it
is installed). Nothing sleeps: a test says what time it is."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta


class HandClock:
    def __init__(self, at: datetime) -> None:
        self.set(at)

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the clock tells aware times only")
        self.at = at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@contextlib.contextmanager
def hand_clock(at: datetime) -> Iterator[HandClock]:
    from backend.common import clock

    hand = HandClock(at)
    clock.set_source(hand)
    try:
        yield hand
    finally:
        clock.set_source(None)
