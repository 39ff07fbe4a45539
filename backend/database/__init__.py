"""The database: the engine chosen from DATABASE_URL, how writes reach it,
and the statements built by hand for it.

- engine.py      choice (engine_from_url), bind, current_engine, start, stop
- writer.py      the one Writer interface, and the write functions use cases call
- sqlite.py      the tuned SQLite engine: pool, write lock, group commit; its writer
- postgres.py    asyncpg's pool; its writer sends a transaction as one statement
- statements.py  the pure statement builder (INSERT, INSERT ... SELECT, CTE joining)
- errors.py      engine-independent error checks

Nothing here imports a domain package: the tables to bind come from the
Piccolo app registry in piccolo_conf.py.
"""

from backend.database.engine import bind, current_engine, engine_from_url, start, stop
from backend.database.errors import is_unique_violation
from backend.database.postgres import PooledPostgresEngine, PostgresWriter
from backend.database.sqlite import (
    SQLITE_BUSY_TIMEOUT_S,
    SQLITE_POOL_SIZE,
    PooledSQLiteTransaction,
    SQLiteWriter,
    TunedSQLiteEngine,
)
from backend.database.statements import (
    Statement,
    compiled,
    insert_select_statement,
    insert_statement,
    json_column,
    one_statement,
)
from backend.database.writer import (
    Writer,
    insert_chain,
    run_statement,
    write_chain,
    write_statements,
    write_transaction,
    writer_for,
)

__all__ = [
    "SQLITE_BUSY_TIMEOUT_S",
    "SQLITE_POOL_SIZE",
    "PooledPostgresEngine",
    "PooledSQLiteTransaction",
    "PostgresWriter",
    "SQLiteWriter",
    "Statement",
    "TunedSQLiteEngine",
    "Writer",
    "bind",
    "compiled",
    "current_engine",
    "engine_from_url",
    "insert_chain",
    "insert_select_statement",
    "insert_statement",
    "is_unique_violation",
    "json_column",
    "one_statement",
    "run_statement",
    "start",
    "stop",
    "write_chain",
    "write_statements",
    "write_transaction",
    "writer_for",
]
