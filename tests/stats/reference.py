"""The dashboard as it was computed before issue 10: every complaint and
event read into Python. Kept verbatim (plus the new filters, applied the way
the SQL applies them) as the reference the SQL must equal."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime

from backend.complaints.tables import Complaint, ComplaintEvent
from backend.database import json_column
from backend.organisation.tables import Unit
from backend.stats.service import StatsOut, StepStats, UnitCount, UnitSteps, standards

ROUTING_TYPES = {"dispatch", "auto_dispatch", "return", "reply"}


def _percentile(sorted_values: list[float], share: float) -> float:
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def _summarise(step: str, standard: int, durations: list[float]) -> StepStats:
    if not durations:
        return StepStats(step, standard, 0, None, None, None)
    values = sorted(durations)
    within = sum(1 for v in values if v <= standard) / len(values)
    return StepStats(
        step,
        standard,
        len(values),
        round(_percentile(values, 0.5), 3),
        round(_percentile(values, 0.9), 3),
        round(within, 4),
    )


async def compute(
    since: datetime | None = None, until: datetime | None = None, unit_id: int | None = None
) -> StatsOut:
    counts_query = Complaint.select(Complaint.status, Complaint.kind, Complaint.unit).order_by(
        Complaint.id
    )
    if since is not None:
        counts_query = counts_query.where(Complaint.created_at >= since)
    if until is not None:
        counts_query = counts_query.where(Complaint.created_at < until)
    if unit_id is not None:
        counts_query = counts_query.where(Complaint.unit == unit_id)
    counts = await counts_query
    by_status: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    by_unit_count: dict[int, int] = defaultdict(int)
    for row in counts:
        by_status[row["status"]] += 1
        by_kind[row["kind"]] += 1
        if row["unit"]:
            by_unit_count[row["unit"]] += 1

    query = (
        ComplaintEvent.select(
            ComplaintEvent.complaint,
            ComplaintEvent.type,
            ComplaintEvent.to_status,
            ComplaintEvent.at,
            ComplaintEvent.data,
        )
        .order_by(ComplaintEvent.complaint)
        .order_by(ComplaintEvent.id)
    )
    if since is not None:
        query = query.where(ComplaintEvent.at >= since)
    if until is not None:
        query = query.where(ComplaintEvent.at < until)
    events = await query

    overall: dict[str, list[float]] = defaultdict(list)
    per_unit: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    waiting_since: dict[str, datetime | None] = {}
    current = None
    for e in events:
        if e["complaint"] != current:
            current, waiting_since = e["complaint"], {}
        data = json_column(e["data"], {}) or {}
        step = None
        if e["type"] in ("submit", "decline"):
            waiting_since = {"received_to_routed": e["at"]}
        elif e["type"] in ROUTING_TYPES and e["to_status"] == "routed":
            step, started = "received_to_routed", waiting_since.get("received_to_routed")
            waiting_since = {"routed_to_answered": e["at"]}
        elif e["type"] == "answer":
            step, started = "routed_to_answered", waiting_since.get("routed_to_answered")
            waiting_since = {"answered_to_released": e["at"]}
        elif e["type"] == "release":
            step, started = "answered_to_released", waiting_since.get("answered_to_released")
            waiting_since = {}
        if step and started is not None:
            seconds = (e["at"] - started).total_seconds()
            step_unit = data.get("unit_id")
            if unit_id is not None and step_unit != unit_id:
                continue
            overall[step].append(seconds)
            if step_unit:
                per_unit[step_unit][step].append(seconds)

    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name)}
    wanted = standards()
    return StatsOut(
        total=len(counts),
        by_status=dict(by_status),
        by_kind=dict(by_kind),
        by_unit=[
            UnitCount(uid, units[uid]["code"], units[uid]["name"], n)
            for uid, n in sorted(by_unit_count.items(), key=lambda kv: -kv[1])
            if uid in units
        ],
        steps=[_summarise(s, std, overall[s]) for s, std in wanted.items()],
        units=[
            UnitSteps(
                uid,
                units[uid]["code"],
                units[uid]["name"],
                [_summarise(s, std, steps[s]) for s, std in wanted.items()],
            )
            for uid, steps in sorted(per_unit.items())
            if uid in units
        ],
    )
