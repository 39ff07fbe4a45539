"""The process-local Prometheus instruments, shared by the web app and the
push engine: counted where things happen, summed across processes at scrape
time (backend/web/metrics.py) when backend/common/metrics_dir.py set up
prometheus-client's multiprocess mode."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "upik_http_requests", "HTTP requests answered, by method and status", ["method", "status"]
)
PUSH_SENT = Counter(
    "upik_push_sent",
    "Notifications handled by the push engine, by outcome "
    "(sent, pending = will retry, failed, no_device)",
    ["result"],
)
PUSH_LATENCY = Histogram(
    "upik_push_latency_seconds",
    "From the commit that wrote a notification to its acceptance by the push service",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
