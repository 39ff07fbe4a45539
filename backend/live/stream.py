"""Live updates for open PWAs: Server-Sent Events over Litestar channels
(memory backend in one process, Redis pub/sub across processes). Each change
is filtered per subscriber by the same visibility rule as the API."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, get
from litestar.channels import ChannelsPlugin
from litestar.response import ServerSentEvent, ServerSentEventMessage

from backend.accounts.service import CurrentUser
from backend.common.roles import Role
from backend.notifications import signals

CHANNEL = "complaints"
KEEPALIVE_S = 20.0


def make_plugin(redis=None) -> ChannelsPlugin:
    if redis is not None:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend

        backend = RedisChannelsPubSubBackend(redis=redis, key_prefix="upik_channels")
    else:
        from litestar.channels.backends.memory import MemoryChannelsBackend

        backend = MemoryChannelsBackend()
    return ChannelsPlugin(
        backend=backend,
        channels=[CHANNEL],
        subscriber_max_backlog=1000,
        subscriber_backlog_strategy="dropleft",
    )


@contextlib.asynccontextmanager
async def publishing(plugin: ChannelsPlugin):
    async def on_change(change: signals.ComplaintChanged) -> None:
        plugin.publish(
            {
                "complaint_id": change.complaint_id,
                "tracking_no": change.tracking_no,
                "status": change.status,
                "type": change.type,
                "reporter_id": change.reporter_id,
                "unit_ids": sorted(change.unit_ids),
            },
            CHANNEL,
        )

    signals.subscribe(on_change)
    try:
        yield
    finally:
        signals.unsubscribe(on_change)


def visible_to(user: CurrentUser, event: dict) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.PIC:
        return user.unit_id in event.get("unit_ids", [])
    return event.get("reporter_id") == user.id


@get("/api/v1/events/stream", tags=["live"])
async def event_stream(
    request: Request[CurrentUser, str, Any], channels: ChannelsPlugin
) -> ServerSentEvent:
    """Extension: `event: complaint` with `{"complaint_id", "tracking_no",
    "status", "type"}` whenever a complaint the caller may see changes."""
    user = request.user

    async def events() -> AsyncIterator[ServerSentEventMessage]:
        async with channels.start_subscription([CHANNEL]) as subscriber:
            inbox: asyncio.Queue[bytes] = asyncio.Queue()

            async def pump() -> None:
                async for raw in subscriber.iter_events():
                    await inbox.put(raw)

            pumping = asyncio.create_task(pump())
            try:
                yield ServerSentEventMessage(comment="connected", retry=3000)
                while True:
                    try:
                        raw = await asyncio.wait_for(inbox.get(), timeout=KEEPALIVE_S)
                    except TimeoutError:
                        yield ServerSentEventMessage(comment="keep-alive")
                        continue
                    event = json.loads(raw)
                    if visible_to(user, event):
                        public = {
                            k: event[k] for k in ("complaint_id", "tracking_no", "status", "type")
                        }
                        yield ServerSentEventMessage(event="complaint", data=json.dumps(public))
            finally:
                pumping.cancel()

    return ServerSentEvent(
        events(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
