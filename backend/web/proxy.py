"""Behind the reverse proxy: who the client really is, and over what scheme.

Forwarded headers are believed only from peers in UPIK_TRUSTED_PROXIES
(uvicorn's ProxyHeadersMiddleware does the parsing, CIDRs included); from
anyone else they are ignored, so rotating X-Forwarded-For cannot dodge the
login rate limit, which counts `scope["client"]`. The same scope then tells
whether the citizen's connection was https: cookies get `Secure` and HSTS is
sent when it was, or when UPIK_PUBLIC_URL says it always is.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send
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


def _with_secure(cookie: bytes) -> bytes:
    attributes = {part.strip().lower() for part in cookie.split(b";")[1:]}
    return cookie if b"secure" in attributes else cookie + b"; Secure"


class HttpsCookiesMiddleware:
    """Marks every cookie `Secure` and adds HSTS on https requests; must run
    inside the proxy middleware so the scheme is already the client's."""

    def __init__(self, app: ASGIApp, always_https: bool) -> None:
        self.app = app
        self.always_https = always_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = self.always_https or scope.get("scheme") in ("https", "wss")
        if scope["type"] != "http" or not https:
            await self.app(scope, receive, send)
            return

        async def secure_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, _with_secure(value) if name.lower() == b"set-cookie" else value)
                    for name, value in message.get("headers", [])
                ]
                if self.always_https:
                    headers.append(HSTS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, secure_send)
