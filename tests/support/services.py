"""The services the tests run against for real (PostgreSQL, Redis, Chromium):
whether they are there, skipping (or failing, with UPIK_REQUIRE_SERVICES=1)
when they are not, and throwaway PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.support.chromium import CHROMIUM
from tests.support.network import port_open

REQUIRE_SERVICES = os.environ.get("UPIK_REQUIRE_SERVICES") == "1"
PG_ADMIN_DSN = os.environ.get("UPIK_TEST_PG_DSN", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("UPIK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def missing_service(what: str) -> None:
    """Skip, or fail when CI says the service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (UPIK_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} is not available")


def need(ok: bool, reason: str) -> None:
    if not ok:
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (UPIK_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


def postgres_available() -> bool:
    return port_open("127.0.0.1", 5432)


def redis_available() -> bool:
    return port_open("127.0.0.1", 6379)


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
