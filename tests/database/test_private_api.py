"""backend/database reaches into private parts of aiosqlite and Piccolo (for the
connection pool, group commit's one thread trip, and running hand-built
statements). pyproject.toml pins both; when a new version is allowed, these
tests say by name what it took away.
"""

from __future__ import annotations

import dataclasses
import inspect
import sqlite3

import aiosqlite
import pytest
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction
from piccolo.query.base import Query
from piccolo.querystring import QueryString
from piccolo.table import TableMeta

from backend.database.sqlite import TunedSQLiteEngine

# (owner, attribute, who relies on it): attributes present on the class itself
# (methods, properties, __slots__ entries).
ON_THE_CLASS = [
    (aiosqlite.Connection, "_execute", "TunedSQLiteEngine._commit_chains (one thread trip)"),
    (aiosqlite.Connection, "_conn", "TunedSQLiteEngine._commit_chains (one thread trip)"),
    (aiosqlite.Connection, "stop", "TunedSQLiteEngine.get_connection (stale connections)"),
    (SQLiteTransaction, "_parent", "PooledSQLiteTransaction.__aexit__"),
    (SQLiteTransaction, "_committed", "PooledSQLiteTransaction.__aexit__"),
    (SQLiteTransaction, "_rolled_back", "PooledSQLiteTransaction.__aexit__"),
    (SQLiteTransaction, "context", "PooledSQLiteTransaction.__aexit__"),
    (SQLiteTransaction, "connection", "PooledSQLiteTransaction, SQLiteWriter.run"),
    (SQLiteEngine, "connection_kwargs", "TunedSQLiteEngine.get_connection"),
    (SQLiteEngine, "_run_in_new_connection", "TunedSQLiteEngine overrides it"),
    (SQLiteEngine, "_run_in_existing_connection", "TunedSQLiteEngine overrides it"),
    (Engine, "current_transaction", "the writers"),
    (PostgresEngine, "pool", "PostgresWriter"),
    (PostgresEngine, "_run_in_pool", "PostgresWriter.run"),
    (PostgresEngine, "_run_in_new_connection", "PostgresWriter.run"),
    (PostgresEngine, "get_new_connection", "PostgresWriter._connection"),
    (Query, "querystrings", "statements.compiled"),
    (QueryString, "compile_string", "statements.compiled"),
]

TABLE_META_FIELDS = ["tablename", "non_default_columns", "primary_key", "_db"]


def qualified(owner: type) -> str:
    return f"{owner.__module__}.{owner.__qualname__}"


@pytest.mark.parametrize(
    ("owner", "name", "user"),
    ON_THE_CLASS,
    ids=[f"{owner.__qualname__}.{name}" for owner, name, _ in ON_THE_CLASS],
)
def test_private_attribute_still_exists(owner, name, user):
    assert hasattr(owner, name), f"{qualified(owner)}.{name} is gone; {user} relies on it"


@pytest.mark.parametrize("name", TABLE_META_FIELDS)
def test_table_meta_field_still_exists(name):
    fields = {f.name for f in dataclasses.fields(TableMeta)}
    assert name in fields, f"piccolo TableMeta.{name} is gone; backend/database relies on it"


@pytest.mark.parametrize("name", ["_run_in_new_connection", "_run_in_existing_connection"])
def test_overridden_piccolo_methods_keep_their_parameters(name):
    """Piccolo calls these with keywords; an override with other names would
    fail only when Piccolo first calls it."""
    theirs = list(inspect.signature(getattr(SQLiteEngine, name)).parameters)
    ours = list(inspect.signature(getattr(TunedSQLiteEngine, name)).parameters)
    assert theirs == ours, f"piccolo SQLiteEngine.{name} now takes {theirs}, ours takes {ours}"


async def test_aiosqlite_connection_internals_the_pool_and_group_commit_use():
    pending = aiosqlite.connect(":memory:")
    assert hasattr(pending, "_thread"), (
        "aiosqlite.Connection._thread is gone; TunedSQLiteEngine.get_connection makes it a daemon"
    )
    pending._thread.daemon = True
    conn = await pending
    try:
        for name in ("_running", "_connection"):
            assert hasattr(conn, name), (
                f"aiosqlite.Connection.{name} is gone; TunedSQLiteEngine.get_connection "
                "checks it before reusing an idle connection"
            )
        assert conn._running is True
        assert isinstance(conn._connection, sqlite3.Connection)
        assert isinstance(conn._conn, sqlite3.Connection), (
            "aiosqlite.Connection._conn no longer gives the sqlite3 connection"
        )
        rows = await conn._execute(lambda c: c.execute("SELECT 41 + 1").fetchall(), conn._conn)
        assert rows == [(42,)], "aiosqlite.Connection._execute no longer runs a call on its thread"
    finally:
        await conn.close()
    assert conn._connection is None, "aiosqlite.Connection._connection is not cleared on close"


async def test_piccolo_sqlite_transaction_state_the_pool_reads(tmp_path):
    engine = TunedSQLiteEngine(path=str(tmp_path / "private.sqlite3"))
    try:
        async with engine.transaction() as transaction:
            assert transaction._parent is None
            assert transaction._committed is False
            assert transaction._rolled_back is False
            assert engine.current_transaction.get() is transaction
            assert transaction.context is not None
            await transaction.commit()
            assert transaction._committed is True, (
                "piccolo SQLiteTransaction.commit no longer sets _committed"
            )
        assert engine.current_transaction.get() is None
    finally:
        await engine.writer.stop()
