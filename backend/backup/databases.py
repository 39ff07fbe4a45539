"""A consistent snapshot of the database, and putting one back, per engine.

SQLite: the online backup API copies the pages of one read transaction, so
the server may keep writing meanwhile. PostgreSQL: pg_dump (custom format)
runs on a snapshot exported by a repeatable-read transaction in which the
row counts are taken too, so the counts describe exactly the dump.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from urllib.parse import unquote

from backend.stats.tally import DERIVED_TABLES


class BackupError(RuntimeError):
    """Something an operator must fix; the message says what."""


def sqlite_path(url: str) -> Path:
    # The same spelling backend/database.py accepts: sqlite:///relative, sqlite:////abs
    raw = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url[9:]
    return Path(unquote(raw))


# --- SQLite -----------------------------------------------------------------


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    # A full-text index (FTS5 virtual table and its shadow tables) is derived
    # from the rows it indexes: it is not data of its own to count, and an
    # empty database already holds its configuration rows. So are the
    # dashboard's tallies and duration buckets (stats/tally.py).
    virtual = [n for n, sql in tables if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    names = [
        n
        for n, _ in tables
        if not any(n == v or n.startswith(f"{v}_") for v in virtual) and n not in DERIVED_TABLES
    ]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def sqlite_snapshot(url: str, dest: Path) -> dict[str, int]:
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"no SQLite database at {source_path}")
    source = sqlite3.connect(source_path, timeout=60)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # all pages in one step: one consistent read
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        return _sqlite_counts(target)
    finally:
        target.close()
        source.close()


def sqlite_counts(url: str) -> dict[str, int]:
    path = sqlite_path(url)
    if not path.exists():
        return {}
    conn = sqlite3.connect(path, timeout=60)
    try:
        return _sqlite_counts(conn)
    finally:
        conn.close()


def sqlite_restore(snapshot: Path, url: str) -> None:
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    check = sqlite3.connect(snapshot)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the database in the archive fails SQLite's integrity check")
    finally:
        check.close()
    tmp = target.with_name(target.name + ".restoring")
    tmp.write_bytes(snapshot.read_bytes())
    for suffix in ("-wal", "-shm"):  # a stopped server's leftovers belong to the old file
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(tmp, target)


# --- PostgreSQL -------------------------------------------------------------


async def _pg_counts(conn) -> dict[str, int]:
    names = await conn.fetch(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return {
        r["table_name"]: await conn.fetchval(f'SELECT count(*) FROM "{r["table_name"]}"')
        for r in names
        if r["table_name"] not in DERIVED_TABLES
    }


async def _run(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(
            f"{args[0]} failed ({process.returncode}): {(err or out).decode(errors='replace')}"
        )


async def postgres_snapshot(url: str, dest: Path) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counts = await _pg_counts(conn)
            # The transaction stays open while pg_dump reads its snapshot.
            await _run(
                "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                f"--snapshot={snapshot}", f"--file={dest}", f"--dbname={url}",
            )
        return counts
    finally:
        await conn.close()


async def postgres_counts(url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await _pg_counts(conn)
    finally:
        await conn.close()


async def postgres_restore(dump: Path, url: str) -> None:
    await _run(
        "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
        "--single-transaction", "--exit-on-error", f"--dbname={url}", str(dump),
    )
