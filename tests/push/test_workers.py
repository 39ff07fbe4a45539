"""`upik worker` processes (PostgreSQL + Redis): two of them share the outbox.
Every phone gets every push exactly once in normal operation; a worker killed
with SIGKILL mid-batch loses nothing (its leased rows are taken over once the
lease expires), and only what it had in flight may arrive twice."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.app_instance import Instance
from tests.support.environment import apply_environ, prepare_database
from tests.support.network import free_port
from tests.support.people import Person, person, quick_user
from tests.support.push_checks import pushes, wait_for
from tests.support.push_service import LoopbackPushService, Reply
from tests.support.services import (
    create_pg_database,
    drop_pg_database,
    require_postgres,
    require_redis,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
UPIK = ROOT / ".venv" / "bin" / "upik"
REDIS_URL = "redis://127.0.0.1:6379/14"
PUSH_PORT = free_port()
ROUTED = "complaint.routed"


@dataclass
class Cluster:
    env: dict[str, str]
    data_dir: Path
    push: LoopbackPushService
    inst: Instance
    admin: Person
    reporter: Person
    pics: list[Person]
    unit_id: int
    procs: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    # --- worker processes ---------------------------------------------------

    def start_workers(self, n: int, **extra: str) -> list[subprocess.Popen]:
        started = []
        for _ in range(n):
            log = self.data_dir / f"worker-{len(self.logs)}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [str(UPIK), "worker"],
                    env={**os.environ, **self.env, **extra},
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.procs.append(proc)
            self.logs.append(log)
            started.append(proc)
        return started

    async def wait_started(self, procs: list[subprocess.Popen], timeout: float = 20.0) -> None:
        def ready() -> bool:
            for proc in procs:
                if proc.poll() is not None:
                    raise AssertionError(f"worker {proc.pid} exited:\n{self.log_text()}")
            return all(
                f":{p.pid}:".encode() in log.read_bytes() and b"started" in log.read_bytes()
                for p, log in zip(procs, self.logs[-len(procs) :], strict=True)
            )

        await wait_for(ready, timeout, "workers start")

    def stop_workers(self) -> None:
        """Each process we started, by its pid: TERM, then KILL if it lingers."""
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(timeout=5)
        self.procs.clear()

    def log_text(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in self.logs
        )

    # --- the app ------------------------------------------------------------

    async def fresh_phones(self) -> None:
        """New phones for the PICs (the old ones unsubscribed through the API),
        so that replies scripted by an earlier test cannot leak into this one."""
        from tests.support.people import subscribe, unsubscribe

        key = (await self.inst.client.get("/api/v1/push/key")).json()["public_key"]
        for pic in self.pics:
            for old in pic.devices:
                await unsubscribe(self.inst.client, pic.h, old.endpoint)
            pic.devices = [self.push.new_device(application_server_key=key)]
            await subscribe(self.inst.client, pic.h, pic.device)

    async def route_many(self, n: int) -> list[int]:
        api = self.inst.api
        ids = []
        for i in range(n):
            c = await api.submit(self.reporter.h, title=f"Jalan berlubang nomor {i}")
            await api.post(
                f"/api/v1/complaints/{c['id']}/dispatch", self.admin.h, {"unit_id": self.unit_id}
            )
            ids.append(c["id"])
        return ids


async def _flush_redis() -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory):
    require_postgres()
    require_redis()
    from backend.settings import reset_settings_cache

    url = await create_pg_database()
    data_dir = tmp_path_factory.mktemp("upik-workers")
    env = {
        "UPIK_DATA_DIR": str(data_dir),
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}",
        "UPIK_SLA_ANSWER_SECONDS": "10800",
        "UPIK_SLA_REMINDER_SECONDS": "7200",
        "UPIK_LOGIN_RATE_PER_MINUTE": "1000",
    }
    mp = pytest.MonkeyPatch()
    push = LoopbackPushService(port=PUSH_PORT).start()
    inst = Instance()
    cl = None
    try:
        apply_environ(env, mp)
        await _flush_redis()
        await prepare_database()
        await inst.start()
        # With Redis the web app only publishes wake-ups; workers deliver.
        assert "push_engine" not in inst.app.state
        key = (await inst.client.get("/api/v1/push/key")).json()["public_key"]
        admin = Person(*await quick_user("admin"))  # no phone: its rows end "no_device"
        reporter = Person(*await quick_user(name="Warga Kedawung"))
        pics = [await person(inst.api, push, key, "pic", "DPUTR") for _ in range(3)]
        cl = Cluster(
            env=env,
            data_dir=data_dir,
            push=push,
            inst=inst,
            admin=admin,
            reporter=reporter,
            pics=pics,
            unit_id=await inst.api.unit_id("DPUTR"),
        )
        yield cl
    finally:
        if cl is not None:
            cl.stop_workers()
        await inst.stop()
        push.stop()
        mp.undo()
        reset_settings_cache()
        with contextlib.suppress(Exception):
            await _flush_redis()
        await drop_pg_database(url)


@pytest.fixture
async def workers(cluster):
    """Fresh phones; stops (and if need be kills) every worker a test started."""
    await cluster.fresh_phones()
    try:
        yield cluster
    finally:
        cluster.stop_workers()


def routed_pushes(pic: Person, ids: list[int]) -> list:
    wanted = set(ids)
    return [m for m in pushes(pic.device, None, ROUTED) if m.json["complaint_id"] in wanted]


async def routed_rows(ids: list[int]) -> list[dict]:
    from backend.notifications.tables import Notification as N

    return await N.select(N.id, N.status, N.attempts, N.recipient, N.claimed_by).where(
        N.complaint.is_in(ids) & (N.type == ROUTED)
    )


class ClaimWatcher:
    """Polls the outbox for claims in progress: which worker (pid) held which row."""

    def __init__(self) -> None:
        self.claims: dict[int, set[int]] = collections.defaultdict(set)  # row id -> pids
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        from backend.notifications.tables import Notification as N

        while True:
            rows = await N.select(N.id, N.claimed_by).where(N.status == "sending")
            for r in rows:
                if r["claimed_by"]:
                    self.claims[r["id"]].add(int(r["claimed_by"].split(":")[-2]))
            await asyncio.sleep(0.02)

    def start(self) -> ClaimWatcher:
        self._task = asyncio.create_task(self._run())
        return self

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def by(self, pid: int) -> set[int]:
        return {row for row, pids in self.claims.items() if pid in pids}


async def test_two_workers_deliver_every_push_exactly_once(workers):
    cl = workers
    procs = cl.start_workers(2)
    await cl.wait_started(procs)
    for pic in cl.pics:
        # A little latency, so that claims are visible to the watcher.
        pic.device.script(*[Reply(status=201, delay=0.1)] * 40)
    watcher = ClaimWatcher().start()
    try:
        ids = await cl.route_many(40)
        await wait_for(
            lambda: all(len(routed_pushes(p, ids)) >= 40 for p in cl.pics),
            60,
            "40 routed pushes on each of 3 phones",
        )

        async def all_sent() -> bool:
            rows = await routed_rows(ids)
            return len(rows) == 120 and all(r["status"] == "sent" for r in rows)

        await wait_for(all_sent, 20, "every routed row sent")
        await asyncio.sleep(0.5)  # a duplicate would show up by now
    finally:
        await watcher.stop()

    rows = await routed_rows(ids)
    assert all(r["attempts"] == 1 for r in rows), [r for r in rows if r["attempts"] != 1]
    for pic in cl.pics:
        mine = routed_pushes(pic, ids)
        per_id = collections.Counter(m.json["notification_id"] for m in mine)
        assert [n for n, k in per_id.items() if k > 1] == [], "duplicates in normal operation"
        assert sorted(m.json["complaint_id"] for m in mine) == sorted(ids)
        own = {r["id"] for r in rows if r["recipient"] == pic.id}
        assert set(per_id) == own
    assert cl.push.rejections == []
    # Both workers took part (a claim each at least).
    pids = {pid for claimers in watcher.claims.values() for pid in claimers}
    assert pids == {p.pid for p in procs}, (pids, [p.pid for p in procs])
    assert all(p.poll() is None for p in procs), cl.log_text()


async def test_killed_worker_is_taken_over_after_its_lease(workers):
    cl = workers
    lease_s = 3
    procs = cl.start_workers(2, UPIK_PUSH_LEASE_SECONDS=str(lease_s))
    await cl.wait_started(procs)
    for pic in cl.pics:
        # A slow push service: each batch is in flight for ~1.5 s.
        pic.device.script(*[Reply(status=201, delay=1.5)] * 80)
    watcher = ClaimWatcher().start()
    try:
        ids = await cl.route_many(12)

        # Kill -9 a worker that holds claims right now.
        victim = None

        async def someone_in_flight() -> bool:
            nonlocal victim
            for r in await routed_rows(ids):
                if r["status"] == "sending" and r["claimed_by"]:
                    pid = int(r["claimed_by"].split(":")[-2])
                    victim = next((p for p in procs if p.pid == pid), None)
                    return victim is not None
            return False

        await wait_for(someone_in_flight, 20, "a worker with rows in flight")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=5)
        survivor = next(p for p in procs if p is not victim)
        in_flight = {
            r["id"]
            for r in await routed_rows(ids)
            if r["status"] == "sending"
            and r["claimed_by"]
            and r["claimed_by"].split(":")[-2] == str(victim.pid)
        }
        assert in_flight, "the victim had nothing in flight; the test proves nothing"

        async def all_sent() -> bool:
            rows = await routed_rows(ids)
            return len(rows) == 36 and all(r["status"] == "sent" for r in rows)

        await wait_for(all_sent, 40, "every routed row sent after the kill")
        await asyncio.sleep(0.5)
    finally:
        await watcher.stop()

    assert survivor.poll() is None, cl.log_text()
    rows = {r["id"]: r for r in await routed_rows(ids)}
    # The victim's rows were taken over: claimed again, hence a second attempt.
    assert all(rows[i]["attempts"] >= 2 for i in in_flight), [rows[i] for i in in_flight]
    allowed_twice = watcher.by(victim.pid) | in_flight
    for pic in cl.pics:
        mine = routed_pushes(pic, ids)
        per_id = collections.Counter(m.json["notification_id"] for m in mine)
        own = {i for i, r in rows.items() if r["recipient"] == pic.id}
        assert set(per_id) == own, "a notification was lost"
        twice = {n for n, k in per_id.items() if k > 1}
        assert twice <= allowed_twice, (
            f"duplicates of rows the killed worker never held: {twice - allowed_twice}"
        )
    assert cl.push.rejections == []


async def test_live_worker_slower_than_its_lease_causes_no_duplicates(workers):
    """No crash here: one worker claims the 3 rows of a dispatch and sends them
    one at a time (UPIK_PUSH_CONCURRENCY=1) to a push service that takes 1 s
    each, so the batch needs 3 s against a 2 s lease. (With the defaults the
    same happens to a 500-row batch, 64 at a time, at a 10 s send timeout:
    8 rounds, 80 s, against a 60 s lease.)"""
    cl = workers
    procs = cl.start_workers(2, UPIK_PUSH_LEASE_SECONDS="2", UPIK_PUSH_CONCURRENCY="1")
    await cl.wait_started(procs)
    for pic in cl.pics:
        pic.device.script(*[Reply(status=201, delay=1.0)] * 3)
    [cid] = await cl.route_many(1)

    async def all_sent() -> bool:
        rows = await routed_rows([cid])
        return len(rows) == 3 and all(r["status"] == "sent" for r in rows)

    await wait_for(all_sent, 30, "the 3 routed rows sent")
    await asyncio.sleep(1.5)  # anything still in flight lands
    counts = [len(pushes(p.device, cid, ROUTED)) for p in cl.pics]
    assert all(p.poll() is None for p in procs)
    assert counts == [1, 1, 1], f"pushes per phone: {counts}"
