"""SIGTERM to `upik serve` (issue 14 §6): it stops accepting, lets the
request and the push fan-out in flight finish within UPIK_SHUTDOWN_TIMEOUT_SECONDS,
and puts what it could not send back to pending, where the next start
delivers it."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time

import httpx
import pytest

from tests.deploy.server import clean_env, ok, serve, upik
from tests.support.network import free_port
from tests.support.push_service import LoopbackPushService, Reply

PASSWORD = "Kabut-Sumber-2026!"
GRACE = 4
# uvicorn re-raises the signal once shut down; systemd counts that as clean.
CLEAN_EXIT = (0, -signal.SIGTERM)
PHONES = 8


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("upik-shutdown")
    push_port = free_port()
    env = clean_env(
        UPIK_DATA_DIR=str(data_dir),
        UPIK_PUSH_ALLOWED_ORIGINS=f"http://127.0.0.1:{push_port}",
        UPIK_SHUTDOWN_TIMEOUT_SECONDS=str(GRACE),
        UPIK_LOGIN_RATE_PER_MINUTE="1000",
    )
    ok(upik(env, "migrate"))
    ok(upik(env, "seed"))
    for role, name, unit in (("admin", "admin1", None), ("pic", "pic1", "DPUTR"),
                             ("citizen", "warga1", None)):
        extra = ["--unit", unit] if unit else []
        ok(upik(env, "create-user", "--role", role, "--username", name,
                "--password", PASSWORD, "--name", name, *extra))
    with LoopbackPushService(port=push_port) as push:
        yield env, push


def _rows(env, sql: str) -> list[tuple]:
    with sqlite3.connect(f"{env['UPIK_DATA_DIR']}/upik.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return value


class Session:
    def __init__(self, url: str) -> None:
        self.url = url
        self.h = {
            name: {"Authorization": f"Bearer {self._token(name)}"}
            for name in ("admin1", "pic1", "warga1")
        }

    def _token(self, name: str) -> str:
        r = httpx.post(f"{self.url}/api/v1/auth/login", timeout=10,
                       json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def routed_complaint(self) -> int:
        r = httpx.post(f"{self.url}/api/v1/complaints", headers=self.h["warga1"], timeout=10,
                       json={"title": "Jembatan retak", "body": "Jembatan desa retak parah."})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        units = httpx.get(f"{self.url}/api/v1/units", headers=self.h["admin1"], timeout=10).json()
        items = units["items"] if isinstance(units, dict) else units
        putr = next(u["id"] for u in items if u["code"] == "DPUTR")
        r = httpx.post(f"{self.url}/api/v1/complaints/{cid}/dispatch", headers=self.h["admin1"],
                       json={"unit_id": putr}, timeout=10)
        assert r.status_code == 200, r.text
        return cid


def _phones(push, session: Session, count: int, delay: float) -> list:
    key = httpx.get(f"{session.url}/api/v1/push/key", timeout=10).json()["public_key"]
    phones = []
    for _ in range(count):
        phone = push.new_device(application_server_key=key)
        r = httpx.post(f"{session.url}/api/v1/push/subscriptions", json=phone.subscription,
                       headers=session.h["pic1"], timeout=10)
        assert r.status_code == 201, r.text
        phone.script(Reply(delay=delay))
        phones.append(phone)
    return phones


def test_sigterm_finishes_the_request_and_fan_out_in_flight(home):
    env, push = home
    with serve(env, free_port()) as server:
        session = Session(server.url)
        phones = _phones(push, session, PHONES, delay=1.5)
        cid = session.routed_complaint()
        _wait(lambda: _rows(env, f"SELECT 1 FROM notification WHERE complaint = {cid} "
                                 "AND type = 'complaint.routed' AND status = 'sending'"),
              10, "the fan-out never started")

        # A citizen's submission whose body is still arriving when SIGTERM comes.
        halfway = threading.Event()
        answer: list[httpx.Response] = []

        def body():
            yield b'{"title": "Saluran air tersumbat", '
            halfway.set()
            time.sleep(1.0)
            yield b'"body": "Saluran air di depan pasar tersumbat sampah."}'

        def submit():
            answer.append(httpx.post(
                f"{server.url}/api/v1/complaints", content=body(), timeout=20,
                headers={**session.h["warga1"], "Content-Type": "application/json"},
            ))

        sender = threading.Thread(target=submit)
        sender.start()
        halfway.wait(10)
        time.sleep(0.2)  # the request is in the server's hands
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        with pytest.raises(httpx.ConnectError):  # no longer accepting
            httpx.get(f"{server.url}/healthz", timeout=2)
        sender.join(20)
        assert answer and answer[0].status_code == 201, answer and answer[0].text
        assert server.process.wait(timeout=2 * GRACE + 10) in CLEAN_EXIT, server.output()

    assert all(len(p.received) == 1 for p in phones), [len(p.received) for p in phones]
    [(status, claimed_by)] = _rows(
        env, f"SELECT status, claimed_by FROM notification WHERE complaint = {cid} "
             "AND type = 'complaint.routed'")
    assert (status, claimed_by) == ("sent", None)
    created = answer[0].json()["id"]
    assert _rows(env, f"SELECT id FROM complaint WHERE id = {created}")


def test_a_batch_that_outlasts_the_bound_goes_back_to_pending(home):
    env, push = home
    with serve(env, free_port()) as server:
        session = Session(server.url)
        phones = _phones(push, session, 2, delay=60)  # a push service that hangs
        cid = session.routed_complaint()
        _wait(lambda: _rows(env, f"SELECT 1 FROM notification WHERE complaint = {cid} "
                                 "AND type = 'complaint.routed' AND status = 'sending'"),
              10, "the fan-out never started")
        started = time.monotonic()
        code = server.stop(timeout=2 * GRACE + 10)
        assert code in CLEAN_EXIT, server.output()
        assert time.monotonic() - started < 2 * GRACE + 5

    [(status, claimed_by, attempts)] = _rows(
        env, f"SELECT status, claimed_by, attempts FROM notification WHERE complaint = {cid} "
             "AND type = 'complaint.routed'")
    assert (status, claimed_by, attempts) == ("pending", None, 0)

    # The push service answers again; the next start sends what was released.
    with serve(env, free_port()):
        _wait(lambda: all(p.received for p in phones), 20, "released push never delivered")
        _wait(lambda: _rows(env, f"SELECT 1 FROM notification WHERE complaint = {cid} "
                                 "AND type = 'complaint.routed' AND status = 'sent'"),
              10, "not recorded as sent")
