"""Running the ASGI app inside a test: its lifespan in the test's own event
loop, and an app instance a test starts, stops and restarts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx

from tests.support.api_client import Api


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


class Instance:
    """`create_app` + its lifespan + an httpx client; restartable on the same
    database and data dir (each start is a new app, as after a redeploy)."""

    def __init__(self, settings=None) -> None:
        self.settings = settings
        self.app = None
        self.client: httpx.AsyncClient | None = None
        self.api: Api | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    async def start(self) -> Instance:
        from backend.app import create_app
        from backend.settings import get_settings

        assert self._stack is None, "already running"
        self.app = create_app(self.settings or get_settings())
        stack = contextlib.AsyncExitStack()
        await stack.enter_async_context(lifespan(self.app))
        self.client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app), base_url="http://testserver.local"
            )
        )
        self.api = Api(self.client)
        self._stack = stack
        return self

    async def stop(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    @property
    def running(self) -> bool:
        return self._stack is not None


@contextlib.asynccontextmanager
async def running(settings=None) -> AsyncIterator[Instance]:
    inst = await Instance(settings).start()
    try:
        yield inst
    finally:
        await inst.stop()
