"""Two `Cookie` headers (finding 7 of issue 9): CSRF and authentication read
the same cookies, so a session cookie in one header and something harmless in
another cannot slip a cookie-authenticated POST past the CSRF check."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api_client import PASSWORD
from tests.support.error_shape import assert_error


@pytest.fixture
async def bare(app, client):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as c:
        yield c


async def _session(bare, username: str) -> str:
    r = await bare.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    bare.cookies.clear()
    return r.json()["token"]


@pytest.mark.parametrize("order", ["session-first", "session-last"])
async def test_split_cookie_headers_do_not_skip_csrf(bare, cast, order):
    from backend.complaints.tables import Complaint

    token = await _session(bare, cast.reporter.user["username"])
    crumbs = [("Cookie", f"upik_session={token}"), ("Cookie", "tema=gelap")]
    if order == "session-last":
        crumbs.reverse()
    before = await Complaint.count()
    r = await bare.post(
        "/api/v1/complaints",
        json={"title": "Tanpa CSRF", "body": "Dua header Cookie, tanpa token CSRF."},
        headers=httpx.Headers(crumbs),
    )
    assert_error(r, 403)
    assert await Complaint.count() == before


async def test_split_cookie_headers_with_csrf_work(bare, cast):
    token = await _session(bare, cast.reporter.user["username"])
    r = await bare.get("/api/v1/me", headers={"Cookie": f"upik_session={token}"})
    assert r.status_code == 200, r.text
    csrf = r.cookies.get("upik_csrf")
    bare.cookies.clear()
    assert csrf
    r = await bare.post(
        "/api/v1/complaints",
        json={"title": "Dengan CSRF", "body": "Dua header Cookie, dengan token CSRF."},
        headers=httpx.Headers(
            [
                ("Cookie", f"upik_csrf={csrf}"),
                ("Cookie", f"upik_session={token}"),
                ("X-CSRF-Token", csrf),
            ]
        ),
    )
    assert r.status_code == 201, r.text
    assert r.json()["reporter"]["id"] == cast.reporter.id
