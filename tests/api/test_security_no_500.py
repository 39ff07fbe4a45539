"""Unauthenticated 500s (finding 6 of issue 9): each of these is a 4xx in the
contract's error shape, and leaks no internal message."""

from __future__ import annotations

import base64

import pytest

from tests.support.error_shape import assert_error

DEPTH = 5000


def deep_json(depth: int = DEPTH) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "path", ["/api/v1/users", "/api/v1/push/notifications", "/api/v1/units", "/api/v1/me"]
)
async def test_options_on_guarded_routes_is_not_a_500(anon, path):
    r = await anon.options(path)
    assert r.status_code < 500, r.text
    assert "scope" not in r.text and "AuthMiddleware" not in r.text


@pytest.mark.parametrize(
    "body",
    [
        deep_json(),
        b'{"username":' + deep_json() + b',"password":"x"}',
        b'{"username":"x","password":"y","extra":' + deep_json() + b"}",
    ],
    ids=["array", "in-field", "in-unknown-field"],
)
@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
async def test_deeply_nested_json_is_a_400(anon, path, body):
    r = await anon.post(path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["status_code"] == 400


async def test_deeply_nested_json_from_a_citizen_is_a_400(api, cast):
    body = b'{"title":"a","body":"b","location":' + deep_json() + b"}"
    r = await api.client.post(
        "/api/v1/complaints",
        content=body,
        headers={"Content-Type": "application/json", **cast.reporter.h},
    )
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("nid", [2**63, 2**64, 2**31])
async def test_huge_notification_id_is_a_400(anon, nid):
    r = await anon.post(
        "/api/v1/push/receipts", json={"notification_id": nid, "event": "clicked", "receipt": "x"}
    )
    assert_error(r, 400, "notification_id")


@pytest.mark.parametrize("value", ["99999999999999999999", str(2**63), "-5", "0"])
async def test_cursor_of_a_huge_or_negative_id_is_a_400(api, cast, value):
    cursor = base64.urlsafe_b64encode(f"id:{value}".encode()).decode().rstrip("=")
    r = await api.client.get(f"/api/v1/complaints?cursor={cursor}", headers=cast.admin.h)
    assert_error(r, 400, "cursor")


async def test_a_real_cursor_still_pages(api, cast, flow):
    for _ in range(3):
        await flow.received()
    r = await api.client.get("/api/v1/complaints?limit=2", headers=cast.admin.h)
    assert r.status_code == 200, r.text
    nxt = r.json()["next_cursor"]
    assert nxt
    r = await api.client.get(f"/api/v1/complaints?limit=2&cursor={nxt}", headers=cast.admin.h)
    assert r.status_code == 200, r.text
