"""The dashboard's split of a date range (backend/stats/periods.py) and its
duration buckets (backend/stats/buckets.py): pure rules, no app."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

from backend.stats import buckets
from backend.stats.periods import cover, month_label, year_label

START = datetime(2023, 11, 1, tzinfo=UTC)


def _random_time(rng: random.Random) -> datetime:
    # Often exactly on a month or year boundary, where off-by-one errors live.
    at = START + timedelta(seconds=rng.randrange(0, 4 * 365 * 86400))
    if rng.random() < 0.3:
        at = at.replace(day=1, hour=0, minute=0, second=0)
    if rng.random() < 0.1:
        at = at.replace(month=1)
    return at


def _tallied(scope, s: datetime, e: datetime) -> int:
    """How many tally pieces hold this step, reading them as the SQL does."""
    held = 0
    for piece in scope.pieces():
        label = {"a": lambda t: "*", "y": year_label, "m": month_label}[piece.level]
        started, ended = label(s), label(e)
        held += (
            (piece.started_from is None or started >= piece.started_from)
            and (piece.started_before is None or started < piece.started_before)
            and (piece.ended_from is None or ended >= piece.ended_from)
            and (piece.ended_before is None or ended < piece.ended_before)
        )
    return held


def test_every_step_in_the_range_is_read_exactly_once():
    rng = random.Random(7)
    for _ in range(3000):
        since = _random_time(rng) if rng.random() < 0.8 else None
        until = _random_time(rng) if rng.random() < 0.8 else None
        if since and until and until < since:
            since, until = until, since
        scope = cover(since, until)
        s = _random_time(rng)
        e = s + timedelta(seconds=rng.choice([0, 59, 3600, 40 * 86400, rng.randrange(0, 10**7)]))
        wanted = (since is None or since <= s) and (until is None or e < until)
        head = scope.head()
        in_head = head is not None and head[0] <= s < head[1] and (until is None or e < until)
        tail = scope.tail_from()
        in_tail = (
            tail is not None
            and tail <= e < until
            and (scope.months_start is None or s >= scope.months_start)
        )
        reads = _tallied(scope, s, e) + in_head + in_tail
        assert reads == (1 if wanted else 0), (since, until, s, e)


def test_every_time_in_the_range_is_read_exactly_once():
    rng = random.Random(8)
    for _ in range(3000):
        since = _random_time(rng) if rng.random() < 0.8 else None
        until = _random_time(rng) if rng.random() < 0.8 else None
        scope = cover(since, until)
        t = _random_time(rng)
        wanted = (since is None or since <= t) and (until is None or t < until)
        tallied = _tallied(scope, t, t)
        pieces = sum(lo <= t < hi for lo, hi in scope.time_pieces())
        assert tallied + pieces == (1 if wanted else 0), (since, until, t)


def test_whole_months_and_years_are_recognised_in_any_zone():
    scope = cover(datetime(2025, 1, 1, 7, tzinfo=timezone(timedelta(hours=7))), None)
    assert (scope.first_year, scope.first_month, scope.head()) == ("2025", "2025-01", None)
    scope = cover(datetime(2025, 3, 15, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))
    assert (scope.first_month, scope.end_month) == ("2025-04", "2025-06")
    assert [p.level for p in scope.pieces()] == ["m"]  # no whole year inside
    assert scope.tail_from() is None
    assert scope.head() == (datetime(2025, 3, 15, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))


def test_buckets_are_exact_and_ordered():
    bounds = buckets.LOWER_BOUNDS
    assert all(a < b for a, b in pairwise(bounds))
    for b in range(1, len(bounds)):
        assert buckets.bucket_of(bounds[b]) == b
        assert float(repr(bounds[b])) == bounds[b]  # printed and parsed back unchanged
        assert buckets.bucket_of(bounds[b] * (1 - 1e-12)) == b - 1
    assert buckets.bucket_of(0.0) == buckets.bucket_of(-5.0) == 0
    assert buckets.bucket_of(15.0) == buckets.bucket_of(15.5)  # 15 s is a lower bound
    assert buckets.bounds(buckets.bucket_of(15.0))[0] == 15.0
    assert buckets.bounds(0) == (None, bounds[1])
    assert buckets.bounds(len(bounds) - 1)[1] is None
    assert buckets.bucket_of(1e12) == len(bounds) - 1
