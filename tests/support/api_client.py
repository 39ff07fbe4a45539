"""A thin, honest API client for the tests: registers citizens, makes staff,
logs in and submits through the real HTTP routes."""

from __future__ import annotations

import uuid

import httpx

PASSWORD = "rahasia-123"


class Api:
    """A thin, honest client: real HTTP semantics through httpx over ASGI,
    with the app's lifespan running."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._n = 0

    def _unique(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}_{uuid.uuid4().hex[:6]}"

    async def token(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        r = await self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    async def unit_id(self, code: str) -> int:
        from backend.organisation.tables import Unit

        row = await Unit.select(Unit.id).where(Unit.code == code).first()
        return row["id"]

    async def citizen(self, name: str = "Warga Uji") -> tuple[dict, dict[str, str]]:
        username = self._unique("warga")
        r = await self.client.post(
            "/api/v1/auth/register", json={"username": username, "password": PASSWORD, "name": name}
        )
        assert r.status_code == 201, r.text
        return r.json(), await self.token(username)

    async def staff(
        self, role: str, unit_code: str | None = None, name: str = "Petugas"
    ) -> tuple[dict, dict[str, str]]:
        from backend.accounts import service
        from backend.accounts.schemas import CreateUserIn

        username = self._unique(role)
        unit_id = await self.unit_id(unit_code) if unit_code else None
        user = await service.create_staff(
            CreateUserIn(
                username=username, password=PASSWORD, name=name, role=role, unit_id=unit_id
            )
        )
        return {"id": user.id, "username": username, "unit_id": unit_id}, await self.token(username)

    async def submit(self, headers: dict[str, str], **body) -> dict:
        body.setdefault("title", "Lampu penerangan jalan mati")
        body.setdefault("body", "PJU di jalan raya Sumber mati sejak seminggu, gelap sekali.")
        r = await self.client.post("/api/v1/complaints", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()

    async def post(self, path: str, headers: dict[str, str], json=None, expect: int = 200):
        r = await self.client.post(path, json=json, headers=headers)
        assert r.status_code == expect, f"{path}: {r.status_code} {r.text}"
        return r.json() if r.content else None
