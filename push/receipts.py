"""Signed delivery receipts: the push payload carries `receipt`, an HMAC over
the notification id under the server's secret key, and the service worker
echoes it back. Without it, anyone could mark any (sequential) notification
"clicked" and learn which ids exist."""

from __future__ import annotations

import base64
import hashlib
import hmac

# A label of its own, so this MAC can never be replayed as any other use of the key.
_PURPOSE = b"upik push receipt v1:"


def sign(secret: str, notification_id: int) -> str:
    mac = hmac.new(secret.encode(), _PURPOSE + str(notification_id).encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def is_valid(secret: str, notification_id: int, receipt: str) -> bool:
    return hmac.compare_digest(sign(secret, notification_id).encode(), receipt.encode())
