"""The dashboard's running counts, kept by triggers in the transaction of
every write, so the dashboard reads a few thousand counters instead of a
decade of rows.

- `complaint_tally`: complaints per (status, kind, unit) and period of
  `created_at`;
- `step_tally`: measured SOP steps per (step, unit, duration bucket) and the
  periods of their start and end (stats/buckets.py).
Each count is kept three times: for all time (level 'a', period '*'), per
UTC year ('y', '2026') and per UTC month ('m', '2026-01'); stats/periods.py
says which of them a date range reads. Unit 0 stands for none.

Triggers rather than application code: every writer (the app's steps, the
backfill, the bulk loader, a restore) keeps the counts, and a crash loses the
row and its counts together.

On PostgreSQL each connection adds to its own rows (`shard` = its backend
pid), so concurrent writers never wait on a shared counter row (nor deadlock
on two); `compact()` folds them into shard 0 now and then. SQLite has one
writer and one shard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from time import monotonic

from backend.complaints.tables import Complaint
from backend.stats.buckets import LOWER_BOUNDS

COMPACT_EVERY_S = 300.0
# Not data of their own: counted from the rows, or constant. A backup's row
# counts and a restore's emptiness check leave them out.
DERIVED_TABLES = frozenset({"duration_bucket", "complaint_tally", "step_tally"})



def _tables(postgres: bool) -> list[str]:
    """The tables; every read is a walk of the primary key or of the
    (level, ended) index, covering the count (SQLite: WITHOUT ROWID, the
    table is its key; PostgreSQL: INCLUDE)."""
    table_end = ")" if postgres else ") WITHOUT ROWID"
    include = " INCLUDE (n)" if postgres else ""
    ended_index = (
        "(level, ended) INCLUDE (started, step, unit, bucket, n)"
        if postgres
        else "(level, ended, started, step, unit, bucket, n)"
    )
    return [
        "CREATE TABLE IF NOT EXISTS duration_bucket (bucket INTEGER PRIMARY KEY, "
        "lo DOUBLE PRECISION NOT NULL UNIQUE)",
        "CREATE TABLE IF NOT EXISTS complaint_tally (level CHAR(1) NOT NULL, "
        "period VARCHAR(7) NOT NULL, status VARCHAR(20) NOT NULL, kind VARCHAR(20) NOT NULL, "
        "unit INTEGER NOT NULL, shard INTEGER NOT NULL, n INTEGER NOT NULL, "
        f"PRIMARY KEY (level, period, status, kind, unit, shard){include}{table_end}",
        "CREATE TABLE IF NOT EXISTS step_tally (level CHAR(1) NOT NULL, "
        "started VARCHAR(7) NOT NULL, ended VARCHAR(7) NOT NULL, step VARCHAR(24) NOT NULL, "
        "unit INTEGER NOT NULL, bucket INTEGER NOT NULL, shard INTEGER NOT NULL, "
        "n INTEGER NOT NULL, "
        f"PRIMARY KEY (level, started, ended, step, unit, bucket, shard){include}{table_end}",
        # The months after a range's whole years are found by when their steps ended.
        f"CREATE INDEX IF NOT EXISTS step_tally_ended ON step_tally {ended_index}",
    ]


# --- SQLite: timestamps are stored as '2026-01-31 23:59:59+00:00' in UTC ---


def _sqlite_complaint_rows(row: str, delta: int) -> str:
    key = f"{row}.status, coalesce({row}.kind, ''), coalesce({row}.unit, 0), 0, {delta}"
    return (
        "INSERT INTO complaint_tally (level, period, status, kind, unit, shard, n) VALUES "
        f"('a', '*', {key}), ('y', substr({row}.created_at, 1, 4), {key}), "
        f"('m', substr({row}.created_at, 1, 7), {key}) "
        "ON CONFLICT DO UPDATE SET n = n + excluded.n;"
    )


def _sqlite_step_rows(row: str, delta: int) -> str:
    bucket = (
        f"(SELECT bucket FROM duration_bucket WHERE lo <= {row}.seconds ORDER BY lo DESC LIMIT 1)"
    )
    key = f"{row}.step, coalesce({row}.unit, 0), {bucket}, 0, {delta}"
    return (
        "INSERT INTO step_tally (level, started, ended, step, unit, bucket, shard, n) VALUES "
        f"('a', '*', '*', {key}), "
        f"('y', substr({row}.started_at, 1, 4), substr({row}.at, 1, 4), {key}), "
        f"('m', substr({row}.started_at, 1, 7), substr({row}.at, 1, 7), {key}) "
        "ON CONFLICT DO UPDATE SET n = n + excluded.n;"
    )


SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS complaint_tally_insert AFTER INSERT ON complaint BEGIN "
    + _sqlite_complaint_rows("new", 1)
    + " END",
    "CREATE TRIGGER IF NOT EXISTS complaint_tally_delete AFTER DELETE ON complaint BEGIN "
    + _sqlite_complaint_rows("old", -1)
    + " END",
    "CREATE TRIGGER IF NOT EXISTS complaint_tally_update "
    "AFTER UPDATE OF status, kind, unit, created_at ON complaint "
    "WHEN old.status IS NOT new.status OR old.kind IS NOT new.kind "
    "OR old.unit IS NOT new.unit OR old.created_at IS NOT new.created_at BEGIN "
    + _sqlite_complaint_rows("old", -1)
    + " "
    + _sqlite_complaint_rows("new", 1)
    + " END",
    "CREATE TRIGGER IF NOT EXISTS step_tally_insert AFTER INSERT ON complaint_step BEGIN "
    + _sqlite_step_rows("new", 1)
    + " END",
    "CREATE TRIGGER IF NOT EXISTS step_tally_delete AFTER DELETE ON complaint_step BEGIN "
    + _sqlite_step_rows("old", -1)
    + " END",
    "CREATE TRIGGER IF NOT EXISTS step_tally_update AFTER UPDATE ON complaint_step BEGIN "
    + _sqlite_step_rows("old", -1)
    + " "
    + _sqlite_step_rows("new", 1)
    + " END",
]

# --- PostgreSQL: plpgsql functions; periods in UTC whatever the session's zone ---

PG_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION complaint_tally_add(r complaint, delta integer) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
      utc timestamp := r.created_at AT TIME ZONE 'UTC';
    BEGIN
      INSERT INTO complaint_tally AS t (level, period, status, kind, unit, shard, n) VALUES
        ('a', '*', r.status, coalesce(r.kind, ''), coalesce(r.unit, 0), pg_backend_pid(), delta),
        ('y', to_char(utc, 'YYYY'), r.status, coalesce(r.kind, ''), coalesce(r.unit, 0),
         pg_backend_pid(), delta),
        ('m', to_char(utc, 'YYYY-MM'), r.status, coalesce(r.kind, ''), coalesce(r.unit, 0),
         pg_backend_pid(), delta)
      ON CONFLICT (level, period, status, kind, unit, shard) DO UPDATE SET n = t.n + excluded.n;
    END $$""",
    """CREATE OR REPLACE FUNCTION complaint_tally_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM complaint_tally_add(OLD, -1); END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM complaint_tally_add(NEW, 1); END IF;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION step_tally_add(r complaint_step, delta integer) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
      s timestamp := r.started_at AT TIME ZONE 'UTC';
      e timestamp := r.at AT TIME ZONE 'UTC';
      b integer := (SELECT bucket FROM duration_bucket WHERE lo <= r.seconds
                    ORDER BY lo DESC LIMIT 1);
    BEGIN
      INSERT INTO step_tally AS t (level, started, ended, step, unit, bucket, shard, n) VALUES
        ('a', '*', '*', r.step, coalesce(r.unit, 0), b, pg_backend_pid(), delta),
        ('y', to_char(s, 'YYYY'), to_char(e, 'YYYY'), r.step, coalesce(r.unit, 0), b,
         pg_backend_pid(), delta),
        ('m', to_char(s, 'YYYY-MM'), to_char(e, 'YYYY-MM'), r.step, coalesce(r.unit, 0), b,
         pg_backend_pid(), delta)
      ON CONFLICT (level, started, ended, step, unit, bucket, shard)
      DO UPDATE SET n = t.n + excluded.n;
    END $$""",
    """CREATE OR REPLACE FUNCTION step_tally_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM step_tally_add(OLD, -1); END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM step_tally_add(NEW, 1); END IF;
      RETURN NULL;
    END $$""",
]

