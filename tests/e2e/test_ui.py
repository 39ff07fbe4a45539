"""The smaller paths: language, error messages, logout, management, decline and reject."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import expect

from tests.support.pwa_pages import check_screen, login, open_app, shoot, wait_for_worker, wait_js


def pick(select, prefix: str) -> None:
    """Selects the option whose text starts with `prefix` (unit options read "CODE — Name")."""
    value = select.locator(
        "option", has_text=re.compile(f"^{re.escape(prefix)}")
    ).first.get_attribute("value")
    select.select_option(value)


def items(r):
    body = r.json()
    return body["items"] if isinstance(body, dict) else body


def test_language_toggle_is_remembered(new_page):
    page = new_page()
    open_app(page, "/app/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk ke UPIK")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to UPIK")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    page.wait_for_function("window.__upikReady")
    expect(page.get_by_label("Username")).to_be_visible()
    check_screen(page)
    page.get_by_role("button", name="Ganti ke Bahasa Indonesia").click()
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
    assert page.errors == []


def test_login_errors_are_friendly(new_page, server):
    page = new_page()
    open_app(page, "/app/login")
    page.get_by_label("Nama pengguna").fill("tidak-ada")
    page.get_by_label("Kata sandi").fill("salah-sekali")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("alert")).to_have_text("Nama pengguna atau kata sandi salah.")

    # The limit itself is the server's business; the screen must say "try later".
    page.route(
        "**/api/v1/auth/login",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "30", "Content-Type": "application/json"},
            body=json.dumps({"status_code": 429, "detail": "Too Many Requests", "extra": {}}),
        ),
    )
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("alert")).to_contain_text("Coba lagi nanti")

    page.unroute("**/api/v1/auth/login")
    taken = server.citizen()
    page.get_by_role("link", name="Daftar di sini").click()
    page.get_by_label("Nama lengkap").fill("Orang Lain")
    page.get_by_label("Nama pengguna").fill(taken[0])
    page.get_by_label("Kata sandi").fill("sandi-rahasia-2")
    page.get_by_role("button", name="Daftar").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Nama pengguna itu sudah dipakai. Pilih yang lain."
    )
    assert page.errors == []


def test_logout_ends_the_session(new_page, server):
    creds = server.citizen()
    page = new_page()
    login(page, creds)
    wait_for_worker(page)
    page.reload()  # now through the worker, which keeps copies of the API answers
    page.wait_for_function("window.__upikReady")
    cached_entries = "caches.open('upik-api').then((c) => c.keys()).then((k) => k.length)"
    wait_js(page, f"{cached_entries}.then((n) => n > 0)")
    page.get_by_role("link", name="Akun").click()
    shoot(page, "09-account")
    with page.expect_response("**/api/v1/auth/logout") as out:
        page.get_by_role("button", name="Keluar").click()
    assert out.value.status == 204
    expect(page).to_have_url(re.compile(r"/app/login$"))
    assert page.evaluate("fetch('/api/v1/me').then((r) => r.status)") == 401
    # Nothing this person saw stays readable for the next one on a shared phone.
    wait_js(page, f"{cached_entries}.then((n) => n === 0)")
    # A deep link after logout asks for login, then lands where it pointed.
    page.goto("/app/complaints")
    expect(page).to_have_url(re.compile(r"/app/login$"))
    page.get_by_label("Nama pengguna").fill(creds[0])
    page.get_by_label("Kata sandi").fill(creds[1])
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/app/complaints$"))
    assert page.errors == []


def test_admin_manages_units_users_and_categories(new_page, server):
    page = new_page()
    login(page, server.admin)
    tag = uuid.uuid4().hex[:5].upper()

    page.get_by_role("link", name="Kelola").click()
    expect(page).to_have_url(re.compile(r"/app/manage/units$"))
    page.get_by_text("Tambah unit").click()
    form = page.locator("details.create form")  # every row has its own edit form too
    form.get_by_label("Kode").fill(f"UJI{tag}")
    form.get_by_label("Nama", exact=True).fill(f"Unit Uji {tag}")
    form.get_by_label("Jenis unit").select_option("vertical")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator(".rows li", has_text=f"Unit Uji {tag}")).to_be_visible()
    check_screen(page)

    page.get_by_role("link", name="Akun petugas").click()
    page.get_by_text("Tambah akun PIC/admin").click()
    form = page.locator("details.create form")
    form.get_by_label("Nama lengkap").fill(f"PIC Uji {tag}")
    form.get_by_label("Nama pengguna").fill(f"pic{tag.lower()}")
    form.get_by_label("Kata sandi").fill("sandi-rahasia-1")
    form.get_by_label("Peran").select_option("pic")
    pick(form.get_by_label("Unit", exact=True), f"UJI{tag}")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator(".rows li", has_text=f"PIC Uji {tag}")).to_contain_text(f"Unit Uji {tag}")
    check_screen(page)

    page.get_by_role("link", name="Kategori").click()
    page.get_by_text("Tambah kategori").click()
    form = page.locator("details.create form")
    form.get_by_label("Kode").fill(f"KAT{tag}")
    form.get_by_label("Nama").fill(f"Kategori Uji {tag}")
    form.get_by_label("Kata kunci").fill(f"kucing{tag.lower()}, anjing liar")
    pick(form.get_by_label("Unit"), f"UJI{tag}")
    form.get_by_role("button", name="Simpan").click()
    row = page.locator(".rows li", has_text=f"Kategori Uji {tag}")
    expect(row).to_contain_text("2 kata kunci")
    row.locator("summary").click()
    row.get_by_label("Kata kunci").fill(f"kucing{tag.lower()}, anjing liar, monyet")
    row.get_by_label("Teruskan otomatis").check()
    row.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator(".rows li", has_text=f"Kategori Uji {tag}")).to_contain_text(
        "3 kata kunci · otomatis"
    )
    check_screen(page)

    with server.client(server.admin) as api:
        cat = next(c for c in items(api.get("/categories")) if c["code"] == f"KAT{tag}")
        unit = next(u for u in items(api.get("/units")) if u["code"] == f"UJI{tag}")
        user = next(u for u in items(api.get("/users")) if u["username"] == f"pic{tag.lower()}")
    assert (
        cat["auto_dispatch"] is True
        and cat["unit_id"] == unit["id"]
        and "monyet" in cat["keywords"]
    )
    assert unit["kind"] == "vertical"
    assert user["role"] == "pic" and user["unit_id"] == unit["id"]
    assert page.errors == []


def test_decline_reject_and_anonymity(new_page, server):
    """PIC says "not our unit", admin rejects with a reason the reporter reads;
    an anonymous reporter stays hidden from the PIC."""
    creds = server.citizen("Rahasia Sekali")
    with server.client(creds) as api:
        c = api.post(
            "/complaints",
            json={
                "title": "Pungutan liar di kantor desa",
                "body": "Ada pungutan saat mengurus surat.",
                "is_anonymous": True,
            },
        ).json()
    with server.client(server.admin) as api:
        dputr = next(u for u in items(api.get("/units")) if u["code"] == "DPUTR")
        assert (
            api.post(f"/complaints/{c['id']}/dispatch", json={"unit_id": dputr["id"]}).status_code
            == 200
        )

    pic = new_page()
    login(pic, server.pic)
    pic.goto(f"/app/complaints/{c['id']}")
    expect(pic.locator(".facts")).to_contain_text("Disembunyikan")
    expect(pic.locator(".facts")).not_to_contain_text("Rahasia Sekali")
    check_screen(pic)
    pic.get_by_text("Bukan unit kami").click()
    pic.get_by_label("Alasan").fill("Ini wewenang Inspektorat, bukan PUTR.")
    pic.get_by_role("button", name="Kembalikan ke admin").click()
    # Once declined it is no longer the unit's to see: back to the inbox.
    expect(pic).to_have_url(re.compile(r"/app/inbox$"))

    admin = new_page()
    login(admin, server.admin)
    admin.goto(f"/app/complaints/{c['id']}#reject")
    expect(admin.get_by_label("Alasan penolakan")).to_be_focused()
    admin.get_by_label("Alasan penolakan").fill(
        "Sudah ditangani lewat laporan lain (UPIK-2026-000001)."
    )
    admin.get_by_role("button", name="Tolak", exact=True).click()
    expect(admin.locator(".chip.s-rejected")).to_be_visible()

    citizen = new_page()
    login(citizen, creds)
    citizen.goto(f"/app/complaints/{c['id']}")
    expect(citizen.locator(".chip.s-rejected")).to_have_text("Ditolak")
    expect(citizen.locator(".msg.rejection")).to_contain_text("Sudah ditangani lewat laporan lain")
    check_screen(citizen)
    for page in (pic, admin, citizen):
        assert page.errors == []
