"""Writes the PWA icons as PNG with only the standard library (no Pillow here).

Run: python pwa/icons/make_icons.py  — the output is committed; this is kept so
the emblem can be changed without an image editor.
"""

import math
import struct
import zlib
from pathlib import Path

GREEN = (11, 110, 79)
WHITE = (255, 255, 255)
GOLD = (242, 183, 5)


def _rounded_rect(x, y, cx, cy, hw, hh, r):
    # Signed distance to a rounded rectangle; negative inside.
    dx = abs(x - cx) - (hw - r)
    dy = abs(y - cy) - (hh - r)
    outside = math.hypot(max(dx, 0.0), max(dy, 0.0))
    return outside + min(max(dx, dy), 0.0) - r


def _triangle(x, y, a, b, c):
    def side(p, q):
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])

    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    neg = d1 < 0 or d2 < 0 or d3 < 0
    pos = d1 > 0 or d2 > 0 or d3 > 0
    return not (neg and pos)


def _u_letter(x, y):
    # A "U" centred in the bubble: two stems and a half ring, all in unit space.
    stroke = 0.085
    left, right, top, bottom = 0.37, 0.63, 0.30, 0.45
    if top <= y <= bottom and (abs(x - left) <= stroke / 2 or abs(x - right) <= stroke / 2):
        return True
    cx, cy, rad = 0.5, bottom, (right - left) / 2
    if y >= bottom:
        d = math.hypot(x - cx, y - cy)
        return abs(d - rad) <= stroke / 2
    return False


def emblem(u, v, *, full_bleed, scale):
    """Colour at unit coordinates (u, v), or None for transparent."""
    if not full_bleed and _rounded_rect(u, v, 0.5, 0.5, 0.5, 0.5, 0.2) > 0:
        return None
    # Shrink the foreground about the centre so a maskable icon keeps it in the safe zone.
    x = 0.5 + (u - 0.5) / scale
    y = 0.5 + (v - 0.5) / scale
    in_bubble = _rounded_rect(x, y, 0.5, 0.44, 0.32, 0.25, 0.08) <= 0 or _triangle(
        x, y, (0.34, 0.66), (0.48, 0.66), (0.30, 0.82)
    )
    if in_bubble:
        return GREEN if _u_letter(x, y) else WHITE
    if 0.24 <= x <= 0.76 and 0.86 <= y <= 0.90:
        return GOLD
    return GREEN


def badge(u, v):
    # Monochrome silhouette for the Android status bar: only alpha matters.
    x, y = u, v
    in_bubble = _rounded_rect(x, y, 0.5, 0.44, 0.40, 0.30, 0.10) <= 0 or _triangle(
        x, y, (0.30, 0.70), (0.48, 0.70), (0.24, 0.90)
    )
    if in_bubble and not _u_letter(0.5 + (x - 0.5) / 1.25, 0.5 + (y - 0.47) / 1.25):
        return WHITE
    return None


def render(size, paint, samples=3):
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter type: none
        for px in range(size):
            r = g = b = a = 0
            for sy in range(samples):
                for sx in range(samples):
                    c = paint(
                        (px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size
                    )
                    if c is not None:
                        r += c[0]
                        g += c[1]
                        b += c[2]
                        a += 1
            n = samples * samples
            if a:
                row += bytes((r // a, g // a, b // a, 255 * a // n))
            else:
                row += b"\0\0\0\0"
        rows.append(bytes(row))
    return png(size, size, b"".join(rows))


def png(w, h, raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    out = Path(__file__).resolve().parents[2] / "pwa" / "icons"
    for size in (192, 512):
        (out / f"icon-{size}.png").write_bytes(
            render(size, lambda u, v: emblem(u, v, full_bleed=False, scale=1.0))
        )
    (out / "maskable-512.png").write_bytes(
        render(512, lambda u, v: emblem(u, v, full_bleed=True, scale=0.72))
    )
    (out / "badge-96.png").write_bytes(render(96, badge))
    (out / "apple-touch-180.png").write_bytes(
        render(180, lambda u, v: emblem(u, v, full_bleed=True, scale=0.85))
    )


if __name__ == "__main__":
    main()
