"""Fixtures shared by the push test modules. Each module picks its own
loopback port (`PUSH_PORT`) and allows it in `EXTRA_ENV`, because the app's
settings are read once per module."""

from __future__ import annotations

import pytest

from tests.support.push_service import LoopbackPushService


@pytest.fixture(scope="module")
def push(request, database):
    """One loopback service per database run. It depends on `database` so that
    pytest starts a fresh one for the [postgres] run: a service shared across
    the parametrised runs kept the [sqlite] run's pushes in its records, and a
    service-wide wait in the second run returned them too."""
    with LoopbackPushService(port=request.module.PUSH_PORT) as service:
        yield service


@pytest.fixture(scope="module")
async def key(client) -> str:
    """The VAPID public key, as the PWA passes it to pushManager.subscribe()."""
    r = await client.get("/api/v1/push/key")
    assert r.status_code == 200, r.text
    return r.json()["public_key"]
