"""Open311 requests are filed under a system account that no one can log in
to, and never under a person who registered its username first."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx

from tests.public.conftest import make_api_key
from tests.support.api_client import PASSWORD

FORM = {"service_code": "JALAN", "description": "Jalan berlubang di Desa Weru"}


async def test_a_person_holding_the_name_is_never_used_and_nothing_is_filed(api, base_url):
    from backend.complaints.tables import Complaint

    r = await api.client.post(
        "/api/v1/auth/register",
        json={"username": "open311", "password": PASSWORD, "name": "Orang Iseng"},
    )
    assert r.status_code == 201, r.text
    key = await make_api_key("penyusup")
    async with httpx.AsyncClient(base_url=base_url) as http:
        refused = await http.post("/open311/v2/requests.xml", data={"api_key": key, **FORM})
    assert refused.status_code == 503
    assert ET.fromstring(refused.content).findtext("error/code") == "503"
    assert await Complaint.count() == 0


async def test_the_system_account_cannot_log_in(database, api):
    from backend.accounts.tables import User
    from backend.public.open311_intake import system_reporter

    await User.delete().where(User.username == "open311")
    account = await system_reporter()
    again = await system_reporter()  # made once, then found
    assert account.id == again.id and account.role == "citizen"
    for password in ("", "!open311-system-account", PASSWORD):
        r = await api.client.post(
            "/api/v1/auth/login", json={"username": "open311", "password": password or "x"}
        )
        assert r.status_code == 401, r.text
