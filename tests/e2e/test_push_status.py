"""Issue 13 item 5: the account page says "Notifikasi aktif di perangkat ini"
only when the server holds this device's subscription, the app re-posts a
subscription the server lacks on every start, and "Kirim notifikasi uji" sends
a real push through the outbox and tells when it arrived, or why not.

Chromium here cannot subscribe at a real push service (that needs FCM). So in
the first test the browser's own subscribe fails, which is exactly the case the
old page got wrong (permission granted, nothing stored). In the others the
browser's PushManager is stood in for by a device of the loopback push service
(tests/support): the server really stores it, encrypts and sends to it, and the
payload is handed to the service worker over CDP, as test_push.py does."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.e2e.test_push import Worker, wait_until
from tests.support.pwa_pages import check_screen, login, open_app, wait_for_worker
from tests.support.services import need

ACTIVE = "Notifikasi aktif di perangkat ini."
NOT_STORED = "Notifikasi belum aktif: server belum mencatat perangkat ini."

# The page's PushManager, answering with the loopback device's subscription.
STAND_IN = """(sub) => {
  let have = true;
  const make = (key) => ({
    endpoint: sub.endpoint,
    options: { applicationServerKey: key || null },
    toJSON: () => sub,
    unsubscribe: async () => { have = false; return true; },
  });
  PushManager.prototype.getSubscription = async function () { return have ? make() : null; };
  PushManager.prototype.subscribe = async function (o) {
    have = true;
    return make(o.applicationServerKey);
  };
}"""


def stored_endpoints(server, username: str) -> list[str]:
    with server.db() as db:
        return [
            r[0]
            for r in db.execute(
                "SELECT s.endpoint FROM push_subscription s JOIN upik_user u ON u.id = s.user"
                " WHERE u.username = ?",
                (username.lower(),),
            )
        ]


def test_permission_alone_is_not_active(new_page, server):
    creds = server.citizen("Tanpa Langganan")
    page = new_page(permissions=["notifications"])
    login(page, creds)
    wait_for_worker(page)
    open_app(page, "/app/account")
    # Chromium's own subscribe fails here (no push service): the server holds nothing.
    expect(page.get_by_text(NOT_STORED)).to_be_visible(timeout=20000)
    expect(page.get_by_text(ACTIVE)).to_have_count(0)
    expect(page.get_by_role("button", name="Kirim notifikasi uji")).to_have_count(0)
    assert stored_endpoints(server, creds[0]) == []
    check_screen(page)
    assert page.errors == []


def device_page(new_page, server, creds):
    if server.push is None or server.data_dir is None:
        need(False, "needs the suite's own server wired to the loopback push service")
    with server.client() as anon:
        key = anon.get("/push/key").json()["public_key"]
    device = server.push.new_device(application_server_key=key)
    page = new_page(permissions=["notifications"])
    page.add_init_script(f"({STAND_IN})({json.dumps(device.subscription)})")
    return page, device


def test_start_reposts_a_lost_subscription_and_the_test_push_arrives(new_page, server):
    creds = server.citizen("Dengan Langganan")
    page, device = device_page(new_page, server, creds)
    # The browser holds a subscription the server does not (as after a server
    # restore, or a `pushsubscriptionchange` Chrome never fired): the start re-posts it.
    login(page, creds)
    wait_until(
        page,
        lambda: stored_endpoints(server, creds[0]) == [device.subscription["endpoint"]],
        what="the subscription re-posted at start",
    )
    wait_for_worker(page)
    worker = Worker(page, server.base_url)

    open_app(page, "/app/account")
    expect(page.get_by_text(ACTIVE)).to_be_visible()
    page.get_by_role("button", name="Kirim notifikasi uji").click()
    [msg] = device.wait_for(1, timeout=15)
    assert msg.json["type"] == "push.test"
    expect(page.get_by_text("menunggu tanda diterima")).to_be_visible()
    # The push service delivers it into the worker, whose receipt reaches the server.
    worker.push(msg.text)
    expect(page.get_by_text("Notifikasi uji diterima perangkat ini pada")).to_be_visible(
        timeout=15000
    )
    check_screen(page)
    assert page.errors == []


def test_a_device_the_push_service_forgot_is_said_so(new_page, server):
    creds = server.citizen("Perangkat Hilang")
    page, device = device_page(new_page, server, creds)
    login(page, creds)
    open_app(page, "/app/account")
    expect(page.get_by_text(ACTIVE)).to_be_visible()
    device.gone()  # the push service now answers 410 Gone
    page.get_by_role("button", name="Kirim notifikasi uji").click()
    expect(
        page.get_by_text("Layanan notifikasi browser sudah melupakan perangkat ini.")
    ).to_be_visible(timeout=20000)
    # The server dropped the subscription on the 410: it no longer claims the device.
    assert stored_endpoints(server, creds[0]) == []
    assert page.errors == []
