"""The dashboard, computed in SQL: counts by GROUP BY, and per SOP step the
median, 90th percentile and share within the standard over the durations
stored when each step happened (complaints/durations.py). Nothing grows with
the number of complaints in Python: a few rows per step and unit come back.

Percentiles are nearest-rank (an actual observed duration, never an
interpolated one), the dashboard's definition from the start. PostgreSQL's
`percentile_disc(f)` is exactly that: the first value whose rank reaches
ceil(f * n). `percentile_cont` would interpolate and give different numbers
than before. SQLite has neither: it counts each group, then reads the k-th
duration from the (step[, unit], seconds) index with LIMIT 1 OFFSET k-1, in
SQL (window functions gave the same answers but buffered every row).

Filters: `since`/`until` bound the counts by when a complaint was received
and the steps by when they were completed (a step counts if it both started
and ended inside the range, as when the events before `since` were left
out); `unit_id` narrows both to one unit."""

from __future__ import annotations

import math
from datetime import datetime

import msgspec

from backend.complaints.durations import STEPS
from backend.complaints.tables import Complaint, ComplaintStep
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


async def _step_figures(since, until, unit_id, per_unit: bool) -> list[dict]:
    """One row per step (and unit): n, median, p90, and how many within
    the step's standard."""
    where = _step_where(since, until, unit_id)
    if per_unit:
        where.parts.append("unit IS NOT NULL")
    group = "step, unit" if per_unit else "step"
    unit_col = "unit" if per_unit else "NULL AS unit"
    within = (
        "SUM(CASE WHEN seconds <= CASE step "
        + " ".join(f"WHEN '{s}' THEN {int(v)}" for s, v in standards().items())
        + " END THEN 1 ELSE 0 END)"
    )
    if ComplaintStep._meta.db.engine_type == "postgres":
        sql = (
            f"SELECT step, {unit_col}, COUNT(*) AS n, "
            "percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) AS median, "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY seconds) AS p90, "
            f"{within} AS within FROM complaint_step {where.sql} GROUP BY {group}"
        )
        return await _rows(sql, where.args)
    # SQLite: the counts first, then each percentile as the k-th duration
    # in the (step[, unit], seconds) index: LIMIT 1 OFFSET k-1, all of them
    # in one statement. No row reaches Python but the answers.
    groups = await _rows(
        f"SELECT step, {unit_col}, COUNT(*) AS n, {within} AS within "
        f"FROM complaint_step {where.sql} GROUP BY {group}",
        where.args,
    )
    if not groups:
        return []
    picks, args = [], []
    for g in groups:
        if g["step"] not in STEPS:
            continue  # only the steps durations.py names are ever written
        narrow = [*where.parts, f"step = '{g['step']}'"]
        if per_unit:
            narrow.append(f"unit = {int(g['unit'])}")
        for share in (0.5, 0.9):
            picks.append(
                "(SELECT seconds FROM complaint_step WHERE "
                + " AND ".join(narrow)
                + f" ORDER BY seconds LIMIT 1 OFFSET {_rank(share, g['n']) - 1})"
            )
            args.extend(where.args)
    [values] = await _rows("SELECT " + ", ".join(f"{p} AS v{i}" for i, p in enumerate(picks)), args)
    ordered = [g for g in groups if g["step"] in STEPS]
    for i, g in enumerate(ordered):
        g["median"], g["p90"] = values[f"v{2 * i}"], values[f"v{2 * i + 1}"]
    return ordered


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
    overall = {r["step"]: r for r in await _step_figures(since, until, unit_id, False)}
    per_unit: dict[int, dict[str, dict]] = {}
    for r in await _step_figures(since, until, unit_id, True):
        per_unit.setdefault(r["unit"], {})[r["step"]] = r

    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name)}
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
