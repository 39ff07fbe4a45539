"""create_app(): plugins, stores, middleware and routes. Assembly only."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.datastructures import State
from litestar.logging.config import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry

from backend import database
from backend.accounts.auth import (
    CookieCSRFMiddleware,
    TokenAuthMiddleware,
    csrf_config,
)
from backend.accounts.register_guard import REGISTER_PATH, register_rate_limit
from backend.accounts.reset_routes import PasswordResetController, ResetCodeController
from backend.accounts.routes import AuthController, MeController, UsersController
from backend.common.errors import domain_handlers
from backend.complaints import deadlines, sla
from backend.complaints.routes import AttachmentController, ComplaintController
from backend.holidays.routes import HolidayController
from backend.live import stream as live
from backend.organisation.routes import CategoryController, UnitController
from backend.public.admin_routes import OpenDataAdminController
from backend.public.open311_routes import open311_router
from backend.public.routes import PublicController
from backend.settings import Settings, get_settings
from backend.stats import tally
from backend.stats.routes import StatsController
from backend.templates.routes import TemplateController
from backend.web.edge import EdgeMiddleware, ResponseEdge, only_on_paths
from backend.web.field_rules import field_rules
from backend.web.health import healthz
from backend.web.metrics import metrics
from backend.web.proxy import trusted_proxy_middleware
from backend.web.routes import pwa_router
from push import runtime as push_runtime
from push.routes import PushController

# What the push engine runs between deliveries: the SLA timers, and on
# PostgreSQL the folding of the dashboard's per-connection counters.
TICKERS = (sla.fire_due_timers, tally.compact)

RATE_LIMITED_PATHS = frozenset(
    {
        "/api/v1/auth/login",
        REGISTER_PATH,
        # Password reset: guessing codes and flooding mailboxes, like logins.
        "/api/v1/auth/forgot",
        "/api/v1/auth/reset",
    }
)


async def _is_rate_limited(request) -> bool:
    # Async on purpose: Litestar runs a sync predicate in a thread per request.
    return request.url.path in RATE_LIMITED_PATHS


def _stores(settings: Settings, redis) -> StoreRegistry:
    if redis is not None:
        from litestar.stores.redis import RedisStore

        root = RedisStore(redis, namespace="upik", handle_client_shutdown=False)
        return StoreRegistry(default_factory=root.with_namespace)
    return StoreRegistry(default_factory=lambda name: MemoryStore())


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    # Holiday changes move the running answer clocks (in their own transaction).
    deadlines.follow_holidays()
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)

    channels = live.make_plugin(redis)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = database.engine_from_url(settings.database_url)
        database.bind(engine)
        await database.start(engine)
        app.state.engine = engine
        app.state.redis = redis
        try:
            # Unwinds in reverse: the push engine stops before the database closes.
            async with contextlib.AsyncExitStack() as stack:
                await stack.enter_async_context(live.publishing(channels))
                if redis is None:
                    # Embedded mode: one process does it all, woken by each commit.
                    app.state.push_engine = await stack.enter_async_context(
                        push_runtime.in_process(settings, tickers=TICKERS)
                    )
                else:
                    await stack.enter_async_context(push_runtime.redis_publisher(redis))
                yield
        finally:
            await database.stop(engine)
            if redis is not None:
                await redis.aclose()

    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.login_rate_per_minute),
        store="rate_limit",
        check_throttle_handler=_is_rate_limited,
    )
    csrf = csrf_config(settings.secret_key, settings.cookie_secure)

    return Litestar(
        route_handlers=[
            AuthController,
            MeController,
            UsersController,
            PasswordResetController,
            ResetCodeController,
            UnitController,
            CategoryController,
            ComplaintController,
            AttachmentController,
            StatsController,
            PushController,
            HolidayController,
            TemplateController,
            live.event_stream,
            PublicController,
            OpenDataAdminController,
            open311_router(),
            healthz,
            field_rules,
            metrics,
            pwa_router(),
        ],
        lifespan=[lifespan],
        plugins=[channels],
        stores=_stores(settings, redis),
        middleware=[
            # Outermost first: one Cookie header and the request id, then the
            # real client and scheme, before anything reads them.
            EdgeMiddleware,
            *filter(None, [trusted_proxy_middleware(settings)]),
            # Only the limited paths pay for the rate limiters.
            only_on_paths(
                RATE_LIMITED_PATHS,
                rate_limit.middleware,
                register_rate_limit(settings.register_rate_per_hour).middleware,
            ),
            DefineMiddleware(CookieCSRFMiddleware, config=csrf),
            DefineMiddleware(TokenAuthMiddleware, exclude=["^/schema", "^/healthz"]),
        ],
        exception_handlers=domain_handlers(),
        # Security headers, X-Request-ID, Secure cookies and HSTS, the request
        # counter: on every response, errors from the router and the
        # middleware included (backend/web/edge.py).
        before_send=[ResponseEdge(always_https=settings.public_is_https)],
        openapi_config=OpenAPIConfig(
            title="UPIK Kabupaten Cirebon",
            version="1.0.0",
            path="/schema",
            # The JSON schema only: Swagger UI would load its scripts from a CDN
            # into this origin (finding 5 of issue 9).
            render_plugins=[JsonRenderPlugin()],
        ),
        request_max_body_size=settings.max_upload_bytes + 256 * 1024,
        state=State({"settings": settings}),
        # Litestar's records go to the root logger, which `upik serve` set up
        # (backend/common/logs.py: text or JSON); Litestar must not replace it.
        logging_config=LoggingConfig(
            configure_root_logger=False,
            loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
        ),
    )
