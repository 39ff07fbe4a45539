"""Issue 13 item 2 in the browser: "Lupa kata sandi?" on the login screen, a
code mailed through a real SMTP server (aiosmtpd, tests/support), the reset
page, and a clear message for a wrong, a used, a superseded and an expired code."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.support.pwa_pages import check_screen, login, open_app

CODE_IN_MAIL = re.compile(r"Kode Anda: ([A-Z0-9]{4}-[A-Z0-9]{4})")


def citizen_with_email(server) -> tuple[str, str, str]:
    username = f"lupa{uuid.uuid4().hex[:8]}"
    email = f"{username}@contoh.id"
    with server.client() as c:
        r = c.post(
            "/auth/register",
            json={
                "username": username,
                "password": "sandi-lama-123",
                "name": "Lupa",
                "email": email,
            },
        )
        assert r.status_code == 201, r.text
    return username, "sandi-lama-123", email


def mail_to(server, email: str, after: int, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while True:
        for m in server.mail.messages[after:]:
            if email in str(m["To"]):
                return CODE_IN_MAIL.search(m.get_content())[1]
        assert time.monotonic() < deadline, f"no reset e-mail to {email}"
        time.sleep(0.2)


def code_field_error(page):
    code = page.get_by_label("Kode reset")
    expect(code).to_have_attribute("aria-invalid", "true")
    return page.locator(f"#{code.get_attribute('id')}-e")


def test_forgot_by_email_then_reset_then_login(new_page, server):
    username, _, email = citizen_with_email(server)
    page = new_page()
    open_app(page, "/app/login")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    expect(page).to_have_url(re.compile(r"/app/lupa$"))

    # Empty: said under the field, nothing sent.
    page.get_by_role("button", name="Kirim kode").click()
    who = page.get_by_label("Nama pengguna atau email")
    expect(who).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Isi nama pengguna atau alamat email Anda.")).to_be_visible()

    before = len(server.mail.messages)
    who.fill(email.upper())
    page.get_by_role("button", name="Kirim kode").click()
    neutral = page.get_by_text("Permintaan diterima.")
    expect(neutral).to_be_visible()
    check_screen(page)
    code = mail_to(server, email, before)

    # The same neutral words for an account that does not exist.
    who.fill("tidak.ada.orangnya")
    page.get_by_role("button", name="Kirim kode").click()
    expect(neutral).to_be_visible()

    # The link in the e-mail carries the username; the page fills it in.
    open_app(page, f"/app/reset?username={username}")
    expect(page.get_by_label("Nama pengguna")).to_have_value(username)
    page.get_by_label("Kode reset").fill("ABCD-EFGH")
    page.get_by_label("Kata sandi baru").fill("sandi-baru-456")
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(code_field_error(page)).to_have_text(
        "Kode salah atau bukan untuk akun ini. Periksa lagi nama pengguna dan kodenya."
    )
    expect(page.get_by_label("Kata sandi baru")).to_have_value("sandi-baru-456")

    page.get_by_label("Kode reset").fill(code.lower())
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(page).to_have_url(re.compile(r"/app/login$"))
    login(page, (username, "sandi-baru-456"))

    # The same code again: "already used".
    page2 = new_page()
    open_app(page2, f"/app/reset?username={username}")
    page2.get_by_label("Kode reset").fill(code)
    page2.get_by_label("Kata sandi baru").fill("sandi-lagi-789")
    page2.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(code_field_error(page2)).to_have_text("Kode ini sudah pernah dipakai. Minta kode baru.")
    assert page.errors == [] and page2.errors == []


def test_superseded_and_expired_codes_get_their_own_words(new_page, server):
    username, _, _ = citizen_with_email(server)
    with server.client(server.admin) as api:
        users = api.get("/users", params={"limit": 200}).json()
        rows = users["items"] if isinstance(users, dict) else users
        uid = next(u["id"] for u in rows if u["username"] == username)
        first = api.post(f"/users/{uid}/reset-code").json()["code"]
        second = api.post(f"/users/{uid}/reset-code").json()["code"]
    page = new_page()
    open_app(page, f"/app/reset?username={username}")
    page.get_by_label("Kode reset").fill(first)
    page.get_by_label("Kata sandi baru").fill("sandi-baru-456")
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(code_field_error(page)).to_have_text(
        "Kode ini sudah diganti dengan kode yang lebih baru, atau kata sandi sudah diubah. "
        "Pakai kode terbaru."
    )

    # Expired: the suite's server runs on the real clock, so the live code's expiry is
    # moved 24 hours back in its database, exactly as a day passing would leave it.
    with sqlite3.connect(server.data_dir / "upik.sqlite3") as db:
        [(row_id, expires)] = db.execute(
            "SELECT id, expires_at FROM password_reset_code"
            " WHERE user = ? AND used_at IS NULL AND superseded_at IS NULL",
            (uid,),
        ).fetchall()
        earlier = datetime.fromisoformat(expires) - timedelta(hours=24, minutes=1)
        db.execute(
            "UPDATE password_reset_code SET expires_at = ? WHERE id = ?",
            (earlier.isoformat(sep=" " if " " in expires else "T"), row_id),
        )
    page.get_by_label("Kode reset").fill(second)
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(code_field_error(page)).to_have_text(
        "Kode ini sudah kedaluwarsa (berlaku 24 jam). Minta kode baru."
    )
    assert page.errors == []
