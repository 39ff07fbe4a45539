"""SQLite, the embedded default, tuned for one busy process:
- WAL, so readers never wait for the writer;
- connections are pooled instead of opened per query (Piccolo opens one per
  query, and an aiosqlite connection is a thread);
- writers queue on an asyncio lock before `BEGIN IMMEDIATE`, so they never
  collide inside SQLite's busy handler, whose sleeps are what make the tail
  latency of naive SQLite apps (seconds under load). `busy_timeout` still
  guards against other processes (the CLI);
- group commit: the use cases' transactions (`write_chain`) that queue up
  during one trip to SQLite's thread all run on the next trip, under one
  COMMIT, each in a savepoint of its own.

This reaches into private attributes of aiosqlite and Piccolo (pinned in
pyproject.toml, checked by tests/database/test_private_api.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from backend.database.statements import Statement, insert_statement
from backend.database.writer import Then, Writer

SQLITE_POOL_SIZE = 8
SQLITE_BUSY_TIMEOUT_S = 30.0


class PooledSQLiteTransaction(SQLiteTransaction):
    """Piccolo's transaction, ending by handing its connection back to the pool
    instead of closing it."""

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
    """Piccolo's SQLite engine with a connection pool, a write lock and group commit."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        self._idle: list[aiosqlite.Connection] = []
        self._pool_loop: asyncio.AbstractEventLoop | None = None
        self._write_lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._chains: list[_Chain] = []
        self._committer: asyncio.Task | None = None
        self._committer_loop: asyncio.AbstractEventLoop | None = None
        self.writer = SQLiteWriter(self)
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

    async def run_chain(self, first: Statement, then: Then) -> list[dict]:
        """Group commit: the transactions that arrive while one trip to
        SQLite's thread is under way all go on the next trip, under one
        COMMIT, each still failing alone (`_chains_in_thread`). Under load a
        write then costs one hop and one commit per batch, not one per
        request, and the write lock is never held while a reply waits its
        turn on a busy event loop."""
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


@dataclass
class _Chain:
    first: Statement
    then: Then
    done: asyncio.Future


def _chains_in_thread(
    conn: sqlite3.Connection,
    chains: list[tuple[Statement, Then]],
) -> list[list[dict] | Exception]:
    """Each chain is its own unit: one chain's failure rolls back that chain
    alone. A batch goes as one transaction with a savepoint per chain, so it
    commits once: consecutive inserts dirty the same pages (each index's last
    leaf, the outbox's, the full-text index's), which one commit writes to the
    WAL once instead of once per chain. Nothing is reported before the COMMIT,
    so a caller hears of success only once its rows are durable. Should the
    batch fail as a whole (its COMMIT, or an error after which SQLite rolled
    the transaction back), it is rolled back and each chain is run again in a
    transaction of its own, as a batch of one always is."""
    if len(chains) > 1:
        outcomes = _batch_in_one_transaction(conn, chains)
        if outcomes is not None:
            return outcomes
        if conn.in_transaction:  # the rollback failed: stop using this connection
            return [sqlite3.OperationalError("rollback failed")] * len(chains)
    outcomes = []
    for first, then in chains:
        try:
            outcomes.append(_chain_in_thread(conn, first, then))
        except Exception as exc:
            if conn.in_transaction:  # the rollback failed: stop using this connection
                return outcomes + [exc] * (len(chains) - len(outcomes))
            outcomes.append(exc)
    return outcomes


def _batch_in_one_transaction(
    conn: sqlite3.Connection, chains: list[tuple[Statement, Then]]
) -> list[list[dict] | Exception] | None:
    """The chains' outcomes once the batch has committed, or None when it was
    rolled back as a whole."""
    outcomes: list[list[dict] | Exception] = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        for first, then in chains:
            conn.execute("SAVEPOINT chain")
            try:
                rows = [dict(r) for r in conn.execute(*first).fetchall()]
                for statement in then(rows):
                    conn.execute(*statement)
            except Exception as exc:
                if not conn.in_transaction:
                    raise  # SQLite rolled back the whole transaction
                conn.execute("ROLLBACK TO chain")
                conn.execute("RELEASE chain")
                outcomes.append(exc)
            else:
                conn.execute("RELEASE chain")
                outcomes.append(rows)
        conn.execute("COMMIT")
    except Exception:
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        return None
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        raise
    return outcomes


def _chain_in_thread(conn: sqlite3.Connection, first: Statement, then: Then) -> list[dict]:
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


class SQLiteWriter(Writer):
    """Writes through the write lock and group commit of its engine."""

    dialect = "sqlite"

    def __init__(self, engine: TunedSQLiteEngine) -> None:
        self.engine = engine

    async def start(self) -> None:
        """Nothing to open: pooled connections open on first use."""

    async def stop(self) -> None:
        await self.engine.close_pool()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.engine.write_lock(), self.engine.transaction(TransactionType.immediate):
            yield

    async def run(self, statement: Statement) -> list:
        transaction = self.engine.current_transaction.get()
        if transaction is not None:
            return await transaction.connection.execute_fetchall(*statement)
        return await self.engine._run_in_new_connection(*statement)

    async def write_chain(self, first: Statement, then: Then) -> list[dict]:
        return await self.engine.run_chain(first, then)

    async def write_statements(self, statements: list[Statement]) -> None:
        await self.write_chain(statements[0], lambda _rows: statements[1:])

    async def insert_chain(self, table, values: dict[str, Any], then: Then) -> list[dict]:
        return await self.write_chain(insert_statement(table, [values], "id", self.dialect), then)
