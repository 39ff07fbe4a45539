"""`GET /metrics` in Prometheus text format (the request counter is counted
by the response hook in backend/web/edge.py).

Counters and the push latency histogram come from the processes that count
them (summed over every process of the data dir in multiprocess mode). The
backlog gauges are read from the database at scrape time instead, so they
are right whichever process wrote the rows, and however many there are.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from backend.common.clock import now
from backend.common.metrics_dir import MULTIPROC_ENV


async def backlog() -> dict[str, float | int | None]:
    """What is waiting to be pushed, and what is past its answer deadline."""
    from backend.complaints.tables import Complaint
    from backend.notifications.tables import Notification as N

    at = now()
    pending = await N.count().where(N.status.is_in(["pending", "sending"]))
    oldest = (
        await N.select(N.created_at)
        .where(N.status.is_in(["pending", "sending"]))
        .order_by(N.id)
        .first()
    )
    overdue = await Complaint.count().where(
        (Complaint.status == "routed") & (Complaint.sla_due_at < at)
    )
    return {
        "outbox_pending": pending,
        "oldest_pending_age_seconds": round((at - oldest["created_at"]).total_seconds(), 3)
        if oldest
        else None,
        "complaints_overdue": overdue,
    }


class _Snapshot:
    """A collector for one scrape: the gauges already read, plus the counters."""

    def __init__(self, values: dict) -> None:
        self.values = values

    def collect(self):
        yield GaugeMetricFamily(
            "upik_outbox_pending",
            "Notifications not yet handed to a push service (pending or being sent)",
            value=self.values["outbox_pending"],
        )
        yield GaugeMetricFamily(
            "upik_outbox_oldest_pending_age_seconds",
            "Age of the oldest notification still waiting (0 when none)",
            value=self.values["oldest_pending_age_seconds"] or 0,
        )
        yield GaugeMetricFamily(
            "upik_complaints_overdue",
            "Routed complaints past their answer deadline",
            value=self.values["complaints_overdue"],
        )
        if not os.environ.get(MULTIPROC_ENV):
            yield from REGISTRY.collect()


def _allowed(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token):
        return True
    # Loopback, and not relayed by a proxy on loopback that is not trusted:
    # a request from the internet through an untrusted local Caddy must not
    # pass for a local scraper.
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
    return loopback and "x-forwarded-for" not in request.headers


@get("/metrics", exclude_from_auth=True, include_in_schema=False)
async def metrics(request: Request) -> Response[bytes]:
    if not _allowed(request):
        raise NotFoundException()
    registry = CollectorRegistry()
    registry.register(_Snapshot(await backlog()))
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
