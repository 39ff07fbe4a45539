"""The engine is chosen once, from DATABASE_URL, and brings its writer; bind
points every table at it. Real engines: an SQLite file, and PostgreSQL."""

from __future__ import annotations

import pytest
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.sqlite import SQLiteEngine

from backend import database
from backend.database import engine as engine_module
from backend.piccolo_app import TABLES
from tests.support.services import PG_ADMIN_DSN, require_postgres


async def test_sqlite_url_gives_the_tuned_engine_and_its_writer(tmp_path):
    path = tmp_path / "chosen.sqlite3"
    engine = database.engine_from_url(f"sqlite:///{path}")
    try:
        assert isinstance(engine, database.TunedSQLiteEngine)
        assert engine.path == str(path)
        writer = database.writer_for(engine)
        assert isinstance(writer, database.SQLiteWriter)
        assert writer.dialect == engine.engine_type == "sqlite"
    finally:
        await database.stop(engine)


def test_an_unsupported_scheme_is_named():
    with pytest.raises(ValueError, match="'mysql' is not supported"):
        database.engine_from_url("mysql://localhost/upik")


async def test_postgres_url_gives_a_pooled_engine_its_writer_starts_and_stops():
    require_postgres()
    engine = database.engine_from_url(PG_ADMIN_DSN)
    assert isinstance(engine, database.PooledPostgresEngine)
    writer = database.writer_for(engine)
    assert isinstance(writer, database.PostgresWriter)
    assert writer.dialect == engine.engine_type == "postgres"
    await database.start(engine)
    try:
        assert engine.pool is not None
        rows = await writer.run(("SELECT $1::int + 1 AS n", [41]))
        assert [dict(r) for r in rows] == [{"n": 42}]
    finally:
        await database.stop(engine)
    assert engine.pool is None


async def test_an_engine_not_built_here_has_no_writer(tmp_path):
    plain = SQLiteEngine(path=str(tmp_path / "plain.sqlite3"))
    with pytest.raises(TypeError, match="SQLiteEngine has no UPIK writer"):
        database.writer_for(plain)


async def test_bind_points_every_registered_table_and_current_engine_at_the_engine(tmp_path):
    previous = engine_module._bound
    engine = database.engine_from_url(f"sqlite:///{tmp_path / 'bound.sqlite3'}")
    try:
        database.bind(engine)
        for table in (*TABLES, Migration):
            assert table._meta.db is engine, table.__name__
        assert database.current_engine() is engine
    finally:
        await database.stop(engine)
        if previous is not None:
            database.bind(previous)
