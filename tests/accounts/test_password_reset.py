"""Password reset (contract v2, "Password reset"), on both engines: codes an
admin issues, codes sent by e-mail through a real SMTP server, and each way a
code can be refused. Expiry is tested by moving the injected clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from backend.accounts import password_reset
from backend.common import clock
from tests.support.api_client import PASSWORD
from tests.support.error_shape import assert_error
from tests.support.network import free_port
from tests.support.smtp_server import SmtpServer
from tests.support.waiting import wait_until

SMTP_PORT = free_port()
SMTP_USER, SMTP_PASSWORD = "upik@cirebonkab.go.id", "s3cret pass"
EXTRA_ENV = {
    "UPIK_SMTP_URL": f"smtp://upik%40cirebonkab.go.id:s3cret%20pass@127.0.0.1:{SMTP_PORT}"
}
NEW_PASSWORD = "kata-sandi-baru-9"
CODE_IN_MAIL = re.compile(r"Kode Anda: ([A-Z0-9]{4}-[A-Z0-9]{4})")


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer(SMTP_PORT, SMTP_USER, SMTP_PASSWORD) as server:
        yield server


@pytest.fixture(scope="module")
async def admin(api) -> dict[str, str]:
    _, headers = await api.staff("admin")
    return headers


async def citizen(api, email: str | None = None) -> tuple[dict, dict[str, str]]:
    username = api._unique("lupa")
    body = {"username": username, "password": PASSWORD, "name": "Warga Lupa"}
    if email:
        body["email"] = email
    r = await api.client.post("/api/v1/auth/register", json=body)
    assert r.status_code == 201, r.text
    return r.json(), await api.token(username)


async def issue(api, admin, user_id: int) -> dict:
    r = await api.client.post(f"/api/v1/users/{user_id}/reset-code", headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


async def reset(api, username: str, code: str, new_password: str = NEW_PASSWORD):
    return await api.client.post(
        "/api/v1/auth/reset",
        json={"username": username, "code": code, "new_password": new_password},
    )


def refused(r, rule: str) -> dict:
    body = assert_error(r, 400, "code")
    assert body["extra"][0]["key"] == "code", body
    assert body["extra"][0]["rule"] == rule, body
    return body


async def login_status(api, username: str, password: str) -> int:
    r = await api.client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    return r.status_code


@pytest.fixture
def move_clock(monkeypatch):
    def to(delta: timedelta) -> None:
        real = datetime.now().astimezone()
        monkeypatch.setattr(clock, "now", lambda: real + delta)

    return to


async def test_admin_code_resets_once_and_ends_every_session(api, admin):
    user, first_session = await citizen(api)
    second_session = await api.token(user["username"])
    issued = await issue(api, admin, user["id"])
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", issued["code"]), issued
    expires = datetime.fromisoformat(issued["expires_at"])
    assert timedelta(hours=23, minutes=59) < expires - datetime.now().astimezone() <= timedelta(
        hours=24
    )

    # Typed loosely (lower case, a space for the dash) it still works.
    r = await reset(api, user["username"], issued["code"].lower().replace("-", " "))
    assert r.status_code == 204, r.text

    for session in (first_session, second_session):
        assert (await api.client.get("/api/v1/me", headers=session)).status_code == 401
    assert await login_status(api, user["username"], PASSWORD) == 401
    assert await login_status(api, user["username"], NEW_PASSWORD) == 200

    # The same code again: used, not "wrong".
    body = refused(await reset(api, user["username"], issued["code"], "lain-lagi-123"), "used")
    assert "already been used" in body["detail"]
    assert await login_status(api, user["username"], NEW_PASSWORD) == 200


async def test_wrong_code_and_unknown_account_look_alike(api, admin):
    user, _ = await citizen(api)
    issued = await issue(api, admin, user["id"])
    wrong = "ZZZZ-ZZZZ" if issued["code"] != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    body = refused(await reset(api, user["username"], wrong), "wrong")
    nobody = refused(await reset(api, "tidak_ada_orangnya", issued["code"]), "wrong")
    assert body["detail"] == nobody["detail"]
    # A code is bound to its account: another person's valid code is wrong here.
    other, _ = await citizen(api)
    refused(await reset(api, other["username"], issued["code"]), "wrong")
    # The wrong tries did not spend the code.
    assert (await reset(api, user["username"], issued["code"])).status_code == 204


async def test_a_newer_code_replaces_the_older(api, admin):
    user, _ = await citizen(api)
    older = await issue(api, admin, user["id"])
    newer = await issue(api, admin, user["id"])
    body = refused(await reset(api, user["username"], older["code"]), "superseded")
    assert "newer code" in body["detail"]
    assert (await reset(api, user["username"], newer["code"])).status_code == 204


async def test_codes_expire_after_24_hours(api, admin, move_clock):
    user, _ = await citizen(api)
    issued = await issue(api, admin, user["id"])
    expires = datetime.fromisoformat(issued["expires_at"])
    now = datetime.now().astimezone()

    move_clock(expires - now + timedelta(seconds=1))
    body = refused(await reset(api, user["username"], issued["code"]), "expired")
    assert "expired" in body["detail"]

    move_clock(expires - now - timedelta(seconds=5))  # just before: still good
    assert (await reset(api, user["username"], issued["code"])).status_code == 204


async def test_new_password_follows_the_register_rules_and_keeps_the_code(api, admin):
    user, _ = await citizen(api)
    issued = await issue(api, admin, user["id"])
    r = await reset(api, user["username"], issued["code"], "pendek")
    body = assert_error(r, 400, "new_password")
    assert body["extra"][0] == {**body["extra"][0], "key": "new_password", "rule": "min_length"}
    r = await reset(api, user["username"], issued["code"], user["username"].upper())
    body = assert_error(r, 400, "new_password")
    assert body["extra"][0]["rule"] == "username_as_password"
    # Refused passwords did not spend the code, and the old password still works.
    assert await login_status(api, user["username"], PASSWORD) == 200
    assert (await reset(api, user["username"], issued["code"])).status_code == 204


async def test_only_an_admin_issues_codes(api, admin):
    user, citizen_headers = await citizen(api)
    r = await api.client.post(f"/api/v1/users/{user['id']}/reset-code", headers=citizen_headers)
    assert_error(r, 403)
    r = await api.client.post("/api/v1/users/2147483000/reset-code", headers=admin)
    assert_error(r, 404)
    api.client.cookies.clear()  # no session cookie left by the logins above
    r = await api.client.post(f"/api/v1/users/{user['id']}/reset-code")
    assert_error(r, 401)


async def test_forgot_answers_202_and_mails_a_code_that_resets(api, smtp):
    user, session = await citizen(api, email="warga.lupa@example.org")
    before = len(smtp.messages)
    r = await api.client.post("/api/v1/auth/forgot", json={"username": user["username"]})
    assert r.status_code == 202, r.text
    await wait_until(lambda: len(smtp.messages) > before, what="the reset e-mail")
    message = smtp.messages[-1]
    assert message["To"].addresses[0].addr_spec == "warga.lupa@example.org"
    assert smtp.logins[-1] == SMTP_USER
    text = message.get_content()
    assert f"/app/reset?username={user['username']}" in text
    assert "English:" in text
    code = CODE_IN_MAIL.search(text)[1]

    assert (await reset(api, user["username"], code)).status_code == 204
    assert (await api.client.get("/api/v1/me", headers=session)).status_code == 401
    assert await login_status(api, user["username"], NEW_PASSWORD) == 200
    refused(await reset(api, user["username"], code, "lain-lagi-123"), "used")


async def test_forgot_by_email_any_case_and_a_cooldown_per_account(api, smtp, move_clock):
    user, _ = await citizen(api, email="Siti.Lupa@Example.org")
    before = len(smtp.messages)
    r = await api.client.post("/api/v1/auth/forgot", json={"email": "siti.lupa@example.ORG"})
    assert r.status_code == 202, r.text
    await wait_until(lambda: len(smtp.messages) > before, what="the reset e-mail")
    first_code = CODE_IN_MAIL.search(smtp.messages[-1].get_content())[1]

    # Asked again at once: no second e-mail (the mailbox is not flooded).
    r = await api.client.post("/api/v1/auth/forgot", json={"username": user["username"]})
    assert r.status_code == 202
    assert len(smtp.messages) == before + 1

    # Past the cooldown a new code comes, and it replaces the first.
    move_clock(password_reset.EMAIL_COOLDOWN + timedelta(seconds=1))
    r = await api.client.post("/api/v1/auth/forgot", json={"username": user["username"]})
    assert r.status_code == 202
    await wait_until(lambda: len(smtp.messages) > before + 1, what="the second e-mail")
    second_code = CODE_IN_MAIL.search(smtp.messages[-1].get_content())[1]
    refused(await reset(api, user["username"], first_code), "superseded")
    assert (await reset(api, user["username"], second_code)).status_code == 204


async def test_forgot_never_tells_whether_the_account_exists(api, smtp):
    no_email, _ = await citizen(api)
    before = len(smtp.messages)
    for body in (
        {"username": "belum_terdaftar"},
        {"email": "tidak.ada@example.org"},
        {"username": no_email["username"]},  # exists, but has no e-mail address
    ):
        r = await api.client.post("/api/v1/auth/forgot", json=body)
        assert r.status_code == 202, (body, r.text)
        assert r.content == b""
    assert len(smtp.messages) == before
    from backend.accounts.reset_tables import PasswordResetCode

    assert not await PasswordResetCode.exists().where(PasswordResetCode.user == no_email["id"])


@pytest.mark.parametrize(
    ("body", "key", "rule"),
    [
        ({}, "username", "required"),
        ({"username": "a", "email": "a@b.id"}, "username", "required"),
        ({"email": "bukan-email"}, "email", "pattern"),
        ({"username": "a", "nomor": "1"}, "nomor", "unknown_field"),
    ],
)
async def test_forgot_bad_input_names_the_field(api, body, key, rule):
    r = await api.client.post("/api/v1/auth/forgot", json=body)
    extra = assert_error(r, 400, key)["extra"][0]
    assert (extra["key"], extra["rule"]) == (key, rule)


@pytest.mark.parametrize(
    "url", ["http://mail.example.org", "smtp://", "smtp://mail.example.org:dua-lima"]
)
def test_a_bad_smtp_url_is_named_at_start(tmp_path, url):
    from backend.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="UPIK_SMTP_URL"):
        load_settings({"UPIK_DATA_DIR": str(tmp_path), "UPIK_SMTP_URL": url})
    good = load_settings({"UPIK_DATA_DIR": str(tmp_path), "UPIK_SMTP_URL": "smtps://a:b@mx.id"})
    assert good.smtp_url == "smtps://a:b@mx.id"
