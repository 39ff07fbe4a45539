"""Serves the PWA: the shell for / and every /app/... deep link, files by path."""

from __future__ import annotations

from pathlib import Path

from litestar import Router, get
from litestar.response import File
from litestar.static_files import create_static_files_router

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"
NO_CACHE = {"Cache-Control": "no-cache"}


def _shell() -> File:
    return File(
        path=PWA_DIR / "index.html",
        media_type="text/html",
        content_disposition_type="inline",
        headers=NO_CACHE,
    )


@get(
    ["/", "/app", "/app/{rest:path}"],
    exclude_from_auth=True,
    include_in_schema=False,
    exclude_from_csrf=True,
)
async def app_shell() -> File:
    return _shell()


@get("/sw.js", exclude_from_auth=True, include_in_schema=False)
async def service_worker() -> File:
    # Never cached by HTTP: a stale worker would pin an old app on the phone.
    return File(
        path=PWA_DIR / "sw.js",
        media_type="text/javascript",
        content_disposition_type="inline",
        headers={**NO_CACHE, "Service-Worker-Allowed": "/"},
    )


def pwa_router() -> Router:
    static = create_static_files_router(
        path="/",
        directories=[PWA_DIR],
        opt={"exclude_from_auth": True},
        include_in_schema=False,
        send_as_attachment=False,
        name="pwa",
    )
    return Router(path="/", route_handlers=[app_shell, service_worker, static])
