"""Shared pieces of the push tests: subscribing loopback devices through the
API, waiting for pushes, checking a push against the contract, reading the
outbox, and running an app instance whose lifespan a test controls."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx

from tests.conftest import Api, lifespan, wait_until
from tests.support.push_service import Device, LoopbackPushService, ReceivedPush

PAYLOAD_KEYS = {"type", "notification_id", "complaint_id", "tracking_no", "title", "body", "url"}
# Types a person must act on (the contract: Urgency high for those).
ACT_ON = {
    "complaint.routed",
    "complaint.answered",
    "complaint.returned",
    "complaint.released",
    "sla.reminder",
    "sla.escalated",
}


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


def pushes(
    source: LoopbackPushService | Device,
    complaint_id: int | None = None,
    type_: str | None = None,
) -> list[ReceivedPush]:
    out = []
    for msg in source.received:
        data = msg.json if isinstance(msg.json, dict) else {}
        if complaint_id is not None and data.get("complaint_id") != complaint_id:
            continue
        if type_ is not None and data.get("type") != type_:
            continue
        out.append(msg)
    return out


async def wait_for(predicate: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    await wait_until(predicate, timeout, what=what)


async def wait_pushes(
    devices: list[Device],
    complaint_id: int,
    type_: str,
    count: int = 1,
    timeout: float = 10.0,
) -> None:
    """Until every device has `count` pushes of that type for that complaint."""
    await wait_for(
        lambda: all(len(pushes(d, complaint_id, type_)) >= count for d in devices),
        timeout,
        f"{count}x {type_} for complaint {complaint_id} on {len(devices)} device(s); got "
        + str([len(pushes(d, complaint_id, type_)) for d in devices]),
    )


def check_contract(
    msg: ReceivedPush, push: LoopbackPushService, complaint: dict, type_: str
) -> dict:
    """One delivered push against the contract: VAPID, headers, payload shape."""
    assert msg.vapid_claims["aud"] == push.origin, msg.vapid_claims
    assert msg.vapid_claims["exp"] <= time.time() + 24 * 3600, msg.vapid_claims
    assert msg.vapid_claims["sub"].startswith(("mailto:", "https:")), msg.vapid_claims
    assert msg.ttl > 0
    assert msg.topic == f"complaint-{complaint['id']}"
    if type_ in ACT_ON:
        assert msg.urgency == "high", (type_, msg.urgency)
    data = msg.json
    assert isinstance(data, dict), msg.payload
    assert set(data) >= PAYLOAD_KEYS, data
    assert data["type"] == type_
    assert data["complaint_id"] == complaint["id"]
    assert data["tracking_no"] == complaint["tracking_no"]
    assert isinstance(data["notification_id"], int) and data["notification_id"] > 0
    assert isinstance(data["title"], str) and data["title"].strip()
    assert isinstance(data["body"], str) and data["body"].strip()
    assert data["url"] == f"/app/complaints/{complaint['id']}"
    return data


# --- the outbox ------------------------------------------------------------


def _loads(value):
    return json.loads(value) if isinstance(value, str) else value


async def notification(notification_id: int) -> dict:
    from backend.notifications.tables import Notification

    row = await Notification.select().where(Notification.id == notification_id).first()
    assert row is not None, notification_id
    row["delivered_to"] = _loads(row["delivered_to"])
    row["payload"] = _loads(row["payload"])
    return row


async def notifications(complaint_id: int, type_: str | None = None) -> list[dict]:
    from backend.notifications.tables import Notification as N

    query = N.select().where(N.complaint == complaint_id)
    if type_:
        query = query.where(N.type == type_)
    rows = await query.order_by(N.id)
    for r in rows:
        r["delivered_to"] = _loads(r["delivered_to"])
        r["payload"] = _loads(r["payload"])
    return rows


async def settled(complaint_id: int, type_: str, timeout: float = 10.0) -> list[dict]:
    """Waits until no row of that type for that complaint is pending or being sent."""
    rows: list[dict] = []

    async def done() -> bool:
        nonlocal rows
        rows = await notifications(complaint_id, type_)
        return bool(rows) and all(r["status"] not in ("pending", "sending") for r in rows)

    await wait_for(done, timeout, f"{type_} rows of complaint {complaint_id} settle")
    return rows


async def subscription_exists(endpoint: str) -> bool:
    from push.tables import PushSubscription

    return await PushSubscription.exists().where(PushSubscription.endpoint == endpoint)


# --- an app instance the test starts and stops -----------------------------


class Instance:
    """`create_app` + its lifespan + an httpx client; restartable on the same
    database and data dir (each start is a new app, as after a redeploy)."""

    def __init__(self, settings=None) -> None:
        self.settings = settings
        self.app = None
        self.client: httpx.AsyncClient | None = None
        self.api: Api | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    async def start(self) -> Instance:
        from backend.app import create_app
        from backend.settings import get_settings

        assert self._stack is None, "already running"
        self.app = create_app(self.settings or get_settings())
        stack = contextlib.AsyncExitStack()
        await stack.enter_async_context(lifespan(self.app))
        self.client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app), base_url="http://testserver.local"
            )
        )
        self.api = Api(self.client)
        self._stack = stack
        return self

    async def stop(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    @property
    def running(self) -> bool:
        return self._stack is not None


@contextlib.asynccontextmanager
async def running(settings=None) -> AsyncIterator[Instance]:
    inst = await Instance(settings).start()
    try:
        yield inst
    finally:
        await inst.stop()
