"""/metrics (contract v2, "Deployment") and the /healthz push detail, scraped
from the app with a real push delivery to the loopback push service."""

from __future__ import annotations

import httpx
import pytest

from tests.deploy.metrics_text import samples, value
from tests.support.network import free_port
from tests.support.push_service import LoopbackPushService

PUSH_PORT = free_port()
TOKEN = "rahasia-metrik-123"
EXTRA_ENV = {
    "UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}",
    "UPIK_METRICS_TOKEN": TOKEN,
}


@pytest.fixture(scope="module")
def push():
    with LoopbackPushService(port=PUSH_PORT) as service:
        yield service


def _from(app, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(host, 40000)),
        base_url="http://testserver.local",
    )


async def _scrape(client) -> dict:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


async def test_only_loopback_or_the_token_may_scrape(app, client):
    async with _from(app, "203.0.113.20") as outsider:
        assert (await outsider.get("/metrics")).status_code == 404
        wrong = await outsider.get("/metrics", headers={"Authorization": "Bearer salah"})
        assert wrong.status_code == 404
        r = await outsider.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200
        assert "upik_outbox_pending" in r.text
    # Loopback, but relayed by a proxy that is not trusted: not a local scraper.
    relayed = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.20"})
    assert relayed.status_code == 404
    assert (await client.get("/metrics")).status_code == 200


async def test_errors_sent_before_the_handler_are_counted_too(client):
    # A 404 from the router and a 401 from authentication never reach the
    # route's own middleware; the response hook counts them all the same.
    before = await _scrape(client)
    assert (await client.get("/api/v1/nothing-here")).status_code == 404
    assert (await client.get("/api/v1/me")).status_code == 401
    after = await _scrape(client)
    for status in ("404", "401"):
        key = {"method": "GET", "status": status}
        assert value(after, "upik_http_requests_total", **key) >= (
            value(before, "upik_http_requests_total", **key) + 1
        ), status


async def test_requests_pushes_backlog_and_overdue_are_exposed(api, client, push):
    from backend.complaints.tables import Complaint

    before = await _scrape(client)
    for _ in range(3):
        assert (await client.get("/api/v1/categories")).status_code == 200

    _, admin_h = await api.staff("admin")
    _, pic_h = await api.staff("pic", "DPUTR")
    _, citizen_h = await api.citizen()
    key = (await client.get("/api/v1/push/key")).json()["public_key"]
    phone = push.new_device(application_server_key=key)
    r = await client.post("/api/v1/push/subscriptions", json=phone.subscription, headers=pic_h)
    assert r.status_code == 201, r.text
    c = await api.submit(citizen_h, is_anonymous=True)
    await api.post(
        f"/api/v1/complaints/{c['id']}/dispatch", admin_h, {"unit_id": await api.unit_id("DPUTR")}
    )
    await push.wait_for_async(1, timeout=10)
    # Its answer deadline passes (moved in the table, not by sleeping).
    from datetime import timedelta

    from backend.common.clock import now

    await Complaint.update({Complaint.sla_due_at: now() - timedelta(hours=1)}).where(
        Complaint.id == c["id"]
    )

    from tests.support.waiting import wait_until

    async def pushed() -> dict | None:
        after = await _scrape(client)
        sent = value(after, "upik_push_sent_total", result="sent")
        return after if sent > value(before, "upik_push_sent_total", result="sent") else None

    after = await wait_until(pushed, timeout=10, what="push counted")
    get_200 = ("upik_http_requests_total", {"method": "GET", "status": "200"})
    assert value(after, get_200[0], **get_200[1]) >= value(before, get_200[0], **get_200[1]) + 3
    assert value(after, "upik_push_latency_seconds_count") >= value(
        before, "upik_push_latency_seconds_count"
    ) + 1
    assert value(after, "upik_complaints_overdue") >= 1


async def test_healthz_reports_the_push_backlog(api, client):
    from datetime import timedelta

    from backend.common.clock import now
    from backend.notifications.tables import Notification as N

    # A notification for a user with no phone, parked in the future: it waits.
    user, _ = await api.citizen()
    await N.insert(
        N(
            recipient=user["id"],
            type="complaint.answered",
            payload={},
            status="pending",
            next_attempt_at=now() + timedelta(hours=1),
            created_at=now() - timedelta(minutes=5),
        )
    )
    from tests.support.waiting import wait_until

    async def settled() -> bool:
        # Only our parked row may still wait, so the numbers hold still.
        due = await N.count().where(
            (N.status == "sending") | ((N.status == "pending") & (N.next_attempt_at <= now()))
        )
        return due == 0

    await wait_until(settled, timeout=10, what="engine idle")
    waiting = await N.count().where(N.status.is_in(["pending", "sending"]))
    body = (await client.get("/healthz")).json()
    assert body["status"] == "ok"
    assert body["push"]["outbox_pending"] == waiting >= 1
    assert body["push"]["oldest_pending_age_seconds"] >= 300
    scraped = await _scrape(client)
    assert value(scraped, "upik_outbox_pending") == body["push"]["outbox_pending"]
