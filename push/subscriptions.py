"""Push subscriptions: validated before they are stored, because the server
will later POST to whatever endpoint it accepts (SSRF guard)."""

from __future__ import annotations

import binascii
import hmac
import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec
from msgspec import Meta

from backend.common.clock import now
from backend.common.errors import BadInput
from backend.common.fields import text
from backend.database import current_engine, is_unique_violation, write_transaction
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


_B64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


def _decode(value: str, field: str) -> bytes:
    # urlsafe_b64decode skips characters outside the alphabet; a key with
    # junk in it must be refused, not silently read as another key.
    value = value.strip()
    if not _B64URL.match(value):
        raise BadInput(field, "is not base64url")
    try:
        return b64url_decode(value.rstrip("="))
    except (binascii.Error, ValueError):
        raise BadInput(field, "is not base64url") from None


def origin_allowed(origin: str, allowed: tuple[str, ...]) -> bool:
    """Exact origins, or `https://*.example.com` for a service spread over
    many hosts (Windows Push Notification Services, Apple)."""
    if origin in allowed:
        return True
    scheme, _, host = origin.partition("://")
    for entry in allowed:
        entry_scheme, _, entry_host = entry.partition("://")
        if (
            entry_host.startswith("*.")
            and scheme == entry_scheme
            and host.endswith(entry_host[1:])
            and len(host) > len(entry_host) - 1
        ):
            return True
    return False


def validate(data: SubscriptionIn, allowed_origins: tuple[str, ...]) -> str:
    """Returns the endpoint's origin; raises BadInput naming the field."""
    origin = origin_of(data.endpoint)
    if not origin_allowed(origin, allowed_origins):
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
    or a second account logs in on it): one device, one owner. Rebinding to
    another user needs the stored `keys.auth` (see may_take_over)."""
    origin = validate(data, allowed_origins)
    expires = _expiry(data.expirationTime)
    values = {
        PushSubscription.user: user_id,
        PushSubscription.origin: origin,
        PushSubscription.p256dh: data.keys.p256dh.strip(),
        PushSubscription.auth: data.keys.auth.strip(),
        PushSubscription.expiration_time: expires,
        PushSubscription.user_agent: (user_agent or "")[:255] or None,
        PushSubscription.failures: 0,
    }
    for _ in range(2):
        try:
            return await _upsert(data.endpoint, values)
        except Exception as exc:
            # Two tabs subscribing the same browser at once: the slower insert
            # meets the unique endpoint; the second round finds it and rebinds.
            if not is_unique_violation(exc):
                raise
    return await _upsert(data.endpoint, values)


def _expiry(milliseconds: float | None) -> datetime | None:
    if milliseconds is None:
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadInput("expirationTime", "is not a time in milliseconds since 1970") from None


def may_take_over(existing: dict, values: dict) -> bool:
    """An endpoint moves to another user only when the caller proves it holds
    the browser's subscription: the same `keys.auth` secret as stored. An
    endpoint URL alone leaks easily (logs, a shared phone's devtools); the
    auth secret never leaves the browser and this server."""
    if existing["user"] == values[PushSubscription.user]:
        return True
    return hmac.compare_digest(existing["auth"].encode(), values[PushSubscription.auth].encode())


async def _upsert(endpoint: str, values: dict) -> SubscriptionOut:
    async with write_transaction(current_engine()):
        existing = (
            await PushSubscription.select(
                PushSubscription.id, PushSubscription.user, PushSubscription.auth
            )
            .where(PushSubscription.endpoint == endpoint)
            .first()
        )
        if existing:
            if not may_take_over(existing, values):
                # Same answer as a rebind, so the endpoint's owner is not revealed.
                return SubscriptionOut(id=existing["id"], endpoint=endpoint, created=False)
            await PushSubscription.update(values).where(PushSubscription.id == existing["id"])
            return SubscriptionOut(id=existing["id"], endpoint=endpoint, created=False)
        rows = await PushSubscription.insert(
            PushSubscription(
                endpoint=endpoint,
                created_at=now(),
                **{column._meta.name: value for column, value in values.items()},
            )
        ).returning(PushSubscription.id)
    return SubscriptionOut(id=rows[0]["id"], endpoint=endpoint, created=True)


async def remove(user_id: int, endpoint: str) -> None:
    """Idempotent: logging out of a device whose subscription was already
    pruned must still succeed."""
    async with write_transaction(current_engine()):
        await PushSubscription.delete().where(
            (PushSubscription.endpoint == endpoint) & (PushSubscription.user == user_id)
        )
