"""Registration reveals taken usernames through its 409 (finding 13 of issue
9): it has its own per-client budget, far below login's, and repeated 409s
are logged."""

from __future__ import annotations

import logging
import uuid

import httpx

from tests.support.api_client import PASSWORD
from tests.support.error_shape import assert_error

# Login keeps its generous test budget (tests/conftest.py); registration gets 3 an hour.
EXTRA_ENV = {"UPIK_REGISTER_RATE_PER_HOUR": "3"}
REGISTER = "/api/v1/auth/register"


def _client(app, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(host, 40000)),
        base_url="http://testserver.local",
    )


def _body(username: str | None = None) -> dict:
    return {
        "username": username or f"warga_{uuid.uuid4().hex[:8]}",
        "password": PASSWORD,
        "name": "W",
    }


async def test_register_has_a_tighter_budget_than_login(app, client):
    from backend.accounts.tables import User

    async with _client(app, "198.51.100.20") as c:
        made = []
        for _ in range(3):
            r = await c.post(REGISTER, json=_body())
            assert r.status_code == 201, r.text
            made.append(r.json()["username"])
        before = await User.count()
        r = await c.post(REGISTER, json=_body())
        assert_error(r, 429)
        assert r.headers.get("Retry-After")
        assert await User.count() == before
        # Login from the same client is still within its own budget.
        for username in made:
            r = await c.post(
                "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert r.status_code == 200, r.text
    async with _client(app, "198.51.100.21") as other:  # another client is not affected
        assert (await other.post(REGISTER, json=_body())).status_code == 201


async def test_repeated_taken_usernames_are_logged(app, client, caplog):
    async with _client(app, "198.51.100.30") as setup:
        taken = (await setup.post(REGISTER, json=_body())).json()["username"]
    caplog.set_level(logging.WARNING, logger="upik.security")
    async with _client(app, "198.51.100.31") as prober:
        for i in range(3):
            r = await prober.post(REGISTER, json=_body(taken.upper() if i else taken))
            assert_error(r, 409, "taken")
    warnings = [r for r in caplog.records if r.name == "upik.security"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "198.51.100.31" in warnings[0].getMessage()
    assert "probing" in warnings[0].getMessage()
