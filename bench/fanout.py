"""Push fan-out benchmark.

1. One dispatch to a unit whose PICs hold 300 subscriptions on our loopback
   push service: time from the dispatch call to the last push accepted.
   Baseline, same run: the same 300 pushes by a plain loop of
   `pywebpush.webpush()`, one call per device.
2. Event-to-push-accepted for a single device on an idle server, 100 events.

Both on SQLite (engine inside `upik serve`) and on PostgreSQL + Redis
(`upik serve` + `upik worker`). The push service verifies every VAPID JWT and
decrypts every payload, as in the tests.

    .venv/bin/python bench/fanout.py [--devices 300] [--events 100] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _load import BENCH_PASSWORD, BIN, ROOT, create_user, free_port, postgres_database, server, upik

from tests.support.push_service import LoopbackPushService

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


def call(method: str, url: str, payload=None, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
        return json.loads(body) if body else None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Scenario:
    def __init__(self, base: str, env: dict[str, str], push: LoopbackPushService):
        self.base, self.env, self.push = base, env, push

    def login(self, username: str) -> str:
        return call(
            "POST",
            f"{self.base}/api/v1/auth/login",
            {"username": username, "password": BENCH_PASSWORD},
        )["token"]

    def setup(self, devices: int) -> None:
        api = f"{self.base}/api/v1"
        self.key = call("GET", f"{api}/push/key")["public_key"]
        self.admin = self.login("admin")
        units = {u["code"]: u["id"] for u in call("GET", f"{api}/units", token=self.admin)}
        self.fanout_unit, self.single_unit = units["DPUTR"], units["DINKES"]
        # 30 PICs of Dinas PUTR with 10 phones each = 300 subscriptions.
        pics = 30
        self.fanout_devices = []
        for n in range(pics):
            token = self.login(f"pic.putr{n}")
            for _ in range(devices // pics):
                device = self.push.new_device(application_server_key=self.key)
                call("POST", f"{api}/push/subscriptions", device.subscription, token)
                self.fanout_devices.append(device)
        token = self.login("pic.dinkes")
        self.single_device = self.push.new_device(application_server_key=self.key)
        call("POST", f"{api}/push/subscriptions", self.single_device.subscription, token)
        call(
            "POST",
            f"{api}/auth/register",
            {"username": "pelapor", "password": BENCH_PASSWORD, "name": "Pelapor"},
        )
        self.citizen = self.login("pelapor")

    def complaint(self) -> int:
        return call(
            "POST",
            f"{self.base}/api/v1/complaints",
            {"title": "Lampu penerangan mati", "body": "Sudah seminggu gelap."},
            self.citizen,
        )["id"]

    def wait_routed(self, devices, complaint_id: int, timeout: float = 60) -> float:
        """Monotonic time at which the last of `devices` accepted the push."""
        deadline = time.monotonic() + timeout
        while True:
            times = []
            for d in devices:
                got = [
                    r.received_at
                    for r in d.received
                    if r.json
                    and r.json.get("complaint_id") == complaint_id
                    and r.json.get("type") == "complaint.routed"
                ]
                if not got:
                    break
                times.append(min(got))
            else:
                return max(times)
            if time.monotonic() > deadline:
                raise TimeoutError(f"complaint {complaint_id}: not every device got its push")
            # The push service records when each push arrived; polling rarely
            # keeps this thread from competing with it for the GIL.
            time.sleep(0.05)

    def dispatch(self, complaint_id: int, unit_id: int) -> float:
        t0 = time.monotonic()
        call(
            "POST",
            f"{self.base}/api/v1/complaints/{complaint_id}/dispatch",
            {"unit_id": unit_id},
            self.admin,
        )
        return t0

    def fanout(self, rounds: int) -> list[float]:
        results = []
        for _ in range(rounds):
            cid = self.complaint()
            time.sleep(0.3)  # idle: the admins' "received" pushes are out of the way
            t0 = self.dispatch(cid, self.fanout_unit)
            results.append(self.wait_routed(self.fanout_devices, cid) - t0)
        return results

    def single(self, events: int) -> list[float]:
        results = []
        for _ in range(events):
            cid = self.complaint()
            time.sleep(0.05)
            t0 = self.dispatch(cid, self.single_unit)
            results.append(self.wait_routed([self.single_device], cid) - t0)
        return results


# The baseline runs in a process of its own, as `upik serve` does: sharing the
# GIL with the push service's thread in this process made it 25 % slower.
BASELINE_LOOP = """
import json, sys, time
from py_vapid import Vapid02
from pywebpush import webpush

key_pem, subscriptions, payload = json.loads(sys.stdin.read())
vapid = Vapid02.from_pem(key_pem.encode())
started = time.monotonic()
for subscription in subscriptions:
    webpush(
        subscription,
        payload,
        vapid_private_key=vapid,
        vapid_claims={"sub": "mailto:bench@upik.example"},
        ttl=3600,
        headers={"Urgency": "high", "Topic": "complaint-1"},
    )
