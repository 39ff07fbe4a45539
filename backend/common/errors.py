"""One error shape everywhere: {"status_code", "detail", "extra"}.

Litestar already produces that shape; what we add is (a) a `detail` that names
the offending field and the rule, not just "Validation failed", and (b) the
mapping of domain exceptions onto their status codes, so services raise
meaningful errors and never think in HTTP.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
)

from backend.common.fields import NO_NUL, NOT_BLANK
from backend.complaints.lifecycle import NotAllowed, TransitionError


class NotFound(Exception):
    """No such thing, or the caller may not see it: the same answer for both."""


class Conflict(Exception):
    """A unique value is taken, or the state moved under us."""


class BadInput(Exception):
    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class TooLarge(Exception):
    pass


# How msgspec quotes the patterns in its messages.
NOT_BLANK_RULE = f"matching regex {NOT_BLANK!r}"
NO_NUL_RULE = f"matching regex {NO_NUL!r}"


def _body(status: int, detail: str, extra: Any = None) -> Response:
    content: dict[str, Any] = {"status_code": status, "detail": detail}
    if extra is not None:
        content["extra"] = extra
    return Response(content=content, status_code=status, media_type=MediaType.JSON)


def _describe(extra: Any) -> str | None:
    if not isinstance(extra, list) or not extra:
        return None
    parts = []
    for item in extra:
        if not isinstance(item, dict):
            continue
        key = item.get("key")
        message = item.get("message", "invalid")
        # msgspec reports nested fields as `$.location.lat`; keep the dotted path.
        if isinstance(message, str) and "- at `$." in message:
            message, _, path = message.partition(" - at `$.")
            key = path.rstrip("`")
        parts.append(f"{key}: {_friendly(message)}" if key else _friendly(str(message)))
    return "; ".join(parts) or None


def _friendly(message: str) -> str:
    """The text patterns of backend.common.fields, said in words."""
    if NOT_BLANK_RULE in message:
        return "must not be blank, and must not contain NUL characters"
    if NO_NUL_RULE in message:
        return "must not contain NUL characters"
    return message


def validation_handler(request: Request, exc: ValidationException) -> Response:
    detail = _describe(exc.extra) or exc.detail
    return _body(HTTP_400_BAD_REQUEST, detail, exc.extra)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if exc.status_code == 429 and "Retry-After" not in headers:
        # Litestar's rate limiter sets RateLimit-Reset (seconds) but not the
        # standard Retry-After that clients and the contract rely on.
        headers["Retry-After"] = str(max(1, int(headers.get("RateLimit-Reset", "60") or 60)))
    response = _body(exc.status_code, exc.detail, exc.extra or None)
    response.headers.update(headers)
    return response


def domain_handlers() -> dict:
    return {
        ValidationException: validation_handler,
        HTTPException: http_exception_handler,
        NotFound: lambda r, e: _body(HTTP_404_NOT_FOUND, str(e) or "not found"),
        NotAllowed: lambda r, e: _body(HTTP_403_FORBIDDEN, str(e)),
        TransitionError: lambda r, e: _body(HTTP_409_CONFLICT, str(e)),
        Conflict: lambda r, e: _body(HTTP_409_CONFLICT, str(e)),
        BadInput: lambda r, e: _body(
            HTTP_400_BAD_REQUEST, str(e), [{"key": e.field, "message": e.rule}]
        ),
        TooLarge: lambda r, e: _body(HTTP_413_REQUEST_ENTITY_TOO_LARGE, str(e)),
        # msgspec gives up on JSON nested past Python's recursion limit while
        # decoding the body: the client's fault, said as such.
        RecursionError: lambda r, e: _body(HTTP_400_BAD_REQUEST, "json: nested too deeply"),
    }
