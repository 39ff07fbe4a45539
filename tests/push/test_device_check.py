""" "Kirim notifikasi uji" and the subscription status, over real HTTP to the
loopback push service: a test push goes through the outbox and the engine to
the one device named, and the status says whether the server holds it."""

from __future__ import annotations

import pytest

from tests.support.network import free_port
from tests.support.people import person, subscribe, unsubscribe
from tests.support.push_checks import pushes
from tests.support.records import notification
from tests.support.waiting import wait_until

PUSH_PORT = free_port()
EXTRA_ENV = {"UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}"}
TEST = "/api/v1/push/test"
STATUS = "/api/v1/push/subscriptions/status"


async def send_test(api, who, endpoint: str, expect: int = 202) -> dict:
    r = await api.client.post(TEST, json={"endpoint": endpoint}, headers=who.h)
    assert r.status_code == expect, r.text
    return r.json()


async def settled_row(notification_id: int) -> dict:
    row: dict = {}

    async def done() -> bool:
        nonlocal row
        row = await notification(notification_id)
        return row["status"] not in ("pending", "sending")

    await wait_until(done, what=f"notification {notification_id} settles")
    return row


@pytest.mark.parametrize("role", ["citizen", "pic"])
async def test_a_test_push_reaches_only_the_named_device(api, push, key, role):
    who = await person(
        api, push, key, role=role, unit="DPUTR" if role == "pic" else None, devices=2
    )
    here, other = who.devices
    sent = await send_test(api, who, here.endpoint)

    row = await settled_row(sent["notification_id"])
    assert (row["recipient"], row["type"], row["status"]) == (who.id, "push.test", "sent")
    assert row["complaint"] is None
    [msg] = pushes(here, type_="push.test")
    assert msg.json["notification_id"] == sent["notification_id"]
    assert msg.json["title"].strip() and msg.json["body"].strip()
    assert msg.urgency == "high"
    assert pushes(other) == []
    assert len(row["delivered_to"]) == 1

    # The other device can be tested on its own too.
    again = await send_test(api, who, other.endpoint)
    await settled_row(again["notification_id"])
    assert len(pushes(other, type_="push.test")) == 1
    assert len(pushes(here, type_="push.test")) == 1

    # The service worker's receipt marks when it arrived.
    r = await api.client.post(
        "/api/v1/push/receipts",
        json={
            "notification_id": sent["notification_id"],
            "event": "received",
            "receipt": msg.json["receipt"],
        },
    )
    assert r.status_code == 204, r.text
    r = await api.client.get(f"{TEST}/{sent['notification_id']}", headers=who.h)
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["status"] == "sent" and state["last_error"] is None
    assert state["sent_at"] is not None and state["received_at"] is not None
    assert state["shown_at"] is None


async def test_a_test_push_to_a_gone_device_says_so(api, push, key):
    who = await person(api, push, key)
    who.device.gone()  # the push service now answers 410
    sent = await send_test(api, who, who.device.endpoint)
    await settled_row(sent["notification_id"])
    r = await api.client.get(f"{TEST}/{sent['notification_id']}", headers=who.h)
    state = r.json()
    assert state["status"] == "failed" and state["sent_at"] is None, state
    assert state["last_http_status"] == 410, state
    # The gone subscription is pruned, and the status route now says so.
    r = await api.client.get(STATUS, params={"endpoint": who.device.endpoint}, headers=who.h)
    assert r.json() == {"stored": False}


async def test_only_the_callers_own_stored_device(api, push, key):
    owner = await person(api, push, key)
    stranger = await person(api, push, key)
    r = await api.client.post(TEST, json={"endpoint": owner.device.endpoint}, headers=stranger.h)
    assert r.status_code == 404, r.text
    assert "endpoint" in r.json()["detail"]
    unknown = f"http://127.0.0.1:{PUSH_PORT}/push/belum-ada"
    assert (
        await api.client.post(TEST, json={"endpoint": unknown}, headers=owner.h)
    ).status_code == 404
    r = await api.client.post(TEST, json={"endpoint": "x"}, headers=owner.h)
    assert r.status_code == 400
    assert (r.json()["extra"][0]["key"], r.json()["extra"][0]["rule"]) == ("endpoint", "min_length")
    # Nobody reads another person's test push either.
    mine = await send_test(api, owner, owner.device.endpoint)
    r = await api.client.get(f"{TEST}/{mine['notification_id']}", headers=stranger.h)
    assert r.status_code == 404, r.text
    api.client.cookies.clear()
    assert (
        await api.client.post(TEST, json={"endpoint": owner.device.endpoint})
    ).status_code == 401
    await settled_row(mine["notification_id"])
    assert len(pushes(owner.device)) == 1  # only its own test, none of the refused ones


async def test_status_says_whether_the_server_holds_this_device(api, push, key):
    owner = await person(api, push, key)
    stranger = await person(api, push, key)
    endpoint = owner.device.endpoint

    async def stored(who) -> bool:
        r = await api.client.get(STATUS, params={"endpoint": endpoint}, headers=who.h)
        assert r.status_code == 200, r.text
        return r.json()["stored"]

    assert await stored(owner) is True
    assert await stored(stranger) is False
    await unsubscribe(api.client, owner.h, endpoint)
    assert await stored(owner) is False
    # Subscribing again (as the PWA does on start when the status is false).
    await subscribe(api.client, owner.h, owner.device)
    assert await stored(owner) is True
    r = await api.client.get(STATUS, headers=owner.h)
    assert r.status_code == 400 and r.json()["extra"][0]["key"] == "endpoint"
