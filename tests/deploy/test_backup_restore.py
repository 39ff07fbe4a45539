"""`upik backup` while the server takes complaints with photos, then
`upik restore` into a fresh data dir and database and a server on it (issue
14 §4), on SQLite and PostgreSQL. Everything acknowledged before the backup
began is back, and a push still waiting at backup time is delivered after."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import struct
import threading
import time
import zlib

import httpx
import pytest

from backend.complaints.attachment_limits import MAX_PER_CITIZEN_PER_DAY
from tests.deploy.server import clean_env, ok, serve, upik
from tests.support.network import free_port
from tests.support.push_service import LoopbackPushService, Reply
from tests.support.services import create_pg_database, drop_pg_database, require_postgres

PASSWORD = "Kabut-Sumber-2026!"


def png(seed: int) -> bytes:
    """A real 4x4 RGB PNG, different for each seed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF
        )

    pixels = [bytes((seed * 7 + x * 3 + y) % 256 for x in range(12)) for y in range(4)]
    rows = b"".join(b"\x00" + row for row in pixels)
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Database:
    """Direct reads and the one write a test may make (moving a due time)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, sql: str) -> list[tuple]:
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
                return conn.execute(sql).fetchall()

        async def fetch():
            import asyncpg

            conn = await asyncpg.connect(self.url)
            try:
                return [tuple(r) for r in await conn.fetch(sql)]
            finally:
                await conn.close()

        return asyncio.run(fetch())


@pytest.fixture(params=["sqlite", "postgres"])
async def two_homes(request, tmp_path):
    """The original installation's env and a fresh one to restore into."""
    urls = []
    envs = []
    for name in ("original", "restored"):
        data_dir = tmp_path / name
        data_dir.mkdir()
        if request.param == "postgres":
            require_postgres()
            url = await create_pg_database()
        else:
            url = f"sqlite:///{data_dir / 'upik.sqlite3'}"
        urls.append(url)
        envs.append(data_dir)
    push_port = free_port()
    made = [
        clean_env(
            UPIK_DATA_DIR=str(d),
            DATABASE_URL=u,
            UPIK_PUSH_ALLOWED_ORIGINS=f"http://127.0.0.1:{push_port}",
            UPIK_LOGIN_RATE_PER_MINUTE="1000",
        )
        for d, u in zip(envs, urls, strict=True)
    ]
    try:
        yield made, push_port
    finally:
        for url in urls:
            if url.startswith("postgres"):
                await drop_pg_database(url)


