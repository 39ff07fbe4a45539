"""Gives each request an id (the proxy's X-Request-ID when it sent one, which
Caddy can), echoes it back, and puts it and the complaint in hand into the
log context (backend/common/logs.py)."""

from __future__ import annotations

import re
import uuid

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.common import logs

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if _SAFE_ID.match(sent) else uuid.uuid4().hex
        complaint = scope.get("path_params", {}).get("complaint_id")
        rid_token = logs.request_id.set(rid)
        cid_token = logs.complaint_id.set(complaint if isinstance(complaint, int) else None)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-request-id", rid.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(rid_token)
            logs.complaint_id.reset(cid_token)
