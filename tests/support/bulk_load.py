"""Loads many complaints at SQL speed, for the query-plan tests (a few
thousand) and bench/scale.py (a million): citizens, complaints spread over
the units, statuses and ten years, each with its audit events (submit,
dispatch, answer, release as far as its status goes) and measured steps.

Titles and bodies come from a small vocabulary, plus one word unique to each
complaint (`kode<i>`), so a "rare word" search has exactly one hit and a
common word has many. Runs in the bound engine (database.bind) through
Piccolo's raw queries; call it with the engine started."""

from __future__ import annotations

from backend.complaints.tables import Complaint
from backend.stats import tally

TITLES = [
    "Jalan rusak berlubang",
    "Saluran air tersumbat sampah",
    "Lampu jalan mati",
    "Pelayanan puskesmas lambat",
    "Sampah menumpuk di pasar",
    "Banjir di perumahan",
    "Pungutan liar di kantor desa",
    "Jembatan retak membahayakan",
]
BASE_EPOCH = 1_480_000_000  # late 2016: ten years of history before today
SPACING_S = 300  # a complaint every five minutes: a million in about ten years


def _series(engine: str, n: int) -> tuple[str, str]:
    """(WITH prefix, FROM source) yielding i = 1..n."""
    if engine == "postgres":
        return "", f"generate_series(1, {n}) AS s(i)"
    return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) ", "s"


def _ts(engine: str, seconds: str) -> str:
    """A timestamptz from epoch seconds, stored as Piccolo stores it."""
    if engine == "postgres":
        return f"to_timestamp({seconds})"
    return f"strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch') || '+00:00'"


def _epoch(engine: str, column: str) -> str:
    if engine == "postgres":
        return f"extract(epoch FROM {column})::bigint"
    return f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"


async def _one(sql: str) -> dict:
    return (await Complaint.raw(sql).run())[0]


async def load(n: int, citizens: int | None = None) -> dict:
    """Adds `n` complaints; returns the id range and the citizens made. The
    dashboard's tallies are counted once at the end, not row by row."""
    async with tally.suspended():
        return await _load(n, citizens)


