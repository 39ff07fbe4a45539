"""The PWA works under its Content-Security-Policy (finding 5 of issue 9):
Chromium reports no violation on the shell, the login, a citizen's screens
(the photo preview is a blob: URL) and the offline page."""

from __future__ import annotations

from tests.support.pwa_pages import camera_jpeg, wait_js

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.lineNumber}`));
"""


def violations(page) -> list[str]:
    return page.evaluate("() => window.__csp || []")


def test_no_csp_violation_on_the_app(new_page, server):
    page = new_page(bypass_csp=False)
    page.add_init_script(WATCH)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security" in m.text else None)

    page.goto("/app/login")
    wait_js(page, "window.__upikReady")  # wait_for_function would eval()
    csp = page.evaluate(
        "() => fetch('/app/').then((r) => r.headers.get('content-security-policy'))"
    )
    assert "frame-ancestors 'none'" in csp
    assert violations(page) == []

    username, password = server.citizen("Warga CSP")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda u: "/app/login" not in u)
    wait_js(page, "navigator.serviceWorker.controller !== null", timeout=20)
    page.get_by_role("link", name="Buat", exact=True).click()
    photo = camera_jpeg(page, 800, 600)
    page.locator("#photo").set_input_files(photo)
    page.locator(".preview img").first.wait_for()
    assert violations(page) == []

    page.goto("/offline.html")
    page.get_by_text("Tidak ada koneksi").wait_for()
    # The inline style applied (allowed by its hash): the heading is UPIK green.
    color = page.evaluate("getComputedStyle(document.querySelector('h1')).color")
    assert color == "rgb(11, 110, 79)", color
    assert violations(page) == []
    assert console == [] and page.errors == []
