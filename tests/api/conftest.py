"""Fixtures of the API behaviour tests: a cast of users made once per module
(password hashing is slow), the complaint builder, and a cookie-free client.
The helpers behind them live in tests/support/."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.complaint_flow import Cast, Flow, Who


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
