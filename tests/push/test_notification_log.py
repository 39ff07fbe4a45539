"""Admins can read the delivery state of a complaint's notifications."""

from tests.support.network import free_port
from tests.support.waiting import wait_until

PUSH_PORT = free_port()
EXTRA_ENV = {"UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}"}


async def test_admin_sees_delivery_and_receipts(api, client, push, key):
    # The loopback service outlives one engine's run of this module: forget the
    # other engine's pushes (signed with another data dir's key).
    push.reset()
    _, admin_h = await api.staff("admin")
    _, pic_h = await api.staff("pic", "DPUTR")
    _, citizen_h = await api.citizen()
    phone = push.new_device(application_server_key=key)
    await api.post("/api/v1/push/subscriptions", pic_h, phone.subscription, expect=201)
    c = await api.submit(citizen_h)
    await api.post(
        f"/api/v1/complaints/{c['id']}/dispatch",
        admin_h,
        {"unit_id": await api.unit_id("DPUTR")},
    )
    [msg] = await push.wait_for_async(1, timeout=10)
    nid = msg.json["notification_id"]
    await api.post(
        "/api/v1/push/receipts",
        {},
        {"notification_id": nid, "event": "shown", "receipt": msg.json["receipt"]},
        expect=204,
    )

    async def settled():
        # The push service accepts before the engine records the outcome.
        r = await client.get(f"/api/v1/push/notifications?complaint_id={c['id']}", headers=admin_h)
        assert r.status_code == 200, r.text
        rows = r.json()
        return rows if all(n["status"] not in ("pending", "sending") for n in rows) else None

    rows = {n["id"]: n for n in await wait_until(settled)}
    routed = rows[nid]
    assert routed["type"] == "complaint.routed"
    assert routed["status"] == "sent" and routed["last_http_status"] == 201
    assert routed["sent_at"] and routed["shown_at"] and routed["clicked_at"] is None
    # complaint.received went to the admin, who has no phone subscribed.
    assert any(
        n["type"] == "complaint.received" and n["status"] == "no_device" for n in rows.values()
    )

    r = await client.get("/api/v1/push/notifications", headers=pic_h)
    assert r.status_code == 403
