""""Kirim notifikasi uji": one real push to one device of the caller, through
the normal outbox and engine, so what it proves (keys, VAPID, the push
service, the service worker) is what every other notification relies on."""

from __future__ import annotations

from datetime import datetime

from backend.common.clock import now
from backend.common.errors import NotFound
from backend.database import current_engine, write_transaction
from backend.notifications.tables import Notification
from push.runtime import WAKE_CHANNEL
from push.tables import PushSubscription

TEST_TYPE = "push.test"
# A test nobody saw within five minutes proves nothing later: let it lapse.
TEST_TTL_S = 300


def test_payload() -> dict:
    return {
        "type": TEST_TYPE,
        "complaint_id": None,
        "tracking_no": None,
        "title": "Notifikasi uji UPIK",
        "body": "Notifikasi di perangkat ini berfungsi. / Notifications work on this device.",
        "url": "/app/",
    }


async def subscription_id(user_id: int, endpoint: str) -> int | None:
    row = (
        await PushSubscription.select(PushSubscription.id)
        .where((PushSubscription.user == user_id) & (PushSubscription.endpoint == endpoint))
        .first()
    )
    return row["id"] if row else None


async def enqueue_test(user_id: int, endpoint: str) -> int:
    """The outbox row of a test push to this one device; its id."""
    device = await subscription_id(user_id, endpoint)
    if device is None:
        raise NotFound("endpoint: this device has no push subscription stored for you")
    at: datetime = now()
    async with write_transaction(current_engine()):
        rows = await Notification.insert(
            Notification(
                recipient=user_id,
                complaint=None,
                type=TEST_TYPE,
                payload=test_payload(),
                # The person is watching for it: deliver now, even in doze.
                urgency="high",
                topic="push-test",
                ttl=TEST_TTL_S,
                status="pending",
                next_attempt_at=at,
                created_at=at,
                only_subscription=device,
            )
        ).returning(Notification.id)
    return rows[0]["id"]


async def test_outcome(user_id: int, notification_id: int) -> dict:
    """Where the caller's own test push is: status, times, the last error."""
    N = Notification
    row = (
        await N.select(
            N.id, N.status, N.last_http_status, N.last_error, N.sent_at, N.received_at, N.shown_at
        )
        .where((N.id == notification_id) & (N.recipient == user_id) & (N.type == TEST_TYPE))
        .first()
    )
    if row is None:
        raise NotFound(f"no test push with id {notification_id}")
    return row


async def wake_delivery(state) -> None:
    """Tell the engine a row is waiting, as a committed step does: directly in
    the embedded mode, over Redis to the workers otherwise."""
    engine = getattr(state, "push_engine", None)
    if engine is not None:
        engine.wake()
    elif getattr(state, "redis", None) is not None:
        await state.redis.publish(WAKE_CHANNEL, "push.test")
