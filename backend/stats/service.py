"""SOP step timings, computed from the audit trail (the events are the truth:
a complaint routed twice is measured twice)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime

import msgspec

from backend.complaints.sla import calendar
from backend.complaints.tables import Complaint, ComplaintEvent
from backend.database import json_column
from backend.organisation.tables import Unit
from backend.settings import get_settings
from backend.working_time.calendar import WorkingCalendar

ROUTING_TYPES = {"dispatch", "auto_dispatch", "return", "reply"}
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


def _percentile(sorted_values: list[float], share: float) -> float:
    # Nearest-rank: an actual observed duration, never an interpolated one.
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def office_seconds(cal: WorkingCalendar, start: datetime, end: datetime) -> float:
    """How long a step took in office time (UPIK_OFFICE_HOURS minus holidays):
    what the SOP standards count, like the answer clock."""
    return cal.office_seconds_between(start, end)


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


async def compute(since: datetime | None = None) -> StatsOut:
    settings = get_settings()
    standards = {
        "received_to_routed": 15,
        "routed_to_answered": settings.sla_answer_seconds,
        "answered_to_released": RELEASE_STANDARD_S,
    }
    counts = await Complaint.select(Complaint.status, Complaint.kind, Complaint.unit)
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
    events = await query
    cal = await calendar()

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
            seconds = office_seconds(cal, started, e["at"])
            overall[step].append(seconds)
            unit_id = data.get("unit_id")
            if unit_id:
                per_unit[unit_id][step].append(seconds)

    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name)}
    return StatsOut(
        total=len(counts),
        by_status=dict(by_status),
        by_kind=dict(by_kind),
        by_unit=[
            UnitCount(uid, units[uid]["code"], units[uid]["name"], n)
            for uid, n in sorted(by_unit_count.items(), key=lambda kv: -kv[1])
            if uid in units
        ],
        steps=[_summarise(s, std, overall[s]) for s, std in standards.items()],
        units=[
            UnitSteps(
                uid,
                units[uid]["code"],
                units[uid]["name"],
                [_summarise(s, std, steps[s]) for s, std in standards.items()],
            )
            for uid, steps in sorted(per_unit.items())
            if uid in units
        ],
    )
