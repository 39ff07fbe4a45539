"""Sessions last 7 days from their last use (sliding), never more than 30 days
from login (issue 9, finding 11). The stored expiry is moved rather than the
clock: each case uses a token the server has not cached yet."""

from __future__ import annotations

from datetime import timedelta

from backend.common.clock import now

DAY = timedelta(days=1)


async def _fresh_token(api, username: str) -> str:
    h = await api.token(username)
    return h["Authorization"].split(" ", 1)[1]


async def _set_times(token: str, created_ago: timedelta, expires_in: timedelta) -> None:
    from backend.accounts import tokens
    from backend.accounts.tables import AuthToken

    at = now()
    await AuthToken.update(
        {AuthToken.created_at: at - created_ago, AuthToken.expires_at: at + expires_in}
    ).where(AuthToken.token_hash == tokens.token_hash(token))


async def _expires_at(token: str):
    from backend.accounts import tokens
    from backend.accounts.tables import AuthToken

    row = await AuthToken.select(AuthToken.expires_at).where(
        AuthToken.token_hash == tokens.token_hash(token)
    ).first()
    return row["expires_at"]


async def test_login_gives_seven_days(api, client):
    user, _ = await api.citizen()
    token = await _fresh_token(api, user["username"])
    left = await _expires_at(token) - now()
    assert 7 * DAY - timedelta(minutes=5) < left <= 7 * DAY


async def test_use_slides_the_expiry_forward(api, client):
    user, _ = await api.citizen()
    token = await _fresh_token(api, user["username"])
    await _set_times(token, created_ago=6 * DAY, expires_in=timedelta(hours=1))
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    left = await _expires_at(token) - now()
    assert 7 * DAY - timedelta(minutes=5) < left <= 7 * DAY


async def test_sliding_stops_at_thirty_days_from_login(api, client):
    user, _ = await api.citizen()
    token = await _fresh_token(api, user["username"])
    await _set_times(token, created_ago=29 * DAY, expires_in=timedelta(hours=1))
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    left = await _expires_at(token) - now()
    assert timedelta(hours=23) < left <= DAY


async def test_an_idle_session_expires(api, client):
    user, _ = await api.citizen()
    token = await _fresh_token(api, user["username"])
    await _set_times(token, created_ago=8 * DAY, expires_in=-timedelta(seconds=1))
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
