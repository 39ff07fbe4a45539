"""HTTP caching of public answers: `Cache-Control` and a strong ETag over the
exact bytes sent, and 304 when the client already holds them."""

from __future__ import annotations

import hashlib

from litestar import Request, Response

PUBLIC_MAX_AGE = 60


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    # RFC 9110 13.1.2: weak comparison, a list of tags or "*".
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def cached(
    request: Request, body: bytes, media_type: str, max_age: int = PUBLIC_MAX_AGE
) -> Response:
    etag = etag_of(body)
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        # The answer is the same for everyone, logged in or not.
        "Vary": "Accept-Encoding",
    }
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(content=b"", status_code=304, headers=headers, media_type=media_type)
    return Response(content=body, status_code=200, headers=headers, media_type=media_type)
