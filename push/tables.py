from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.accounts.tables import User


class PushSubscription(Table, tablename="push_subscription"):
    """One browser on one device. A user may hold several."""

    user = ForeignKey(references=User, index=True)
    endpoint = Text(unique=True)
    origin = Varchar(length=255)
    p256dh = Varchar(length=128)
    auth = Varchar(length=64)
    expiration_time = Timestamptz(null=True, default=None)
    user_agent = Varchar(length=255, null=True, default=None)
    failures = Integer(default=0)
    created_at = Timestamptz()
    last_success_at = Timestamptz(null=True, default=None)


class PushVapidKey(Table, tablename="push_vapid_key"):
    """Which VAPID key the stored subscriptions were made with (its public
    key's SHA-256), so a server started with another key refuses to run
    instead of silently losing every phone (push/key_guard.py)."""

    public_key_sha256 = Varchar(length=64)
    recorded_at = Timestamptz()
