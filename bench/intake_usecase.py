"""Diagnostic, not a target: the submit use case alone against PostgreSQL,
with no HTTP, no Litestar and no push engine, from one process. It shows how
much of bench/intake.py's per-request CPU is the use case itself (classify,
build the statements, two asyncpg round trips) and how much PostgreSQL spends
per complaint.

    .venv/bin/python bench/intake_usecase.py [--tasks 32] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _load import CpuMeter, create_user, postgres_database, upik
from intake import TEXTS


def prepare(env: dict[str, str]) -> None:
    upik(env, "migrate")
    upik(env, "seed")
    for n in range(2):  # two outbox rows per complaint, as in bench/intake.py
        create_user(env, "admin", f"admin{n}", f"Admin {n}")
    create_user(env, "citizen", "pelapor", "Pelapor")


async def run(url: str, tasks: int, seconds: float) -> None:
    from backend import database
    from backend.accounts.service import CurrentUser
    from backend.accounts.tables import User
    from backend.complaints.schemas import ComplaintIn
    from backend.complaints.submit import submit

    engine = database.engine_from_url(url)
    database.bind(engine)
    await database.start(engine)
    try:
        row = await User.select().where(User.username == "pelapor").first()
        user = CurrentUser(
            id=row["id"], username="pelapor", name="P", role="citizen", unit_id=None, token_hash=""
        )
        done = 0
        stop_at = time.monotonic() + seconds

        async def reporter(n: int) -> None:
            nonlocal done
            i = 0
            while time.monotonic() < stop_at:
                title, text = TEXTS[(n + i) % len(TEXTS)]
                i += 1
                await submit(user, ComplaintIn(title=title, body=f"{text} (#{n}-{i})"))
                done += 1

        started = time.monotonic()
        with CpuMeter(os.getpid()) as meter:
            await asyncio.gather(*(reporter(n) for n in range(tasks)))
        elapsed = time.monotonic() - started
    finally:
        await database.stop(engine)
    per = {k: v * elapsed / done * 1000 for k, v in meter.shares.items() if k != "client"}
    print(
        f"submit use case, PostgreSQL, {tasks} tasks: {done / elapsed:.0f} complaints/s; "
        f"CPU per complaint: app {per['server']:.2f} ms, PostgreSQL {per.get('postgres', 0):.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    with postgres_database("upik_usecase") as url, tempfile.TemporaryDirectory() as data:
        env = {"DATABASE_URL": url, "UPIK_DATA_DIR": data}
        prepare(env)
        os.environ.update(env)
        from backend.cli import _run_fast  # uvloop, as `upik serve` runs

        _run_fast(run(url, args.tasks, args.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
