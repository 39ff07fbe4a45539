"""Counting office time: office hours minus weekends-without-hours and holidays.

All instants are timezone-aware datetimes; results come back in the office's
time zone. Windows are half-open, [open, close): the closing instant itself is
not office time, so `is_open(16:00)` is False on a day that closes at 16:00,
yet a deadline can fall exactly on it (`add_office_seconds` ends there when
the day's time is used up).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from backend.working_time.office_hours import OfficeHours

# A calendar with hours on no reachable day (e.g. every day a holiday) would
# loop for ever; no real deadline lies this far ahead.
MAX_DAYS_AHEAD = 3660


class NoOfficeTime(ValueError):
    """No office time within MAX_DAYS_AHEAD days: holidays cover every working day."""


def _require_aware(t: datetime, name: str) -> None:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {t!r}")


@dataclass(frozen=True)
class WorkingCalendar:
    hours: OfficeHours
    holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, hours: OfficeHours, holidays: Iterable[date] = ()) -> WorkingCalendar:
        return cls(hours, frozenset(holidays))

    # -- the office's windows as instants -------------------------------------------

    def _local(self, t: datetime) -> datetime:
        return t.astimezone(self.hours.tz)

    def _at(self, day: date, minute: int) -> datetime:
        # 24:00 is the next day's midnight.
        return datetime.combine(day, time(0), tzinfo=self.hours.tz) + timedelta(minutes=minute)

    def _intervals_of(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        return [
            (self._at(day, w.start_minute), self._at(day, w.end_minute))
            for w in self.hours.on(day.weekday())
        ]

    def _intervals_from(self, t: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Office intervals that end after `t`, clipped to start no earlier than `t`."""
        day = self._local(t).date()
        for offset in range(MAX_DAYS_AHEAD + 1):
            for start, end in self._intervals_of(day + timedelta(days=offset)):
                if end > t:
                    yield max(start, t), end
        raise NoOfficeTime(f"no office time within {MAX_DAYS_AHEAD} days after {t.isoformat()}")

    # -- questions ------------------------------------------------------------------

    def is_open(self, t: datetime) -> bool:
        _require_aware(t, "t")
        if self.hours.always:
            return True
        local = self._local(t)
        return any(start <= local < end for start, end in self._intervals_of(local.date()))

    def next_open(self, t: datetime) -> datetime:
        """`t` if the office is open then, else the next opening."""
        _require_aware(t, "t")
        if self.hours.always:
            return t
        start, _ = next(self._intervals_from(t))
        return self._local(start)

    def fire_time(self, due: datetime) -> datetime:
        """When a timer due at `due` may act (e.g. send an `sla.*` push): at `due`
        while the office is open, including the very instant it closes (a deadline
        that uses up a day's last office second lands there), else at the next
        opening. A reminder due at 02:00 fires at 07:30."""
        _require_aware(due, "due")
        if self.hours.always:
            return due
        local = self._local(due)
        if any(start < local <= end for start, end in self._intervals_of(local.date())):
            return local
        return self.next_open(due)

    def add_office_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant at which `seconds` of office time have passed since `start`."""
        _require_aware(start, "start")
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        if self.hours.always:
            return start + timedelta(seconds=seconds)
        if seconds == 0:
            return self._local(start)
        remaining = timedelta(seconds=seconds)
        for open_at, close_at in self._intervals_from(start):
            available = close_at - open_at
            if remaining <= available:
                return self._local(open_at + remaining)
            remaining -= available
        raise AssertionError("unreachable: _intervals_from raises before it ends")

    def office_seconds_between(self, a: datetime, b: datetime) -> float:
        """Office seconds in [a, b); negative when b is before a."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b < a:
            return -self.office_seconds_between(b, a)
        if self.hours.always:
            return (b - a).total_seconds()
        total = timedelta(0)
        day = self._local(a).date()
        last = self._local(b).date()
        while day <= last:
            for open_at, close_at in self._intervals_of(day):
                lo, hi = max(open_at, a), min(close_at, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds()
