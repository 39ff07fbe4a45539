"""Scale benchmark (issue 10): bulk-load N complaints (default 1,000,000, with
about four audit events and three measured steps each) into SQLite and into
PostgreSQL, start `upik serve` on each, and time every screen's API call:
p50/p95 of sequential requests, against the targets (p95 <= 50 ms; the
dashboard <= 200 ms). Each request varies its parameters (a random unit,
citizen, id, word), so the figures are not one cached page.

    .venv/bin/python bench/scale.py [--n 1000000] [--requests 60] [--skip-postgres]
        [--skip-sqlite] [--full-export]

--full-export also downloads the whole CSV and reports its time and the
server's RSS growth (the target: under 50 MB for 1M rows).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _load import BENCH_PASSWORD, BIN, create_user, free_port, postgres_database, server, upik

LIST_TARGET_MS = 50
STATS_TARGET_MS = 200
CITIZEN_COMPLAINTS = 40  # the benchmark citizen's own history


async def _load_data(n: int, citizen_username: str) -> dict:
    """Bulk-load in this process (the server is not running yet)."""
    from backend import database
    from backend.accounts.tables import User
    from backend.settings import get_settings
    from tests.support import bulk_load

    engine = database.engine_from_url(get_settings().database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        t0 = time.perf_counter()
        loaded = await bulk_load.load(n)
        loaded["load_seconds"] = time.perf_counter() - t0
        citizen = await User.select(User.id).where(User.username == citizen_username).first()
        # The benchmark citizen gets complaints spread over the whole history.
        step = max(1, n // CITIZEN_COMPLAINTS)
        ids = list(range(loaded["first_complaint"], loaded["last_complaint"] + 1, step))
        await User.raw(
            "UPDATE complaint SET reporter = {} WHERE id IN ("
            + ", ".join(str(i) for i in ids)
            + ")",
            citizen["id"],
        )
        return loaded
    finally:
        await database.stop(engine)


def _set_env(env: dict[str, str]) -> None:
    from backend.settings import reset_settings_cache

    os.environ.update(env)
    reset_settings_cache()


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def _login(session: aiohttp.ClientSession, base: str, username: str) -> dict[str, str]:
    async with session.post(
        base + "/api/v1/auth/login", json={"username": username, "password": BENCH_PASSWORD}
    ) as r:
        assert r.status == 200, await r.text()
        return {"Authorization": f"Bearer {(await r.json())['token']}"}


async def _time(session, url: str, headers: dict, first_byte: bool = False) -> float:
    t0 = time.perf_counter()
    async with session.get(url, headers=headers) as r:
        if first_byte:
            await r.content.readany()
        else:
            await r.read()
        assert r.status == 200, (url, r.status, await r.text() if not first_byte else "")
    return (time.perf_counter() - t0) * 1000


def _stats_ranges(loaded: dict) -> list[tuple[str, str]]:
    """The dashboard's date filters over the loaded history: the ones its
    buttons send (this month, this year) and ranges that end mid-month."""
    from tests.support.bulk_load import BASE_EPOCH, SPACING_S

    last = datetime.fromtimestamp(
        BASE_EPOCH + (loaded["last_complaint"] - loaded["first_complaint"]) * SPACING_S, UTC
    )
    month = last.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year = month.replace(month=1)
    odd = timedelta(days=3, hours=5, minutes=17)
    first_unit = loaded["units"][0]

    def q(since: datetime, until: datetime | None = None) -> str:
        query = "since=" + quote(since.isoformat())
        return query + ("&until=" + quote(until.isoformat()) if until else "")

    return [
        ("this month", q(month)),
        ("this year", q(year)),
        ("since 5 years, mid-month", q(year.replace(year=year.year - 5) + odd)),
        ("a mid-month quarter", q(month - timedelta(days=100) + odd, month - odd)),
        ("unit, past 3 years", q(year.replace(year=year.year - 3)) + f"&unit_id={first_unit}"),
    ]


async def _measure(base: str, loaded: dict, requests: int, full_export: bool, pid: int) -> list:
    rng = random.Random(10)
    low_unit, unit_count = loaded["units"]
    first, last = loaded["first_complaint"], loaded["last_complaint"]
    results = []
    async with aiohttp.ClientSession() as session:
        admin = await _login(session, base, "bench_admin")
        pic = await _login(session, base, "bench_pic")
        citizen = await _login(session, base, "bench_citizen")
        api = base + "/api/v1"

        async def tracking() -> str:
            cid = rng.randint(first, last)
            async with session.get(f"{api}/complaints/{cid}", headers=admin) as r:
                return (await r.json())["tracking_no"]

        numbers = [await tracking() for _ in range(requests)]
        screens = [
            ("admin triage list", lambda i: (f"{api}/complaints?status=received", admin)),
            ("all list", lambda i: (f"{api}/complaints", admin)),
            (
                "unit filter",
                lambda i: (f"{api}/complaints?unit_id={low_unit + i % unit_count}", admin),
            ),
            ("PIC inbox (unit + routed)", lambda i: (f"{api}/complaints?status=routed", pic)),
            ("citizen my complaints", lambda i: (f"{api}/complaints", citizen)),
            ("tracking-number search", lambda i: (f"{api}/complaints?q={numbers[i]}", admin)),
            (
                "rare-word search",
                lambda i: (f"{api}/complaints?q=kode{rng.randint(first, last)}%20", admin),
            ),
            (
                "prefix search",
                lambda i: (
                    f"{api}/complaints?q="
                    + rng.choice(["pungutan%20lia", "jemb", "lampu%20jalan%20ma", "banj"]),
                    admin,
                ),
            ),
            ("detail", lambda i: (f"{api}/complaints/{rng.randint(first, last)}", admin)),
            ("stats", lambda i: (f"{api}/stats", admin)),
            *(
                (f"stats {label}", lambda i, q=query: (f"{api}/stats?{q}", admin))
                for label, query in _stats_ranges(loaded)
            ),
            ("export first byte", lambda i: (f"{api}/complaints/export.csv", admin)),
        ]
        for name, make in screens:
            await _time(session, *make(0), first_byte=name == "export first byte")  # warm
            rss_before = _rss_kb(pid)
            times = [
                await _time(session, *make(i), first_byte=name == "export first byte")
                for i in range(requests)
            ]
            target = STATS_TARGET_MS if name.startswith("stats") else LIST_TARGET_MS
            results.append((name, times, target, (_rss_kb(pid) - rss_before) / 1024))
        if full_export:
            rss_before, t0, size = _rss_kb(pid), time.perf_counter(), 0
            peak = rss_before
            async with session.get(f"{api}/complaints/export.csv", headers=admin) as r:
                async for chunk in r.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    peak = max(peak, _rss_kb(pid))
            seconds = time.perf_counter() - t0
            print(
                f"  full export: {size / 1e6:.0f} MB in {seconds:.1f} s, "
                f"server RSS growth {(peak - rss_before) / 1024:.1f} MB",
                flush=True,
            )
    return results


def _report(label: str, results: list) -> None:
    print(f"\n{label}")
    print(f"  {'call':<28} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}  ok   RSS growth")
    for name, times, target, rss_mb in results:
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
        ok = "yes" if p95 <= target else "NO"
        print(
            f"  {name:<28} {p50:8.1f} {p95:8.1f} {target:8d}  {ok:<4} {rss_mb:6.1f} MB",
            flush=True,
        )


def run(label: str, env: dict[str, str], args: argparse.Namespace) -> None:
    _set_env(env)
    upik(env, "migrate")
    upik(env, "seed")
    create_user(env, "admin", "bench_admin", "Admin Bench")
    create_user(env, "pic", "bench_pic", "PIC Bench", unit="DPUTR")
    create_user(env, "citizen", "bench_citizen", "Warga Bench")
    loaded = asyncio.run(_load_data(args.n, "bench_citizen"))
    print(f"{label}: loaded {args.n} complaints in {loaded['load_seconds']:.0f} s", flush=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "upik"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with server(cmd, env, base + "/healthz") as proc:
        results = asyncio.run(_measure(base, loaded, args.requests, args.full_export, proc.pid))
    _report(f"{label}, {args.n:,} complaints", results)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--full-export", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="upik-scale-"))
    try:
        if not args.skip_sqlite:
            run(
                "SQLite",
                {
                    "UPIK_DATA_DIR": str(workdir / "sqlite"),
                    "DATABASE_URL": f"sqlite:///{workdir / 'sqlite' / 'upik.sqlite3'}",
                    "UPIK_LOGIN_RATE_PER_MINUTE": "1000",
                },
                args,
            )
        if not args.skip_postgres:
            with postgres_database("upik_scale") as url:
                run(
                    "PostgreSQL",
                    {
                        "UPIK_DATA_DIR": str(workdir / "pg"),
                        "DATABASE_URL": url,
                        "UPIK_LOGIN_RATE_PER_MINUTE": "1000",
                    },
                    args,
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
