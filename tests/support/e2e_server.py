"""The `upik serve` the browser tests run against, as the tests see it: its
address, its staff accounts, an API client and a read-only look at its data."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Server:
    base_url: str
    admin: tuple[str, str]
    pic: tuple[str, str]
    data_dir: Path | None = None
    push: object | None = None  # tests.support.push_service.LoopbackPushService
    mail: object | None = None  # tests.support.smtp_server.SmtpServer
    log: Path | None = None
    _tokens: dict = field(default_factory=dict)

    def client(self, creds: tuple[str, str] | None = None) -> httpx.Client:
        """An API client with a bearer token (no cookies, so no CSRF)."""
        headers = {}
        if creds:
            if creds not in self._tokens:
                r = httpx.post(
                    self.base_url + "/api/v1/auth/login",
                    json={"username": creds[0], "password": creds[1]},
                    timeout=15,
                )
                r.raise_for_status()
                self._tokens[creds] = r.json()["token"]
            headers["Authorization"] = f"Bearer {self._tokens[creds]}"
        return httpx.Client(base_url=self.base_url + "/api/v1", timeout=15, headers=headers)

    def citizen(self, name: str = "Warga Uji") -> tuple[str, str]:
        creds = (f"warga{uuid.uuid4().hex[:8]}", "sandi-rahasia-1")
        with self.client() as c:
            r = c.post(
                "/auth/register", json={"username": creds[0], "password": creds[1], "name": name}
            )
            assert r.status_code == 201, r.text
        return creds

    def db(self) -> sqlite3.Connection:
        """Read-only look at what the server recorded, for facts no route exposes."""
        assert self.data_dir, "only with a server started by the suite"
        return sqlite3.connect(f"file:{self.data_dir / 'upik.sqlite3'}?mode=ro", uri=True)


def log_tail(path: Path) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-4000:]
    return ""
