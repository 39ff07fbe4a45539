"""/metrics from a scale-out deployment: `upik serve --workers 2` and a
`upik worker` on PostgreSQL + Redis. Whichever process answers the scrape,
the counts are the sum over all of them; logs are JSON lines carrying the
request id the response names."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.deploy.metrics_text import samples, value
from tests.deploy.server import clean_env, serve, worker
from tests.support.network import free_port
from tests.support.services import (
    REDIS_TEST_URL,
    create_pg_database,
    drop_pg_database,
    require_postgres,
    require_redis,
)


@pytest.fixture
async def scale_out(tmp_path):
    require_postgres()
    require_redis()
    url = await create_pg_database()
    env = clean_env(
        UPIK_DATA_DIR=str(tmp_path),
        DATABASE_URL=url,
        REDIS_URL=REDIS_TEST_URL,
        UPIK_LOG_FORMAT="json",
        # The access log is where a plain GET logs its request id.
        UPIK_ACCESS_LOG="1",
    )
    try:
        yield env
    finally:
        await drop_pg_database(url)


def test_counts_are_summed_over_worker_processes(scale_out):
    with serve(scale_out, free_port(), "--workers", "2") as server, worker(scale_out):
        # /healthz answers once the first worker is up; on a busy machine the
        # second may still be starting, and every request would go to one.
        deadline = time.monotonic() + 30
        while server.output().count("Started server process") < 2:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        requests = 40
        ids = set()
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for _ in range(requests):
                # A new connection each time, so both workers get a share.
                r = http.get("/api/v1/categories", headers={"Connection": "close"})
                assert r.status_code == 200
                ids.add(r.headers["x-request-id"])
            scrapes = [samples(http.get("/metrics").text) for _ in range(6)]

        totals = {value(s, "upik_http_requests_total", method="GET", status="200") for s in scrapes}
        # Each scrape sees every process's count (healthz probes included),
        # not just the one process that answered it.
        assert all(t >= requests for t in totals), totals
        assert all("upik_outbox_pending" in {n for n, _ in s} for s in scrapes)

        pids = {line for line in server.output().splitlines() if "Started server process" in line}
        assert len(pids) == 2, server.output()

        logged = []
        for line in server.output().splitlines():
            try:
                logged.append(json.loads(line))
            except ValueError:
                continue
        assert logged, server.output()
        assert ids & {entry.get("request_id") for entry in logged}


def test_embedded_serve_counts_in_its_one_process(tmp_path):
    # SQLite, one process: the multiprocess directory is set all the same,
    # and the process's own counts must show in its scrape.
    env = clean_env(UPIK_DATA_DIR=str(tmp_path))
    with serve(env, free_port()) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        before = samples(http.get("/metrics").text)
        for _ in range(3):
            assert http.get("/api/v1/categories").status_code == 200
        after = samples(http.get("/metrics").text)
    get_200 = {"method": "GET", "status": "200"}
    assert value(after, "upik_http_requests_total", **get_200) >= value(
        before, "upik_http_requests_total", **get_200
    ) + 3
    assert list((tmp_path / "metrics").glob("*.db"))
