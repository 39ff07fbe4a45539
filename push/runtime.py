"""Builds the push machinery from settings, and wires its wake-ups: an
asyncio event in one process, a Redis channel across processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from backend.notifications import signals
from backend.settings import Settings
from push.engine import DeliveryEngine, EngineConfig, Ticker
from push.sender import PushSender
from push.vapid import JwtCache, load_or_create

WAKE_CHANNEL = "upik:push:wake"
log = logging.getLogger("upik.push")


def build_engine(settings: Settings, tickers: Iterable[Ticker] = ()) -> DeliveryEngine:
    vapid = load_or_create(settings.vapid_private_key, settings.data_dir)
    sender = PushSender(
        JwtCache(vapid, settings.vapid_subject), concurrency=settings.push_concurrency
    )
    return DeliveryEngine(
        sender,
        EngineConfig(
            lease_s=settings.push_lease_seconds,
            retry_base_s=settings.push_retry_base_seconds,
            max_attempts=settings.push_max_attempts,
            receipt_secret=settings.secret_key,
        ),
        tickers=tickers,
    )


@contextlib.asynccontextmanager
async def in_process(settings: Settings, tickers: Iterable[Ticker] = ()):
    """`upik serve` without Redis: the engine runs beside the web app and
    every committed step wakes it directly."""
    engine = build_engine(settings, tickers)

    async def on_change(change: signals.ComplaintChanged) -> None:
        engine.wake()

    signals.subscribe(on_change)
    task = asyncio.create_task(engine.run(), name="push-engine")
    try:
        yield engine
    finally:
        signals.unsubscribe(on_change)
        engine.stop()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            # In-flight batches get this long; then they are cancelled and
            # their unsent rows released back to pending (engine.run).
            await asyncio.wait_for(task, timeout=settings.shutdown_timeout_seconds)


@contextlib.asynccontextmanager
async def redis_publisher(redis):
    """Web processes in Redis mode: wake the workers after each commit."""

    async def on_change(change: signals.ComplaintChanged) -> None:
        await redis.publish(WAKE_CHANNEL, str(change.complaint_id))

    signals.subscribe(on_change)
    try:
        yield
    finally:
        signals.unsubscribe(on_change)


async def listen_for_wakes(redis, engine: DeliveryEngine) -> None:
    """Worker side: every publish wakes the engine; reconnects on failure."""
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(WAKE_CHANNEL)
                engine.wake()  # anything published while we were away
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        engine.wake()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("redis wake-up listener lost its connection; retrying")
            await asyncio.sleep(1)
