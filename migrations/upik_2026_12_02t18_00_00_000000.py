"""Scale (issue 10): the dashboard's running counts (backend/stats/tally.py),
kept by triggers, and the indexes its reads use.

- complaint_tally, step_tally, duration_bucket and their triggers, counted
  from the rows already there;
- complaint_counts is dropped: the counts now come from complaint_tally, and
  the rows at the ends of a date range are found by complaint.created_at;
- the duration indexes carry started_at and at, so a walk inside a bucket
  with a date range tests them without reading the rows;
- complaint_step (started_at) finds the steps that started at the start of
  a range that is not a whole month;
- complaint (unit, created_at) finds a unit's first complaint in a range,
  which orders units with equal counts."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.complaints.tables import Complaint
from backend.stats import tally

ID = "2026-12-02T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Dashboard tallies kept by triggers; duration indexes cover the date range"

PG_INDEXES = [
    "DROP INDEX IF EXISTS complaint_counts",
    "DROP INDEX IF EXISTS complaint_step_step_seconds",
    "DROP INDEX IF EXISTS complaint_step_unit_step_seconds",
    "CREATE INDEX IF NOT EXISTS complaint_step_step_seconds ON complaint_step (step, seconds) "
    "INCLUDE (started_at, at)",
    "CREATE INDEX IF NOT EXISTS complaint_step_unit_step_seconds "
    "ON complaint_step (unit, step, seconds) INCLUDE (started_at, at)",
    "CREATE INDEX IF NOT EXISTS complaint_step_started_at ON complaint_step (started_at)",
    "CREATE INDEX IF NOT EXISTS complaint_unit_created_at ON complaint (unit, created_at) "
    "INCLUDE (id)",
]
SQLITE_INDEXES = [
    "DROP INDEX IF EXISTS complaint_counts",
    "DROP INDEX IF EXISTS complaint_step_step_seconds",
    "DROP INDEX IF EXISTS complaint_step_unit_step_seconds",
    "CREATE INDEX IF NOT EXISTS complaint_step_step_seconds "
    "ON complaint_step (step, seconds, started_at, at)",
    "CREATE INDEX IF NOT EXISTS complaint_step_unit_step_seconds "
    "ON complaint_step (unit, step, seconds, started_at, at)",
    "CREATE INDEX IF NOT EXISTS complaint_step_started_at ON complaint_step (started_at)",
    "CREATE INDEX IF NOT EXISTS complaint_unit_created_at ON complaint (unit, created_at)",
]


async def _create() -> None:
    postgres = Complaint._meta.db.engine_type == "postgres"
    for sql in PG_INDEXES if postgres else SQLITE_INDEXES:
        await Complaint.raw(sql).run()
    await tally.create()


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="upik", description=DESCRIPTION)
    manager.add_raw(_create)
    return manager
