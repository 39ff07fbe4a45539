"""Web Push into the service worker.

Chromium here cannot reach a real push service (pushManager.subscribe needs
FCM), so the test plays that part honestly: the subscription is a device of the
loopback push service in tests/support, the server really encrypts and sends
to it, and the decrypted payload is handed to the browser's service worker with
CDP ServiceWorker.deliverPushMessage, which is what a push service delivery
turns into inside Chromium.
"""

from __future__ import annotations

import json
import re
import time

from playwright.sync_api import expect

from tests.support.pwa_pages import login, wait_for_worker
from tests.support.services import need

NOTIFICATIONS_JS = """async () => {
  const reg = await navigator.serviceWorker.ready;
  return (await reg.getNotifications()).map((n) => ({
    title: n.title, body: n.body, tag: n.tag, data: n.data, actions: n.actions.map((a) => a.title),
  }));
}"""


class Worker:
    """The page's service worker registration, seen through CDP."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self.cdp = page.context.new_cdp_session(page)
        self.registrations: dict[str, dict] = {}
        self.cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda e: self.registrations.update(
                {r["registrationId"]: r for r in e["registrations"]}
            ),
        )
        self.cdp.send("ServiceWorker.enable")
        deadline = time.monotonic() + 10
        while not self.registration_id:
            assert time.monotonic() < deadline, "no service worker registration reported by CDP"
            page.wait_for_timeout(50)

    @property
    def registration_id(self) -> str | None:
        for r in self.registrations.values():
            if r["scopeURL"] == self.origin + "/" and not r.get("isDeleted"):
                return r["registrationId"]
        return None

    def push(self, payload: dict | str) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": self.origin, "registrationId": self.registration_id, "data": data},
        )

    def notifications(self, count: int = 1, timeout: float = 10) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.page.evaluate(NOTIFICATIONS_JS)
            if len(shown) >= count or time.monotonic() > deadline:
                return shown
            self.page.wait_for_timeout(100)


def receipts_seen(context) -> list[tuple[dict, int | None]]:
    """Receipt POSTs the worker makes, with the server's status, as Playwright sees them."""
    seen: list = []

    def on_finished(req):
        if req.url.endswith("/api/v1/push/receipts"):
            resp = req.response()
            seen.append((json.loads(req.post_data or "{}"), resp.status if resp else None))

    context.on("requestfinished", on_finished)
    return seen


def wait_until(page, check, timeout: float = 10, what: str = "condition"):
    """Polls `check`; waits with the page so Playwright keeps delivering its events meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        page.wait_for_timeout(100)


def test_routed_push_reaches_the_pic_and_round_trips(new_page, server):
    if server.push is None or server.data_dir is None:
        need(False, "needs the suite's own server wired to the loopback push service")
    page = new_page(permissions=["notifications"])
    receipts = receipts_seen(page.context)
    login(page, server.pic)
    wait_for_worker(page)
    worker = Worker(page, server.base_url)

    # The PIC's "phone": a subscription at the loopback push service, bound to the PIC.
    with server.client() as anon:
        key = anon.get("/push/key").json()["public_key"]
    device = server.push.new_device(application_server_key=key)
    with server.client(server.pic) as api:
        r = api.post("/push/subscriptions", json=device.subscription)
        assert r.status_code in (200, 201), r.text

    # A complaint routed to the PIC's unit makes the server push.
    citizen = server.citizen("Pelapor Push")
    with server.client(citizen) as api:
        c = api.post(
            "/complaints",
            json={
                "title": "Drainase tersumbat",
                "body": "Saluran air tersumbat di Jl. Dewi Sartika.",
            },
        ).json()
    with server.client(server.admin) as api:
        units = api.get("/units").json()
        dputr = next(
            u
            for u in (units["items"] if isinstance(units, dict) else units)
            if u["code"] == "DPUTR"
        )
        assert (
            api.post(f"/complaints/{c['id']}/dispatch", json={"unit_id": dputr["id"]}).status_code
            == 200
        )
    [msg] = device.wait_for(1, timeout=15)
    payload = msg.json
    assert payload["type"] == "complaint.routed"
    assert payload["complaint_id"] == c["id"]
    assert msg.urgency == "high"
    nid = payload["notification_id"]

    # Delivered into the browser, the worker shows it with the contract's tag and actions.
    worker.push(msg.text)
    [shown] = worker.notifications(1)
    assert shown["tag"] == f"complaint-{c['id']}"
    assert shown["title"] == payload["title"]
    assert shown["actions"] == ["Buka", "Jawab"]
    assert shown["data"]["url"] == payload["url"]

    # Receipts reach the server: it recorded them on the notification itself.
    def recorded():
        with server.db() as db:
            return db.execute(
                "SELECT received_at, shown_at, clicked_at FROM notification WHERE id = ?", (nid,)
            ).fetchone()

    wait_until(
        page,
        lambda: recorded() and recorded()[0] and recorded()[1],
        what="received/shown receipts in the database",
    )
    wait_until(page, lambda: len(receipts) >= 2, what="both receipt requests seen by the browser")
    assert sorted(r["event"] for r, _ in receipts) == ["received", "shown"]
    assert all(status == 204 for _, status in receipts), receipts

    # At-least-once delivery: the same push again is dropped by notification id.
    worker.push(msg.text)
    page.wait_for_timeout(800)
    assert len(receipts) == 2
    assert len(worker.notifications(1)) == 1

    # The click path ("Jawab"): CDP cannot click a notification, so the test calls
    # the worker's own click handler with the real notification object.
    [sw] = page.context.service_workers
    url = sw.evaluate("""async () => {
      const [n] = await self.registration.getNotifications();
      return self.upikNotificationClick(n, 'answer');
    }""")
    assert url == f"/app/complaints/{c['id']}#answer"
    expect(page).to_have_url(re.compile(rf"/app/complaints/{c['id']}#answer$"))
    expect(page.get_by_label("Jawaban untuk pelapor")).to_be_focused()
    wait_until(page, lambda: recorded()[2], what="clicked receipt in the database")
    assert page.errors == []


def test_reporter_notification_and_malformed_push(new_page, server):
    """Contract-shaped payload for a reporter; a push without JSON still shows something."""
    creds = server.citizen("Pelapor")
    page = new_page(permissions=["notifications"])
    login(page, creds)
    wait_for_worker(page)
    worker = Worker(page, server.base_url)
    worker.push(
        {
            "type": "complaint.released",
            "notification_id": 987654321,
            "receipt": "ZmFrZS1yZWNlaXB0",
            "complaint_id": 4242,
            "tracking_no": "UPIK-2026-004242",
            "title": "Jawaban terbit",
            "body": "UPIK-2026-004242 sudah dijawab.",
            "url": "/app/complaints/4242",
        }
    )
    [n] = worker.notifications(1)
    assert n["tag"] == "complaint-4242"
    assert n["actions"] == ["Lihat jawaban"]
    assert n["data"] == {
        "url": "/app/complaints/4242",
        "notification_id": 987654321,
        "receipt": "ZmFrZS1yZWNlaXB0",  # kept for the click's receipt
        "type": "complaint.released",
    }

    worker.push("not json")
    shown = worker.notifications(2)
    assert {x["tag"] for x in shown} == {"complaint-4242", "upik"}
    assert page.errors == []
