"""People of the push tests: users made straight in the tables (fast), each
with loopback phones subscribed through the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx

from tests.support.api_client import Api
from tests.support.push_service import Device, LoopbackPushService


@dataclass
class Person:
    """A user of the app with a bearer header and the loopback phones bound to it."""

    user: dict
    h: dict[str, str]
    devices: list[Device] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.user["id"]

    @property
    def device(self) -> Device:
        return self.devices[0]


async def public_key(client: httpx.AsyncClient) -> str:
    r = await client.get("/api/v1/push/key")
    assert r.status_code == 200, r.text
    return r.json()["public_key"]


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], device: Device, expect: int = 201
) -> dict:
    r = await client.post("/api/v1/push/subscriptions", json=device.subscription, headers=headers)
    assert r.status_code == expect, f"subscribe: {r.status_code} {r.text}"
    return r.json()


async def unsubscribe(client: httpx.AsyncClient, headers: dict[str, str], endpoint: str) -> None:
    r = await client.request(
        "DELETE", "/api/v1/push/subscriptions", json={"endpoint": endpoint}, headers=headers
    )
    assert r.status_code == 204, f"unsubscribe: {r.status_code} {r.text}"


_PASSWORD_HASH: str | None = None


async def quick_user(
    role: str = "citizen", unit_code: str | None = None, name: str = "Warga Uji"
) -> tuple[dict, dict[str, str]]:
    """A user and a bearer token, written to the real tables as registration
    and login would, but with one shared password hash: Argon2 costs ~0.5 s per
    user on a loaded machine, and these tests are about pushes, not logins.
    The token is checked by the app's own auth middleware like any other."""
    from datetime import timedelta

    from backend.accounts import passwords, tokens
    from backend.accounts.tables import AuthToken, User
    from backend.common.clock import now
    from backend.database import current_engine, write_transaction
    from backend.organisation.tables import Unit

    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = passwords.hash_password_sync("rahasia-123")
    unit_id = None
    if unit_code:
        unit_id = (await Unit.select(Unit.id).where(Unit.code == unit_code).first())["id"]
    username = f"{role}_{uuid.uuid4().hex[:10]}"
    token = tokens.new_token()
    at = now()
    async with write_transaction(current_engine()):
        [row] = await User.insert(
            User(
                username=username,
                password_hash=_PASSWORD_HASH,
                name=name,
                role=role,
                unit=unit_id,
                created_at=at,
            )
        ).returning(User.id)
        await AuthToken.insert(
            AuthToken(
                token_hash=tokens.token_hash(token),
                user=row["id"],
                created_at=at,
                expires_at=at + timedelta(days=1),
            )
        )
    return (
        {"id": row["id"], "username": username, "unit_id": unit_id},
        {"Authorization": f"Bearer {token}"},
    )


async def person(
    api: Api,
    push: LoopbackPushService,
    key: str,
    role: str = "citizen",
    unit: str | None = None,
    name: str | None = None,
    devices: int = 1,
) -> Person:
    """A user with `devices` loopback phones, each subscribed through the API."""
    user, h = await quick_user(
        role, unit, name or ("Warga Uji" if role == "citizen" else "Petugas")
    )
    who = Person(user, h)
    for _ in range(devices):
        device = push.new_device(application_server_key=key)
        await subscribe(api.client, h, device)
        who.devices.append(device)
    return who
