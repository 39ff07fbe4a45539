"""The public outputs' tests share the API tests' cast, complaint builder and
anonymous client, and add a real HTTP server for third-party clients."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import uvicorn

from tests.api.conftest import anon, cast, flow  # noqa: F401  (fixtures, re-exported)
from tests.support.network import free_port
from tests.support.waiting import wait_until


@contextlib.asynccontextmanager
async def served(app):
    """The app behind uvicorn on a free loopback port (its lifespan already
    runs through the `client` fixture)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="module")
async def base_url(app, client):
    async with served(app) as url:
        yield url


async def make_api_key(name: str, rate_per_minute: int = 30) -> str:
    from backend.public import apikeys

    return await apikeys.create(name, rate_per_minute)
