"""UPIK_OFFICE_HOURS: the weekly office hours the answer clock runs in.

Grammar (case-insensitive, white space free around separators):

    always
    <days> <HH:MM>-<HH:MM>[, <HH:MM>-<HH:MM>...] [; <days> <ranges>...]

where <days> is a day (`mon` .. `sun`), a range (`mon-thu`, wrapping allowed:
`fri-mon`) or a comma-free list joined by `,` (`mon,wed`). A day given twice
gets both groups' windows, which must not overlap. `24:00` may end a window.
Times are wall-clock times in Asia/Jakarta (WIB). Windows that cross midnight
are refused: a round-the-clock unit uses `always`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

VARIABLE = "UPIK_OFFICE_HOURS"
DEFAULT_SPEC = "mon-thu 07:30-16:00; fri 07:30-16:30"
WIB = ZoneInfo("Asia/Jakarta")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class OfficeHoursError(ValueError):
    """UPIK_OFFICE_HOURS cannot be read; the message names the variable and the part."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{VARIABLE}: {problem}")


@dataclass(frozen=True)
class Window:
    """One stretch of office time within a day, as wall-clock minutes [start, end)."""

    start_minute: int
    end_minute: int  # may be 1440 (24:00)


@dataclass(frozen=True)
class OfficeHours:
    """Weekly windows per weekday (0 = Monday), or `always` (every second counts)."""

    windows: tuple[tuple[Window, ...], ...]  # seven entries, Monday first
    tz: ZoneInfo = WIB
    always: bool = False

    def on(self, weekday: int) -> tuple[Window, ...]:
        return self.windows[weekday]


ALWAYS = OfficeHours(windows=((),) * 7, always=True)


def _minute(text: str, what: str, allow_24: bool) -> int:
    match = _TIME.match(text)
    if not match:
        raise OfficeHoursError(f"{what} {text!r} is not a time HH:MM")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise OfficeHoursError(f"{what} {text!r} is not a time of day")
    return hours * 60 + minutes


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        for name in (first, last) if dash else (first,):
            if name not in DAYS:
                raise OfficeHoursError(
                    f"{name!r} is not a day; use one of {', '.join(DAYS)} (e.g. 'mon-thu')"
                )
        start = DAYS.index(first)
        stop = DAYS.index(last) if dash else start
        span = (stop - start) % 7
        days.extend((start + i) % 7 for i in range(span + 1))
    return days


def _window(text: str) -> Window:
    start, dash, end = text.strip().partition("-")
    if not dash:
        raise OfficeHoursError(f"{text.strip()!r} is not a range HH:MM-HH:MM")
    window = Window(
        _minute(start.strip(), "start", allow_24=False),
        _minute(end.strip(), "end", allow_24=True),
    )
    if window.end_minute <= window.start_minute:
        raise OfficeHoursError(
            f"{text.strip()!r} ends before it starts (windows may not cross midnight; "
            "use 'always' for round-the-clock units)"
        )
    return window


def parse_office_hours(spec: str | None) -> OfficeHours:
    """The office hours `spec` describes; None or blank means the default."""
    text = (spec or "").strip().lower()
    if not text:
        text = DEFAULT_SPEC
    if text == "always":
        return ALWAYS
    per_day: list[list[Window]] = [[] for _ in DAYS]
    for group in text.split(";"):
        group = group.strip()
        if not group:
            continue
        days_part, _, ranges_part = group.partition(" ")
        if not ranges_part.strip():
            raise OfficeHoursError(f"{group!r} needs days and times, e.g. 'mon-thu 07:30-16:00'")
        windows = [_window(r) for r in ranges_part.split(",")]
        for day in _days(days_part):
            per_day[day].extend(windows)
    for day, windows in enumerate(per_day):
        windows.sort(key=lambda w: w.start_minute)
        for earlier, later in itertools.pairwise(windows):
            if later.start_minute < earlier.end_minute:
                raise OfficeHoursError(f"windows on {DAYS[day]} overlap")
    if not any(per_day):
        raise OfficeHoursError("no office hours given; use 'always' for round-the-clock")
    return OfficeHours(windows=tuple(tuple(w) for w in per_day))


DEFAULT = parse_office_hours(DEFAULT_SPEC)
