"""Duration buckets: the seconds axis cut into 329 ranges, eight per
doubling (each 12.5 % wider than the one before) from 2^-10 s (about a
millisecond) to 2^31 s (68 years), plus one bucket for everything shorter,
zero included.

The dashboard keeps a count per bucket (stats/tally.py), so a percentile is
found by adding counts up to the bucket that holds the wanted rank and then
walking only that bucket's rows in the duration index. Every boundary is a
binary fraction (2^e * (8 + m) / 8), exact as a double on both engines and in
Python, so the bucket a trigger files a row under and the range a walk reads
always agree."""

from __future__ import annotations

from bisect import bisect_right

PER_DOUBLING = 8
LOWEST_EXPONENT = -10
HIGHEST_EXPONENT = 30

# LOWER_BOUNDS[b] is the least duration in bucket b; bucket 0 has none.
LOWER_BOUNDS: tuple[float, ...] = (
    float("-inf"),
    *(
        2.0**e * (PER_DOUBLING + m) / PER_DOUBLING
        for e in range(LOWEST_EXPONENT, HIGHEST_EXPONENT + 1)
        for m in range(PER_DOUBLING)
    ),
)


def bucket_of(seconds: float) -> int:
    return bisect_right(LOWER_BOUNDS, seconds) - 1


def bounds(bucket: int) -> tuple[float | None, float | None]:
    """[low, high) of a bucket; None where it is open."""
    low = LOWER_BOUNDS[bucket] if bucket else None
    high = LOWER_BOUNDS[bucket + 1] if bucket + 1 < len(LOWER_BOUNDS) else None
    return low, high
