"""The dashboard in SQL equals the old Python computation (tests/stats/
reference.py) on a few thousand random histories, on SQLite and PostgreSQL,
with and without the new filters; and a step written live stores the same
duration the backfill computes from the audit trail."""

from __future__ import annotations

import importlib
import random
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from backend.complaints.tables import Complaint, ComplaintEvent, ComplaintStep
from backend.database import insert_statement, run_statement
from backend.organisation.tables import Unit
from backend.stats import service, tally
from tests.stats import reference

backfill = importlib.import_module("migrations.upik_2026_12_02t16_10_00_000000").backfill

COMPLAINTS = 1500
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_S = 1000 * 24 * 3600  # histories over almost three years: whole years, months and ends
# (type, to_status): every clock event and some that leave the clocks alone.
MOVES = [
    ("dispatch", "routed"),
    ("decline", "received"),
    ("answer", "answered"),
    ("return", "routed"),
    ("release", "released"),
    ("reply", "routed"),
    ("reply", "closed"),
    ("rate", "closed"),
    ("reject", "rejected"),
    ("attach", "received"),
    ("auto_dispatch", "routed"),
]


async def _write_random_histories(reporter_id: int, seed: int) -> None:
    rng = random.Random(seed)
    unit_ids = [u["id"] for u in await Unit.select(Unit.id)]
    choices_of_unit = [*unit_ids, None, 0, 999_999]  # missing, falsy, unknown: as events may hold
    complaints, events = [], []
    first_id = (
        await Complaint.select(Complaint.id).order_by(Complaint.id, ascending=False).first()
        or {"id": 0}
    )["id"] + 1
    for n in range(COMPLAINTS):
        cid = first_id + n
        at = START + timedelta(seconds=rng.randrange(0, SPAN_S))
        created = at
        events.append(
            dict(
                complaint=cid,
                type="submit",
                actor=None,
                actor_role="citizen",
                from_status=None,
                to_status="received",
                data={},
                at=at,
            )
        )
        for _ in range(rng.randrange(0, 7)):
            # Equal times happen (auto-dispatch); fractions of a second too.
            at += timedelta(seconds=rng.choice([0, rng.uniform(0, 30), rng.uniform(0, 20000)]))
            type_, to_status = rng.choice(MOVES)
            unit = rng.choice(choices_of_unit)
            data = {} if unit is None else {"unit_id": unit}
            events.append(
                dict(
                    complaint=cid,
                    type=type_,
                    actor=None,
                    actor_role="system",
                    from_status="received",
                    to_status=to_status,
                    data=data,
                    at=at,
                )
            )
        unit = rng.choice([*unit_ids, None])
        complaints.append(
            dict(
                id=cid,
                reporter=reporter_id,
                title=f"Keluhan {cid}",
                body="Isi.",
                kind=rng.choice(["pengaduan", "aspirasi", "saran"]),
                kind_source="system",
                category=None,
                unit=unit,
                status=rng.choice(["received", "rejected"])
                if unit is None
                else rng.choice(["routed", "answered", "released", "closed"]),
                is_anonymous=False,
                is_confidential=False,
                location_lat=None,
                location_lon=None,
                location_address=None,
                idempotency_scope=None,
                created_at=created,
                updated_at=at,
                routed_at=None,
                answered_at=None,
                released_at=None,
                sla_due_at=None,
                sla_reminder_at=None,
                sla_escalate_at=None,
                rating_score=None,
                rating_comment=None,
            )
        )
    for start in range(0, len(complaints), 300):
        await run_statement(Complaint, insert_statement(Complaint, complaints[start : start + 300]))
    for start in range(0, len(events), 500):
        await run_statement(
            ComplaintEvent, insert_statement(ComplaintEvent, events[start : start + 500])
        )
    if Complaint._meta.db.engine_type == "postgres":  # ids were given: move the sequence on
        await Complaint.raw(
            "SELECT setval(pg_get_serial_sequence('complaint', 'id'), "
            "(SELECT max(id) FROM complaint))"
        )
    # The steps of these hand-written histories, as the migration derives them.
    await ComplaintStep.delete(force=True)
    await backfill()


def _plain(stats) -> dict:
    return msgspec.to_builtins(stats)


async def test_sql_stats_equal_the_python_computation(api, database, monkeypatch):
    citizen, _ = await api.citizen()
    await _write_random_histories(citizen["id"], seed=10)
    assert await ComplaintStep.count() > COMPLAINTS // 2  # the histories do measure steps

    assert _plain(await service.compute()) == _plain(await reference.compute())
    some_unit = (await Unit.select(Unit.id).first())["id"]
    middle = START + timedelta(days=120, seconds=7)
    year, month = datetime(2025, 1, 1, tzinfo=UTC), datetime(2024, 11, 1, tzinfo=UTC)
    for since, until, unit_id in [
        (middle, None, None),
        (None, middle, None),
        (START + timedelta(days=30), START + timedelta(days=200), None),
        (None, None, some_unit),
        (middle, None, some_unit),
        # Whole years and months from the tallies, the ends from the rows:
        (year, None, None),
        (None, year, None),
        (month, year, None),
        (month, datetime(2026, 3, 1, tzinfo=UTC), some_unit),
        (year + timedelta(hours=7), datetime(2026, 2, 14, 17, tzinfo=UTC), None),
        (START, datetime(2026, 12, 31, tzinfo=UTC), None),
        # Inside one month, and across one month's end.
        (datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 20, tzinfo=UTC), None),
        (datetime(2025, 3, 20, tzinfo=UTC), datetime(2025, 4, 9, tzinfo=UTC), None),
        # A time zone other than UTC: periods are UTC whatever the caller's zone.
        (datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=7))), None, None),
    ]:
        got = _plain(await service.compute(since, until, unit_id))
        want = _plain(await reference.compute(since, until, unit_id))
        assert got == want, (since, until, unit_id)

    # Every bucket "large": its least and greatest durations are read first,
    # and a run of equal ones (the zero-second steps) is answered without a walk.
    monkeypatch.setattr(service, "LARGE_BUCKET", 1)
    for since, until in [(None, None), (middle, None)]:
        got = _plain(await service.compute(since, until))
        assert got == _plain(await reference.compute(since, until)), (since, until)


