"""Scale (issue 10): the complaint_step table the dashboard reads, backfilled
from the audit trail with the dashboard's own rule (complaints/durations.py),
and its indexes (per step and per unit, ordered by duration, for the
percentiles; by time, for since/until)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.complaints import durations
from backend.complaints.tables import ComplaintEvent, ComplaintStep
from backend.database import json_column, run_statement

ID = "2026-12-02T16:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "complaint_step: SOP step durations, stored when the step happens"

INDEXES = [
    "CREATE INDEX IF NOT EXISTS complaint_step_step_seconds ON complaint_step (step, seconds)",
    "CREATE INDEX IF NOT EXISTS complaint_step_unit_step_seconds "
    "ON complaint_step (unit, step, seconds)",
    "CREATE INDEX IF NOT EXISTS complaint_step_at ON complaint_step (at)",
    "CREATE INDEX IF NOT EXISTS complaint_step_complaint ON complaint_step (complaint)",
]
BATCH = 5000  # events per read (whole complaints), so memory stays flat on any history


async def backfill() -> int:
    """Replay every complaint's events once, in id order, a batch of
    complaints at a time; returns how many steps were written."""
    E = ComplaintEvent
    written, after = 0, 0
    while True:
        later = E.select(E.complaint).where(E.complaint > after).order_by(E.complaint)
        upto = (
            await later.offset(BATCH - 1).first()
            or await E.select(E.complaint).order_by(E.complaint, ascending=False).first()
        )
        if upto is None or upto["complaint"] <= after:
            return written
        events = (
            await E.select(E.complaint, E.type, E.to_status, E.at, E.data)
            .where((E.complaint > after) & (E.complaint <= upto["complaint"]))
            .order_by(E.complaint)
            .order_by(E.id)
        )
        rows, current, previous = [], None, None
        for e in events:
            if e["complaint"] != current:
                current, previous = e["complaint"], None
            event = durations.ClockEvent(e["type"], e["to_status"], e["at"])
            row = durations.step_row(current, previous, event, json_column(e["data"], {}) or {})
            if row:
                rows.append(row)
            if durations.starts(event.type, event.to_status) is not None:
                previous = event
        for start in range(0, len(rows), 500):
            await run_statement(ComplaintStep, durations.insert(rows[start : start + 500]))
        written += len(rows)
        after = upto["complaint"]


async def _create() -> None:
    await ComplaintStep.create_table(if_not_exists=True).run()
    for sql in INDEXES:
        await ComplaintStep.raw(sql).run()
    await backfill()


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="upik", description=DESCRIPTION)
    manager.add_raw(_create)
    return manager
