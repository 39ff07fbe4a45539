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
