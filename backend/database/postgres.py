"""PostgreSQL through asyncpg's pool. A transaction's follow-up writes (and a
submission, and the push engine's claim and record) go to it as a single
statement: `one_statement` joins them with data-modifying CTEs, atomic
without BEGIN/COMMIT."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from backend.database.statements import Statement, insert_statement, one_statement
from backend.database.writer import Then, Writer

POOL_MIN_SIZE = 2
POOL_MAX_SIZE = 20


class PooledPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, carrying its writer; `start` opens its pool."""

    def __init__(self, **kwargs: Any) -> None:
        self.writer = PostgresWriter(self)
        super().__init__(**kwargs)


class PostgresWriter(Writer):
    """Writes as few statements (round trips) as the transaction allows."""

    dialect = "postgres"

    def __init__(self, engine: PostgresEngine) -> None:
        self.engine = engine

    async def start(self) -> None:
        await self.engine.start_connection_pool(min_size=POOL_MIN_SIZE, max_size=POOL_MAX_SIZE)

    async def stop(self) -> None:
        await self.engine.close_connection_pool()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self.engine.transaction():
            yield

    async def run(self, statement: Statement) -> list:
        engine = self.engine
        transaction = engine.current_transaction.get()
        if transaction is not None:
            sql, args = statement
            return [dict(r) for r in await transaction.connection.fetch(sql, *args)]
        if engine.pool is not None:
            return await engine._run_in_pool(*statement)
        return await engine._run_in_new_connection(*statement)

    async def write_chain(self, first: Statement, then: Then) -> list[dict]:
        async with self.engine.transaction() as transaction:
            connection = transaction.connection
            rows = [dict(r) for r in await connection.fetch(first[0], *first[1])]
            if statements := then(rows):
                sql, args = one_statement(statements)
                await connection.execute(sql, *args)
            return rows

    async def write_statements(self, statements: list[Statement]) -> None:
        sql, args = one_statement(statements)
        async with self._connection() as connection:
            await connection.fetch(sql, *args)

    async def insert_chain(self, table, values: dict[str, Any], then: Then) -> list[dict]:
        """The id comes from the sequence first, then the row and the rest go
        as one statement: two round trips instead of six (BEGIN, the insert,
        each follow-up, COMMIT), which were about a third of a submission's CPU."""
        sequence = f"pg_get_serial_sequence('{table._meta.tablename}', 'id')"
        async with self._connection() as connection:
            new_id = await connection.fetchval(f"SELECT nextval({sequence})")
            rows = [{"id": new_id}]
            row = insert_statement(table, [{**values, "id": new_id}], dialect=self.dialect)
            sql, args = one_statement([row, *then(rows)])
            await connection.execute(sql, *args)
        return rows

    @contextlib.asynccontextmanager
    async def _connection(self):
        """The current transaction's connection, else one from the pool."""
        engine = self.engine
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
