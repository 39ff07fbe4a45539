"""`upik worker`: push delivery and the app's tickers (the SLA timers) in
their own process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable

from backend import database
from backend.settings import Settings
from push.engine import Ticker
from push.runtime import build_engine, listen_for_wakes


async def run_worker(settings: Settings, tickers: Iterable[Ticker] = ()) -> int:
    from redis.asyncio import Redis

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine_db = database.engine_from_url(settings.database_url)
    database.bind(engine_db)
    await database.start(engine_db)
    redis = Redis.from_url(settings.redis_url)
    engine = build_engine(settings, tickers)
    loop = asyncio.get_running_loop()
    running = asyncio.create_task(engine.run(), name="push-engine")

    def stop() -> None:
        # The batch in hand may finish for a bounded time; then it is cancelled
        # and the engine puts its unsent rows back to pending on the way out.
        engine.stop()
        loop.call_later(settings.shutdown_timeout_seconds, running.cancel)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    listener = asyncio.create_task(listen_for_wakes(redis, engine))
    logging.getLogger("upik.push").info("worker %s started", engine.name)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await running
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        await redis.aclose()
        await database.stop(engine_db)
    return 0
