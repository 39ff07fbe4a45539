"""Route guards by role. They only read `connection.user.role`, so any
package's routes can use them without importing accounts."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from backend.common.roles import Role


def requires(*roles: Role):
    allowed = {r.value for r in roles}

    # Async on purpose: Litestar would run a sync guard in a worker thread.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            # Litestar's automatic OPTIONS answer (just `Allow`) skips
            # authentication, so there is no user to look at; it reveals no data.
            return
        if connection.user.role not in allowed:
            raise PermissionDeniedException(
                f"a {connection.user.role} may not do this; needs " + " or ".join(sorted(allowed))
            )

    return guard


admin_only = requires(Role.ADMIN)
