"""Waiting for something the app does in the background, without sleeping
a fixed time: poll until it is there, fail with what was awaited."""

from __future__ import annotations

import asyncio


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
