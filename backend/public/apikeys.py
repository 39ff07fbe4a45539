"""Open311 API keys: made by `upik create-api-key`, shown once, kept only as
a SHA-256, revoked by name; and the per-key rate limit on POSTs."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from backend.common.clock import now
from backend.common.errors import BadInput, Conflict
from backend.database import current_engine, is_unique_violation, write_transaction
from backend.public.tables import ApiKey, Open311Contact

KEY_PREFIX = "upik311_"
DEFAULT_RATE_PER_MINUTE = 30


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create(name: str, rate_per_minute: int = DEFAULT_RATE_PER_MINUTE) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise BadInput("name", "must be 1-100 characters")
    if rate_per_minute < 1:
        raise BadInput("rate_per_minute", "must be at least 1")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        async with write_transaction(current_engine()):
            await ApiKey.insert(
                ApiKey(
                    name=name,
                    key_hash=key_hash(key),
                    rate_per_minute=rate_per_minute,
                    created_at=now(),
                )
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(f"an API key named {name!r} exists already") from None
        raise
    return key


async def revoke(name: str) -> bool:
    """True when an active key of that name was revoked."""
    async with write_transaction(current_engine()):
        rows = (
            await ApiKey.update({ApiKey.revoked_at: now()})
            .where((ApiKey.name == name.strip()) & ApiKey.revoked_at.is_null())
            .returning(ApiKey.id)
        )
    return bool(rows)


async def active_key(key: str | None) -> dict | None:
    if not key:
        return None
    return (
        await ApiKey.select(ApiKey.id, ApiKey.name, ApiKey.rate_per_minute)
        .where((ApiKey.key_hash == key_hash(key)) & ApiKey.revoked_at.is_null())
        .first()
    )


async def seconds_until_allowed(key: dict) -> int:
    """0 when the key may POST now; else how long until its sliding minute
    has room. Counted from the requests it made, so every process agrees."""
    window_start = now() - timedelta(minutes=1)
    recent = (
        await Open311Contact.select(Open311Contact.created_at)
        .where((Open311Contact.api_key == key["id"]) & (Open311Contact.created_at > window_start))
        .order_by(Open311Contact.created_at)
    )
    if len(recent) < key["rate_per_minute"]:
        return 0
    oldest = recent[-key["rate_per_minute"]]["created_at"]
    return max(1, int((oldest - window_start).total_seconds()) + 1)
