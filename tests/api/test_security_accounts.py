"""Accounts, tightened (findings 8 and 9 of issue 9): common passwords and the
username as password are refused with a 400 naming the rule; usernames are
case-insensitive."""

from __future__ import annotations

import uuid

import pytest

from tests.support.api_client import PASSWORD
from tests.support.error_shape import assert_error

REGISTER = "/api/v1/auth/register"


def _name(prefix: str = "warga") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_the_shipped_list_is_large_and_local():
    from backend.accounts.password_policy import COMMON_PASSWORDS_FILE, common_passwords

    assert COMMON_PASSWORDS_FILE.is_file()
    assert len(common_passwords()) >= 10_000
    assert {"12345678", "password", "qwertyui"} <= common_passwords()


async def _users() -> int:
    from backend.accounts.tables import User

    return await User.count()


@pytest.mark.parametrize("password", ["12345678", "password", "qwertyui", "PassWord", "iloveyou"])
async def test_register_refuses_a_common_password(anon, password):
    before = await _users()
    r = await anon.post(
        REGISTER, json={"username": _name(), "password": password, "name": "Warga"}
    )
    assert_error(r, 400, "password", "common")
    assert await _users() == before


async def test_register_refuses_the_username_as_password(anon):
    name = _name()
    r = await anon.post(
        REGISTER, json={"username": name, "password": name.upper(), "name": "Warga"}
    )
    assert_error(r, 400, "password", "username")


async def test_admin_cannot_give_staff_a_common_password(api, cast):
    r = await api.client.post(
        "/api/v1/users",
        json={"username": _name("admin"), "password": "password1", "name": "A", "role": "admin"},
        headers=cast.admin.h,
    )
    assert_error(r, 400, "password", "common")
    r = await api.client.patch(
        f"/api/v1/users/{cast.pic.id}", json={"password": "12345678"}, headers=cast.admin.h
    )
    assert_error(r, 400, "password", "common")
    # The old password still works: nothing was changed.
    await api.token(cast.pic.user["username"])


async def test_an_uncommon_password_is_fine(anon):
    r = await anon.post(
        REGISTER, json={"username": _name(), "password": PASSWORD, "name": "Warga"}
    )
    assert r.status_code == 201, r.text


async def test_usernames_are_case_insensitive(anon, api):
    name = _name("Warga")
    r = await anon.post(REGISTER, json={"username": name, "password": PASSWORD, "name": "A"})
    assert r.status_code == 201, r.text
    before = await _users()
    for spelling in (name.lower(), name.upper()):
        r = await anon.post(
            REGISTER, json={"username": spelling, "password": PASSWORD, "name": "B"}
        )
        assert_error(r, 409, "taken")
    assert await _users() == before
    for spelling in (name, name.lower(), name.upper()):
        r = await anon.post(
            "/api/v1/auth/login", json={"username": spelling, "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        assert r.json()["user"]["username"] == name  # kept as registered


async def test_staff_usernames_clash_across_case_too(api, cast):
    r = await api.client.post(
        "/api/v1/users",
        json={
            "username": cast.reporter.user["username"].upper(),
            "password": PASSWORD,
            "name": "Tiruan",
            "role": "admin",
        },
        headers=cast.admin.h,
    )
    assert_error(r, 409, "taken")


async def test_the_database_itself_refuses_a_case_twin(cast):
    """The index holds even for a writer that skips the service's check."""
    from backend.accounts.tables import User
    from backend.common.clock import now
    from backend.database import is_unique_violation

    twin = User(
        username=cast.other.user["username"].upper(),
        password_hash="x",
        name="Kembar",
        role="citizen",
        created_at=now(),
    )
    with pytest.raises(Exception) as caught:
        await User.insert(twin)
    assert is_unique_violation(caught.value)