def _login(url: str, username: str) -> dict[str, str]:
    r = httpx.post(
        f"{url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=10
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


class Submitter(threading.Thread):
    """A citizen filing complaints with a photo each (as many as a citizen
    may upload in a day), as fast as acknowledged."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.headers = url, headers
        self.acknowledged: list[dict] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.url, headers=self.headers, timeout=20) as http:
                n = 0
                while not self.stop.is_set():
                    n += 1
                    r = http.post(
                        "/api/v1/complaints",
                        json={"title": f"Jalan berlubang nomor {n}",
                              "body": "Lubang besar di jalan desa, membahayakan pengendara motor."},
                    )
                    assert r.status_code == 201, r.text
                    complaint = r.json()
                    if n > MAX_PER_CITIZEN_PER_DAY:
                        # A slow backup outlasts the citizen's daily photo
                        # allowance: the writes go on without photos.
                        self.acknowledged.append({"id": complaint["id"], "attachment": None})
                        continue
                    r = http.post(
                        f"/api/v1/complaints/{complaint['id']}/attachments",
                        files={"file": (f"foto{n}.png", png(n), "image/png")},
                    )
                    assert r.status_code == 201, r.text
                    attachment = r.json()
                    # What the server serves is what must come back (it may
                    # have re-encoded the upload).
                    served = http.get(f"/api/v1/attachments/{attachment['id']}").content
                    self.acknowledged.append({
                        "id": complaint["id"],
                        "attachment": attachment["id"],
                        "sha256": hashlib.sha256(served).hexdigest(),
                    })
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_backup_under_writes_restores_everything_acknowledged(two_homes, tmp_path):
    (original, restored), push_port = two_homes
    for env in (original, restored):
        ok(upik(env, "migrate"))
    ok(upik(original, "seed"))
    for role, name, unit in (("admin", "admin1", None), ("pic", "pic1", "DPUTR"),
                             ("citizen", "warga1", None)):
        extra = ["--unit", unit] if unit else []
        ok(upik(original, "create-user", "--role", role, "--username", name,
                "--password", PASSWORD, "--name", name, *extra))
    archive = tmp_path / "upik-backup.tar.gz"
    source = Database(original["DATABASE_URL"])

    with LoopbackPushService(port=push_port) as push:
        with serve(original, free_port()) as server:
            admin, pic, citizen = (_login(server.url, n) for n in ("admin1", "pic1", "warga1"))
            key = httpx.get(f"{server.url}/api/v1/push/key", timeout=10).json()["public_key"]
            phone = push.new_device(application_server_key=key)
            r = httpx.post(f"{server.url}/api/v1/push/subscriptions", json=phone.subscription,
                           headers=pic, timeout=10)
            assert r.status_code == 201, r.text
            # The push service is down for an hour: the routed push waits in the outbox.
            phone.script(Reply(status=503, retry_after=3600))
            r = httpx.post(f"{server.url}/api/v1/complaints", headers=citizen, timeout=10,
                           json={"title": "PJU mati", "body": "Lampu jalan mati sejak seminggu."})
            waiting = r.json()["id"]
            units = httpx.get(f"{server.url}/api/v1/units", headers=admin, timeout=10).json()
            items = units["items"] if isinstance(units, dict) else units
            putr = next(u["id"] for u in items if u["code"] == "DPUTR")
            r = httpx.post(f"{server.url}/api/v1/complaints/{waiting}/dispatch", headers=admin,
                           json={"unit_id": putr}, timeout=10)
            assert r.status_code == 200, r.text
            deadline = time.monotonic() + 15
            while not source.rows(
                f"SELECT id FROM notification WHERE complaint = {waiting} AND status = 'pending' "
                "AND attempts = 1"
            ):
                assert time.monotonic() < deadline, "the routed push never failed over to pending"
                time.sleep(0.05)

            submitter = Submitter(server.url, citizen)
            submitter.start()
            while len(submitter.acknowledged) < 5 and submitter.error is None:
                time.sleep(0.05)
            before = list(submitter.acknowledged)
            out = ok(upik(original, "backup", str(archive)))
            during = len(submitter.acknowledged)
            submitter.stop.set()
            submitter.join(30)
            assert submitter.error is None, submitter.error
            assert "backup: wrote" in out

        # Restoring over a database with data is refused without --force.
        refused = upik(original, "restore", str(archive))
        assert refused.returncode == 1 and "not empty" in refused.stderr

        ok(upik(restored, "restore", str(archive)))
        target = Database(restored["DATABASE_URL"])
        [(pending_id,)] = target.rows(
            f"SELECT id FROM notification WHERE complaint = {waiting} AND status = 'pending'"
        )
        # An hour passes (moved in the table, not slept): the retry comes due.
        if restored["DATABASE_URL"].startswith("sqlite"):
            with sqlite3.connect(restored["DATABASE_URL"].removeprefix("sqlite:///")) as conn:
                conn.execute("UPDATE notification SET next_attempt_at = '2000-01-01 00:00:00+00:00'"
                             f" WHERE id = {pending_id}")
        else:
            async def due() -> None:
                import asyncpg

                conn = await asyncpg.connect(restored["DATABASE_URL"])
                try:
                    await conn.execute("UPDATE notification SET next_attempt_at = now() - "
                                       f"interval '1 second' WHERE id = {pending_id}")
                finally:
                    await conn.close()

            asyncio.run(due())

        with serve(restored, free_port()) as server:
            [msg] = push.wait_for(1, timeout=20)
            assert msg.json["complaint_id"] == waiting
            assert msg.json["type"] == "complaint.routed"
            assert msg.json["notification_id"] == pending_id

            # The citizen's session from before the backup still works.
            with httpx.Client(base_url=server.url, headers=citizen, timeout=10) as http:
                for ack in before:
                    r = http.get(f"/api/v1/complaints/{ack['id']}")
                    assert r.status_code == 200, r.text
                    detail = r.json()
                    assert [a["id"] for a in detail["attachments"]] == [ack["attachment"]]
                    assert {"attach"} <= {e["type"] for e in detail["events"]}
                    photo = http.get(f"/api/v1/attachments/{ack['attachment']}")
                    assert photo.status_code == 200
                    assert hashlib.sha256(photo.content).hexdigest() == ack["sha256"]
        assert during >= len(before)
