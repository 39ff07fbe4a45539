"""Shared test fixtures.

API tests run on SQLite AND PostgreSQL: the `database` fixture is
parametrised, module-scoped, and makes a fresh database for every module.
Services that are missing are skipped with a reason, or fail the run when
UPIK_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.chromium import CHROMIUM

REQUIRE_SERVICES = os.environ.get("UPIK_REQUIRE_SERVICES") == "1"
PG_ADMIN_DSN = os.environ.get("UPIK_TEST_PG_DSN", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("UPIK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "rahasia-123"


def missing_service(what: str) -> None:
    """Skip, or fail when CI says the service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (UPIK_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} is not available")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    return _port_open("127.0.0.1", 5432)


def redis_available() -> bool:
    return _port_open("127.0.0.1", 6379)


def require_postgres() -> None:
    if not postgres_available():
        missing_service("PostgreSQL on 127.0.0.1:5432")


def require_redis() -> None:
    if not redis_available():
        missing_service("Redis on 127.0.0.1:6379")


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        missing_service(f"Chromium at {CHROMIUM}")


async def create_pg_database() -> str:
    import asyncpg

    name = f"upik_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"


async def drop_pg_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class Env:
    """One configured UPIK instance: its data dir and database."""

    data_dir: Path
    database_url: str
    engine_name: str

    def environ(self, **extra: str) -> dict[str, str]:
        env = {
            "UPIK_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.database_url,
            "UPIK_SLA_ANSWER_SECONDS": "10800",
            "UPIK_SLA_REMINDER_SECONDS": "7200",
            "UPIK_LOGIN_RATE_PER_MINUTE": "1000",
            # Every second counts, so no test depends on the hour the suite runs
            # at; the working-time tests set office hours and move the clock.
            "UPIK_OFFICE_HOURS": "always",
        }
        env.update(extra)
        return env


def apply_environ(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.settings import reset_settings_cache

    for key in ("REDIS_URL", "UPIK_PUSH_ALLOWED_ORIGINS", "UPIK_VAPID_PRIVATE_KEY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings_cache()


async def prepare_database(seed: bool = True) -> None:
    """Migrations (the real ones, as `upik migrate` runs them) and the seed."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from backend import database
    from backend.organisation.service import seed as seed_organisation
    from backend.settings import get_settings

    engine = database.engine_from_url(get_settings().database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        result = await run_forwards("all")
        assert result.success, result.message
        if seed:
            await seed_organisation()
    finally:
        await database.stop(engine)


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


class Api:
    """A thin, honest client: real HTTP semantics through httpx over ASGI,
    with the app's lifespan running."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._n = 0

    def _unique(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}_{uuid.uuid4().hex[:6]}"

    async def token(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        r = await self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    async def unit_id(self, code: str) -> int:
        from backend.organisation.tables import Unit

        row = await Unit.select(Unit.id).where(Unit.code == code).first()
        return row["id"]

    async def citizen(self, name: str = "Warga Uji") -> tuple[dict, dict[str, str]]:
        username = self._unique("warga")
        r = await self.client.post(
            "/api/v1/auth/register", json={"username": username, "password": PASSWORD, "name": name}
        )
        assert r.status_code == 201, r.text
        return r.json(), await self.token(username)

    async def staff(
        self, role: str, unit_code: str | None = None, name: str = "Petugas"
    ) -> tuple[dict, dict[str, str]]:
        from backend.accounts import service
        from backend.accounts.schemas import CreateUserIn

        username = self._unique(role)
        unit_id = await self.unit_id(unit_code) if unit_code else None
        user = await service.create_staff(
            CreateUserIn(
                username=username, password=PASSWORD, name=name, role=role, unit_id=unit_id
            )
        )
        return {"id": user.id, "username": username, "unit_id": unit_id}, await self.token(username)

    async def submit(self, headers: dict[str, str], **body) -> dict:
        body.setdefault("title", "Lampu penerangan jalan mati")
        body.setdefault("body", "PJU di jalan raya Sumber mati sejak seminggu, gelap sekali.")
        r = await self.client.post("/api/v1/complaints", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()

    async def post(self, path: str, headers: dict[str, str], json=None, expect: int = 200):
        r = await self.client.post(path, json=json, headers=headers)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text}"
        return r.json() if r.content else None


@pytest.fixture(scope="module")
async def app(database):
    from backend.app import create_app
    from backend.settings import get_settings

    return create_app(get_settings())


@contextlib.asynccontextmanager
async def lifespan(app) -> AsyncIterator[None]:
    """Run the ASGI lifespan in the test's own event loop, so the database
    pool the app opens is the one the test's direct queries use."""
    inbox: asyncio.Queue = asyncio.Queue()
    started, stopped = asyncio.Event(), asyncio.Event()
    failure: list[str] = []

    async def send(message: dict) -> None:
        if message["type"].endswith(".failed"):
            failure.append(message.get("message", "lifespan failed"))
            started.set()
            stopped.set()
        elif message["type"] == "lifespan.startup.complete":
            started.set()
        elif message["type"] == "lifespan.shutdown.complete":
            stopped.set()

    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, send)
    )
    await started.wait()
    if failure:
        raise RuntimeError(failure[0])
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await stopped.wait()
        await task


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02, what: str = ""):
    """Poll an async or sync predicate until truthy; return its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s {what}".rstrip())
        await asyncio.sleep(interval)
