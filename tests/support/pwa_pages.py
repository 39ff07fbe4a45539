"""Driving the PWA in a Playwright page: open it, log in, wait for the service
worker or a JS condition, check the screen and take screenshots."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"


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
