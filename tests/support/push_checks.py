"""What arrived at the loopback push service: filtering it, waiting for it,
and checking one push against the contract (VAPID, headers, payload)."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.support.push_service import Device, LoopbackPushService, ReceivedPush
from tests.support.waiting import wait_until

PAYLOAD_KEYS = {"type", "notification_id", "complaint_id", "tracking_no", "title", "body", "url"}


# Types a person must act on (the contract: Urgency high for those).
ACT_ON = {
    "complaint.routed",
    "complaint.answered",
    "complaint.returned",
    "complaint.released",
    "sla.reminder",
    "sla.escalated",
}


def pushes(
    source: LoopbackPushService | Device,
    complaint_id: int | None = None,
    type_: str | None = None,
) -> list[ReceivedPush]:
    out = []
    for msg in source.received:
        data = msg.json if isinstance(msg.json, dict) else {}
        if complaint_id is not None and data.get("complaint_id") != complaint_id:
            continue
        if type_ is not None and data.get("type") != type_:
            continue
        out.append(msg)
    return out


async def wait_for(predicate: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    await wait_until(predicate, timeout, what=what)


async def wait_pushes(
    devices: list[Device],
    complaint_id: int,
    type_: str,
    count: int = 1,
    timeout: float = 10.0,
) -> None:
    """Until every device has `count` pushes of that type for that complaint."""
    await wait_for(
        lambda: all(len(pushes(d, complaint_id, type_)) >= count for d in devices),
        timeout,
        f"{count}x {type_} for complaint {complaint_id} on {len(devices)} device(s); got "
        + str([len(pushes(d, complaint_id, type_)) for d in devices]),
    )


def check_contract(
    msg: ReceivedPush, push: LoopbackPushService, complaint: dict, type_: str
) -> dict:
    """One delivered push against the contract: VAPID, headers, payload shape."""
    assert msg.vapid_claims["aud"] == push.origin, msg.vapid_claims
    assert msg.vapid_claims["exp"] <= time.time() + 24 * 3600, msg.vapid_claims
    assert msg.vapid_claims["sub"].startswith(("mailto:", "https:")), msg.vapid_claims
    assert msg.ttl > 0
    assert msg.topic == f"complaint-{complaint['id']}"
    if type_ in ACT_ON:
        assert msg.urgency == "high", (type_, msg.urgency)
    data = msg.json
    assert isinstance(data, dict), msg.payload
    assert set(data) >= PAYLOAD_KEYS, data
    assert data["type"] == type_
    assert data["complaint_id"] == complaint["id"]
    assert data["tracking_no"] == complaint["tracking_no"]
    assert isinstance(data["notification_id"], int) and data["notification_id"] > 0
    assert isinstance(data["title"], str) and data["title"].strip()
    assert isinstance(data["body"], str) and data["body"].strip()
    assert data["url"] == f"/app/complaints/{complaint['id']}"
    return data
