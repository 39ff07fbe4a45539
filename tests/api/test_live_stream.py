"""Live updates over Server-Sent Events, through real HTTP (uvicorn on
loopback): every change a user may see arrives, nothing else does; with Redis,
a change made through one app instance reaches a stream served by another."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
import uvicorn

from backend.app import create_app
from backend.live.stream import visible_to
from backend.settings import load_settings
from tests.support.app_instance import lifespan
from tests.support.network import free_port
from tests.support.services import redis_available, require_redis
from tests.support.waiting import wait_until


@contextlib.asynccontextmanager
async def served(app):
    """The app behind uvicorn on a free loopback port."""
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


async def read_events(response: httpx.Response, into: list[dict]) -> None:
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: ") and event == "complaint":
            into.append(json.loads(line[len("data: ") :]))
            event = None


async def stream_for(base: str, token_headers: dict, into: list[dict]):
    client = httpx.AsyncClient(base_url=base, timeout=None)
    request = client.build_request("GET", "/api/v1/events/stream", headers=token_headers)
    response = await client.send(request, stream=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    task = asyncio.create_task(read_events(response, into))
    await asyncio.sleep(0.2)  # subscribed before the changes start
    return client, response, task


async def close(client, response, task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
        await task
    await response.aclose()
    await client.aclose()


def test_visibility_rule_of_the_stream():
    from backend.accounts.service import CurrentUser

    event = {"complaint_id": 1, "reporter_id": 7, "unit_ids": [3]}
    user = lambda role, uid, unit=None: CurrentUser(uid, "u", "n", role, unit, "h")  # noqa: E731
    assert visible_to(user("admin", 1), event)
    assert visible_to(user("pic", 2, 3), event)
    assert not visible_to(user("pic", 2, 4), event)
    assert visible_to(user("citizen", 7), event)
    assert not visible_to(user("citizen", 8), event)


async def test_stream_sends_what_each_user_may_see(api, app, client):
    _, admin_h = await api.staff("admin")
    _, pic_h = await api.staff("pic", "DPUTR")
    _, other_pic_h = await api.staff("pic", "DINKES")
    _, citizen_h = await api.citizen()
    _, stranger_h = await api.citizen()
    seen = {name: [] for name in ("admin", "pic", "other_pic", "citizen", "stranger")}
    async with served(app) as base:
        streams = [
            await stream_for(base, h, seen[name])
            for name, h in (
                ("admin", admin_h),
                ("pic", pic_h),
                ("other_pic", other_pic_h),
                ("citizen", citizen_h),
                ("stranger", stranger_h),
            )
        ]
        try:
            c = await api.submit(citizen_h)
            await api.post(
                f"/api/v1/complaints/{c['id']}/dispatch",
                admin_h,
                {"unit_id": await api.unit_id("DPUTR")},
            )
            await api.post(
                f"/api/v1/complaints/{c['id']}/decline", pic_h, {"reason": "Bukan wewenang kami."}
            )
            await wait_until(
                lambda: (
                    len(seen["admin"]) >= 3 and len(seen["citizen"]) >= 3 and len(seen["pic"]) >= 2
                )
            )
            await asyncio.sleep(0.3)  # anything wrongly sent would have arrived by now
        finally:
            for s in streams:
                await close(*s)
    steps = lambda name: [(e["type"], e["status"]) for e in seen[name]]  # noqa: E731
    assert steps("admin") == [
        ("submit", "received"),
        ("dispatch", "routed"),
        ("decline", "received"),
    ]
    assert steps("citizen") == steps("admin")
    # The PIC's inbox hears of the routing and of the complaint leaving it.
    assert steps("pic") == [("dispatch", "routed"), ("decline", "received")]
    assert seen["other_pic"] == [] and seen["stranger"] == []
    assert set(seen["admin"][0]) == {"complaint_id", "tracking_no", "status", "type"}


async def test_stream_needs_a_login(app, client):
    async with served(app) as base, httpx.AsyncClient(base_url=base) as c:
        r = await c.get("/api/v1/events/stream")
        assert r.status_code == 401


async def test_changes_cross_app_instances_through_redis(database, api, monkeypatch):
    """Two app instances sharing Redis stand for two web processes: a change
    made through one reaches a stream served by the other."""
    if not redis_available():
        require_redis()
    env = {**database.environ(), "REDIS_URL": "redis://127.0.0.1:6379/12"}
    first = create_app(load_settings(env))
    second = create_app(load_settings(env))
    _, admin_h = await api.staff("admin")
    _, citizen_h = await api.citizen()
    seen: list[dict] = []
    async with lifespan(first), lifespan(second), served(second) as base:
        stream = await stream_for(base, admin_h, seen)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=first), base_url="http://first"
            ) as via_first:
                r = await via_first.post(
                    "/api/v1/complaints",
                    headers=citizen_h,
                    json={"title": "Sampah menumpuk", "body": "TPS pasar Plered penuh."},
                )
                assert r.status_code == 201, r.text
            await wait_until(lambda: any(e["complaint_id"] == r.json()["id"] for e in seen))
        finally:
            await close(*stream)


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
