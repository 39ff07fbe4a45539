"""The dashboard: counts by status, kind and unit, and per SOP step the
median, 90th percentile and share within the standard, read from the running
counts the database keeps (stats/tally.py), so the work does not grow with
the number of complaints: a few thousand counters and a handful of short
index walks, whatever the history.

Percentiles are nearest-rank (an actual observed duration, never an
interpolated one), the dashboard's definition from the start: the k-th
smallest duration, k = max(1, ceil(f * n)). That is PostgreSQL's
`percentile_disc(f)` exactly (the tests check it); `percentile_cont` would
interpolate and give different numbers than before. The counts per duration
bucket (stats/buckets.py) say which bucket holds the k-th duration and its
rank inside it; the value is read from the (step[, unit], seconds) index,
walking only that bucket's rows (LIMIT 1 OFFSET r-1).

Filters: `since`/`until` bound the counts by when a complaint was received
and the steps by when they were completed (a step counts if it both started
and ended inside the range, as when the events before `since` were left
out); `unit_id` narrows both to one unit. Whole UTC years and months come
from the tallies, the rest (under a month at each end) from the rows
(stats/periods.py)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from backend.complaints.durations import STEPS
from backend.complaints.tables import Complaint
from backend.organisation.tables import Unit
from backend.settings import get_settings
from backend.stats import buckets
from backend.stats.periods import Cover, cover

RELEASE_STANDARD_S = 3 * 3600  # the SOP's review-and-release standard
# A bucket holding more rows than this is first asked for its least and
# greatest duration: when they are equal (a run of identical durations, such
# as zero office seconds) no walk is needed.
LARGE_BUCKET = 5000


class StepStats(msgspec.Struct):
    step: str
    standard_seconds: int
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    within_standard: float | None


class UnitCount(msgspec.Struct):
    unit_id: int
    code: str
    name: str
    count: int


class UnitSteps(msgspec.Struct):
    unit_id: int
    code: str
    name: str
    steps: list[StepStats]


class StatsOut(msgspec.Struct):
    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_unit: list[UnitCount]
    steps: list[StepStats]
    units: list[UnitSteps]


def standards() -> dict[str, int]:
    """Each step's standard, in the order the dashboard shows them."""
    figures = (15, get_settings().sla_answer_seconds, RELEASE_STANDARD_S)
    return dict(zip(STEPS, figures, strict=True))


