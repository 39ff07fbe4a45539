"""Debian's Chromium, as the browser tests and bench/pwa_load.py launch it
through Playwright (which cannot download a browser here)."""

import os

CHROMIUM = os.environ.get("UPIK_CHROMIUM", "/usr/bin/chromium")
# Headless in a container: no sandbox, no GPU, and none of the background
# traffic (updates, sync, QUIC probes) that would blur load timings.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
