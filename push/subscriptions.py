"""Push subscriptions: validated before they are stored, because the server
will later POST to whatever endpoint it accepts (SSRF guard)."""

from __future__ import annotations

import binascii
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec
from msgspec import Meta

from backend.common.clock import now
from backend.common.errors import BadInput
from backend.common.fields import text
from backend.database import current_engine, write_transaction
from push.tables import PushSubscription
from push.vapid import b64url_decode


class SubscriptionKeys(msgspec.Struct):
    p256dh: Annotated[str, Meta(min_length=1, max_length=128)]
    auth: Annotated[str, Meta(min_length=1, max_length=64)]


class SubscriptionIn(msgspec.Struct):
    """`PushSubscription.toJSON()` as the browser gives it."""

    endpoint: text(8, 2048)
    keys: SubscriptionKeys
    expirationTime: float | None = None


class EndpointIn(msgspec.Struct):
    endpoint: text(8, 2048)


class SubscriptionOut(msgspec.Struct):
    id: int
    endpoint: str
    created: bool


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput("endpoint", "must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise BadInput("endpoint", "must not carry credentials")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _decode(value: str, field: str) -> bytes:
    try:
        return b64url_decode(value.strip())
    except (binascii.Error, ValueError):
        raise BadInput(field, "is not base64url") from None


def validate(data: SubscriptionIn, allowed_origins: tuple[str, ...]) -> str:
    """Returns the endpoint's origin; raises BadInput naming the field."""
    origin = origin_of(data.endpoint)
    if origin not in allowed_origins:
        raise BadInput("endpoint", f"push service {origin} is not allowed")
    p256dh = _decode(data.keys.p256dh, "keys.p256dh")
    if len(p256dh) != 65 or p256dh[0] != 4:
        raise BadInput("keys.p256dh", "must be a 65-byte uncompressed P-256 point")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:
        raise BadInput("keys.p256dh", "is not a point on P-256") from None
    if len(_decode(data.keys.auth, "keys.auth")) != 16:
        raise BadInput("keys.auth", "must be 16 bytes")
    return origin


async def save(
    user_id: int,
    data: SubscriptionIn,
    allowed_origins: tuple[str, ...],
    user_agent: str | None = None,
) -> SubscriptionOut:
    """Insert, or rebind a known endpoint to this user (a phone changes hands,
    or a second account logs in on it): one device, one owner."""
    origin = validate(data, allowed_origins)
    expires = (
        datetime.fromtimestamp(data.expirationTime / 1000, UTC) if data.expirationTime else None
    )
    values = {
        PushSubscription.user: user_id,
        PushSubscription.origin: origin,
        PushSubscription.p256dh: data.keys.p256dh.strip(),
        PushSubscription.auth: data.keys.auth.strip(),
        PushSubscription.expiration_time: expires,
        PushSubscription.user_agent: (user_agent or "")[:255] or None,
        PushSubscription.failures: 0,
    }
    async with write_transaction(current_engine()):
        existing = (
            await PushSubscription.select(PushSubscription.id)
            .where(PushSubscription.endpoint == data.endpoint)
            .first()
        )
        if existing:
            await PushSubscription.update(values).where(PushSubscription.id == existing["id"])
            return SubscriptionOut(id=existing["id"], endpoint=data.endpoint, created=False)
        rows = await PushSubscription.insert(
            PushSubscription(
                endpoint=data.endpoint,
                created_at=now(),
                **{column._meta.name: value for column, value in values.items()},
            )
        ).returning(PushSubscription.id)
    return SubscriptionOut(id=rows[0]["id"], endpoint=data.endpoint, created=True)


async def remove(user_id: int, endpoint: str) -> None:
    """Idempotent: logging out of a device whose subscription was already
    pruned must still succeed."""
    async with write_transaction(current_engine()):
        await PushSubscription.delete().where(
            (PushSubscription.endpoint == endpoint) & (PushSubscription.user == user_id)
        )