async def test_nearest_rank_is_postgres_percentile_disc(api, database):
    """The rank the dashboard picks on both engines is what PostgreSQL's
    percentile_disc returns (percentile_cont would interpolate)."""
    if database.engine_name != "postgres":
        pytest.skip("percentile_disc is PostgreSQL's")
    if not await ComplaintStep.count():
        citizen, _ = await api.citizen()
        await _write_random_histories(citizen["id"], seed=11)
    stats = await service.compute()
    rows = await ComplaintStep.raw(
        "SELECT step, percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) AS median, "
        "percentile_disc(0.9) WITHIN GROUP (ORDER BY seconds) AS p90 "
        "FROM complaint_step GROUP BY step"
    )
    disc = {r["step"]: (round(r["median"], 3), round(r["p90"], 3)) for r in rows}
    assert disc == {s.step: (s.median_seconds, s.p90_seconds) for s in stats.steps if s.count}


async def test_live_steps_store_what_the_backfill_derives(api, database):
    admin = await api.staff("admin")
    pic = await api.staff("pic", "DPUTR")
    _, citizen = await api.citizen()
    unit = await api.unit_id("DPUTR")
    C = "/api/v1/complaints"
    made = []
    for _ in range(3):
        c = await api.submit(citizen, title="Jalan berlubang", body="Jalan di desa berlubang.")
        cid = c["id"]
        if c["status"] == "received":
            await api.post(f"{C}/{cid}/dispatch", admin[1], {"unit_id": unit})
        await api.post(f"{C}/{cid}/answer", pic[1], {"body": "Akan diperbaiki."})
        await api.post(f"{C}/{cid}/return", admin[1], {"note": "Lengkapi."})
        await api.post(f"{C}/{cid}/answer", pic[1], {"body": "Diperbaiki minggu ini."})
        await api.post(f"{C}/{cid}/release", admin[1], {})
        made.append(cid)

    def rows(found):
        return sorted(
            (r["complaint"], r["step"], r["unit"], r["seconds"])
            for r in found
            if r["complaint"] in made
        )

    live = rows(await ComplaintStep.select())
    # Each complaint: received->routed, two routed->answered, answered->released.
    assert [s for _, s, _, _ in live].count("routed_to_answered") == 2 * len(made)
    await ComplaintStep.delete(force=True)
    await backfill()
    assert rows(await ComplaintStep.select()) == live


async def _tallies() -> tuple[list, list]:
    """Both tallies summed over shards, without the counters at zero."""
    complaints = await Complaint.raw(
        "SELECT level, period, status, kind, unit, SUM(n) AS n FROM complaint_tally "
        "GROUP BY level, period, status, kind, unit HAVING SUM(n) <> 0 "
        "ORDER BY level, period, status, kind, unit"
    )
    steps = await Complaint.raw(
        "SELECT level, started, ended, step, unit, bucket, SUM(n) AS n FROM step_tally "
        "GROUP BY level, started, ended, step, unit, bucket HAVING SUM(n) <> 0 "
        "ORDER BY level, started, ended, step, unit, bucket"
    )
    return [tuple(r.values()) for r in complaints], [tuple(r.values()) for r in steps]


async def test_the_triggers_keep_the_tallies_a_recount_gives(api, database):
    """Inserts, every kind of update and deletes through the triggers leave
    the same counts as counting the rows from scratch; so does compaction."""
    admin = await api.staff("admin")
    pic = await api.staff("pic", "DPUTR")
    _, citizen = await api.citizen()
    unit = await api.unit_id("DPUTR")
    C = "/api/v1/complaints"
    for i in range(4):
        c = await api.submit(citizen, title="Jalan berlubang", body=f"Jalan desa berlubang {i}.")
        if c["status"] == "received":
            await api.post(f"{C}/{c['id']}/dispatch", admin[1], {"unit_id": unit})
        if i % 2:
            await api.post(f"{C}/{c['id']}/answer", pic[1], {"body": "Akan diperbaiki."})
    citizen_row = await Complaint.select(Complaint.reporter).first()
    await _write_random_histories(citizen_row["reporter"], seed=12)
    # Changes the app never makes, straight in SQL: the triggers see them too.
    some = await Complaint.select(Complaint.id).order_by(Complaint.id).limit(40)
    ids = [r["id"] for r in some]
    await Complaint.update({Complaint.kind: "saran"}).where(Complaint.id.is_in(ids[:10]))
    await Complaint.update({Complaint.unit: None, Complaint.status: "received"}).where(
        Complaint.id.is_in(ids[10:20])
    )
    await Complaint.update({Complaint.created_at: datetime(2023, 6, 30, 23, 59, tzinfo=UTC)}).where(
        Complaint.id.is_in(ids[20:25])
    )
    await ComplaintStep.update({ComplaintStep.seconds: 0.0}).where(
        ComplaintStep.complaint.is_in(ids[25:30])
    )
    await ComplaintStep.delete().where(ComplaintStep.complaint.is_in(ids[30:35]))

    kept = await _tallies()
    assert kept[0] and kept[1]
    await tally.compact(force=True)
    assert await _tallies() == kept
    await tally.recount()
    assert await _tallies() == kept
