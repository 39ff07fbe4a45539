"""How a [since, until) range is read: the whole UTC years and months inside
it from the tallies (stats/tally.py), and what is left, less than a month at
each end, from the rows themselves.

A time t is in the range when since <= t < until (None: unbounded). A step,
which has a start s and an end e, is in it when since <= s and e < until.
With Ma the first month boundary at or after `since` and Mb the last one at
or before `until`, the steps in the range split into three disjoint parts:
- tallied: Ma <= s and e < Mb, whole months (and inside them whole years);
- head:    since <= s < Ma and e < until;
- tail:    Ma <= s and Mb <= e < until.
(Every step in the range has s < Ma, or s >= Ma and then e < Mb or e >= Mb.)
For a single time the head is [since, min(Ma, until)) and the tail
[max(Ma, Mb), until)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

# Period labels compare as text: '2026' < '2027', '2026-01' < '2026-12'.
BEFORE_ALL_YEARS, AFTER_ALL_YEARS = "0000", "9999"
BEFORE_ALL_MONTHS, AFTER_ALL_MONTHS = "0000-00", "9999-99"


def year_label(at: datetime) -> str:
    return f"{at.year:04d}"


def month_label(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def _month_floor(at: datetime) -> datetime:
    return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _month_ceil(at: datetime) -> datetime:
    floor = _month_floor(at)
    if floor == at:
        return at
    return (
        floor.replace(year=floor.year + 1, month=1)
        if floor.month == 12
        else floor.replace(month=floor.month + 1)
    )


@dataclass(frozen=True)
class Piece:
    """Tally rows of one level whose labels fall in [started_from,
    started_before) and [ended_from, ended_before); None: unbounded. For a
    single time (a complaint's period) both ranges apply to the one label."""

    level: str
    started_from: str | None = None
    started_before: str | None = None
    ended_from: str | None = None
    ended_before: str | None = None


@dataclass(frozen=True)
class Cover:
    since: datetime | None
    until: datetime | None
    # The tallied part, as labels: years [first_year, end_year) and months
    # [first_month, end_month) outside those years. An empty range is first >= end.
    first_year: str
    end_year: str
    first_month: str
    end_month: str
    # Ma and Mb as times (None: unbounded, so the head or tail is empty).
    months_start: datetime | None
    months_end: datetime | None

    @property
    def all_time(self) -> bool:
        return self.since is None and self.until is None

    def pieces(self) -> list[Piece]:
        """The tally rows of the tallied part, as ranges an index on (level,
        started) or (level, ended) can walk: whole years, then the whole
        months outside them (at most eleven at each end)."""
        if self.all_time:
            return [Piece("a")]
        found = []
        if self.first_year < self.end_year:
            # A year's steps that end after it are left to the months.
            found.append(Piece("y", self.first_year, self.end_year, None, self.end_year))
            first = (
                BEFORE_ALL_MONTHS
                if self.first_year == BEFORE_ALL_YEARS
                else f"{self.first_year}-01"
            )
            end = AFTER_ALL_MONTHS if self.end_year == AFTER_ALL_YEARS else f"{self.end_year}-01"
        else:
            first = end = self.first_month  # no years: every month is walked by its end
        # Months before the years: by start (their ends may run into the years).
        if self.first_month < first:
            found.append(Piece("m", self.first_month, first, None, self.end_month))
        # Months after the years, and steps that started in them and ended after.
        low = max(end, self.first_month)
        if low < self.end_month:
            found.append(Piece("m", max(first, self.first_month), None, low, self.end_month))
        return found

    def head(self) -> tuple[datetime, datetime] | None:
        """[since, Ma) for a step's start; None when empty."""
        if self.since is None or self.months_start == self.since:
            return None
        return self.since, self.months_start

    def tail_from(self) -> datetime | None:
        """Mb, where a step's end starts the tail; None when there is no tail."""
        if self.until is None or self.months_end == self.until:
            return None
        return self.months_end

    def time_pieces(self) -> list[tuple[datetime | None, datetime | None]]:
        """The untallied [from, to) ranges for a single time (created_at)."""
        pieces = []
        if self.since is not None:
            end = self.months_start if self.until is None else min(self.months_start, self.until)
            if self.since < end:
                pieces.append((self.since, end))
        if self.until is not None:
            start = (
                self.months_end if self.since is None else max(self.months_start, self.months_end)
            )
            if start < self.until:
                pieces.append((start, self.until))
        return pieces


def _utc(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def cover(since: datetime | None, until: datetime | None) -> Cover:
    since, until = _utc(since), _utc(until)
    if since is None:
        first_year, first_month, months_start = BEFORE_ALL_YEARS, BEFORE_ALL_MONTHS, None
    else:
        months_start = _month_ceil(since)
        first_month = month_label(months_start)
        starts_year = since == since.replace(
            month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        first_year = f"{since.year + (0 if starts_year else 1):04d}"
    if until is None:
        end_year, end_month, months_end = AFTER_ALL_YEARS, AFTER_ALL_MONTHS, None
    else:
        months_end = _month_floor(until)
        end_month = month_label(months_end)
        end_year = year_label(until)
    return Cover(
        since, until, first_year, end_year, first_month, end_month, months_start, months_end
    )
