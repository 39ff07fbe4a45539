"""The people of an API test and the complaints they file: a cast of users
(made once per module, password hashing is slow) and a builder that brings a
fresh complaint into any status through the real API."""

from __future__ import annotations

from dataclasses import dataclass

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
