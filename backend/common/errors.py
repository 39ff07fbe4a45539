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

from backend.common import error_rules


class NotFound(Exception):
    """No such thing, or the caller may not see it: the same answer for both."""


class Forbidden(Exception):
    """The caller's role may never do this (HTTP 403)."""


class Conflict(Exception):
    """A unique value is taken, or the state moved under us. A message of the
    form "<field> '<value>' is taken" names its field (rule `taken`)."""

    def field_entry(self) -> dict[str, Any] | None:
        return error_rules.taken_entry(str(self))


class BadInput(Exception):
    """A value the schema let through but the use case refuses. `rule` is the
    English text; `code` the machine-readable rule id the PWA switches on
    (see backend.common.error_rules)."""

    def __init__(self, field: str, rule: str, *, code: str | None = None) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
        self.code = code or error_rules.rule_of_text(rule)


class TooLarge(Exception):
    pass


def _body(status: int, detail: str, extra: Any = None) -> Response:
    content: dict[str, Any] = {"status_code": status, "detail": detail}
    if extra is not None:
        content["extra"] = extra
    return Response(content=content, status_code=status, media_type=MediaType.JSON)


def validation_handler(request: Request, exc: ValidationException) -> Response:
    entries = error_rules.from_validation_extra(exc.extra)
    if entries is None:
        # Litestar's own 400s with only a sentence (a missing parameter, bad JSON).
        entries = [error_rules.from_detail(exc.detail)]
        return _body(HTTP_400_BAD_REQUEST, exc.detail, entries)
    return _body(HTTP_400_BAD_REQUEST, error_rules.describe(entries), entries)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if exc.status_code == 429 and "Retry-After" not in headers:
        # Litestar's rate limiter sets RateLimit-Reset (seconds) but not the
        # standard Retry-After that clients and the contract rely on.
        headers["Retry-After"] = str(max(1, int(headers.get("RateLimit-Reset", "60") or 60)))
    extra = exc.extra or None
    if exc.status_code == HTTP_400_BAD_REQUEST and extra is None:
        # A 400 raised without field details (malformed JSON, a bad
        # Content-Type body): still one entry, so clients read one shape.
        extra = [error_rules.from_detail(exc.detail)]
    response = _body(exc.status_code, exc.detail, extra)
    response.headers.update(headers)
    return response


def domain_handlers() -> dict:
    return {
        ValidationException: validation_handler,
        HTTPException: http_exception_handler,
        NotFound: lambda r, e: _body(HTTP_404_NOT_FOUND, str(e) or "not found"),
        Forbidden: lambda r, e: _body(HTTP_403_FORBIDDEN, str(e)),
        Conflict: lambda r, e: _body(
            HTTP_409_CONFLICT, str(e), [entry] if (entry := e.field_entry()) else None
        ),
        BadInput: lambda r, e: _body(
            HTTP_400_BAD_REQUEST, str(e), [{"key": e.field, "rule": e.code, "message": e.rule}]
        ),
        TooLarge: lambda r, e: _body(HTTP_413_REQUEST_ENTITY_TOO_LARGE, str(e)),
        # msgspec gives up on JSON nested past Python's recursion limit while
        # decoding the body: the client's fault, said as such.
        RecursionError: lambda r, e: _body(HTTP_400_BAD_REQUEST, "json: nested too deeply"),
    }
