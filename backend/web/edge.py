"""What every request and every response goes through, in two cheap steps
instead of a stack of middleware (each layer of which cost a coroutine, a
wrapped `send` and a copy of the response headers per request; intake fell
from 2.7x to 1.3x its baseline when there were five of them).

- `EdgeMiddleware`, first in the app's middleware list, on the way in: one
  `Cookie` header (backend/common/cookies.py), the request id (the proxy's
  `X-Request-ID` when it sent a plain one, else a new one) and the log context
  (backend/common/logs.py: request id, complaint id).
- `ResponseEdge`, a Litestar `before_send` hook, on the way out. Litestar runs
  it on every response start, including the errors its outermost exception
  handler sends (a 401 from authentication, a 404 from the router, which never
  pass back through user middleware): the security headers
  (backend/web/security_headers.py), `X-Request-ID`, `Secure` on every cookie
  and HSTS when the client's connection is https (backend/web/proxy.py), and
  the Prometheus request counter (backend/common/metrics.py).

The trusted-proxy rewrite of client and scheme (uvicorn's middleware, only
when UPIK_TRUSTED_PROXIES is set) stays a middleware of its own, right after
this one: the rate limiter and the https check read what it rewrote.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.common import logs
from backend.common.cookies import join_cookie_headers
from backend.common.metrics import HTTP_REQUESTS
from backend.web.proxy import HSTS, with_secure
from backend.web.security_headers import security_headers

# Where the request id waits in the scope for the response hook.
REQUEST_ID = "upik.request_id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class _RequestIds:
    """Unique without asking the OS for randomness per request: 64 random bits
    per process (drawn again in a forked child) and a counter."""

    def __init__(self) -> None:
        self._pid = -1
        self._prefix = ""
        self._count = itertools.count(1)

    def new(self) -> str:
        if self._pid != os.getpid():
            self._pid, self._prefix = os.getpid(), os.urandom(8).hex()
            self._count = itertools.count(1)
        return f"{self._prefix}{next(self._count):08x}"


request_ids = _RequestIds()


def request_id_of(scope: Scope) -> str:
    """The request's id: the one EdgeMiddleware chose, else (a response the
    router sent before any middleware ran) a new one."""
    rid = scope.get(REQUEST_ID)
    if rid is None:
        rid = scope[REQUEST_ID] = request_ids.new()  # type: ignore[literal-required]
    return rid


class EdgeMiddleware:
    """The request side: the outermost of the app's middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                join_cookie_headers(scope)
            await self.app(scope, receive, send)
            return
        join_cookie_headers(scope)
        sent = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                sent = value.decode("latin-1")
                break
        rid = sent if sent and _SAFE_ID.fullmatch(sent) else request_ids.new()
        scope[REQUEST_ID] = rid  # type: ignore[literal-required]
        complaint = scope.get("path_params", {}).get("complaint_id")
        rid_token = logs.request_id.set(rid)
        cid_token = logs.complaint_id.set(complaint if isinstance(complaint, int) else None)
        try:
            await self.app(scope, receive, send)
        finally:
            logs.request_id.reset(rid_token)
            logs.complaint_id.reset(cid_token)


class ResponseEdge:
    """The response side: a `before_send` hook."""

    def __init__(self, always_https: bool) -> None:
        self.always_https = always_https
        self.fixed = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in security_headers().items()
        ]
        self._counters: dict[tuple[str, int], object] = {}

    def _count(self, method: str, status: int) -> None:
        counter = self._counters.get((method, status))
        if counter is None:  # labels() once per method and status, not per request
            counter = self._counters[(method, status)] = HTTP_REQUESTS.labels(method, str(status))
        counter.inc()  # type: ignore[attr-defined]

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or ())
        present = {name.lower() for name, _ in headers}
        https = self.always_https or scope.get("scheme") in ("https", "wss")
        if https and b"set-cookie" in present:
            headers = [
                (name, with_secure(value) if name.lower() == b"set-cookie" else value)
                for name, value in headers
            ]
        headers.extend(pair for pair in self.fixed if pair[0] not in present)
        headers.append((b"x-request-id", request_id_of(scope).encode("latin-1")))
        if self.always_https:
            headers.append(HSTS)
        message["headers"] = headers  # type: ignore[typeddict-item]
        self._count(scope["method"], message["status"])


def only_on_paths(paths: frozenset[str], *middleware) -> Callable[[ASGIApp], ASGIApp]:
    """A middleware factory: requests to `paths` go through `middleware`
    (outermost first), every other request straight past them. Litestar's
    rate limiter builds a Request and awaits its predicate on every request it
    sees; the limited paths are four of them."""

    def factory(app: ASGIApp) -> ASGIApp:
        wrapped = app
        for define in reversed(middleware):
            wrapped = define(app=wrapped)
        return _PathSwitch(paths, wrapped, app)

    return factory


class _PathSwitch:
    def __init__(self, paths: frozenset[str], matched: ASGIApp, other: ASGIApp) -> None:
        self.paths, self.matched, self.other = paths, matched, other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.matched if scope.get("path") in self.paths else self.other
        await app(scope, receive, send)
