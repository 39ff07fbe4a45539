"""Shared test fixtures. The helpers they use live in tests/support/.

API tests run on SQLite AND PostgreSQL: the `database` fixture is
parametrised, module-scoped, and makes a fresh database for every module.
Services that are missing are skipped with a reason, or fail the run when
UPIK_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.api_client import Api
from tests.support.app_instance import lifespan
from tests.support.environment import Env, apply_environ, prepare_database
from tests.support.services import create_pg_database, drop_pg_database, require_postgres


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def database(request, tmp_path_factory) -> AsyncIterator[Env]:
    """A fresh, migrated, seeded database per test module, on each engine."""
    data_dir = tmp_path_factory.mktemp(f"upik-{request.param}")
    if request.param == "postgres":
        require_postgres()
        url = await create_pg_database()
    else:
        url = f"sqlite:///{data_dir / 'upik.sqlite3'}"
    env = Env(data_dir=data_dir, database_url=url, engine_name=request.param)
    mp = pytest.MonkeyPatch()
    apply_environ(env.environ(**getattr(request.module, "EXTRA_ENV", {})), mp)
    await prepare_database()
    try:
        yield env
    finally:
        mp.undo()
        if request.param == "postgres":
            await drop_pg_database(url)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
async def app(database):
    from backend.app import create_app
    from backend.settings import get_settings

    return create_app(get_settings())


@pytest.fixture(scope="module")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        lifespan(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
        ) as c,
    ):
        yield c


@pytest.fixture(scope="module")
async def api(client) -> Api:
    return Api(client)
