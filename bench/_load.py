"""Shared pieces of the benchmarks: start a server, drive it, summarise."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def upik(env: dict[str, str], *args: str) -> None:
    """Run the `upik` command with `env` on top of ours."""
    subprocess.run(
        [str(BIN / "upik"), *args],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


BENCH_PASSWORD = "bench-password"


def create_user(
    env: dict[str, str], role: str, username: str, name: str, unit: str | None = None
) -> None:
    args = ["--role", role, "--username", username, "--password", BENCH_PASSWORD, "--name", name]
    upik(env, "create-user", *args, *(["--unit", unit] if unit else []))


def wait_http(url: str, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def server(cmd: list[str], env: dict[str, str], health_url: str, cwd: Path = ROOT):
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=cwd, stdout=log, stderr=log)
        try:
            wait_http(health_url)
            yield proc
        except Exception:
            log.seek(0)
            print(log.read()[-3000:], file=sys.stderr)
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass
class LoadResult:
    label: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    # Share of one core used during the run, by process group.
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        values = sorted(self.latencies_ms)
        return values[min(len(values) - 1, int(p / 100 * len(values)))]

    def line(self) -> str:
        return (
            f"{self.label:<34} {self.rps:8.0f} req/s   p50 {self.pct(50):7.1f} ms   "
            f"p99 {self.pct(99):7.1f} ms   max {max(self.latencies_ms or [0]):7.1f} ms   "
            f"errors {self.errors}"
            + (
                "   cpu " + ", ".join(f"{k} {v:.0%}" for k, v in self.cpu.items())
                if self.cpu
                else ""
            )
        )


async def drive(
    label: str,
    url: str,
    make_body,
    headers: dict[str, str],
    clients: int,
    seconds: float,
    warmup: float = 1.0,
) -> LoadResult:
    """`clients` concurrent keep-alive clients POST for `seconds` (after a warm-up)."""
    latencies: list[float] = []
    errors = 0
    count = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        start = time.perf_counter()
        measure_from = start + warmup
        stop_at = measure_from + seconds

        async def client(n: int) -> None:
            nonlocal errors, count
            i = 0
            while True:
                t0 = time.perf_counter()
                if t0 >= stop_at:
                    return
                i += 1
                async with session.post(url, json=make_body(n, i)) as r:
                    await r.read()
                    ok = r.status in (200, 201)
                t1 = time.perf_counter()
                if t0 >= measure_from:
                    count += 1
                    latencies.append((t1 - t0) * 1000)
                    if not ok:
                        errors += 1

        await asyncio.gather(*(client(n) for n in range(clients)))
    return LoadResult(label, count, errors, seconds, latencies)


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:  # gone meanwhile, or not Linux
        return 0.0
    # utime and stime (fields 14 and 15 of the whole line), in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() in ("postgres", "postmaster"):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


class CpuMeter:
    """Where the two cores went during a run: the server, PostgreSQL's
    processes, and this load generator. Linux only; empty elsewhere."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def __enter__(self) -> CpuMeter:
        self._start = self._sample()
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        end, elapsed = self._sample(), time.monotonic() - self._t0
        self.shares = {k: (end[k] - self._start.get(k, 0.0)) / elapsed for k in end}

    def _sample(self) -> dict[str, float]:
        if not os.path.exists("/proc/self/stat"):
            return {}
        sample = {
            "server": _cpu_seconds(self.server_pid),
            "client": sum(os.times()[:2]),
        }
        postgres = sum(_cpu_seconds(pid) for pid in _postgres_pids())
        if postgres:
            sample["postgres"] = postgres
        return sample


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def postgres_database(prefix: str):
    """A throw-away PostgreSQL database; yields its URL."""
    import uuid

    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = "postgres://postgres@127.0.0.1:5432/postgres"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
