from __future__ import annotations

from litestar import Request, Response, get


@get("/healthz", exclude_from_auth=True, tags=["health"])
async def healthz(request: Request) -> Response[dict]:
    """The database and, when configured, Redis: 200 when all answer, else 503."""
    checks: dict[str, str] = {}
    try:
        from backend.organisation.tables import Unit

        await Unit.count()
        checks["database"] = "ok"
    except Exception as exc:  # report, don't crash: this is what the probe is for
        checks["database"] = f"error: {type(exc).__name__}"
    redis = getattr(request.app.state, "redis", None)
    if redis is None:
        checks["redis"] = "not configured"
    else:
        try:
            await redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v in ("ok", "not configured") for v in checks.values())
    body: dict = {"status": "ok" if healthy else "degraded", **checks}
    if checks["database"] == "ok":
        from backend.web.metrics import backlog

        # Detail only: a backlog is for alerts to judge, not a reason to be
        # taken out of the load balancer.
        body["push"] = await backlog()
    return Response(body, status_code=200 if healthy else 503)
