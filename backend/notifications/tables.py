from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from backend.accounts.tables import User


class Notification(Table, tablename="notification"):
    """The outbox: who is to be told what. Written in the same transaction as
    the step that causes it; the push engine delivers it afterwards."""

    recipient = ForeignKey(references=User, index=True)
    # By name: complaints write the outbox, so the outbox must not import them.
    complaint = ForeignKey(
        references=LazyTableReference("Complaint", module_path="backend.complaints.tables"),
        null=True,
        index=True,
    )
    type = Varchar(length=32)
    payload = JSON(default="{}")
    urgency = Varchar(length=16, default="normal")
    topic = Varchar(length=32, null=True, default=None)
    ttl = Integer(default=86400)
    # pending -> sent | failed ; "sending" is a claim with an expiry
    status = Varchar(length=16, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    claimed_until = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=64, null=True, default=None)
    # Subscription ids that accepted it: a retry for a user's other phones
    # must not ring the ones that already rang.
    delivered_to = JSON(default="[]")
    last_http_status = Integer(null=True, default=None)
    last_error = Text(null=True, default=None)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)
    shown_at = Timestamptz(null=True, default=None)
    clicked_at = Timestamptz(null=True, default=None)
    # Set for a push meant for one device only ("Kirim notifikasi uji"): the
    # id of that push subscription. Null: every device of the recipient.
    only_subscription = Integer(null=True, default=None)
