"""Helpers shared by the API behaviour tests: a cast of users made once per
module (password hashing is slow), a builder that brings a fresh complaint
into any status through the real API, and direct looks at the audit trail and
the outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

STATUSES = ("received", "routed", "answered", "released", "closed", "rejected", "merged")


@dataclass
class Who:
    user: dict
    h: dict[str, str]

    @property
    def id(self) -> int:
        return self.user["id"]


@dataclass
class Cast:
    admin: Who
    pic: Who  # a PIC of DPUTR
    other_pic: Who  # a PIC of DINKES
    reporter: Who  # the citizen who files the complaints
    other: Who  # another citizen
    putr: int
    dinkes: int


@pytest.fixture(scope="module")
async def cast(api) -> Cast:
    admin = Who(*await api.staff("admin"))
    pic = Who(*await api.staff("pic", "DPUTR"))
    other_pic = Who(*await api.staff("pic", "DINKES"))
    reporter = Who(*await api.citizen("Pelapor Utama"))
    other = Who(*await api.citizen("Warga Lain"))
    return Cast(
        admin=admin,
        pic=pic,
        other_pic=other_pic,
        reporter=reporter,
        other=other,
        putr=await api.unit_id("DPUTR"),
        dinkes=await api.unit_id("DINKES"),
    )


class Flow:
    """Brings a fresh complaint of `cast.reporter` into a given status, each
    step through the HTTP API (so each step is itself exercised)."""

    def __init__(self, api, cast: Cast) -> None:
        self.api = api
        self.cast = cast

    def url(self, cid: int, action: str = "") -> str:
        return f"/api/v1/complaints/{cid}" + (f"/{action}" if action else "")

    async def received(self, reporter: Who | None = None, **body) -> dict:
        body.setdefault("title", "Saluran air depan rumah tersumbat")
        body.setdefault("body", "Saluran air di depan rumah kami tersumbat sampah sejak kemarin.")
        return await self.api.submit((reporter or self.cast.reporter).h, **body)

    async def routed(self, reporter: Who | None = None, **body) -> dict:
        c = await self.received(reporter, **body)
        return await self.api.post(
            self.url(c["id"], "dispatch"), self.cast.admin.h, {"unit_id": self.cast.putr}
        )

    async def answered(self, reporter: Who | None = None, **body) -> dict:
        c = await self.routed(reporter, **body)
        return await self.api.post(
            self.url(c["id"], "answer"), self.cast.pic.h, {"body": "Sudah kami bersihkan hari ini."}
        )

    async def released(self, reporter: Who | None = None, **body) -> dict:
        c = await self.answered(reporter, **body)
        return await self.api.post(self.url(c["id"], "release"), self.cast.admin.h, {})

    async def closed(self, reporter: Who | None = None, **body) -> dict:
        c = await self.released(reporter, **body)
        return await self.api.post(
            self.url(c["id"], "rating"), (reporter or self.cast.reporter).h, {"score": 5}
        )

    async def rejected(self, reporter: Who | None = None, **body) -> dict:
        c = await self.received(reporter, **body)
        return await self.api.post(
            self.url(c["id"], "reject"), self.cast.admin.h, {"reason": "Bukan kewenangan daerah."}
        )

    async def merged(self, reporter: Who | None = None, **body) -> dict:
        """Routed, then merged by the admin into another routed complaint."""
        c = await self.routed(reporter, **body)
        into = await self.routed(self.cast.other)
        return await self.api.post(
            self.url(c["id"], "merge"), self.cast.admin.h, {"into": into["id"]}
        )

    async def build(self, status: str, reporter: Who | None = None, **body) -> dict:
        c = await getattr(self, status)(reporter, **body)
        assert c["status"] == status, c
        return c

    async def status_of(self, cid: int) -> str:
        from backend.complaints.tables import Complaint

        row = await Complaint.select(Complaint.status).where(Complaint.id == cid).first()
        return row["status"]


@pytest.fixture(scope="module")
async def flow(api, cast) -> Flow:
    return Flow(api, cast)


@pytest.fixture(scope="module")
async def anon(app, client) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same running app that never carries a cookie."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as c:
        yield c


def _loads(value):
    return json.loads(value) if isinstance(value, str) else value


async def events_of(cid: int) -> list[dict]:
    from backend.complaints.tables import ComplaintEvent

    rows = (
        await ComplaintEvent.select()
        .where(ComplaintEvent.complaint == cid)
        .order_by(ComplaintEvent.id)
    )
    for r in rows:
        r["data"] = _loads(r["data"]) or {}
    return rows


async def outbox_of(cid: int) -> list[dict]:
    from backend.notifications.tables import Notification

    rows = (
        await Notification.select().where(Notification.complaint == cid).order_by(Notification.id)
    )
    for r in rows:
        r["payload"] = _loads(r["payload"]) or {}
    return rows


async def messages_of(cid: int) -> list[dict]:
    from backend.complaints.tables import ComplaintMessage

    return (
        await ComplaintMessage.select()
        .where(ComplaintMessage.complaint == cid)
        .order_by(ComplaintMessage.id)
    )


def assert_error(r: httpx.Response, status: int, *needles: str) -> dict:
    """The contract's one error shape, with `detail` naming what went wrong."""
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    body = r.json()
    assert isinstance(body, dict), body
    assert body["status_code"] == status, body
    assert isinstance(body["detail"], str) and body["detail"], body
    for needle in needles:
        assert needle.lower() in body["detail"].lower(), (needle, body)
    return body


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 200
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x22" * 200
WEBP = b"RIFF\xd0\x00\x00\x00WEBPVP8 " + b"\x33" * 200
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b"\x44" * 200
