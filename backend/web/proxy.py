"""Behind the reverse proxy: who the client really is, and over what scheme.

Forwarded headers are believed only from peers in UPIK_TRUSTED_PROXIES
(uvicorn's ProxyHeadersMiddleware does the parsing, CIDRs included); from
anyone else they are ignored, so rotating X-Forwarded-For cannot dodge the
login rate limit, which counts `scope["client"]`. The same scope then tells
whether the citizen's connection was https: cookies get `Secure` when it
was, or when UPIK_PUBLIC_URL says it always is (then HSTS is sent too); the
response hook in backend/web/edge.py applies both.
"""

from __future__ import annotations

from litestar.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from backend.settings import Settings

HSTS = (b"strict-transport-security", b"max-age=31536000")


def trusted_proxy_middleware(settings: Settings):
    """A Litestar middleware factory, or None when no proxy is trusted."""
    if not settings.trusted_proxies:
        return None
    trusted = list(settings.trusted_proxies)

    def factory(app: ASGIApp) -> ASGIApp:
        return ProxyHeadersMiddleware(app, trusted_hosts=trusted)

    return factory


def with_secure(cookie: bytes) -> bytes:
    """A Set-Cookie value with the `Secure` attribute (backend/web/edge.py
    applies it to every cookie of an https request's response)."""
    attributes = {part.strip().lower() for part in cookie.split(b";")[1:]}
    return cookie if b"secure" in attributes else cookie + b"; Secure"
