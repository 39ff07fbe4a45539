"""A complaint written without signal waits on the phone and arrives exactly once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.pwa_pages import login, wait_for_worker


def my_complaints(server, creds) -> list[dict]:
    with server.client(creds) as api:
        r = api.get("/complaints")
        assert r.status_code == 200, r.text
        return r.json()["items"]


def write(page, title: str) -> None:
    page.get_by_label("Judul singkat").fill(title)
    page.get_by_label("Ceritakan masalahnya").fill(
        f"{title}. Sudah tiga hari, mohon ditindaklanjuti."
    )
    page.get_by_role("button", name="Kirim pengaduan").click()


def test_offline_submission_is_queued_then_sent_once(new_page, server):
    creds = server.citizen("Warga Desa")
    page = new_page()
    login(page, creds)
    wait_for_worker(page)
    page.get_by_role("link", name="Buat", exact=True).click()

    page.context.set_offline(True)
    expect(page.locator("#offline")).to_be_visible()
    write(page, "Sampah menumpuk di Pasar Weru")
    expect(page).to_have_url(re.compile(r"/app/complaints$"))
    queued = page.locator(".card.queued", has_text="Sampah menumpuk di Pasar Weru")
    expect(queued).to_contain_text("Menunggu koneksi")
    # Still offline: a navigation is served by the worker from its cache.
    page.reload()
    page.wait_for_function("window.__upikReady")
    expect(queued).to_contain_text("Menunggu koneksi")
    assert my_complaints(server, creds) == []

    # Back online: the page's `online` handler and the worker (Background Sync,
    # and an explicit nudge here) race to send; the lock and the
    # Idempotency-Key must leave exactly one complaint.
    page.context.set_offline(False)
    page.evaluate("navigator.serviceWorker.controller.postMessage({type: 'flush'})")
    expect(page.locator(".card.queued")).to_have_count(0, timeout=15000)
    expect(page.locator("a.card", has_text="Sampah menumpuk di Pasar Weru")).to_be_visible()
    page.wait_for_timeout(1500)  # let any straggling duplicate send land before counting
    items = my_complaints(server, creds)
    assert [c["title"] for c in items] == ["Sampah menumpuk di Pasar Weru"]
    assert page.evaluate("UpikStore.idb.all('outbox').then((a) => a.length)") == 0
    assert page.errors == []


def test_failed_post_is_queued_and_retried(new_page, server):
    """Online, but the POST dies on the way (weak signal): same queue, same single complaint."""
    creds = server.citizen("Warga Pantura")
    page = new_page()
    login(page, creds)
    page.get_by_role("link", name="Buat", exact=True).click()

    drops = []

    def drop(route):
        drops.append(route.request.headers.get("idempotency-key"))
        route.abort("connectionreset")

    # Context-wide, so the worker's Background Sync attempt is dropped as well.
    ctx = page.context
    ctx.route("**/api/v1/complaints", drop)
    write(page, "Jembatan retak di Gegesik")
    expect(page.locator(".card.queued", has_text="Jembatan retak di Gegesik")).to_contain_text(
        "Menunggu koneksi"
    )
    assert drops and drops[0] and set(drops) == {drops[0]}
    ctx.unroute("**/api/v1/complaints")

    # The same key is replayed: had a dropped POST reached the server, it would still not double.
    with ctx.expect_event(
        "request", lambda r: r.url.endswith("/api/v1/complaints") and r.method == "POST"
    ) as sent:
        page.evaluate("window.dispatchEvent(new Event('online'))")
    assert sent.value.headers["idempotency-key"] == drops[0]
    expect(page.locator("a.card", has_text="Jembatan retak di Gegesik")).to_be_visible()
    assert [c["title"] for c in my_complaints(server, creds)] == ["Jembatan retak di Gegesik"]
    assert page.errors == []
