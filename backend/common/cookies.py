"""One reading of the request's cookies for every check that needs them.

A request may carry several `Cookie` headers (HTTP/2 splits them; an attacker
can add one). The CSRF check once read the last header while authentication
read the first, so a session cookie in one and nothing in the other slipped a
cookie-authenticated POST past CSRF. Here the headers are joined into one, as
RFC 9113 §8.2.3 says a server must, before any middleware looks at them
(Litestar caches the first parse in the connection state; the app's first
middleware, backend/web/edge.py, calls `join_cookie_headers`), and then
parsed once by Litestar's own parser for both checks."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.types import Scope


def join_cookie_headers(scope: Scope) -> None:
    headers = scope["headers"]
    crumbs = [value for name, value in headers if name.lower() == b"cookie"]
    if len(crumbs) < 2:
        return
    others = [(name, value) for name, value in headers if name.lower() != b"cookie"]
    scope["headers"] = [*others, (b"cookie", b"; ".join(crumbs))]


def request_cookies(scope: Scope) -> dict[str, str]:
    return ASGIConnection(scope).cookies
