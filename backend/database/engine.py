"""The engine: chosen once from DATABASE_URL, bound to every table, started
and stopped. What the engine is decides its writer (backend.database.writer)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import Finder
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine

from backend.database.postgres import PooledPostgresEngine
from backend.database.sqlite import TunedSQLiteEngine
from backend.database.writer import writer_for

_bound: Engine | None = None


def engine_from_url(url: str) -> Engine:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # As SQLAlchemy spells it: sqlite:///relative.db, sqlite:////abs/path.db
        path = unquote(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url[9:])
        return TunedSQLiteEngine(path=path or "upik.sqlite3")
    if parts.scheme in ("postgres", "postgresql"):
        return PooledPostgresEngine(config={"dsn": url})
    raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not supported")


def bind(engine: Engine) -> None:
    """Point every table (ours and Piccolo's migration table) and Piccolo's
    engine finder at `engine`, so one process can switch databases (tests do).

    The tables are those of the apps piccolo_conf.py registers (the one
    Piccolo app, backend.piccolo_app): the composition root names them, so
    this package imports no domain package."""
    global _bound
    finder = Finder()
    for table in (*finder.get_table_classes(), Migration):
        table._meta.db = engine
    conf = finder.get_piccolo_conf_module()
    if conf is not None:
        conf.DB = engine  # type: ignore[attr-defined]
    _bound = engine


def current_engine() -> Engine:
    """The engine `bind` gave the tables; before any `bind`, the one
    piccolo_conf.py builds from DATABASE_URL (as the tables find it)."""
    if _bound is not None:
        return _bound
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no database engine: piccolo_conf.py defines no DB")
    return engine


async def start(engine: Engine) -> None:
    await writer_for(engine).start()


async def stop(engine: Engine) -> None:
    await writer_for(engine).stop()
