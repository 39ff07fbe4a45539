"""The contract's one error shape, checked."""

from __future__ import annotations

import httpx


def assert_error(r: httpx.Response, status: int, *needles: str) -> dict:
    """The contract's one error shape, with `detail` naming what went wrong."""
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    body = r.json()
    assert isinstance(body, dict), body
    assert body["status_code"] == status, body
    assert isinstance(body["detail"], str) and body["detail"], body
    for needle in needles:
        assert needle.lower() in body["detail"].lower(), (needle, body)
    return body