class _Sql:
    """SQL text with Piccolo's `{}` placeholders, and its arguments."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list = []

    def add(self, text: str, *args) -> _Sql:
        self.parts.append(text)
        self.args.extend(args)
        return self


async def _rows(sql: str, args: list) -> list[dict]:
    return await Complaint.raw(sql, *args).run()


async def _union(selects: list[_Sql]) -> list[dict]:
    if not selects:
        return []
    sql = " UNION ALL ".join(" ".join(s.parts) for s in selects)
    return await _rows(sql, [a for s in selects for a in s.args])


def _tallied(
    select: str, scope: Cover, started: str, ended: str, unit_id: int | None
) -> list[_Sql]:
    """One SELECT per tally piece (stats/periods.py) over `select`'s table;
    `started` and `ended` name its period columns (one column for
    complaints)."""
    found = []
    for piece in scope.pieces():
        sql = _Sql().add(f"{select} WHERE level = '{piece.level}'")
        for column, condition, label in (
            (started, ">=", piece.started_from),
            (started, "<", piece.started_before),
            (ended, ">=", piece.ended_from),
            (ended, "<", piece.ended_before),
        ):
            if label is not None:
                sql.add(f"AND {column} {condition} {{}}", label)
        if unit_id is not None:
            sql.add("AND unit = {}", unit_id)
        found.append(sql)
    return found


async def _counts(scope: Cover, unit_id: int | None) -> list[dict]:
    """(status, kind, unit, n) rows, a status/kind/unit may come more than once."""
    selects = [
        sql.add("GROUP BY status, kind, unit")
        for sql in _tallied(
            "SELECT status, kind, unit, SUM(n) AS n FROM complaint_tally",
            scope,
            "period",
            "period",
            unit_id,
        )
    ]
    for start, end in scope.time_pieces():
        rows = _Sql().add(
            "SELECT status, coalesce(kind, '') AS kind, coalesce(unit, 0) AS unit, COUNT(*) AS n "
            "FROM complaint WHERE created_at >= {} AND created_at < {}",
            start,
            end,
        )
        if unit_id is not None:
            rows.add("AND unit = {}", unit_id)
        selects.append(rows.add("GROUP BY status, kind, unit"))
    return await _union(selects)


# A row's bucket, as the triggers file it: the last lower bound at or below
# its duration. PostgreSQL's width_bucket does that with the bounds in an
# array (bucket 0 below the first), without an index probe per row.
_BUCKET = {
    "postgres": "width_bucket(seconds, {}::float8[])",
    "sqlite": "(SELECT bucket FROM duration_bucket WHERE lo <= seconds ORDER BY lo DESC LIMIT 1)",
}


async def _bucket_counts(
    scope: Cover, unit_id: int | None
) -> dict[tuple[str, int], dict[int, int]]:
    """Per (step, unit) present (unit 0: none), the number of its steps in
    the range per duration bucket."""
    selects = [
        sql.add("GROUP BY step, unit, bucket")
        for sql in _tallied(
            "SELECT step, unit, bucket, SUM(n) AS n FROM step_tally",
            scope,
            "started",
            "ended",
            unit_id,
        )
    ]
    tallied = len(selects)
    postgres = Complaint._meta.db.engine_type == "postgres"

    def raw() -> _Sql:
        if postgres:
            return _Sql().add(
                f"SELECT step, coalesce(unit, 0) AS unit, {_BUCKET['postgres']} AS bucket, "
                "COUNT(*) AS n",
                list(buckets.LOWER_BOUNDS[1:]),
            )
        return _Sql().add(
            f"SELECT step, coalesce(unit, 0) AS unit, {_BUCKET['sqlite']} AS bucket, COUNT(*) AS n"
        )

    head = scope.head()
    if head is not None:
        rows = raw().add(
            "FROM complaint_step WHERE started_at >= {} AND started_at < {}", *head
        )
        if scope.until is not None:
            rows.add("AND at < {}", scope.until)
        selects.append(rows)
    tail_from = scope.tail_from()
    if tail_from is not None:
        rows = raw().add("FROM complaint_step WHERE at >= {} AND at < {}", tail_from, scope.until)
        if scope.months_start is not None:
            rows.add("AND started_at >= {}", scope.months_start)
        selects.append(rows)
    for rows in selects[tallied:]:
        if unit_id is not None:
            rows.add("AND unit = {}", unit_id)
        rows.add("GROUP BY step, coalesce(unit, 0), bucket")
    # One row per (step, unit) with its counts as 'bucket:n,...': a few
    # hundred rows instead of thousands for the driver to turn into dicts.
    pairs = "CAST(bucket AS TEXT) || ':' || CAST(n AS TEXT)"
    concat = (
        f"string_agg({pairs}, ',')"
        if Complaint._meta.db.engine_type == "postgres"
        else f"group_concat({pairs}, ',')"
    )
    inner = " UNION ALL ".join(" ".join(s.parts) for s in selects)
    rows = await _rows(
        f"SELECT step, unit, {concat} AS counts FROM (SELECT step, unit, bucket, SUM(n) AS n "
        f"FROM ({inner}) AS pieces GROUP BY step, unit, bucket) AS summed GROUP BY step, unit",
        [a for s in selects for a in s.args],
    )
    counts: dict[tuple[str, int], dict[int, int]] = {}
    for row in rows:
        found = counts.setdefault((row["step"], row["unit"]), {})
        for pair in row["counts"].split(","):
            bucket, n = pair.split(":")
            if int(n):
                found[int(bucket)] = int(n)
    return counts


def _rank(share: float, n: int) -> int:
    """Nearest rank, 1-based: the first value whose rank reaches share * n."""
    return max(1, math.ceil(share * n))


@dataclass
class _Group:
    """One step, overall (unit None) or for one unit: its count per bucket,
    then the figures read from the index."""

    step: str
    unit: int | None
    per_bucket: dict[int, int] = field(default_factory=dict)
    within: int = 0
    median: float | None = None
    p90: float | None = None

    @property
    def n(self) -> int:
        return sum(self.per_bucket.values())  # a few dozen buckets

    def locate(self, share: float) -> tuple[int, int]:
        """The bucket holding the nearest-rank value, and its 1-based rank there."""
        wanted, below = _rank(share, self.n), 0
        for bucket in sorted(self.per_bucket):
            if below + self.per_bucket[bucket] >= wanted:
                return bucket, wanted - below
            below += self.per_bucket[bucket]
        raise AssertionError("rank beyond the count")


class _Reads:
    """Scalar subqueries over complaint_step, sent as one SELECT."""

    def __init__(self, scope: Cover, unit_id: int | None) -> None:
        self.scope = scope
        self.unit_id = unit_id  # the filter: narrows the overall groups too
        self.columns: list[str] = []
        self.args: list = []

    def _where(self, group: _Group, low: float | None, high: float | None, *, upto=None) -> str:
        parts = [f"step = '{group.step}'"]
        unit = group.unit if group.unit is not None else self.unit_id
        if unit is not None:
            parts.append(f"unit = {int(unit)}")
        for condition, value in (
            ("seconds >= {}", low),
            ("seconds < {}", high),
            ("seconds <= {}", upto),
            ("started_at >= {}", self.scope.since),
            ("at < {}", self.scope.until),
        ):
            if value is not None:
                parts.append(condition)
                self.args.append(value)
        return " AND ".join(parts)

    def count_upto(self, group: _Group, bucket: int, upto: float) -> int:
        low, _ = buckets.bounds(bucket)
        where = self._where(group, low, None, upto=upto)
        self.columns.append(f"(SELECT COUNT(*) FROM complaint_step WHERE {where})")
        return len(self.columns) - 1

    def pick(self, group: _Group, bucket: int, offset: int, descending: bool = False) -> int:
        low, high = buckets.bounds(bucket)
        order = "DESC" if descending else ""
        self.columns.append(
            f"(SELECT seconds FROM complaint_step WHERE {self._where(group, low, high)} "
            f"ORDER BY seconds {order} LIMIT 1 OFFSET {int(offset)})"
        )
        return len(self.columns) - 1

    async def run(self) -> list:
        if not self.columns:
            return []
        sql = "SELECT " + ", ".join(f"{c} AS v{i}" for i, c in enumerate(self.columns))
        [row] = await _rows(sql, self.args)
        return [row[f"v{i}"] for i in range(len(self.columns))]


async def _step_figures(scope: Cover, unit_id: int | None, unit_ids: list[int]) -> list[_Group]:
    """Every group with steps in the range: each step overall (unit None),
    and per unit the dashboard can name."""
    named = set(unit_ids)
    overall: dict[str, _Group] = {}
    found: list[_Group] = []
    for (step, unit), per_bucket in (await _bucket_counts(scope, unit_id)).items():
        if not per_bucket:
            continue
        if unit in named:
            found.append(_Group(step, unit, dict(per_bucket)))
        total = overall.setdefault(step, _Group(step, None)).per_bucket
        for bucket, n in per_bucket.items():
            total[bucket] = total.get(bucket, 0) + n
    found.extend(overall.values())

    # First read: the share within the standard (only the bucket the
    # standard falls in needs counting) and the ends of large buckets.
    wanted = standards()
    first, ends, walks = _Reads(scope, unit_id), {}, []
    within_at: dict[int, int] = {}
    for i, group in enumerate(found):
        standard = wanted[group.step]
        edge = buckets.bucket_of(standard)
        group.within = sum(n for b, n in group.per_bucket.items() if b < edge)
        if group.per_bucket.get(edge):
            within_at[i] = first.count_upto(group, edge, standard)
        for share in (0.5, 0.9):
            bucket, rank = group.locate(share)
            if group.per_bucket[bucket] > LARGE_BUCKET:
                ends[(i, share)] = (
                    first.pick(group, bucket, 0),
                    first.pick(group, bucket, 0, True),
                )
            walks.append((i, share, bucket, rank))
    values = await first.run()
    for i, column in within_at.items():
        found[i].within += int(values[column])

    # Second read: the k-th duration, walking only its bucket.
    second, picks = _Reads(scope, unit_id), []
    for i, share, bucket, rank in walks:
        least_most = ends.get((i, share))
        if least_most and values[least_most[0]] == values[least_most[1]]:
            picks.append((i, share, None, values[least_most[0]]))
        else:
            picks.append((i, share, second.pick(found[i], bucket, rank - 1), None))
    read = await second.run()
    for i, share, column, known in picks:
        figure = known if column is None else read[column]
        setattr(found[i], "median" if share == 0.5 else "p90", figure)
    return found


def _summary(step: str, standard: int, group: _Group | None) -> StepStats:
    if group is None or not group.n:
        return StepStats(step, standard, 0, None, None, None)
    n = group.n
    return StepStats(
        step,
        standard,
        n,
        round(float(group.median), 3),
        round(float(group.p90), 3),
        round(group.within / n, 4),
    )


async def _first_ids(scope: Cover, unit_ids: list[int]) -> dict[int, int]:
    """The first complaint of each unit in the range: units with equal
    counts are listed in the order their first complaint came, as ever."""
    if not unit_ids:
        return {}
    # With a `since`, MIN(id) would be answered by walking the (unit, id)
    # index from the unit's oldest complaint until one is recent enough:
    # years of rows for "this month". MIN(id + 0) lets the (unit,
    # created_at) index find the range instead.
    first = "id" if scope.since is None else "id + 0"
    columns, args = [], []
    for unit in unit_ids:
        where = [f"unit = {int(unit)}"]
        for condition, value in (
            ("created_at >= {}", scope.since),
            ("created_at < {}", scope.until),
        ):
            if value is not None:
                where.append(condition)
                args.append(value)
        columns.append(
            f"(SELECT MIN({first}) FROM complaint WHERE {' AND '.join(where)}) AS u{int(unit)}"
        )
    [row] = await _rows("SELECT " + ", ".join(columns), args)
    return {unit: row[f"u{int(unit)}"] for unit in unit_ids}


def _tied(counts: dict[int, int]) -> list[int]:
    seen: dict[int, int] = defaultdict(int)
    for n in counts.values():
        seen[n] += 1
    return [unit for unit, n in counts.items() if seen[n] > 1]


async def complaint_counts(
    since: datetime | None = None, until: datetime | None = None, unit_id: int | None = None
) -> list[dict]:
    """(status, kind, unit, n) rows of the complaints received in the range
    (unit 0: none; a combination may come more than once, n may be 0)."""
    return await _counts(cover(since, until), unit_id)


async def compute(
    since: datetime | None = None, until: datetime | None = None, unit_id: int | None = None
) -> StatsOut:
    scope = cover(since, until)
    by_status: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    by_unit_count: dict[int, int] = defaultdict(int)
    for row in await complaint_counts(since, until, unit_id):
        n = int(row["n"])
        if not n:
            continue
        by_status[row["status"]] += n
        by_kind[row["kind"]] += n
        if row["unit"]:
            by_unit_count[row["unit"]] += n
    by_status = {k: n for k, n in by_status.items() if n}
    by_kind = {k: n for k, n in by_kind.items() if n}
    by_unit_count = {k: n for k, n in by_unit_count.items() if n}
    first_ids = await _first_ids(scope, _tied(by_unit_count))

    wanted = standards()
    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name)}
    known = [u for u in units if unit_id is None or u == unit_id]
    overall: dict[str, _Group] = {}
    per_unit: dict[int, dict[str, _Group]] = {}
    for group in await _step_figures(scope, unit_id, known):
        if group.unit is None:
            overall[group.step] = group
        else:
            per_unit.setdefault(group.unit, {})[group.step] = group

    return StatsOut(
        total=sum(by_status.values()),
        by_status=by_status,
        by_kind=by_kind,
        by_unit=[
            UnitCount(uid, units[uid]["code"], units[uid]["name"], n)
            for uid, n in sorted(
                by_unit_count.items(), key=lambda kv: (-kv[1], first_ids.get(kv[0], 0))
            )
            if uid in units
        ],
        steps=[_summary(s, std, overall.get(s)) for s, std in wanted.items()],
        units=[
            UnitSteps(
                uid,
                units[uid]["code"],
                units[uid]["name"],
                [_summary(s, std, steps.get(s)) for s, std in wanted.items()],
            )
            for uid, steps in sorted(per_unit.items())
        ],
    )
