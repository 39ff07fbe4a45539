"""Refuse to push with a VAPID key other than the one the stored
subscriptions were made with.

A browser binds its subscription to the applicationServerKey it was given;
pushes signed with another key are refused by the push service (403), so a
lost or replaced key silently mutes every phone. The first start records the
key's fingerprint; a later start with another key while subscriptions exist
stops, unless the operator says the change is intended (then the phones
must subscribe again, which the PWA does when it next opens).
"""

from __future__ import annotations

import hashlib
import logging

from backend.common.clock import now
from backend.database import current_engine, write_transaction
from backend.settings import Settings
from push.tables import PushSubscription, PushVapidKey
from push.vapid import load_or_create, public_key_b64

log = logging.getLogger("upik.push")


def fingerprint(settings: Settings) -> str:
    vapid = load_or_create(settings.vapid_private_key, settings.data_dir)
    return hashlib.sha256(public_key_b64(vapid).encode()).hexdigest()


async def check_vapid_key(settings: Settings, allow_change: bool = False) -> str | None:
    """None when this key may be used (recording it if new), else why not."""
    current = fingerprint(settings)
    recorded = (
        await PushVapidKey.select(PushVapidKey.public_key_sha256)
        .order_by(PushVapidKey.id, ascending=False)
        .first()
    )
    if recorded and recorded["public_key_sha256"] == current:
        return None
    if recorded:
        subscriptions = await PushSubscription.count()
        if subscriptions and not allow_change:
            was = recorded["public_key_sha256"][:16]
            return (
                f"the VAPID key differs from the one {subscriptions} stored push "
                f"subscription(s) were made with (public key sha256 {was}…, "
                f"now {current[:16]}…). Restore the old key (UPIK_VAPID_PRIVATE_KEY or "
                f"{settings.data_dir / 'vapid_private.pem'}), or start with "
                "--allow-vapid-key-change / UPIK_ALLOW_VAPID_KEY_CHANGE=1 to accept that every "
                "phone must subscribe again"
            )
        if subscriptions:
            log.warning(
                "VAPID key changed on purpose: %d subscriptions will be refused by their push "
                "services until the phones subscribe again",
                subscriptions,
            )
    async with write_transaction(current_engine()):
        await PushVapidKey.insert(PushVapidKey(public_key_sha256=current, recorded_at=now()))
    return None
