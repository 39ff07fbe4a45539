"""Security headers (finding 5 of issue 9) on the PWA shell, its files, the
API and its errors; /schema loads nothing from a CDN; the PWA has nothing
inline that the policy would block."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

PWA = Path(__file__).resolve().parents[2] / "pwa"
PATHS = [
    "/",
    "/app/complaints/5",
    "/offline.html",
    "/sw.js",
    "/js/app.js",
    "/css/app.css",
    "/manifest.webmanifest",
    "/api/v1/categories",
    "/api/v1/me",  # a 401
    "/api/v1/nothing-here",  # a 404
    "/healthz",
    "/schema/openapi.json",
]


def _directives(csp: str) -> dict[str, list[str]]:
    return {parts[0]: parts[1:] for parts in (d.split() for d in csp.split(";") if d.strip())}


@pytest.mark.parametrize("path", PATHS)
async def test_every_response_carries_the_headers(anon, path):
    r = await anon.get(path)
    assert r.status_code < 500, r.text
    csp = _directives(r.headers["content-security-policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no CDN
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert not any("unsafe" in v or "*" in v or "http" in v for vs in csp.values() for v in vs)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    allowed = {
        part.split("=")[0].strip(): part.split("=")[1].strip()
        for part in r.headers["permissions-policy"].split(",")
    }
    assert allowed.pop("camera") == "(self)" and allowed.pop("geolocation") == "(self)"
    assert allowed and set(allowed.values()) == {"()"}


@pytest.mark.parametrize("path", PATHS)
async def test_every_response_names_its_request_id(anon, path):
    # Errors the router or the middleware send (404, 401) included.
    first, second = (await anon.get(path), await anon.get(path))
    ids = [r.headers["x-request-id"] for r in (first, second)]
    assert all(re.fullmatch(r"[0-9a-f]{16,64}", i) for i in ids), ids
    assert ids[0] != ids[1]


async def test_a_plain_request_id_from_the_proxy_is_kept_and_others_are_not(anon):
    r = await anon.get("/api/v1/categories", headers={"X-Request-ID": "caddy-1234.abc_X"})
    assert r.headers["x-request-id"] == "caddy-1234.abc_X"
    for unsafe in ("a b", "x" * 65, "<script>", ""):
        r = await anon.get("/api/v1/categories", headers={"X-Request-ID": unsafe})
        assert r.headers["x-request-id"] != unsafe
        assert re.fullmatch(r"[0-9a-f]{16,64}", r.headers["x-request-id"])


async def test_headers_on_a_preflight_and_a_post(anon):
    r = await anon.options("/api/v1/users")
    assert r.headers["x-content-type-options"] == "nosniff"
    r = await anon.post("/api/v1/auth/login", json={"username": "x", "password": "y"})
    assert r.status_code == 401
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


async def test_schema_loads_nothing_from_a_cdn(anon):
    r = await anon.get("/schema")
    assert "<script" not in r.text.lower()
    assert "cdn" not in r.text.lower()
    r = await anon.get("/schema/openapi.json")
    assert r.status_code == 200 and r.json()["openapi"].startswith("3.")


def test_every_inline_style_is_allowed_by_its_hash():
    from backend.web.security_headers import content_security_policy

    styles = _directives(content_security_policy())["style-src"]
    blocks = [
        block
        for page in PWA.glob("*.html")
        for block in re.findall(r"<style[^>]*>(.*?)</style>", page.read_text(), re.S)
    ]
    assert blocks, "offline.html keeps its inline style"
    for block in blocks:
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in styles


def test_the_pwa_has_no_inline_script_or_handler():
    """What the policy would block: inline <script>, on*= handlers, javascript:
    URLs and style attributes, in the HTML and in markup the JS builds."""
    for page in PWA.glob("*.html"):
        html = page.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html, re.I):
            assert "src=" in tag, (page.name, tag)
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html, re.I), page.name
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), page.name
        assert not re.search(r"\sstyle\s*=", html, re.I), page.name
        assert "javascript:" not in html.lower(), page.name
    for script in [*PWA.glob("js/*.js"), PWA / "sw.js"]:
        code = script.read_text()
        assert "eval(" not in code and "new Function" not in code, script.name
        assert not re.search(r"setAttribute\(\s*['\"](style|on[a-z]+)['\"]", code), script.name
        assert "javascript:" not in code, script.name
