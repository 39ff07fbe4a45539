"""Chromium's own verdict on installability, in a persistent profile like a phone's."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.pwa_pages import check_screen, wait_for_worker


def test_installable_and_offline_shell(tmp_path, server, playwright):
    ctx = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 800},
        locale="id-ID",
        bypass_csp=True,  # for wait_for_function's eval(); see tests/e2e/test_csp.py
        base_url=server.base_url,
    )
    try:
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.goto("/app/")
        page.wait_for_function("window.__upikReady")
        wait_for_worker(page)
        cdp = ctx.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [], manifest["errors"]
        assert manifest["url"].endswith("/manifest.webmanifest")
        # Chromium agrees it is installable, so it offers beforeinstallprompt: the button shows.
        expect(page.locator("#install")).to_have_text("Pasang")
        check_screen(page)  # the header still fits 360 px with the extra button

        # A deep link from a push, with no network at all: the cached shell answers.
        ctx.set_offline(True)
        page.goto("/app/complaints/42")
        page.wait_for_function("window.__upikReady")
        assert page.locator("header.bar").is_visible()
        # Outside the app, the offline page.
        page.goto("/healthz")
        assert page.get_by_role("heading", name="Tidak ada koneksi").is_visible()
    finally:
        ctx.close()
