"""Login and registration are rate limited per client (UPIK_LOGIN_RATE_PER_MINUTE);
past the limit: 429 with Retry-After. Other routes are not limited."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api_client import PASSWORD
from tests.support.error_shape import assert_error

EXTRA_ENV = {"UPIK_LOGIN_RATE_PER_MINUTE": "5"}


def _client(app, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(host, 40000)),
        base_url="http://testserver.local",
    )


@pytest.fixture(scope="module")
async def account(client) -> str:
    # Made without HTTP: every login/register request counts against the limit.
    from backend.accounts import service
    from backend.accounts.schemas import RegisterIn

    await service.register(RegisterIn(username="warga_batas", password=PASSWORD, name="Warga"))
    return "warga_batas"


async def test_sixth_login_is_429_with_retry_after(app, account):
    async with _client(app, "203.0.113.7") as c:
        codes = []
        for i in range(5):
            password = PASSWORD if i % 2 == 0 else "salah-sekali"
            r = await c.post("/api/v1/auth/login", json={"username": account, "password": password})
            codes.append(r.status_code)
        assert codes == [200, 401, 200, 401, 200]

        r = await c.post("/api/v1/auth/login", json={"username": account, "password": PASSWORD})
        assert_error(r, 429)
        retry = r.headers.get("Retry-After")
        assert retry is not None and retry.isdigit() and 1 <= int(retry) <= 60
        assert "token" not in r.text

        # Registration shares the budget (no account farming past it).
        r = await c.post(
            "/api/v1/auth/register",
            json={"username": "warga_lain", "password": PASSWORD, "name": "Lain"},
        )
        assert_error(r, 429)
        assert r.headers.get("Retry-After")

        # Other routes are not limited.
        for _ in range(8):
            assert (await c.get("/api/v1/categories")).status_code == 200

    from backend.accounts.tables import User

    assert not await User.exists().where(User.username == "warga_lain")


async def test_limit_is_per_client(app, account):
    async with _client(app, "198.51.100.9") as c:
        r = await c.post("/api/v1/auth/login", json={"username": account, "password": PASSWORD})
        assert r.status_code == 200, r.text


async def test_reset_codes_cannot_be_guessed_past_the_limit(app, account):
    """Guessing reset codes, and asking for reset e-mails, share the login budget."""
    async with _client(app, "192.0.2.44") as c:
        body = {"username": account, "code": "AAAA-AAAA", "new_password": "baru-sekali-1"}
        codes = [(await c.post("/api/v1/auth/reset", json=body)).status_code for _ in range(3)]
        codes += [
            (await c.post("/api/v1/auth/forgot", json={"username": account})).status_code
            for _ in range(2)
        ]
        assert codes == [400, 400, 400, 202, 202]
        r = await c.post("/api/v1/auth/reset", json=body)
        assert_error(r, 429)
        assert r.headers.get("Retry-After")
        assert_error(await c.post("/api/v1/auth/forgot", json={"username": account}), 429)
