"""SQLite group commit (`TunedSQLiteEngine.run_chain`): transactions queued
while one trip to SQLite's thread is under way share the next trip and one
COMMIT, each chain in its own savepoint, so each still succeeds or fails on
its own. On a real database file, through `write_chain`."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3

import pytest

from backend.database import TunedSQLiteEngine, is_unique_violation, stop, write_chain


class Refused(Exception):
    pass


@pytest.fixture
async def engine(tmp_path):
    engine = TunedSQLiteEngine(path=str(tmp_path / "group.sqlite3"))
    await engine.prep_database()
    await engine._run_in_new_connection(
        "CREATE TABLE ticket (id INTEGER PRIMARY KEY, code TEXT UNIQUE NOT NULL)"
    )
    await engine._run_in_new_connection(
        "CREATE TABLE ticket_note (ticket INTEGER NOT NULL REFERENCES ticket(id), note TEXT)"
    )
    yield engine
    await stop(engine)


def insert(code: str):
    return "INSERT INTO ticket (code) VALUES (?) RETURNING id", [code]


def note_for(text: str):
    def then(rows):
        return [("INSERT INTO ticket_note (ticket, note) VALUES (?, ?)", [rows[0]["id"], text])]

    return then


async def rows(engine, sql: str) -> list[dict]:
    return [dict(r) for r in await engine._run_in_new_connection(sql)]


async def test_concurrent_chains_all_commit_with_their_follow_up_writes(engine):
    results = await asyncio.gather(
        *(write_chain(engine, insert(f"T{n}"), note_for(f"note {n}")) for n in range(60))
    )
    ids = [r[0]["id"] for r in results]
    assert len(set(ids)) == 60
    notes = await rows(
        engine, "SELECT t.code, n.note FROM ticket t JOIN ticket_note n ON n.ticket = t.id"
    )
    assert sorted(notes, key=lambda r: int(r["code"][1:])) == [
        {"code": f"T{n}", "note": f"note {n}"} for n in range(60)
    ]


async def test_one_failing_chain_rolls_back_alone(engine):
    def refuse(_rows):
        raise Refused("compare-and-set lost")

    lock = engine.write_lock()
    async with lock:  # hold the writer so that all of these share one trip
        tasks = [
            asyncio.create_task(write_chain(engine, insert("A"), note_for("a"))),
            asyncio.create_task(write_chain(engine, insert("A"), note_for("duplicate"))),
            asyncio.create_task(write_chain(engine, insert("B"), refuse)),
            asyncio.create_task(write_chain(engine, insert("C"), note_for("c"))),
        ]
        await asyncio.sleep(0.05)
        assert not any(t.done() for t in tasks)
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(outcomes[0], list)
    assert is_unique_violation(outcomes[1])
    assert isinstance(outcomes[2], Refused)
    assert isinstance(outcomes[3], list)
    # B's insert ran before its follow-up refused: rolled back with it.
    assert await rows(engine, "SELECT code FROM ticket ORDER BY code") == [
        {"code": "A"},
        {"code": "C"},
    ]
    assert await rows(engine, "SELECT note FROM ticket_note ORDER BY note") == [
        {"note": "a"},
        {"note": "c"},
    ]


async def test_a_batch_shares_one_commit(engine):
    commits = []
    lock = engine.write_lock()
    async with lock:
        tasks = [
            asyncio.create_task(write_chain(engine, insert(f"T{n}"), note_for("n")))
            for n in range(5)
        ]
        await asyncio.sleep(0.05)
        conn = await engine.get_connection()  # the one the batch will take
        await conn._execute(
            conn._conn.set_trace_callback,
            lambda sql: commits.append(sql) if sql == "COMMIT" else None,
        )
        await engine.release_connection(conn)
    await asyncio.gather(*tasks)
    assert commits == ["COMMIT"]


async def test_a_batch_whose_commit_fails_runs_each_chain_alone(engine):
    # A deferred foreign key is checked at COMMIT: the batch's commit fails,
    # and only the chain that broke it may fail with it.
    await engine._run_in_new_connection(
        "CREATE TABLE ticket_link (ticket INTEGER REFERENCES ticket(id) "
        "DEFERRABLE INITIALLY DEFERRED)"
    )

    def dangling(_rows):
        return [("INSERT INTO ticket_link (ticket) VALUES (?)", [999])]

    async with engine.write_lock():
        tasks = [
            asyncio.create_task(write_chain(engine, insert("A"), note_for("a"))),
            asyncio.create_task(write_chain(engine, insert("B"), dangling)),
            asyncio.create_task(write_chain(engine, insert("C"), note_for("c"))),
        ]
        await asyncio.sleep(0.05)
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(outcomes[0], list) and isinstance(outcomes[2], list)
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert await rows(engine, "SELECT code FROM ticket ORDER BY code") == [
        {"code": "A"},
        {"code": "C"},
    ]
    assert await rows(engine, "SELECT ticket FROM ticket_link") == []
    assert engine._idle and not any(c.in_transaction for c in engine._idle)


async def test_a_chain_cancelled_while_queued_is_never_written(engine):
    async with engine.write_lock():
        kept = asyncio.create_task(write_chain(engine, insert("KEPT"), note_for("k")))
        dropped = asyncio.create_task(write_chain(engine, insert("DROPPED"), note_for("d")))
        await asyncio.sleep(0.05)
        dropped.cancel()
    await kept
    with pytest.raises(asyncio.CancelledError):
        await dropped
    assert await rows(engine, "SELECT code FROM ticket") == [{"code": "KEPT"}]


async def test_the_connection_stays_usable_after_failures(engine):
    await write_chain(engine, insert("X"), note_for("x"))
    for _ in range(3):
        with pytest.raises(Exception) as failure:
            await write_chain(engine, insert("X"), note_for("again"))
        assert is_unique_violation(failure.value)
    await write_chain(engine, insert("Y"), note_for("y"))
    assert await rows(engine, "SELECT code FROM ticket ORDER BY code") == [
        {"code": "X"},
        {"code": "Y"},
    ]
    assert engine._idle and not any(c.in_transaction for c in engine._idle)


# aiosqlite's connection thread reports the failed open on its own as well.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
async def test_writers_hear_why_when_the_file_cannot_be_opened(tmp_path):
    folder = tmp_path / "gone"
    folder.mkdir()
    engine = TunedSQLiteEngine(path=str(folder / "upik.sqlite3"))
    shutil.rmtree(folder)  # say, the data disk was unmounted
    writers = [write_chain(engine, insert(f"T{n}"), note_for("n")) for n in range(3)]
    outcomes = await asyncio.wait_for(asyncio.gather(*writers, return_exceptions=True), 10)
    assert all(isinstance(o, sqlite3.OperationalError) for o in outcomes), outcomes
