"""A dispatch wakes the unit's PIC phones through a real push service."""

from tests.support.network import free_port

PUSH_PORT = free_port()
EXTRA_ENV = {"UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}"}


async def test_dispatch_reaches_pic_phone(api, client, push, key):
    _, admin_h = await api.staff("admin")
    _, pic_h = await api.staff("pic", "DPUTR")
    _, citizen_h = await api.citizen()
    phone = push.new_device(application_server_key=key)
    r = await client.post("/api/v1/push/subscriptions", json=phone.subscription, headers=pic_h)
    assert r.status_code == 201, r.text
    c = await api.submit(citizen_h, is_anonymous=True)
    await api.post(
        f"/api/v1/complaints/{c['id']}/dispatch",
        admin_h,
        {"unit_id": await api.unit_id("DPUTR")},
    )
    [msg] = await push.wait_for_async(1, timeout=10)
    assert msg.json["type"] == "complaint.routed"
    assert msg.json["complaint_id"] == c["id"]
    assert msg.urgency == "high" and msg.topic == f"complaint-{c['id']}"
    assert push.rejections == []
