"""The dashboard, computed in SQL: counts by GROUP BY, and per SOP step the
median, 90th percentile and share within the standard over the durations
stored when each step happened (complaints/durations.py). Nothing grows with
the number of complaints in Python: a few rows per step and unit come back.

Percentiles are nearest-rank (an actual observed duration, never an
interpolated one), the dashboard's definition from the start: the k-th
smallest duration, k = max(1, ceil(f * n)). That is PostgreSQL's
`percentile_disc(f)` exactly (the tests check it); `percentile_cont` would
interpolate and give different numbers than before. Both engines read it the
same way: count the group, then take the k-th duration from the
(step[, unit], seconds) index with LIMIT 1 OFFSET k-1, which walks index
entries instead of sorting rows.

Filters: `since`/`until` bound the counts by when a complaint was received
and the steps by when they were completed (a step counts if it both started
and ended inside the range, as when the events before `since` were left
out); `unit_id` narrows both to one unit."""

from __future__ import annotations

import math
from datetime import datetime

import msgspec

from backend.complaints.durations import STEPS
from backend.complaints.tables import Complaint
from backend.organisation.tables import Unit
from backend.settings import get_settings

RELEASE_STANDARD_S = 3 * 3600  # the SOP's review-and-release standard


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


class _Where:
    """A WHERE clause with Piccolo's `{}` placeholders, and its arguments."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list = []

    def add(self, condition: str, value) -> None:
        self.parts.append(condition)
        self.args.append(value)

    @property
    def sql(self) -> str:
        return ("WHERE " + " AND ".join(self.parts)) if self.parts else ""


async def _rows(sql: str, args: list) -> list[dict]:
    return await Complaint.raw(sql, *args).run()


async def _counts(since, until, unit_id) -> list[dict]:
    where = _Where()
    if since is not None:
        where.add("created_at >= {}", since)
    if until is not None:
        where.add("created_at < {}", until)
    if unit_id is not None:
        where.add("unit = {}", unit_id)
    return await _rows(
        f"SELECT status, kind, unit, COUNT(*) AS n, MIN(id) AS first_id FROM complaint {where.sql} "
        "GROUP BY status, kind, unit",
        where.args,
    )


def _step_where(since, until, unit_id) -> _Where:
    where = _Where()
    if since is not None:
        where.add("started_at >= {}", since)
    if until is not None:
        where.add("at < {}", until)
    if unit_id is not None:
        where.add("unit = {}", unit_id)
    return where


def _rank(share: float, n: int) -> int:
    """Nearest rank, 1-based: the first value whose rank reaches share * n."""
    return max(1, math.ceil(share * n))


async def _step_figures(since, until, unit_id, unit_ids: list[int] | None) -> list[dict]:
    """One row per step (per unit when `unit_ids` are given: the units the
    dashboard can name) that has durations: n, median, p90, and how many
    within the step's standard."""
    return await _index_step_figures(
        _step_where(since, until, unit_id), [None] if unit_ids is None else unit_ids
    )


async def _index_step_figures(where: _Where, unit_ids: list[int | None]) -> list[dict]:
    """Every figure a walk of a (step[, unit], seconds) index range, in two
    statements: the counts (all, and within the standard), then each
    percentile as the k-th duration (LIMIT 1 OFFSET k-1). A GROUP BY with
    percentile_disc sorts every row instead (1.7x slower on PostgreSQL at
    100k complaints; SQLite has no percentile function)."""

    def scope(step: str, unit: int | None) -> str:
        parts = [*where.parts, f"step = '{step}'"]
        if unit is not None:
            parts.append(f"unit = {int(unit)}")
        return " AND ".join(parts)

    groups = [(step, unit) for unit in unit_ids for step in STEPS]
    counts, args = [], []
    for step, unit in groups:
        standard = int(standards()[step])
        counts.append(f"(SELECT COUNT(*) FROM complaint_step WHERE {scope(step, unit)})")
        counts.append(
            f"(SELECT COUNT(*) FROM complaint_step WHERE {scope(step, unit)} "
            f"AND seconds <= {standard})"
        )
        args.extend(where.args * 2)
    [found] = await _rows("SELECT " + ", ".join(f"{c} AS c{i}" for i, c in enumerate(counts)), args)
    rows = [
        {"step": step, "unit": unit, "n": found[f"c{2 * i}"], "within": found[f"c{2 * i + 1}"]}
        for i, (step, unit) in enumerate(groups)
    ]
    rows = [r for r in rows if r["n"]]
    if not rows:
        return []
    picks, args = [], []
    for r in rows:
        for share in (0.5, 0.9):
            picks.append(
                f"(SELECT seconds FROM complaint_step WHERE {scope(r['step'], r['unit'])} "
                f"ORDER BY seconds LIMIT 1 OFFSET {_rank(share, r['n']) - 1})"
            )
            args.extend(where.args)
    [values] = await _rows("SELECT " + ", ".join(f"{p} AS v{i}" for i, p in enumerate(picks)), args)
    for i, r in enumerate(rows):
        r["median"], r["p90"] = values[f"v{2 * i}"], values[f"v{2 * i + 1}"]
    return rows


def _summary(step: str, standard: int, figures: dict | None) -> StepStats:
    if not figures or not figures["n"]:
        return StepStats(step, standard, 0, None, None, None)
    n = figures["n"]
    return StepStats(
        step,
        standard,
        n,
        round(float(figures["median"]), 3),
        round(float(figures["p90"]), 3),
        round(figures["within"] / n, 4),
    )


async def compute(
    since: datetime | None = None, until: datetime | None = None, unit_id: int | None = None
) -> StatsOut:
    by_status: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    by_unit_count: dict[int, int] = {}
    first_seen: dict[int, int] = {}  # ties in by_unit: the unit seen first comes first
    total = 0
    for row in await _counts(since, until, unit_id):
        n = row["n"]
        total += n
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + n
        if row["unit"]:
            by_unit_count[row["unit"]] = by_unit_count.get(row["unit"], 0) + n
            seen = first_seen.get(row["unit"], row["first_id"])
            first_seen[row["unit"]] = min(seen, row["first_id"])

    wanted = standards()
    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name)}
    overall = {r["step"]: r for r in await _step_figures(since, until, unit_id, None)}
    per_unit: dict[int, dict[str, dict]] = {}
    known = [u for u in units if unit_id is None or u == unit_id]
    for r in await _step_figures(since, until, unit_id, known):
        per_unit.setdefault(r["unit"], {})[r["step"]] = r

    return StatsOut(
        total=total,
        by_status=by_status,
        by_kind=by_kind,
        by_unit=[
            UnitCount(uid, units[uid]["code"], units[uid]["name"], n)
            for uid, n in sorted(by_unit_count.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))
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
            if uid in units
        ],
    )