print(started)
"""


def baseline(push: LoopbackPushService, devices: int, key_pem: str) -> float:
    """A plain loop of pywebpush.webpush(), one call per device."""
    targets = [push.new_device() for _ in range(devices)]
    payload = json.dumps(
        {
            "type": "complaint.routed",
            "complaint_id": 1,
            "notification_id": 1,
            "tracking_no": "UPIK-2026-000001",
            "title": "Pengaduan untuk unit Anda",
            "body": "Lampu penerangan mati",
            "url": "/app/complaints/1",
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", BASELINE_LOOP],
        input=json.dumps([key_pem, [d.subscription for d in targets], payload]),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
    )
    # CLOCK_MONOTONIC is one clock for every process on the machine.
    started = float(done.stdout.strip().splitlines()[-1])
    last = max(r.received_at for d in targets for r in d.received)
    assert sum(len(d.received) for d in targets) == devices
    return last - started


def prepare(env: dict[str, str], pics: int) -> None:
    upik(env, "migrate")
    upik(env, "seed")
    create_user(env, "admin", "admin", "Kasi E-Gov")
    create_user(env, "pic", "pic.dinkes", "PIC Dinkes", unit="DINKES")
    for n in range(pics):
        create_user(env, "pic", f"pic.putr{n}", f"PIC PUTR {n}", unit="DPUTR")


def run_mode(label: str, env: dict[str, str], args, push, with_worker: bool) -> dict:
    prepare(env, 30)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    worker = None
    with server([str(BIN / "upik"), "serve", "--port", str(port)], env, f"{base}/healthz"):
        if with_worker:
            worker = subprocess.Popen(
                [str(BIN / "upik"), "worker"],
                env={**os.environ, **env},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            s = Scenario(base, env, push)
            s.setup(args.devices)
            s.fanout(1)  # warm-up: connections, JWT cache
            fan = s.fanout(args.rounds)
            single = s.single(args.events)
        finally:
            if worker:
                worker.terminate()
                worker.wait(10)
    result = {
        "label": label,
        "fanout_median_s": statistics.median(fan),
        "fanout_all_s": fan,
        "single_p50_ms": percentile(single, 50) * 1000,
        "single_p99_ms": percentile(single, 99) * 1000,
        "single_max_ms": max(single) * 1000,
    }
    print(
        f"{label}: fan-out to {args.devices} devices median {result['fanout_median_s']:.3f} s "
        f"(runs: {', '.join(f'{x:.3f}' for x in fan)}); single device over {args.events} "
        f"events p50 {result['single_p50_ms']:.1f} ms, p99 {result['single_p99_ms']:.1f} ms, "
        f"max {result['single_max_ms']:.1f} ms",
        flush=True,
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="upik-fanout-"))
    results = []
    try:
        with LoopbackPushService() as push:
            common = {
                "UPIK_PUSH_ALLOWED_ORIGINS": push.origin,
                "UPIK_LOGIN_RATE_PER_MINUTE": "100000",
                "UPIK_REGISTER_RATE_PER_HOUR": "100000",
            }
            sqlite_dir = workdir / "sqlite"
            env = {
                **common,
                "UPIK_DATA_DIR": str(sqlite_dir),
                "DATABASE_URL": f"sqlite:///{sqlite_dir / 'upik.sqlite3'}",
            }
            results.append(run_mode("UPIK, SQLite (engine in upik serve)", env, args, push, False))
            key_pem = (sqlite_dir / "vapid_private.pem").read_text()
            base_runs = [baseline(push, args.devices, key_pem) for _ in range(5)]
            base_s = statistics.median(base_runs)
            print(
                f"baseline: loop of pywebpush.webpush() to {args.devices} devices median "
                f"{base_s:.3f} s (runs: {', '.join(f'{x:.3f}' for x in base_runs)})",
                flush=True,
            )
            if not args.skip_postgres:
                with postgres_database("upik_bench") as url:
                    pg_dir = workdir / "pg"
                    env = {
                        **common,
                        "UPIK_DATA_DIR": str(pg_dir),
                        "DATABASE_URL": url,
                        "REDIS_URL": "redis://127.0.0.1:6379/13",
                    }
                    results.append(
                        run_mode("UPIK, PostgreSQL + Redis (serve + worker)", env, args, push, True)
                    )
            rejections = push.rejections
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"baseline (pywebpush loop): {base_s:.3f} s for {args.devices} devices")
    for r in results:
        print(
            f"{r['label']:<44} fan-out {r['fanout_median_s']:.3f} s = "
            f"{base_s / r['fanout_median_s']:.1f}x faster than the baseline; single device "
            f"p50 {r['single_p50_ms']:.1f} ms, p99 {r['single_p99_ms']:.1f} ms"
        )
    print(f"push service rejections (bad VAPID/encryption): {len(rejections)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
