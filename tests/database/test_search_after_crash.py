"""The SQLite search index never disagrees with the table after a crash:
`upik serve` takes complaints from concurrent writers and is killed with -9
in the middle; after a restart every acknowledged (201) complaint, and every
complaint the table holds at all, is found by its words, and FTS5's own
integrity check passes (the index is written by triggers, in the row's
transaction)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from tests.support.api_client import PASSWORD
from tests.support.network import free_port

ROOT = Path(__file__).resolve().parents[2]
UPIK = str(Path(sys.executable).parent / "upik")
WRITERS = 8


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("UPIK_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        UPIK_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'upik.sqlite3'}",
        UPIK_LOGIN_RATE_PER_MINUTE="1000",
    )
    return env


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [UPIK, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait_up(client: httpx.AsyncClient, proc: subprocess.Popen) -> None:
    for _ in range(300):
        assert proc.poll() is None, "upik serve exited"
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("upik serve did not come up")


def _word(n: int) -> str:
    # Letters only, unique per complaint.
    return (
        "zx"
        + uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))
        + "q" * (n % 3)
    )


async def test_every_acknowledged_complaint_is_found_after_kill_9(tmp_path):
    env = _env(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(env, port)
    acknowledged: dict[str, int] = {}
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            await _wait_up(client, proc)
            r = await client.post(
                "/api/v1/auth/register",
                json={"username": "warga_crash", "password": PASSWORD, "name": "Warga"},
            )
            assert r.status_code == 201, r.text
            r = await client.post(
                "/api/v1/auth/login", json={"username": "warga_crash", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {r.json()['token']}"}

            async def writer(n: int) -> None:
                i = 0
                while True:
                    word = _word(i)
                    i += 1
                    try:
                        r = await client.post(
                            "/api/v1/complaints",
                            json={"title": f"Keluhan {word}", "body": f"Isi keluhan {n} {i}."},
                            headers=headers,
                        )
                    except httpx.TransportError:
                        return  # the server is gone
                    if r.status_code == 201:
                        acknowledged[word] = r.json()["id"]
                        if len(acknowledged) >= 60:
                            enough.set()

            enough = asyncio.Event()
            tasks = [asyncio.create_task(writer(n)) for n in range(WRITERS)]
            await asyncio.wait_for(enough.wait(), timeout=60)
            proc.send_signal(signal.SIGKILL)  # mid-write: requests are in flight
            proc.wait(timeout=10)
            await asyncio.gather(*tasks)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    proc = _serve(env, port)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            await _wait_up(client, proc)
            r = await client.post(
                "/api/v1/auth/login", json={"username": "warga_crash", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {r.json()['token']}"}
            missing = []
            for word, complaint_id in acknowledged.items():
                r = await client.get(
                    "/api/v1/complaints", params={"q": f"{word} "}, headers=headers
                )
                assert r.status_code == 200, r.text
                if [i["id"] for i in r.json()["items"]] != [complaint_id]:
                    missing.append((word, complaint_id, r.json()["items"]))
            assert not missing, missing
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    with sqlite3.connect(tmp_path / "upik.sqlite3") as db:
        # Every row the table holds (acknowledged or not) is in the index...
        rows = db.execute("SELECT id, title FROM complaint").fetchall()
        assert len(rows) >= len(acknowledged)
        for complaint_id, title in rows:
            word = title.split()[-1]
            hits = db.execute(
                "SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH ?", (f'"{word}"',)
            ).fetchall()
            assert hits == [(complaint_id,)], (word, hits)
        # ...and the index holds nothing the table does not.
        db.execute("INSERT INTO complaint_fts(complaint_fts, rank) VALUES ('integrity-check', 1)")
