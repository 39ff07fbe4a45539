"""Login CSRF: a cross-site page can POST a `text/plain` form without a CORS
preflight, and so log a victim into the attacker's account (whose complaints
the victim would then file). Login and registration therefore take JSON only,
which a foreign page cannot send without a preflight we never grant, and a
login whose `Origin` names another site is refused outright."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

AnyConnection = ASGIConnection[Any, Any, Any, Any]


async def json_body_only(connection: AnyConnection, _: BaseRouteHandler) -> None:
    media_type = connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Content-Type: must be application/json",
        )


async def same_origin_only(connection: AnyConnection, _: BaseRouteHandler) -> None:
    """No `Origin` (curl, the tests, old browsers on same-origin POSTs) passes;
    one that names another host, or the opaque `null`, does not. Only the host
    is compared: behind a TLS proxy the app sees http while the page is https."""
    origin = connection.headers.get("origin")
    if origin is None:
        return
    host = connection.headers.get("host", "").lower()
    if origin.strip().lower() == "null" or urlsplit(origin.strip()).netloc.lower() != host:
        raise PermissionDeniedException("Origin: a login must come from this site's own pages")
