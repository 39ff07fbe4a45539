"""The database engine: chosen from DATABASE_URL, tuned, and bound to the tables.

SQLite (the embedded default) is tuned for one busy process:
- WAL, so readers never wait for the writer;
- connections are pooled instead of opened per query (Piccolo opens one per
  query, and an aiosqlite connection is a thread);
- writers queue on an asyncio lock before `BEGIN IMMEDIATE`, so they never
  collide inside SQLite's busy handler, whose sleeps are what make the tail
  latency of naive SQLite apps (seconds under load). `busy_timeout` still
  guards against other processes (the CLI);
- group commit: the use cases' transactions (`write_chain`) that queue up
  during one trip to SQLite's thread all run on the next trip.
PostgreSQL uses asyncpg's pool; a submission and the push engine's claim and
record each go to it as a single statement (`insert_chain`, `one_statement`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

SQLITE_POOL_SIZE = 8
SQLITE_BUSY_TIMEOUT_S = 30.0
_PG_PARAM = re.compile(r"\$(\d+)")


class PooledSQLiteTransaction(SQLiteTransaction):
    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        healthy = True
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            healthy = False
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
            await self.engine.release_connection(self.connection, healthy=healthy)
        return exception is None


class TunedSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, **kwargs: Any) -> None:
        self._idle: list[aiosqlite.Connection] = []
        self._pool_loop: asyncio.AbstractEventLoop | None = None
        self._write_lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._chains: list[_Chain] = []
        self._committer: asyncio.Task | None = None
        self._committer_loop: asyncio.AbstractEventLoop | None = None
        super().__init__(path=path, timeout=SQLITE_BUSY_TIMEOUT_S, **kwargs)

    async def prep_database(self) -> None:
        await super().prep_database()
        # WAL is a property of the file: set once, every later connection has it.
        async with aiosqlite.connect(self.path) as conn:
            await conn.execute("PRAGMA journal_mode=WAL")

    async def get_connection(self) -> aiosqlite.Connection:
        loop = asyncio.get_running_loop()
        if self._pool_loop is not loop:
            # Idle connections from a finished event loop (a CLI command, a
            # test) are stopped rather than reused across loops.
            for stale in self._idle:
                stale.stop()
            self._idle, self._pool_loop = [], loop
        while self._idle:
            conn = self._idle.pop()
            if conn._running and conn._connection is not None:
                return conn
        pending = aiosqlite.connect(**self.connection_kwargs)
        # aiosqlite's worker thread is non-daemon: an idle pooled connection
        # would keep a finished CLI command alive forever.
        pending._thread.daemon = True
        conn = await pending
        conn.row_factory = dict_factory  # type: ignore[assignment]
        await conn.executescript(
            "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)};"
        )
        return conn

    async def release_connection(self, conn: aiosqlite.Connection, healthy: bool = True) -> None:
        # A connection left inside a transaction (a crash mid-commit) must not be reused.
        if healthy and not conn.in_transaction and len(self._idle) < SQLITE_POOL_SIZE:
            self._idle.append(conn)
        else:
            await conn.close()

    async def close_pool(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        conn = await self.get_connection()
        healthy = True
        try:
            return await conn.execute_fetchall(query, args or [])
        except BaseException:
            healthy = False
            raise
        finally:
            await self.release_connection(conn, healthy=healthy)

    async def _run_in_existing_connection(
        self, connection, query, args=None, query_type="generic", table=None
    ):
        # One thread hop per statement: Piccolo re-issues `PRAGMA foreign_keys`
        # before each one and then executes, fetches and closes a cursor in
        # three more hops. Inside a write transaction every hop is time the
        # write lock is held, so hops are what limits SQLite's throughput.
        return await connection.execute_fetchall(query, args or [])

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    def write_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._write_lock is None or self._lock_loop is not loop:
            self._write_lock, self._lock_loop = asyncio.Lock(), loop
        return self._write_lock

    async def run_chain(
        self, first: Statement, then: Callable[[list[dict]], list[Statement]]
    ) -> list[dict]:
        """Group commit: the transactions that arrive while one trip to
        SQLite's thread is under way all go on the next trip, each still its
        own transaction. Under load a write then costs one hop per batch, not
        one per request, and the write lock is never held while a reply waits
        its turn on a busy event loop."""
        loop = asyncio.get_running_loop()
        if self._committer_loop is not loop:
            self._chains, self._committer, self._committer_loop = [], None, loop
        chain = _Chain(first, then, loop.create_future())
        self._chains.append(chain)
        if self._committer is None or self._committer.done():
            self._committer = loop.create_task(self._commit_chains(), name="sqlite-group-commit")
        return await chain.done

    async def _commit_chains(self) -> None:
        while self._chains:
            async with self.write_lock():
                try:
                    conn = await self.get_connection()
                except Exception as exc:  # the file cannot be opened: every writer hears why
                    waiting, self._chains = self._chains, []
                    for chain in waiting:
                        if not chain.done.done():
                            chain.done.set_exception(exc)
                    continue
                # Taken only now: a request cancelled while queued is never written.
                batch = [c for c in self._chains if not c.done.done()]
                self._chains = []
                try:
                    outcomes = await conn._execute(
                        _chains_in_thread, conn._conn, [(c.first, c.then) for c in batch]
                    )
                except Exception as exc:  # the thread itself failed
                    outcomes = [exc] * len(batch)
                except BaseException:  # cancelled: the loop is going away
                    for chain in batch:
                        if not chain.done.done():
                            chain.done.cancel()
                    raise
                finally:
                    # A connection left inside a transaction (a failed
                    # rollback) must not be reused.
                    await self.release_connection(conn, healthy=not conn.in_transaction)
            for chain, outcome in zip(batch, outcomes, strict=True):
                if chain.done.done():
                    continue
                if isinstance(outcome, BaseException):
                    chain.done.set_exception(outcome)
                else:
                    chain.done.set_result(outcome)


def engine_from_url(url: str) -> Engine:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # As SQLAlchemy spells it: sqlite:///relative.db, sqlite:////abs/path.db
        path = unquote(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url[9:])
        return TunedSQLiteEngine(path=path or "upik.sqlite3")
    if parts.scheme in ("postgres", "postgresql"):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not supported")


def bind(engine: Engine) -> None:
    """Point every table (ours and Piccolo's migration table) and Piccolo's
    engine finder at `engine`, so one process can switch databases (tests do)."""
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    from backend.piccolo_app import TABLES

    for table in (*TABLES, Migration):
        table._meta.db = engine
    conf = Finder().get_piccolo_conf_module()
    if conf is not None:
        conf.DB = engine  # type: ignore[attr-defined]


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20)


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, TunedSQLiteEngine):
        await engine.close_pool()


@contextlib.asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:
    """Every write of a use case goes through here: all of it commits, or none."""
    if isinstance(engine, TunedSQLiteEngine):
        async with engine.write_lock(), engine.transaction(TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


def is_unique_violation(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    try:
        import asyncpg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, asyncpg.UniqueViolationError)


def json_column(value, default):
    """A JSON column's value as Python: Piccolo hands JSON back as text, and a
    row written by hand may hold anything, so unreadable text is `default`."""
    if value is None:
        return default
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return default
    return value


def current_engine() -> Engine:
    from backend.organisation.tables import Unit

    return Unit._meta.db


Statement = tuple[str, list[Any]]  # SQL with the engine's placeholders, and its arguments


@dataclass(frozen=True)
class _ColumnSpec:
    """What an INSERT needs to know of a table's columns, read once: going
    through Piccolo's column objects per row (ForeignKey's attribute proxy,
    default factories) cost more than the insert itself."""

    names: tuple[str, ...]
    sql_names: str
    json: frozenset[str]
    pg_types: tuple[str, ...]
    columns: tuple[Any, ...]

    def default(self, index: int) -> Any:
        value = self.columns[index].get_default_value()
        return value.python() if hasattr(value, "python") else value


@functools.cache
def _column_spec(table, with_id: bool = False) -> _ColumnSpec:
    from piccolo.columns import JSON

    columns = tuple(table._meta.non_default_columns)
    if with_id:  # the id was taken from the sequence beforehand
        columns = (table._meta.primary_key, *columns)
    return _ColumnSpec(
        names=tuple(c._meta.name for c in columns),
        sql_names=", ".join(f'"{c._meta.db_column_name}"' for c in columns),
        json=frozenset(c._meta.name for c in columns if isinstance(c, JSON)),
        pg_types=tuple(c.column_type.split("(")[0] for c in columns),
        columns=columns,
    )


def _placeholders(engine_type: str, count: int, start: int = 1) -> list[str]:
    if engine_type == "sqlite":
        return ["?"] * count
    return [f"${n}" for n in range(start, start + count)]


def _row_args(spec: _ColumnSpec, row: dict[str, Any]) -> list[Any]:
    args = []
    for index, name in enumerate(spec.names):
        value = row[name] if name in row else spec.default(index)
        if name in spec.json and not isinstance(value, str | None):
            value = json.dumps(value)
        args.append(value)
    return args


def insert_statement(
    table, rows: list[dict[str, Any]], returning: str | None = None
) -> Statement | None:
    """A multi-row INSERT for `rows`, compiled for `table`'s engine.

    Rendering `Table` instances costs more CPU than the database spends on the
    insert (a submission's outbox rows were 15 % of the event loop's time under
    load). The values are bound as parameters, so SQLite stores them through
    the same adapters as Piccolo's own inserts, and asyncpg types them for
    PostgreSQL.
    """
    if not rows:
        return None
    spec = _column_spec(table, with_id="id" in rows[0])
    engine_type = table._meta.db.engine_type
    args: list[Any] = []
    values = []
    for row in rows:
        marks = _placeholders(engine_type, len(spec.names), len(args) + 1)
        values.append("(" + ", ".join(marks) + ")")
        args.extend(_row_args(spec, row))
    sql = f'INSERT INTO "{table._meta.tablename}" ({spec.sql_names}) VALUES ' + ", ".join(values)
    if returning:
        sql += f' RETURNING "{returning}"'
    return sql, args


def insert_select_statement(
    table, values: dict[str, Any], per_row: dict[str, str], source: str, source_args: list
) -> Statement:
    """`INSERT INTO table (...) SELECT <per_row expressions>, <values> FROM
    <source>`: one row per source row, inside the caller's transaction and
    with no read before it (the outbox's recipients are found this way).

    `source` uses `{}` for its arguments. On PostgreSQL the constants are cast
    to their columns' types, which a SELECT list would not infer."""
    spec = _column_spec(table)
    engine_type = table._meta.db.engine_type
    args = _row_args(spec, {**values, **dict.fromkeys(per_row)})
    select, constants = [], []
    marks = iter(_placeholders(engine_type, len(spec.names) + len(source_args)))
    for name, pg_type, value in zip(spec.names, spec.pg_types, args, strict=True):
        if name in per_row:
            select.append(per_row[name])
            continue
        mark = next(marks)
        select.append(mark if engine_type == "sqlite" else f"{mark}::{pg_type}")
        constants.append(value)
    pieces = source.split("{}")
    if len(pieces) != len(source_args) + 1:
        raise ValueError("source needs one {} per argument")
    source_sql = pieces[0] + "".join(next(marks) + piece for piece in pieces[1:])
    sql = (
        f'INSERT INTO "{table._meta.tablename}" ({spec.sql_names}) '
        f"SELECT {', '.join(select)} FROM {source_sql}"
    )
    return sql, [*constants, *source_args]


async def run_statement(table, statement: Statement) -> list:
    """Run a compiled statement on `table`'s engine, in the current
    transaction (or on its own)."""
    engine = table._meta.db
    transaction = engine.current_transaction.get()
    if isinstance(engine, TunedSQLiteEngine):
        if transaction is not None:
            return await transaction.connection.execute_fetchall(*statement)
        return await engine._run_in_new_connection(*statement)
    if transaction is not None:
        sql, args = statement
        return [dict(r) for r in await transaction.connection.fetch(sql, *args)]
    if engine.pool is not None:
        return await engine._run_in_pool(*statement)
    return await engine._run_in_new_connection(*statement)


def compiled(query) -> Statement:
    """A Piccolo query as SQL and arguments for its table's engine, to run
    inside `write_chain` or `write_statements`."""
    [querystring] = query.querystrings
    sql, args = querystring.compile_string(engine_type=query.table._meta.db.engine_type)
    return sql, list(args)


async def write_statements(engine: Engine, statements: list[Statement]) -> None:
    """Run independent `statements` as one transaction: one thread trip on
    SQLite, one statement on PostgreSQL. None may depend on another's effect
    (on PostgreSQL they share one snapshot)."""
    if not statements:
        return
    if isinstance(engine, PostgresEngine):
        await _pg_run(engine, one_statement(statements))
    else:
        await write_chain(engine, statements[0], lambda _rows: statements[1:])


async def insert_chain(
    engine: Engine, table, values: dict[str, Any], then: Callable[[list[dict]], list[Statement]]
) -> list[dict]:
    """Insert one row of `table` and, in the same transaction, the statements
    `then` builds from its id (`[{"id": …}]`): its audit event and outbox rows.

    On PostgreSQL the id comes from the sequence first, then the row and the
    rest go as one statement: two round trips instead of six (BEGIN, the
    insert, each follow-up, COMMIT), which were about a third of a submission's CPU.
    On SQLite it is a `write_chain` (one trip to the connection's thread)."""
    if isinstance(engine, PostgresEngine):
        sequence = f"pg_get_serial_sequence('{table._meta.tablename}', 'id')"
        async with _pg_connection(engine) as connection:
            new_id = await connection.fetchval(f"SELECT nextval({sequence})")
            rows = [{"id": new_id}]
            sql, args = one_statement(
                [insert_statement(table, [{**values, "id": new_id}]), *then(rows)]
            )
            await connection.execute(sql, *args)
        return rows
    return await write_chain(engine, insert_statement(table, [values], "id"), then)


def one_statement(statements: list[Statement]) -> Statement:
    """PostgreSQL: independent INSERT/UPDATE/DELETE statements as one, through
    data-modifying CTEs; a single statement is atomic without BEGIN/COMMIT.
    All parts see one snapshot, so none may read another's effect; a foreign
    key to a row a sibling inserts is fine (checked at the end of the
    statement)."""
    parts, args = [], []
    for sql, statement_args in statements:
        parts.append(_PG_PARAM.sub(lambda m, k=len(args): f"${int(m.group(1)) + k}", sql))
        args.extend(statement_args)
    *leading, last = parts
    if leading:
        last = "WITH " + ", ".join(f"part{n} AS ({p})" for n, p in enumerate(leading)) + " " + last
    return last, args


@contextlib.asynccontextmanager
async def _pg_connection(engine: PostgresEngine):
    """The current transaction's connection, else one from the pool."""
    transaction = engine.current_transaction.get()
    if transaction is not None:
        yield transaction.connection
    elif engine.pool is not None:
        async with engine.pool.acquire() as connection:
            yield connection
    else:
        connection = await engine.get_new_connection()
        try:
            yield connection
        finally:
            await connection.close()


async def _pg_run(engine: PostgresEngine, statement: Statement) -> list:
    sql, args = statement
    async with _pg_connection(engine) as connection:
        return await connection.fetch(sql, *args)


@dataclass
class _Chain:
    first: Statement
    then: Callable[[list[dict]], list[Statement]]
    done: asyncio.Future


def _chains_in_thread(
    conn: sqlite3.Connection,
    chains: list[tuple[Statement, Callable[[list[dict]], list[Statement]]]],
) -> list[list[dict] | Exception]:
    """Each chain in its own transaction; one chain's failure is its own."""
    outcomes: list[list[dict] | Exception] = []
    for first, then in chains:
        try:
            outcomes.append(_chain_in_thread(conn, first, then))
        except Exception as exc:
            if conn.in_transaction:  # the rollback failed: stop using this connection
                return outcomes + [exc] * (len(chains) - len(outcomes))
            outcomes.append(exc)
    return outcomes


def _chain_in_thread(
    conn: sqlite3.Connection, first: Statement, then: Callable[[list[dict]], list[Statement]]
) -> list[dict]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = [dict(r) for r in conn.execute(*first).fetchall()]
        for statement in then(rows):
            conn.execute(*statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return rows


async def write_chain(
    engine: Engine, first: Statement, then: Callable[[list[dict]], list[Statement]]
) -> list[dict]:
    """One transaction: `first`, then the statements `then` builds from its
    rows (a new id, or the row a compare-and-set changed). Those must not
    depend on each other's effects. On SQLite the whole transaction runs in
    one trip to the connection's thread, together with the others queued
    meanwhile (group commit, `TunedSQLiteEngine.run_chain`); on PostgreSQL
    the follow-ups go as one statement."""
    if isinstance(engine, TunedSQLiteEngine):
        return await engine.run_chain(first, then)
    async with engine.transaction() as transaction:
        connection = transaction.connection
        rows = [dict(r) for r in await connection.fetch(first[0], *first[1])]
        if statements := then(rows):
            sql, args = one_statement(statements)
            await connection.execute(sql, *args)
        return rows
