"""Registration answers 409 for a taken username (the contract keeps that), so
it can be used to find out who has an account. Two brakes (finding 13 of
issue 9): registration has its own per-client budget, per hour and much
tighter than login's per minute; and a client that keeps hitting taken
usernames is logged, so an admin can see the probing."""

from __future__ import annotations

import logging

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware, get_remote_address

REGISTER_PATH = "/api/v1/auth/register"
CONFLICT_STORE = "register_conflicts"
# From this many 409s within an hour on, each further one is logged.
REPEATED_CONFLICTS = 3
log = logging.getLogger("upik.security")


class RegisterRateLimitMiddleware(RateLimitMiddleware):
    """Its own class, so its counters (keyed by class name and client) stay
    apart from the login limiter's."""


async def _is_register(request: Request) -> bool:
    # Async on purpose: Litestar runs a sync predicate in a thread per request.
    return request.url.path == REGISTER_PATH


def register_rate_limit(per_hour: int) -> RateLimitConfig:
    return RateLimitConfig(
        rate_limit=("hour", per_hour),
        store="rate_limit",
        check_throttle_handler=_is_register,
        middleware_class=RegisterRateLimitMiddleware,
    )


async def note_taken_username(request: Request, username: str) -> None:
    client = get_remote_address(request)
    store = request.app.stores.get(CONFLICT_STORE)
    raw = await store.get(client)
    count = int(raw or 0) + 1
    # The hour restarts at each 409: a slow, steady prober stays visible.
    await store.set(client, str(count), expires_in=3600)
    if count >= REPEATED_CONFLICTS:
        log.warning(
            "register: %d taken-username answers to client %s within an hour (latest %r); "
            "someone may be probing for accounts",
            count,
            client,
            username,
        )
