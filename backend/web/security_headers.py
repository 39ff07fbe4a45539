"""Security headers on every response, the PWA shell and the API alike
(finding 5 of issue 9; HSTS is set where the public URL is known).

- Content-Security-Policy: scripts, styles, images, connections and workers
  only from this origin, no inline script at all, and no framing
  (clickjacking). The one inline <style> (offline.html must render with
  nothing else cached) is allowed by its hash, computed here from the file
  itself so an edit cannot silently break the page.
- X-Content-Type-Options: nosniff, so an upload is never run as a script.
- Referrer-Policy: same-origin, so a complaint's URL never leaves the site.
- Permissions-Policy: only camera (evidence photos) and geolocation (the
  complaint's location), and only for this origin.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from backend.web.routes import PWA_DIR

_INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def inline_style_hashes(pwa_dir: Path = PWA_DIR) -> list[str]:
    hashes = []
    for page in sorted(pwa_dir.glob("*.html")):
        for block in _INLINE_STYLE.findall(page.read_text(encoding="utf-8")):
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            hashes.append(f"'sha256-{digest}'")
    return hashes


def content_security_policy(pwa_dir: Path = PWA_DIR) -> str:
    styles = " ".join(["'self'", *inline_style_hashes(pwa_dir)])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            "img-src 'self' blob:",  # blob: previews of the photo being attached
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "geolocation=(self)",
        *(
            f"{feature}=()"
            for feature in (
                "microphone",
                "payment",
                "usb",
                "serial",
                "bluetooth",
                "hid",
                "midi",
                "display-capture",
                "accelerometer",
                "gyroscope",
                "magnetometer",
            )
        ),
    ]
)


def security_headers() -> dict[str, str]:
    """The headers every response carries, computed once at start-up
    (backend/web/edge.py adds them to each response)."""
    return {
        "Content-Security-Policy": content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP 2
    }
