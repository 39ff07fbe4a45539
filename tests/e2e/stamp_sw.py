"""Writes the shell hash into pwa/sw.js's VERSION.

Browsers only install a new service worker when sw.js itself changes, so the
precache version is derived from the shell's bytes: run this after changing
anything under pwa/ (test_static.py fails while it is stale).

    python tests/e2e/stamp_sw.py
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

PWA = Path(__file__).resolve().parents[2] / "pwa"
SW = PWA / "sw.js"
VERSION_RE = re.compile(r"^const VERSION = '([^']*)';$", re.M)


def precached(sw_text: str) -> list[str]:
    block = sw_text.split("const FILES = [", 1)[1].split("];", 1)[0]
    return re.findall(r"'([^']+)'", block)


def shell_hash() -> str:
    """Hash of every file under pwa/ except sw.js (whose VERSION line it feeds)."""
    h = hashlib.sha256()
    for f in sorted(
        p for p in PWA.rglob("*") if p.is_file() and p != SW and "__pycache__" not in p.parts
    ):
        h.update(str(f.relative_to(PWA)).encode() + b"\0" + f.read_bytes() + b"\0")
    # The rest of sw.js counts too (its code, its file list), minus the VERSION line.
    h.update(VERSION_RE.sub("", SW.read_text()).encode())
    return h.hexdigest()[:12]


def current() -> str:
    m = VERSION_RE.search(SW.read_text())
    return m.group(1) if m else ""


def main() -> None:
    text = SW.read_text()
    new = VERSION_RE.sub(f"const VERSION = '{shell_hash()}';", text, count=1)
    SW.write_text(new)
    print(current())


if __name__ == "__main__":
    main()
