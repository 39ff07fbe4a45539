"""Issue 13, the citizen's screens at 360 px: errors under the field in plain
Indonesian (and English under the toggle), checked in the browser with the
server's published rules and mapped from the server's 400/409; photos checked
when picked; replies and "Buka kembali" after rating."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PIC_UNIT
from tests.support.pwa_pages import camera_jpeg, check_screen, login, open_app

RAW_VALIDATOR = re.compile(r"Expected|regex|length >=|is taken|Please fill", re.I)


def requests_to(page, suffix: str) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.method) if r.url.endswith(suffix) else None)
    return seen


def error_of(page, control):
    """The message element the control points at with aria-describedby (waits for it)."""
    expect(control).to_have_attribute("aria-describedby", re.compile(r"-e\b"))
    ids = (control.get_attribute("aria-describedby") or "").split()
    errors = [i for i in ids if i.endswith("-e")]
    assert len(errors) == 1, ids
    return page.locator(f"#{errors[0]}")


def test_register_errors_at_the_field_before_sending_in_indonesian(new_page):
    page = new_page()
    open_app(page, "/app/register")
    sent = requests_to(page, "/api/v1/auth/register")
    page.get_by_label("Nama pengguna").fill("pic putr")
    page.get_by_label("Kata sandi").fill("pendek")
    page.get_by_role("button", name="Daftar", exact=True).click()

    name = page.get_by_label("Nama lengkap")
    user = page.get_by_label("Nama pengguna")
    password = page.get_by_label("Kata sandi")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(error_of(page, name)).to_have_text("Bagian ini wajib diisi.")
    expect(user).to_have_attribute("aria-invalid", "true")
    expect(error_of(page, user)).to_contain_text("tanpa spasi")
    expect(error_of(page, password)).to_have_text("Terlalu pendek: minimal 8 karakter.")
    # Focus on the first bad field on the screen; nothing was sent; nothing typed was lost.
    expect(name).to_be_focused()
    assert sent == []
    expect(user).to_have_value("pic putr")
    expect(password).to_have_value("pendek")
    assert not RAW_VALIDATOR.search(page.locator("main").inner_text())
    # The browser's own bubbles are off: the form is `novalidate`.
    assert page.eval_on_selector("main form", "f => f.noValidate") is True
    check_screen(page)

    # Corrected, the field's message and aria-invalid go away.
    name.fill("Siti Aminah")
    user.fill("siti.aminah")
    password.fill("sandi-yang-panjang")
    page.get_by_label("Email (opsional)").fill("bukan-email")
    page.get_by_role("button", name="Daftar", exact=True).click()
    email = page.get_by_label("Email (opsional)")
    # Whichever side finds it (browser rule or the server's 400), it lands under the field.
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(user).not_to_have_attribute("aria-invalid", "true")
    assert not RAW_VALIDATOR.search(page.locator("main").inner_text())
    assert page.errors == []


def test_a_taken_username_from_the_server_lands_under_the_field(new_page, server):
    taken = server.citizen("Sudah Ada")
    page = new_page()
    open_app(page, "/app/register")
    sent = requests_to(page, "/api/v1/auth/register")
    page.get_by_label("Nama lengkap").fill("Budi Santoso")
    page.get_by_label("Nama pengguna").fill(taken[0].upper())  # case-insensitive on the server
    page.get_by_label("Kata sandi").fill("sandi-budi-2026")
    page.get_by_role("button", name="Daftar", exact=True).click()
    user = page.get_by_label("Nama pengguna")
    expect(error_of(page, user)).to_have_text("Nama pengguna itu sudah dipakai. Pilih yang lain.")
    expect(user).to_be_focused()
    assert sent == ["POST"]  # the server was asked: this one only it can know
    expect(page.get_by_label("Nama lengkap")).to_have_value("Budi Santoso")
    expect(page.get_by_label("Kata sandi")).to_have_value("sandi-budi-2026")
    assert not RAW_VALIDATOR.search(page.locator("main").inner_text())
    assert page.errors == []


def test_errors_in_english_under_the_toggle(new_page, server):
    taken = server.citizen("Already Here")
    page = new_page(locale="en-GB")
    page.add_init_script("localStorage.setItem('upik.lang', 'en')")
    open_app(page, "/app/register")
    page.get_by_role("button", name="Register", exact=True).click()
    name = page.get_by_label("Full name")
    expect(error_of(page, name)).to_have_text("This field is required.")
    expect(name).to_be_focused()

    page.get_by_label("Full name").fill("Budi")
    page.get_by_label("Username").fill(taken[0])
    page.get_by_label("Password").fill("a-good-password-1")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(error_of(page, page.get_by_label("Username"))).to_have_text(
        "This username is already taken. Choose another."
    )
    assert not RAW_VALIDATOR.search(page.locator("main").inner_text())
    assert page.errors == []


def test_new_complaint_counter_and_photo_checks_before_sending(new_page, server):
    page = new_page()
    login(page, server.citizen("Pelapor Foto"))
    open_app(page, "/app/new")
    sent = requests_to(page, "/api/v1/complaints")

    # Nothing typed: both required fields say so, nothing is queued or sent.
    page.get_by_role("button", name="Kirim pengaduan").click()
    title = page.get_by_label("Judul singkat")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_be_focused()
    assert sent == []

    # The counter warns before 5,000 characters and never cuts the text.
    body = page.get_by_label("Ceritakan masalahnya")
    body.fill("a" * 4600)
    counter = page.locator(".counter")
    expect(counter).to_have_text(re.compile(r"4600/5000 karakter: tinggal 400 lagi"))
    body.fill("b" * 5003)
    expect(counter).to_have_text(re.compile(r"kelebihan 3"))
    assert len(body.input_value()) == 5003
    title.fill("Lampu jalan mati")
    page.get_by_role("button", name="Kirim pengaduan").click()
    expect(error_of(page, body)).to_have_text("Terlalu panjang: maksimal 5000 karakter.")
    assert sent == []

    # Photos: a PDF and an oversized "JPEG" are refused at once, under the field.
    photo_input = page.locator("#photo")
    photo_input.set_input_files(
        [
            {"name": "surat.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"},
            {
                "name": "besar.jpg",
                "mimeType": "image/jpeg",
                "buffer": b"\xff\xd8" + b"0" * (11 << 20),
            },
        ]
    )
    problem = error_of(page, photo_input)
    expect(problem).to_contain_text("surat.pdf bukan foto JPEG, PNG atau WebP.")
    expect(problem).to_contain_text("besar.jpg terlalu besar (maksimal 10 MB).")
    expect(page.get_by_text("0 dari 10 foto")).to_be_visible()

    # Two good photos are kept, and both reach the server with the complaint.
    photo_input.set_input_files([camera_jpeg(page), camera_jpeg(page, 1600, 1200)])
    expect(page.get_by_text("2 dari 10 foto")).to_be_visible()
    expect(photo_input).not_to_have_attribute("aria-invalid", "true")
    body.fill("Lampu jalan di depan SDN 1 Sumber mati sejak seminggu.")
    page.get_by_role("button", name="Kirim pengaduan").click()
    page.wait_for_url(re.compile(r"/app/complaints/\d+$"))
    cid = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".thumbs img")).to_have_count(2, timeout=15000)
    with server.db() as db:
        assert db.execute(
            "SELECT count(*) FROM attachment WHERE complaint = ?", (cid,)
        ).fetchone() == (2,)
    assert page.errors == []


def released_complaint(server, creds) -> int:
    with server.client(creds) as api:
        c = api.post(
            "/complaints",
            json={"title": "Jalan berlubang", "body": "Lubang besar di Jl. Tuparev dekat pasar."},
        ).json()
    with server.client(server.admin) as api:
        units = api.get("/units").json()
        units = units["items"] if isinstance(units, dict) else units
        unit = next(u for u in units if u["code"] == PIC_UNIT)
        assert api.post(f"/complaints/{c['id']}/dispatch", json={"unit_id": unit["id"]}).is_success
    with server.client(server.pic) as api:
        r = api.post(f"/complaints/{c['id']}/answer", json={"body": "Sudah kami tambal."})
        assert r.is_success, r.text
    with server.client(server.admin) as api:
        assert api.post(f"/complaints/{c['id']}/release", json={}).is_success
    return c["id"]


def test_rating_keeps_the_conversation_and_low_stars_offer_reopening(new_page, server):
    creds = server.citizen("Pelapor Nilai")
    cid = released_complaint(server, creds)
    page = new_page()
    login(page, creds)
    open_app(page, f"/app/complaints/{cid}")

    # Sending a rating without stars: said under the stars, not sent.
    sent = requests_to(page, f"/api/v1/complaints/{cid}/rating")
    page.get_by_role("button", name="Kirim nilai").click()
    expect(page.get_by_text("Pilih jumlah bintang dulu.")).to_be_visible()
    assert sent == []

    page.locator("label[for=score-2]").click()
    page.get_by_role("button", name="Kirim nilai").click()
    expect(page.locator(".chip.s-closed")).to_be_visible()
    # After a 2-star rating the reply form stays, as "Buka kembali" with a reason.
    expect(page.get_by_role("heading", name="Buka kembali pengaduan ini")).to_be_visible()
    reason = page.get_by_label("Alasan membuka kembali")
    page.get_by_role("button", name="Buka kembali").click()
    expect(error_of(page, reason)).to_have_text("Bagian ini wajib diisi.")
    reason.fill("Lubangnya muncul lagi setelah hujan kemarin.")
    page.get_by_role("button", name="Buka kembali").click()
    sent_reply = page.locator(".msgs").get_by_text("Lubangnya muncul lagi setelah hujan kemarin.")
    expect(sent_reply).to_be_visible()
    with server.client(creds) as api:
        c = api.get(f"/complaints/{cid}").json()
    # Contract v2 "Status graph additions": closed --reply (reporter)--> routed.
    assert c["status"] == "routed", c["status"]
    assert c["messages"][-1]["body"] == "Lubangnya muncul lagi setelah hujan kemarin."
    check_screen(page)
    assert page.errors == []


def test_reporter_adds_photos_later_from_the_complaint_page(new_page, server):
    creds = server.citizen("Pelapor Susulan")
    with server.client(creds) as api:
        c = api.post(
            "/complaints",
            json={"title": "Sampah menumpuk", "body": "Sampah di TPS Weru belum diangkut."},
        ).json()
    page = new_page()
    login(page, creds)
    open_app(page, f"/app/complaints/{c['id']}")
    more = page.locator("#more-photos")
    more.set_input_files([{"name": "x.gif", "mimeType": "image/gif", "buffer": b"GIF89a"}])
    expect(error_of(page, more)).to_contain_text("x.gif bukan foto JPEG, PNG atau WebP.")
    more.set_input_files([camera_jpeg(page)])
    page.get_by_role("button", name="Kirim foto").click()
    expect(page.locator(".thumbs img")).to_have_count(1, timeout=15000)
    with server.db() as db:
        assert db.execute(
            "SELECT count(*) FROM attachment WHERE complaint = ?", (c["id"],)
        ).fetchone() == (1,)
    assert page.errors == []


def test_a_reply_survives_a_dropped_connection(new_page, server):
    creds = server.citizen("Pelapor Sinyal")
    with server.client(creds) as api:
        c = api.post(
            "/complaints",
            json={"title": "Air PDAM keruh", "body": "Air keruh sejak Senin di Perumnas."},
        ).json()
    page = new_page()
    login(page, creds)
    open_app(page, f"/app/complaints/{c['id']}")
    reply = page.get_by_label("Pesan Anda")
    reply.fill("Hari ini airnya masih keruh.")
    page.route(f"**/api/v1/complaints/{c['id']}/replies", lambda route: route.abort())
    page.get_by_role("button", name="Kirim tanggapan").click()
    expect(page.locator("form.reply [role=alert]")).to_have_text(
        "Tidak ada koneksi. Periksa sinyal Anda lalu coba lagi."
    )
    expect(reply).to_have_value("Hari ini airnya masih keruh.")
    page.unroute(f"**/api/v1/complaints/{c['id']}/replies")
    page.get_by_role("button", name="Kirim tanggapan").click()
    expect(page.locator(".msgs").get_by_text("Hari ini airnya masih keruh.")).to_be_visible()
    expect(reply).to_have_value("")
    assert page.errors == []
