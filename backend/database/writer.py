"""The one way writes reach the database, whichever engine it is.

Each engine `engine_from_url` builds carries its `Writer` (`engine.writer`):
`SQLiteWriter` (write lock, group commit) or `PostgresWriter` (a transaction's
follow-up writes as one statement). The functions below are what the use
cases call; they take the engine and leave the how to its writer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from piccolo.engine.base import Engine

from backend.database.statements import Statement

Then = Callable[[list[dict]], list[Statement]]  # the follow-up writes, built from the first's rows


class Writer(ABC):
    """How one engine opens, writes and closes."""

    dialect: str  # "sqlite" or "postgres", as Piccolo names its engine types

    @abstractmethod
    async def start(self) -> None:
        """Open what the engine keeps open while the app runs."""

    @abstractmethod
    async def stop(self) -> None:
        """Close what `start` (or use) opened."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """A use case's writes: all of them commit, or none."""

    @abstractmethod
    async def run(self, statement: Statement) -> list:
        """Run `statement` in the current transaction, or on its own."""

    @abstractmethod
    async def write_chain(self, first: Statement, then: Then) -> list[dict]:
        """One transaction: `first`, then the statements `then` builds from
        its rows (a new id, or the row a compare-and-set changed). Those must
        not depend on each other's effects. Returns `first`'s rows."""

    @abstractmethod
    async def write_statements(self, statements: list[Statement]) -> None:
        """Independent `statements` as one transaction. None may depend on
        another's effect (on PostgreSQL they share one snapshot)."""

    @abstractmethod
    async def insert_chain(self, table, values: dict[str, Any], then: Then) -> list[dict]:
        """Insert one row of `table` and, in the same transaction, the
        statements `then` builds from its id (`[{"id": …}]`)."""


def writer_for(engine: Engine) -> Writer:
    writer = getattr(engine, "writer", None)
    if not isinstance(writer, Writer):
        raise TypeError(
            f"{type(engine).__name__} has no UPIK writer: "
            "build engines with backend.database.engine_from_url"
        )
    return writer


def write_transaction(engine: Engine) -> AbstractAsyncContextManager[None]:
    """Every write of a use case goes through here: all of it commits, or none."""
    return writer_for(engine).transaction()


async def run_statement(table, statement: Statement) -> list:
    """Run a compiled statement on `table`'s engine, in the current
    transaction (or on its own)."""
    return await writer_for(table._meta.db).run(statement)


async def write_chain(engine: Engine, first: Statement, then: Then) -> list[dict]:
    """One transaction: `first`, then the statements `then` builds from its
    rows (a new id, or the row a compare-and-set changed). Those must not
    depend on each other's effects. On SQLite the whole transaction runs in
    one trip to the connection's thread, together with the others queued
    meanwhile (group commit, `TunedSQLiteEngine.run_chain`); on PostgreSQL
    the follow-ups go as one statement."""
    return await writer_for(engine).write_chain(first, then)


async def write_statements(engine: Engine, statements: list[Statement]) -> None:
    """Run independent `statements` as one transaction: one thread trip on
    SQLite, one statement on PostgreSQL. None may depend on another's effect
    (on PostgreSQL they share one snapshot)."""
    if statements:
        await writer_for(engine).write_statements(statements)


async def insert_chain(engine: Engine, table, values: dict[str, Any], then: Then) -> list[dict]:
    """Insert one row of `table` and, in the same transaction, the statements
    `then` builds from its id (`[{"id": …}]`): its audit event and outbox rows.
    Two round trips on PostgreSQL, one `write_chain` on SQLite."""
    return await writer_for(engine).insert_chain(table, values, then)
