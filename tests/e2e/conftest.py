"""Browser tests of the PWA against a real `upik serve`.

One server per session (SQLite in a temp dir, seeded, one admin and one PIC of
DPUTR), one Chromium per session, a fresh browser context per person.

Skips when Chromium or the `upik` command is missing, unless
UPIK_REQUIRE_SERVICES=1, where a missing piece is a failure.

UPIK_E2E_BASE_URL=http://host:port points the suite at a server that is already
running instead (with UPIK_E2E_ADMIN / UPIK_E2E_PIC as "user:password"); tests
that need the loopback push service then skip.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.e2e_server import Server, log_tail
from tests.support.network import free_port
from tests.support.services import need

ROOT = Path(__file__).resolve().parents[2]
PIC_UNIT = "DPUTR"


@pytest.fixture(scope="package")
def push_service():
    sys.path.insert(0, str(ROOT))
    try:
        from tests.support.push_service import LoopbackPushService
    except ImportError as e:  # pragma: no cover - the support module ships with the repo
        need(False, f"tests/support/push_service.py unusable: {e}")
    with LoopbackPushService() as push:
        yield push


SMTP_USER, SMTP_PASSWORD = "upik@cirebonkab.go.id", "s3cret pass"


@pytest.fixture(scope="package")
def smtp():
    """A real SMTP server (aiosmtpd) the suite's `upik serve` sends reset e-mails to."""
    from tests.support.smtp_server import SmtpServer

    port = free_port()
    with SmtpServer(port, SMTP_USER, SMTP_PASSWORD) as mail:
        mail.port = port
        yield mail


@pytest.fixture(scope="package")
def server(tmp_path_factory, push_service, smtp):
    external = os.environ.get("UPIK_E2E_BASE_URL")
    if external:
        admin = tuple(os.environ.get("UPIK_E2E_ADMIN", "admin:admin12345").split(":", 1))
        pic = tuple(os.environ.get("UPIK_E2E_PIC", "pic:pic12345").split(":", 1))
        yield Server(external.rstrip("/"), admin, pic)
        return

    upik = Path(sys.executable).with_name("upik")
    need(
        upik.exists()
        and (ROOT / "backend" / "app.py").exists()
        and (ROOT / "backend" / "cli.py").exists(),
        "the backend (backend/app.py, backend/cli.py and the `upik` command) is not there yet",
    )
    data = tmp_path_factory.mktemp("upik-data")
    log = data / "server.log"
    env = {
        **os.environ,
        "UPIK_DATA_DIR": str(data),
        "UPIK_PUSH_ALLOWED_ORIGINS": push_service.origin,
        # Every test logs several people in; the login limit is not under test here.
        "UPIK_LOGIN_RATE_PER_MINUTE": "10000",
        "UPIK_REGISTER_RATE_PER_HOUR": "10000",
        "UPIK_SMTP_URL": "smtp://upik%40cirebonkab.go.id:s3cret%20pass@127.0.0.1:"
        + str(smtp.port),
        # The UI shows the answer clock counting down 3 h whatever the hour the
        # suite runs at; office hours are tested in tests/api/test_working_time_clock.py.
        "UPIK_OFFICE_HOURS": "always",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    admin = ("admin_egov", "admin-rahasia-1")
    pic = ("pic_putr", "pic-rahasia-1")

    def cli(*args: str) -> None:
        r = subprocess.run(
            [str(upik), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert r.returncode == 0, f"upik {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"

    cli("migrate")
    cli("seed")
    cli(
        "create-user",
        "--role",
        "admin",
        "--username",
        admin[0],
        "--password",
        admin[1],
        "--name",
        "Kasi E-Gov",
    )
    cli(
        "create-user",
        "--role",
        "pic",
        "--username",
        pic[0],
        "--password",
        pic[1],
        "--name",
        "Petugas PUTR",
        "--unit",
        PIC_UNIT,
    )

    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(upik), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"upik serve exited with {proc.returncode}:\n{log_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"upik serve did not answer /healthz in 30 s:\n{log_tail(log)}")
            time.sleep(0.2)
        yield Server(base, admin, pic, data_dir=data, push=push_service, log=log, mail=smtp)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# Package scope, not session: Playwright's sync API keeps an event loop running
# in this thread while it lives, and the async suites after tests/e2e need the
# thread's loop free.
@pytest.fixture(scope="package")
def playwright():
    need(Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def new_page(browser, server):
    """new_page(**context_options) -> a page of a fresh browser context at 360x800, Indonesian."""
    contexts = []

    def make(**opts):
        opts.setdefault("viewport", {"width": 360, "height": 800})
        opts.setdefault("locale", "id-ID")
        opts.setdefault("base_url", server.base_url)
        # Playwright's wait_for_function polls with eval(), which the app's CSP
        # forbids; tests/e2e/test_csp.py runs with the policy enforced.
        opts.setdefault("bypass_csp", True)
        ctx = browser.new_context(**opts)
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []
        # Uncaught errors in the app fail the test that caused them.
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
