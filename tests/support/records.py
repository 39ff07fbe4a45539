"""Direct reads of what the app recorded, for facts no route exposes: the
audit trail, the messages, the notification outbox and push subscriptions."""

from __future__ import annotations

import json

from tests.support.waiting import wait_until


def _loads(value):
    return json.loads(value) if isinstance(value, str) else value


async def events_of(cid: int) -> list[dict]:
    from backend.complaints.tables import ComplaintEvent

    rows = (
        await ComplaintEvent.select()
        .where(ComplaintEvent.complaint == cid)
        .order_by(ComplaintEvent.id)
    )
    for r in rows:
        r["data"] = _loads(r["data"]) or {}
    return rows


async def outbox_of(cid: int) -> list[dict]:
    from backend.notifications.tables import Notification

    rows = (
        await Notification.select().where(Notification.complaint == cid).order_by(Notification.id)
    )
    for r in rows:
        r["payload"] = _loads(r["payload"]) or {}
    return rows


async def messages_of(cid: int) -> list[dict]:
    from backend.complaints.tables import ComplaintMessage

    return (
        await ComplaintMessage.select()
        .where(ComplaintMessage.complaint == cid)
        .order_by(ComplaintMessage.id)
    )


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

    await wait_until(done, timeout, what=f"{type_} rows of complaint {complaint_id} settle")
    return rows


async def subscription_exists(endpoint: str) -> bool:
    from push.tables import PushSubscription

    return await PushSubscription.exists().where(PushSubscription.endpoint == endpoint)
