"""Who is calling: a bearer token or the session cookie. What a role may do
is checked by the guards in backend/common/guards.py.

The session cookie holds the same kind of token as the bearer header, so
logout revokes both with one delete. CSRF applies only to cookie-borne
requests: a bearer header cannot be attached by a hostile page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Receive, Scope, Send

from backend.accounts.service import CurrentUser, user_for_token
from backend.common.cookies import request_cookies

# The request of a logged-in caller, as handlers declare it.
AuthedRequest = Request[CurrentUser, str, Any]

SESSION_COOKIE = "upik_session"
CSRF_COOKIE = "upik_csrf"
CSRF_HEADER = "x-csrf-token"
TOKEN_STORE = "tokens"


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = bearer_token(connection) or connection.cookies.get(SESSION_COOKIE)
        if not token:
            raise NotAuthorizedException("not logged in")
        user = await user_for_token(token, connection.app.stores.get(TOKEN_STORE))
        if user is None:
            raise NotAuthorizedException("token is invalid, expired or revoked")
        return AuthenticationResult(user=user, auth=token)


class CookieCSRFMiddleware(CSRFMiddleware):
    """Litestar's double-submit CSRF check, applied only where a browser would
    attach credentials by itself: requests that carry the session cookie and
    no bearer header."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # The same readings authentication makes: the first Authorization
            # header (bearer_token()) and the cookies parsed once for both.
            has_bearer = bearer_token(ASGIConnection(scope)) is not None
            has_session = bool(request_cookies(scope).get(SESSION_COOKIE))
            method = scope.get("method", "GET")
            if has_bearer or (not has_session and method not in ("GET", "HEAD", "OPTIONS")):
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def csrf_config(secret: str, secure: bool) -> CSRFConfig:
    return CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=secure,
        cookie_samesite="lax",
        cookie_httponly=False,  # the PWA reads it to echo it in the header
        # Login and registration carry no credentials worth forging (and a
        # stale cookie must not lock anyone out of logging in again); receipts
        # come from the service worker, which cannot read the CSRF cookie.
        # Password reset, likewise: the code is the credential, and a forged
        # request could only change a password to one its sender knows.
        exclude=[
            "/api/v1/auth/login",
            "/api/v1/auth/register",
            "/api/v1/push/receipts",
            "/schema",
            "/api/v1/auth/forgot",
            "/api/v1/auth/reset",
        ],
    )