PG_TRIGGERS = [
    "DROP TRIGGER IF EXISTS complaint_tally_change ON complaint",
    "CREATE TRIGGER complaint_tally_change AFTER INSERT OR DELETE ON complaint "
    "FOR EACH ROW EXECUTE FUNCTION complaint_tally_trigger()",
    "DROP TRIGGER IF EXISTS complaint_tally_update ON complaint",
    "CREATE TRIGGER complaint_tally_update AFTER UPDATE OF status, kind, unit, created_at "
    "ON complaint FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
    "OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.unit IS DISTINCT FROM NEW.unit "
    "OR OLD.created_at IS DISTINCT FROM NEW.created_at) "
    "EXECUTE FUNCTION complaint_tally_trigger()",
    "DROP TRIGGER IF EXISTS step_tally_change ON complaint_step",
    "CREATE TRIGGER step_tally_change AFTER INSERT OR UPDATE OR DELETE ON complaint_step "
    "FOR EACH ROW EXECUTE FUNCTION step_tally_trigger()",
]

# --- from scratch: the counts the triggers keep, recomputed from the rows ---


def _recount_sql(engine: str) -> list[str]:
    if engine == "postgres":
        year = "to_char({} AT TIME ZONE 'UTC', 'YYYY')"
        month = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM')"
    else:
        year, month = "substr({}, 1, 4)", "substr({}, 1, 7)"
    complaints = [
        (
            "INSERT INTO complaint_tally (level, period, status, kind, unit, shard, n) "
            f"SELECT '{level}', {period}, status, coalesce(kind, ''), coalesce(unit, 0), 0, "
            "COUNT(*) FROM complaint GROUP BY 2, 3, 4, 5"
        )
        for level, period in (
            ("a", "'*'"),
            ("y", year.format("created_at")),
            ("m", month.format("created_at")),
        )
    ]
    bucket = "(SELECT bucket FROM duration_bucket WHERE lo <= s.seconds ORDER BY lo DESC LIMIT 1)"
    steps = [
        (
            "INSERT INTO step_tally (level, started, ended, step, unit, bucket, shard, n) "
            f"SELECT '{level}', started, ended, step, unit, bucket, 0, COUNT(*) FROM ("
            f"SELECT {started} AS started, {ended} AS ended, s.step, coalesce(s.unit, 0) AS unit, "
            f"{bucket} AS bucket FROM complaint_step s) AS rows GROUP BY 2, 3, 4, 5, 6"
        )
        for level, started, ended in (
            ("a", "'*'", "'*'"),
            ("y", year.format("s.started_at"), year.format("s.at")),
            ("m", month.format("s.started_at"), month.format("s.at")),
        )
    ]
    return ["DELETE FROM complaint_tally", "DELETE FROM step_tally", *complaints, *steps]


