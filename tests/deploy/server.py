"""Runs `upik serve` / `upik worker` as an operator would: real processes on
real sockets, so the peer address the app sees is the TCP peer's."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
UPIK = str(BIN / "upik")


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any UPIK setting, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UPIK_", "PROMETHEUS_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(extra)
    return env


def upik(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [UPIK, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def ok(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 0, f"rc={p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}"
    return p.stdout


@dataclass
class Running:
    process: subprocess.Popen
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def _wait_healthy(running: Running, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            code = running.process.returncode
            raise RuntimeError(f"upik exited with {code}:\n{running.output()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{running.url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"upik serve did not become healthy:\n{running.output()}")


@contextlib.contextmanager
def serve(env: dict[str, str], port: int, *args: str, timeout: float = 60) -> Iterator[Running]:
    log = Path(env["UPIK_DATA_DIR"]) / f"serve-{port}.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [UPIK, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    running = Running(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_healthy(running, timeout)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def worker(env: dict[str, str]) -> Iterator[Running]:
    log = Path(env["UPIK_DATA_DIR"]) / "worker.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [UPIK, "worker"], env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT
        )
    running = Running(process, "", log)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
