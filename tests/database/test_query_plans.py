"""Every list, search and detail query is answered from an index, on SQLite
and PostgreSQL: a few thousand bulk-loaded complaints, ANALYZE, then EXPLAIN
of the very SQL the API runs. No plan may read the complaint table in full
or sort it (each page is an index walk that stops after one page); the
plans are printed for docs/performance.md (`pytest -s`)."""

from __future__ import annotations

import re

import pytest

from backend.common.roles import Caller, Role
from backend.complaints import queries
from backend.complaints.tables import Complaint, ComplaintEvent, ComplaintMessage
from tests.support import bulk_load

N = 20000


@pytest.fixture(scope="module")
async def loaded(app, database) -> dict:
    # `app` runs the lifespan, which binds and starts the engine.
    return await bulk_load.load(N)


async def _plan(sql: str) -> str:
    engine = Complaint._meta.db.engine_type
    if engine == "postgres":
        rows = await Complaint.raw("EXPLAIN " + sql).run()
        return "\n".join(r["QUERY PLAN"] for r in rows)
    rows = await Complaint.raw("EXPLAIN QUERY PLAN " + sql).run()
    return "\n".join(r["detail"] for r in rows)


def _screens(loaded: dict) -> dict[str, tuple[object, str | None, str | None]]:
    """name -> (query, the index SQLite must use, the one PostgreSQL must use).
    None: walking the primary key backwards is a fine plan (it stops after a
    page), which PostgreSQL prefers for filters that match many rows."""
    low_unit, _ = loaded["units"]
    unit = low_unit + 1
    admin = Caller(user_id=1, role=Role.ADMIN)
    pic = Caller(user_id=1, role=Role.PIC, unit_id=unit)
    citizen = Caller(user_id=loaded["first_citizen"] + 3, role=Role.CITIZEN)
    rare = f"kode{loaded['first_complaint'] + 1234} "
    search = ("complaint_fts", "complaint_search_vector")
    return {
        "admin triage (status=received)": (
            queries.list_query(admin, status="received"),
            "complaint_status_id",
            None,
        ),
        "admin all": (queries.list_query(admin), None, "complaint_pkey"),
        "admin unit filter": (queries.list_query(admin, unit_id=unit), "complaint_unit_id", None),
        "PIC inbox (unit + status=routed)": (
            queries.list_query(pic, status="routed"),
            "complaint_unit_status_id",
            "complaint_unit_status_id",
        ),
        "PIC all": (queries.list_query(pic), "complaint_unit_id", None),
        "citizen mine": (
            queries.list_query(citizen),
            "complaint_reporter_id",
            "complaint_reporter_id",
        ),
        "rare word": (queries.list_query(admin, q=rare), *search),
        "prefix of the last word": (
            queries.list_query(admin, q="pungutan lia"),
            "complaint_fts",
            None,
        ),
        "detail": (
            Complaint.select(*queries.COLUMNS).where(Complaint.id == 77),
            "INTEGER PRIMARY KEY",
            "complaint_pkey",
        ),
        "detail events": (
            ComplaintEvent.select()
            .where(ComplaintEvent.complaint == 77)
            .order_by(ComplaintEvent.id),
            "complaint_event_complaint_id",
            "complaint_event_complaint_id",
        ),
        "detail messages": (
            ComplaintMessage.select()
            .where(ComplaintMessage.complaint == 77)
            .order_by(ComplaintMessage.id),
            "complaint_message_complaint_id",
            None,  # empty table: PostgreSQL rightly reads it whole
        ),
    }


async def test_every_screen_uses_an_index(loaded, database):
    engine = database.engine_name
    failures = []
    for name, (query, sqlite_index, pg_index) in _screens(loaded).items():
        plan = await _plan(str(query))
        print(f"\n--- {engine}: {name}\n{plan}")
        if engine == "postgres":
            wanted = pg_index
            full_scan = re.search(r"Seq Scan on complaint ", plan)
        else:
            wanted = sqlite_index
            # A bare SCAN walks the table in rowid order: fine only for the
            # unfiltered newest-first list, which stops after a page.
            full_scan = sqlite_index and re.search(r"^SCAN complaint$", plan, re.M)
            if "USE TEMP B-TREE FOR ORDER BY" in plan and sqlite_index != "complaint_fts":
                failures.append(f"{name}: sorts instead of walking an index\n{plan}")
        if full_scan:
            failures.append(f"{name}: reads the whole complaint table\n{plan}")
        if wanted and not re.search(wanted, plan):
            failures.append(f"{name}: does not use {wanted}\n{plan}")
    assert not failures, "\n\n".join(failures)


async def test_the_screens_find_what_was_loaded(loaded, database):
    # The plans above are for queries that return the rows they should.
    admin = Caller(user_id=1, role=Role.ADMIN)
    rare_id = loaded["first_complaint"] + 1234
    # A finished word (a space after it) is that word; an unfinished one is a prefix.
    rows = await queries.list_query(admin, q=f"kode{rare_id} ")
    assert [r["id"] for r in rows] == [rare_id]
    rows = await queries.list_query(admin, q=f"kode{rare_id}")
    assert {r["id"] for r in rows} == {rare_id, *range(rare_id * 10, rare_id * 10 + 10)}
    rows = await queries.list_query(admin, q="pungutan lia", limit=5)
    assert len(rows) == 6 and all("Pungutan liar" in r["title"] for r in rows)
    low_unit, _ = loaded["units"]
    pic = Caller(user_id=1, role=Role.PIC, unit_id=low_unit + 1)
    rows = await queries.list_query(pic, status="routed")
    assert rows and {(r["unit"], r["status"]) for r in rows} == {(low_unit + 1, "routed")}
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)


async def test_windowed_search_pages_equal_the_full_search(loaded, database):
    """A search first looks at the newest matches (SQLite) or complaints
    (PostgreSQL, admins) only, search.WINDOW of them; every page must still
    be exactly the page the full search gives, for words and callers whose
    matches are dense (admin, a common prefix) or sparse (a citizen, one
    unit, a rare word: the retry)."""
    from types import SimpleNamespace

    from backend.complaints import search

    low_unit, _ = loaded["units"]
    callers = [
        Caller(user_id=1, role=Role.ADMIN),
        Caller(user_id=1, role=Role.PIC, unit_id=low_unit + 2),
        Caller(user_id=loaded["first_citizen"] + 5, role=Role.CITIZEN),
    ]
    assert N // 8 > search.WINDOW  # "jemb" matches more than one window
    for caller in callers:
        rare = f"kode{loaded['first_complaint'] + 4321} "
        for q, status in (
            ("jemb", None),
            ("jemb", "routed"),
            ("lampu jalan ma", None),
            (rare, None),
            ("kode1", None),  # 1, 10-19, 100-199, ...: sparse among the newest
        ):
            full = await queries.list_query(caller, status=status, q=q, limit=N)
            want = [r["id"] for r in full]
            got, cursor = [], None
            while True:
                page = await queries.list_complaints(
                    SimpleNamespace(caller=caller), status=status, q=q, limit=100, cursor=cursor
                )
                got += [i.id for i in page.items]
                if not (cursor := page.next_cursor):
                    break
            assert got == want, (caller, q, status)
