"""Login CSRF (finding 2 of issue 9): login and register take JSON only and
refuse unknown fields; a login from a foreign `Origin` is refused. Nothing is
created and no session cookie is set by any refused request."""

from __future__ import annotations

import json

import pytest

from tests.support.api_client import PASSWORD
from tests.support.error_shape import assert_error

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"


@pytest.fixture(scope="module")
async def citizen(api) -> dict:
    user, _ = await api.citizen()
    return user


async def _user_count() -> int:
    from backend.accounts.tables import User

    return await User.count()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
async def test_login_takes_json_only(anon, citizen, content_type):
    body = json.dumps({"username": citizen["username"], "password": PASSWORD})
    headers = {"Content-Type": content_type} if content_type else {}
    r = await anon.post(LOGIN, content=body, headers=headers)
    assert_error(r, 415, "content-type")
    assert "upik_session" not in r.cookies


async def test_register_takes_json_only(anon):
    before = await _user_count()
    body = json.dumps({"username": "warga_plain", "password": PASSWORD, "name": "Warga"})
    r = await anon.post(REGISTER, content=body, headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "content-type")
    assert await _user_count() == before


async def test_json_with_charset_is_fine(anon, citizen):
    body = json.dumps({"username": citizen["username"], "password": PASSWORD})
    r = await anon.post(
        LOGIN, content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert r.status_code == 200, r.text


async def test_login_refuses_unknown_fields(anon, citizen):
    r = await anon.post(
        LOGIN, json={"username": citizen["username"], "password": PASSWORD, "remember": True}
    )
    assert_error(r, 400, "remember")
    assert "upik_session" not in r.cookies


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://testserver.local.evil.example", "null"]
)
async def test_login_from_a_foreign_origin_is_refused(anon, citizen, origin):
    r = await anon.post(
        LOGIN,
        json={"username": citizen["username"], "password": PASSWORD},
        headers={"Origin": origin},
    )
    assert_error(r, 403, "origin")
    assert "upik_session" not in r.cookies


@pytest.mark.parametrize("origin", ["http://testserver.local", "https://testserver.local"])
async def test_login_from_its_own_origin_works(anon, citizen, origin):
    # https too: behind a TLS proxy the app itself is reached over http.
    r = await anon.post(
        LOGIN,
        json={"username": citizen["username"], "password": PASSWORD},
        headers={"Origin": origin},
    )
    assert r.status_code == 200, r.text
