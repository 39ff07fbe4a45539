"""Intake benchmark: POST /api/v1/complaints with 32 concurrent clients for
10 s against `upik serve`, on SQLite and on PostgreSQL, and in the same run the
baseline (plain Piccolo save() on Piccolo's default SQLiteEngine). Each UPIK
write includes its audit event and its outbox rows.

    .venv/bin/python bench/intake.py [--seconds 10] [--clients 32] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _load import (
    BENCH_PASSWORD,
    BIN,
    ROOT,
    CpuMeter,
    LoadResult,
    create_user,
    drive,
    free_port,
    postgres_database,
    server,
    upik,
)

TEXTS = [
    ("Jalan berlubang di Weru", "Jalan desa Weru berlubang besar, motor sering jatuh."),
    ("PJU mati di Sumber", "Lampu penerangan jalan mati sejak seminggu di jalan raya Sumber."),
    ("Sampah menumpuk", "Sampah di TPS pasar Plered menumpuk dan bau, mohon diangkut."),
    ("Bagaimana cara membuat KTP?", "Saya pindah ke Kedawung, bagaimana mengurus e-KTP baru?"),
]


def body(n: int, i: int) -> dict:
    title, text = TEXTS[(n + i) % len(TEXTS)]
    return {"title": title, "body": f"{text} (#{n}-{i})"}


def _post(url: str, payload: dict, headers: dict | None = None) -> dict:
    req = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def run_upik(label: str, env: dict[str, str], args) -> object:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **env,
        "UPIK_LOGIN_RATE_PER_MINUTE": "100000",
        "UPIK_REGISTER_RATE_PER_HOUR": "100000",
    }
    upik(env, "migrate")
    upik(env, "seed")
    for n in range(2):  # two admins: every complaint writes two outbox rows
        create_user(env, "admin", f"admin{n}", f"Admin {n}")
    with server([str(BIN / "upik"), "serve", "--port", str(port)], env, f"{base}/healthz") as proc:
        _post(
            f"{base}/api/v1/auth/register",
            {"username": "pelapor", "password": BENCH_PASSWORD, "name": "Pelapor"},
        )
        token = _post(
            f"{base}/api/v1/auth/login", {"username": "pelapor", "password": BENCH_PASSWORD}
        )["token"]
        return measured(
            proc,
            drive(
                label,
                f"{base}/api/v1/complaints",
                body,
                {"Authorization": f"Bearer {token}"},
                args.clients,
                args.seconds,
            ),
        )


def run_baseline(args, workdir: Path) -> object:
    port = free_port()
    db = workdir / "baseline.sqlite3"
    with server(
        [sys.executable, str(ROOT / "bench" / "baseline_app.py"), str(port), str(db)],
        {},
        f"http://127.0.0.1:{port}/healthz",
    ) as proc:
        return measured(
            proc,
            drive(
                "baseline: Piccolo save(), SQLite",
                f"http://127.0.0.1:{port}/complaints",
                body,
                {},
                args.clients,
                args.seconds,
            ),
        )


def measured(proc, load) -> LoadResult:
    """Run the load and note where the CPU went meanwhile."""
    with CpuMeter(proc.pid) as meter:
        result = asyncio.run(load)
    result.cpu = meter.shares
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="upik-bench-"))
    results = []
    try:
        baseline = run_baseline(args, workdir)
        results.append(baseline)
        print(baseline.line(), flush=True)
        sqlite = run_upik(
            "UPIK, SQLite (embedded)",
            {
                "UPIK_DATA_DIR": str(workdir / "sqlite"),
                "DATABASE_URL": f"sqlite:///{workdir / 'sqlite' / 'upik.sqlite3'}",
            },
            args,
        )
        results.append(sqlite)
        print(sqlite.line(), flush=True)
        if not args.skip_postgres:
            with postgres_database("upik_bench") as url:
                pg = run_upik(
                    "UPIK, PostgreSQL (1 process)",
                    {
                        "UPIK_DATA_DIR": str(workdir / "pg"),
                        "DATABASE_URL": url,
                    },
                    args,
                )
            results.append(pg)
            print(pg.line(), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"{'':<34} {'req/s':>8}  ratio to baseline")
    for r in results:
        print(
            f"{r.label:<34} {r.rps:8.0f}  {r.rps / baseline.rps:5.2f}x   "
            f"p50 {r.pct(50):.1f} ms  p99 {r.pct(99):.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