async def _load(n: int, citizens: int | None) -> dict:
    engine = Complaint._meta.db.engine_type
    false, true = ("false", "true") if engine == "postgres" else ("0", "1")
    citizens = citizens or max(10, n // 10)
    units = await _one("SELECT MIN(id) AS low, COUNT(*) AS k FROM unit")
    low_unit, unit_count = units["low"], units["k"]
    assert unit_count and (await _one("SELECT MAX(id) AS high FROM unit"))["high"] == (
        low_unit + unit_count - 1
    ), "the loader expects the seeded units' ids to be contiguous"
    before = await _one(
        "SELECT COALESCE(MAX(id), 0) AS c, "
        "(SELECT COALESCE(MAX(id), 0) FROM upik_user) AS u FROM complaint"
    )
    first_user = before["u"] + 1

    with_, source = _series(engine, citizens)
    await Complaint.raw(
        f"{with_}INSERT INTO upik_user (username, password_hash, name, phone, email, role, unit, "
        f"is_active, created_at) SELECT 'bulk' || ({before['u']} + i), '!', 'Warga ' || i, NULL, "
        f"NULL, 'citizen', NULL, {true}, {_ts(engine, str(BASE_EPOCH))} FROM {source}"
    ).run()

    with_, source = _series(engine, n)
    title = "CASE i % 8 " + " ".join(f"WHEN {k} THEN '{t}'" for k, t in enumerate(TITLES)) + " END"
    unit = f"CASE WHEN i % 10 = 0 THEN NULL ELSE {low_unit} + i % {unit_count} END"
    status = (
        "CASE WHEN i % 10 = 0 THEN (CASE WHEN i % 20 = 0 THEN 'rejected' ELSE 'received' END) "
        "ELSE (CASE i % 7 WHEN 0 THEN 'routed' WHEN 1 THEN 'routed' WHEN 2 THEN 'answered' "
        "WHEN 3 THEN 'released' WHEN 4 THEN 'released' ELSE 'closed' END) END"
    )
    kind = "CASE i % 3 WHEN 0 THEN 'pengaduan' WHEN 1 THEN 'aspirasi' ELSE 'saran' END"
    at = _ts(engine, f"{BASE_EPOCH} + i * {SPACING_S}")
    await Complaint.raw(
        f"{with_}INSERT INTO complaint (reporter, title, body, kind, kind_source, category, unit, "
        "status, is_anonymous, is_confidential, created_at, updated_at) "
        f"SELECT {first_user} + i % {citizens}, {title}, "
        f"{title} || ' di desa nomor ' || (i % 400) || ', mohon segera ditangani. kode' || i, "
        f"{kind}, 'system', NULL, {unit}, {status}, "
        f"CASE WHEN i % 9 = 0 THEN {true} ELSE {false} END, {false}, {at}, {at} FROM {source}"
    ).run()

    # The audit trail: each complaint's events as far as its status goes.
    stages = [
        # type, from, to, offset seconds, statuses that reached it, unit in data
        ("submit", "NULL", "'received'", 0, None),
        ("dispatch", "'received'", "'routed'", 3600, ("routed", "answered", "released", "closed")),
        ("answer", "'routed'", "'answered'", 86400, ("answered", "released", "closed")),
        ("release", "'answered'", "'released'", 93600, ("released", "closed")),
    ]
    created = _epoch(engine, "created_at")
    for type_, from_, to, offset, reached in stages:
        where = f"id > {before['c']}"
        if reached:
            where += " AND status IN (" + ", ".join(f"'{s}'" for s in reached) + ")"
        # No braces in the SQL: Piccolo's raw() reads {} as a placeholder.
        make = "json_build_object" if engine == "postgres" else "json_object"
        data = f"{make}()" if reached is None else f"{make}('unit_id', unit)"
        actor_role = "'citizen'" if type_ == "submit" else "'admin'"
        await Complaint.raw(
            "INSERT INTO complaint_event (complaint, type, actor, actor_role, from_status, "
            f"to_status, data, at) SELECT id, '{type_}', NULL, {actor_role}, {from_}, {to}, "
            f"{data}, {_ts(engine, f'{created} + {offset}')} FROM complaint WHERE {where}"
        ).run()
    steps = [
        ("received_to_routed", 0, 3600, stages[1][4]),
        ("routed_to_answered", 3600, 86400, stages[2][4]),
        ("answered_to_released", 86400, 93600, stages[3][4]),
    ]
    for step, start, end, reached in steps:
        # Durations spread over four doublings around the step's typical
        # time, varying with the id as real office-time durations vary: the
        # percentiles have thousands of distinct values to pick from, and no
        # one value holds a large share of the rows.
        spread = "power(2.0, ((id * 2654435761) % 4096) / 1024.0 - 2)"
        await Complaint.raw(
            "INSERT INTO complaint_step (complaint, step, unit, started_at, at, seconds) "
            f"SELECT id, '{step}', unit, {_ts(engine, f'{created} + {start}')}, "
            f"{_ts(engine, f'{created} + {end}')}, {end - start} * {spread} FROM complaint "
            f"WHERE id > {before['c']} AND status IN (" + ", ".join(f"'{s}'" for s in reached) + ")"
        ).run()
    # Statistics for the planner, and on PostgreSQL the visibility map that
    # lets index-only scans skip the heap (autovacuum's job after a real load).
    await Complaint.raw("VACUUM ANALYZE" if engine == "postgres" else "ANALYZE").run()
    after = await _one("SELECT MAX(id) AS c FROM complaint")
    return {
        "first_complaint": before["c"] + 1,
        "last_complaint": after["c"],
        "first_citizen": first_user,
        "citizens": citizens,
        "units": (low_unit, unit_count),
    }
