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

import base64
import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
REQUIRE = os.environ.get("UPIK_REQUIRE_SERVICES") == "1"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PIC_UNIT = "DPUTR"


def need(ok: bool, reason: str) -> None:
    if not ok:
        if REQUIRE:
            pytest.fail(f"{reason} (UPIK_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base_url: str
    admin: tuple[str, str]
    pic: tuple[str, str]
    data_dir: Path | None = None
    push: object | None = None  # tests.support.push_service.LoopbackPushService
    mail: object | None = None  # tests.support.smtp_server.SmtpServer
    log: Path | None = None
    _tokens: dict = field(default_factory=dict)

    def client(self, creds: tuple[str, str] | None = None) -> httpx.Client:
        """An API client with a bearer token (no cookies, so no CSRF)."""
        headers = {}
        if creds:
            if creds not in self._tokens:
                r = httpx.post(
                    self.base_url + "/api/v1/auth/login",
                    json={"username": creds[0], "password": creds[1]},
                    timeout=15,
                )
                r.raise_for_status()
                self._tokens[creds] = r.json()["token"]
            headers["Authorization"] = f"Bearer {self._tokens[creds]}"
        return httpx.Client(base_url=self.base_url + "/api/v1", timeout=15, headers=headers)

    def citizen(self, name: str = "Warga Uji") -> tuple[str, str]:
        creds = (f"warga{uuid.uuid4().hex[:8]}", "sandi-rahasia-1")
        with self.client() as c:
            r = c.post(
                "/auth/register", json={"username": creds[0], "password": creds[1], "name": name}
            )
            assert r.status_code == 201, r.text
        return creds

    def db(self) -> sqlite3.Connection:
        """Read-only look at what the server recorded, for facts no route exposes."""
        assert self.data_dir, "only with a server started by the suite"
        return sqlite3.connect(f"file:{self.data_dir / 'upik.sqlite3'}?mode=ro", uri=True)


def _log_tail(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-4000:]
    return ""


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
                pytest.fail(f"upik serve exited with {proc.returncode}:\n{_log_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"upik serve did not answer /healthz in 30 s:\n{_log_tail(log)}")
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


def open_app(page, path: str = "/app/") -> None:
    page.goto(path)
    page.wait_for_function("window.__upikReady")


def login(page, creds: tuple[str, str]) -> None:
    open_app(page, "/app/login")
    page.get_by_label("Nama pengguna").fill(creds[0])
    page.get_by_label("Kata sandi").fill(creds[1])
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda u: "/app/login" not in u)


def wait_js(page, expression: str, timeout: float = 10.0):
    """Polls an expression that may return a Promise until it is truthy.
    (page.wait_for_function does not await promises: a pending one counts as truthy.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for: {expression}"
        page.wait_for_timeout(100)


def wait_for_worker(page) -> None:
    """Until the service worker controls the page (first visit: after clients.claim())."""
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20000
    )


def shoot(page, name: str) -> None:
    """check_screen(), then docs/screenshots/<name>.png when UPIK_SCREENSHOTS=1."""
    page.evaluate("document.querySelectorAll('.toast').forEach((t) => t.remove())")
    check_screen(page)
    if os.environ.get("UPIK_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    else:
        page.screenshot()


def camera_jpeg(page, width: int = 2400, height: int = 1800) -> dict:
    """A phone-sized JPEG drawn by the browser itself (no Pillow here), for set_input_files."""
    data_url = page.evaluate(
        """([w, h]) => {
          const c = document.createElement('canvas');
          c.width = w; c.height = h;
          const g = c.getContext('2d');
          g.fillStyle = '#6b705c'; g.fillRect(0, 0, w, h);
          g.fillStyle = '#222';
          g.beginPath(); g.ellipse(w / 2, h / 2, w / 5, h / 8, 0, 0, 7); g.fill();
          for (let i = 0; i < 4000; i++) {  // texture, so the JPEG is photo-sized
            g.fillStyle = `hsl(${i % 360},30%,${30 + (i % 40)}%)`;
            g.fillRect((i * 7919) % w, (i * 104729) % h, 9, 9);
          }
          return c.toDataURL('image/jpeg', 0.95);
        }""",
        [width, height],
    )
    return {
        "name": "IMG_20260101_0900.jpg",
        "mimeType": "image/jpeg",
        "buffer": base64.b64decode(data_url.split(",", 1)[1]),
    }


SCREEN_CHECK_JS = (Path(__file__).with_name("screen_check.js")).read_text()


def check_screen(page) -> None:
    """Labels, 44 px targets, no sideways scroll at 360 px, AA contrast, on screen now."""
    problems = page.evaluate(SCREEN_CHECK_JS)
    assert problems == [], f"{page.url}: {problems}"
