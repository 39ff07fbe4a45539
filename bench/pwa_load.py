"""How heavy the PWA shell is and how fast it becomes usable on a cheap phone.

Prints the gzipped weight of the app shell (HTML + CSS + JS; icons and the
string table listed apart), then first-contentful-paint and time-to-interactive
under CDP throttling — CPU x4 and "slow 4G" (150 ms RTT, 1.6 Mbit/s down,
750 kbit/s up) — for a first visit (empty cache) and a second visit (service
worker and its cache in place), logged out (login screen) and as a citizen
(their complaint list, with its data).

Interactive = `window.__upikReady`: the first screen is drawn, with its data,
and its handlers are attached (set by pwa/js/router.js).

    .venv/bin/python bench/pwa_load.py [--runs 5] [--base-url URL]

Without --base-url it starts `upik serve` on a temporary SQLite database.
Targets: interactive <= 2000 ms first visit, <= 500 ms cached; shell <= 100 KB.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PWA = ROOT / "pwa"
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}
CPU_SLOWDOWN = 4
TARGET_FIRST_MS, TARGET_CACHED_MS, SHELL_BUDGET = 2000, 500, 100 * 1024


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def weights() -> None:
    shell = [
        PWA / "index.html",
        *sorted((PWA / "css").glob("*.css")),
        *sorted((PWA / "js").glob("*.js")),
    ]
    print("App shell, gzipped (level 9, per file as served):")
    total = 0
    for f in shell:
        size = gz(f)
        total += size
        print(f"  {size:7,d} B  {f.relative_to(PWA)}")
    print(
        f"  {total:7,d} B  TOTAL shell (HTML+CSS+JS)  = {total / 1024:.1f} KB, "
        f"{total / SHELL_BUDGET:.0%} of the 100 KB budget"
    )
    sw = gz(PWA / "sw.js")
    lang = gz(PWA / "i18n" / "id.json")
    icons = sum(f.stat().st_size for f in (PWA / "icons").glob("*.png"))
    print(
        f"  also: sw.js {sw:,d} B, i18n/id.json {lang:,d} B (loaded at start), "
        f"icons {icons:,d} B (not gzipped, not counted)"
    )
    # The modules index.html preloads are the ones the first screen downloads.
    preloaded = re.findall(r'rel="modulepreload" href="/([^"]+)"', (PWA / "index.html").read_text())
    boot = [PWA / "index.html", PWA / "css" / "app.css"] + [PWA / p for p in preloaded]
    print(
        f"  first screen downloads {sum(gz(f) for f in boot) + lang:,d} B gzipped "
        "(index, css, preloaded modules, strings); staff/admin modules load only for staff"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    upik = Path(sys.executable).with_name("upik")
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "UPIK_DATA_DIR": data,
            "UPIK_LOGIN_RATE_PER_MINUTE": "10000",
            "UPIK_REGISTER_RATE_PER_HOUR": "10000",
        }
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        for args in (["migrate"], ["seed"]):
            subprocess.run([str(upik), *args], env=env, cwd=ROOT, check=True, capture_output=True)
        cmd, kind = (
            [str(upik), "serve", "--host", "127.0.0.1", "--port", str(port)],
            "upik serve",
        )
        proc = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            for _ in range(150):
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.2)
            else:
                raise SystemExit(f"{kind} did not start")
            yield base, kind
        finally:
            proc.terminate()
            proc.wait(10)


def citizen(base: str) -> tuple[str, str]:
    creds = (f"bench{uuid.uuid4().hex[:8]}", "sandi-rahasia-1")
    httpx.post(
        f"{base}/api/v1/auth/register",
        json={"username": creds[0], "password": creds[1], "name": "Warga Bench"},
    ).raise_for_status()
    token = httpx.post(
        f"{base}/api/v1/auth/login", json={"username": creds[0], "password": creds[1]}
    ).json()["token"]
    for i in range(8):  # a realistic list: a few complaints of their own
        httpx.post(
            f"{base}/api/v1/complaints",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "title": f"Jalan rusak nomor {i}",
                "body": "Jalan berlubang di depan pasar, mohon diperbaiki.",
            },
        ).raise_for_status()
    return creds


METRICS_JS = """() => ({
  fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
  ready: window.__upikReady ?? null,
  controlled: !!navigator.serviceWorker.controller,
  api: performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/v1/'))
    .map((r) => [new URL(r.name).pathname, Math.round(r.duration)]),
})"""


def visit(page, cdp, path: str) -> dict:
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(path, wait_until="commit")
    page.wait_for_function("window.__upikReady", timeout=30000)
    page.wait_for_timeout(100)  # let the paint timing entry land
    m = page.evaluate(METRICS_JS)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    return m


def throttle_worker(browser, base: str):
    """Page-level CDP throttling does not reach the service worker, whose own
    fetches (API calls it passes through) would then look free. Apply the same
    network conditions to the worker target itself."""
    bs = browser.new_browser_cdp_session()
    n = 0
    for t in bs.send("Target.getTargets")["targetInfos"]:
        if t["type"] == "service_worker" and t["url"].startswith(base):
            sid = bs.send("Target.attachToTarget", {"targetId": t["targetId"], "flatten": False})[
                "sessionId"
            ]
            for i, (method, params) in enumerate(
                (("Network.enable", {}), ("Network.emulateNetworkConditions", SLOW_4G))
            ):
                bs.send(
                    "Target.sendMessageToTarget",
                    {
                        "sessionId": sid,
                        "message": json.dumps({"id": i + 1, "method": method, "params": params}),
                    },
                )
            n += 1
    assert n, "no service worker target to throttle"
    return bs


def measure(browser, base: str, who: str, creds, runs: int) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"first": [], "cached": []}
    for _ in range(runs):
        ctx = browser.new_context(
            viewport={"width": 360, "height": 800},
            locale="id-ID",
            base_url=base,
            bypass_csp=True,  # wait_for_function polls with eval(), which the CSP forbids
        )
        if creds:
            # Logged in through the API (cookie + the app's remembered user), so the
            # first visit is a first page load with an empty HTTP and worker cache.
            r = ctx.request.post(
                "/api/v1/auth/login", data={"username": creds[0], "password": creds[1]}
            )
            assert r.ok, r.text()
            ctx.add_init_script(
                f"localStorage.setItem('upik.me', {json.dumps(json.dumps(r.json()['user']))})"
            )
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        out["first"].append(visit(page, cdp, "/app/"))
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30000)
        if creds:
            # Once in control, the app refetches the screen through the worker (so it is
            # kept for next time); a person looking at the list gives it that moment.
            for _ in range(100):  # evaluate() awaits the promise; wait_for_function would not
                if page.evaluate(
                    "caches.open('upik-api').then((c) => c.keys()).then((k) => k.some((r) => "
                    "r.url.includes('/api/v1/complaints?')))"
                ):
                    break
                page.wait_for_timeout(100)
            else:
                raise SystemExit("the worker never cached the complaint list")
        page.wait_for_timeout(300)
        # The worker has precached the shell by now; this is the phone opening the app again.
        worker_cdp = throttle_worker(browser, base)
        out["cached"].append(visit(page, cdp, "/app/"))
        worker_cdp.detach()
        assert out["cached"][-1]["controlled"], "second visit not served by the service worker"
        ctx.close()
    return out


def summary(label: str, rows: list[dict], target: int) -> str:
    fcp = statistics.median(r["fcp"] for r in rows if r["fcp"] is not None)
    tti = statistics.median(r["ready"] for r in rows)
    worst = max(r["ready"] for r in rows)
    verdict = "OK" if tti <= target else "OVER"
    return (
        f"  {label:<34} FCP {fcp:6.0f} ms   interactive {tti:6.0f} ms (worst {worst:.0f})"
        f"   target {target} ms: {verdict} ({tti / target:.2f}x)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--base-url")
    ap.add_argument("--json", action="store_true", help="also print the raw measurements")
    a = ap.parse_args()

    weights()
    from playwright.sync_api import sync_playwright

    ctxmgr = contextlib.nullcontext((a.base_url, "given")) if a.base_url else server()
    with ctxmgr as (base, kind), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(
            f"\nLoad on {kind} at {base}; CPU x{CPU_SLOWDOWN}, slow 4G "
            f"({SLOW_4G['latency']} ms RTT, 1.6 Mbit/s down, 750 kbit/s up); "
            f"median of {a.runs} runs"
        )
        results = {
            "logged out (login screen)": measure(browser, base, "anon", None, a.runs),
            "citizen (complaint list + data)": measure(
                browser, base, "citizen", citizen(base), a.runs
            ),
        }
        browser.close()
    for who, res in results.items():
        print(summary(f"{who}, first visit", res["first"], TARGET_FIRST_MS))
        print(summary(f"{who}, cached visit", res["cached"], TARGET_CACHED_MS))
    if a.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