async def _run(sql: str, *args) -> list[dict]:
    return await Complaint.raw(sql, *args).run()


async def create() -> None:
    """The tables, the bucket bounds, the triggers, and the counts of the
    rows already there. Run by the migration (and again by a bulk load that
    bypassed the triggers)."""
    engine = Complaint._meta.db.engine_type
    for sql in _tables(engine == "postgres"):
        await _run(sql)
    if not await _run("SELECT 1 AS x FROM duration_bucket LIMIT 1"):
        for bucket, low in enumerate(LOWER_BOUNDS):
            # Bucket 0 has no lower bound; -1e308 stands for it in the lookup.
            await _run(
                "INSERT INTO duration_bucket (bucket, lo) VALUES ({}, {})",
                bucket,
                low if bucket else -1e308,
            )
    for sql in (PG_FUNCTIONS + PG_TRIGGERS) if engine == "postgres" else SQLITE_TRIGGERS:
        await _run(sql)
    await recount()


async def recount() -> None:
    """Throws the counts away and counts the rows again, in one transaction."""
    engine = Complaint._meta.db.engine_type
    async with Complaint._meta.db.transaction():
        for sql in _recount_sql(engine):
            await _run(sql)
    # Fresh statistics: the planner otherwise takes a freshly filled tally
    # for an empty one and sorts where it should hash.
    await _run("ANALYZE complaint_tally")
    await _run("ANALYZE step_tally")


PG_TRIGGER_NAMES = {
    "complaint": ("complaint_tally_change", "complaint_tally_update"),
    "complaint_step": ("step_tally_change",),
}


@asynccontextmanager
async def suspended() -> AsyncIterator[None]:
    """For a bulk load: the triggers are off while it runs (counting row by
    row made loading a million complaints several times slower), and the
    counts are taken from scratch after. Nothing else may write meanwhile."""
    postgres = Complaint._meta.db.engine_type == "postgres"
    if postgres:
        for table, names in PG_TRIGGER_NAMES.items():
            for name in names:
                await _run(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
    else:
        for sql in SQLITE_TRIGGERS:
            name = sql.split("IF NOT EXISTS ")[1].split()[0]
            await _run(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        if postgres:
            for table, names in PG_TRIGGER_NAMES.items():
                for name in names:
                    await _run(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        else:
            for sql in SQLITE_TRIGGERS:
                await _run(sql)
        await recount()


_last_compacted = float("-inf")


async def compact(force: bool = False) -> float | None:
    """PostgreSQL: fold every connection's rows into shard 0 (rows a writer
    still holds are skipped till next time, so no writer ever waits), and
    drop counters that reached zero. An engine ticker; seconds until due."""
    global _last_compacted
    if Complaint._meta.db.engine_type != "postgres":
        return None
    waited = monotonic() - _last_compacted
    if not force and waited < COMPACT_EVERY_S:
        return COMPACT_EVERY_S - waited
    _last_compacted = monotonic()
    for table, key in (
        ("complaint_tally", "level, period, status, kind, unit"),
        ("step_tally", "level, started, ended, step, unit, bucket"),
    ):
        # One statement, one transaction: the advisory lock keeps two
        # compactions (several web processes and the worker) from meeting.
        await _run(
            f"WITH lock AS (SELECT pg_try_advisory_xact_lock(hashtext('{table}')) AS got), "
            f"moved AS (DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} "
            "WHERE shard <> 0 AND (SELECT got FROM lock) FOR UPDATE SKIP LOCKED) "
            f"RETURNING {key}, n) "
            f"INSERT INTO {table} AS t ({key}, shard, n) SELECT {key}, 0, SUM(n) FROM moved "
            f"GROUP BY {key} ORDER BY {key} "
            f"ON CONFLICT ({key}, shard) DO UPDATE SET n = t.n + excluded.n"
        )
        await _run(f"DELETE FROM {table} WHERE shard = 0 AND n = 0")
    return COMPACT_EVERY_S
