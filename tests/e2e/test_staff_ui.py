"""What PICs and the admin need on a 360 px phone (issue 13, items 6-10):
returned and reopened badges, the returned draft under its own label with the
admin's note on top, the reporter's new message on top after a reopening, a
photo on the answer, the reporter's phone, the decline reason on the triage
card, the unit's whole name, staff management, and dashboard bars that stay
visible for short steps."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import expect

from tests.support.pwa_pages import camera_jpeg, check_screen, login, shoot

PHONE = "0812-3456-7890"


def items(r):
    body = r.json()
    return body["items"] if isinstance(body, dict) else body


def citizen_with_phone(server, name: str) -> tuple[str, str]:
    creds = (f"warga{uuid.uuid4().hex[:8]}", "sandi-rahasia-1")
    with server.client() as c:
        r = c.post(
            "/auth/register",
            json={"username": creds[0], "password": creds[1], "name": name, "phone": PHONE},
        )
        assert r.status_code == 201, r.text
    return creds


def routed_complaint(server, creds, unit_code: str = "DPUTR", **extra) -> dict:
    with server.client(creds) as api:
        r = api.post(
            "/complaints",
            json={
                "title": f"Jembatan retak {uuid.uuid4().hex[:4]}",
                "body": "Jembatan desa retak di tengah, motor masih lewat.",
                **extra,
            },
        )
        assert r.status_code == 201, r.text
        c = r.json()
    with server.client(server.admin) as api:
        unit = next(u for u in items(api.get("/units")) if u["code"] == unit_code)
        r = api.post(f"/complaints/{c['id']}/dispatch", json={"unit_id": unit["id"]})
        assert r.status_code == 200, r.text
    return c


def step(server, who, cid: int, action: str, body: dict, expect_status: int = 200) -> None:
    with server.client(who) as api:
        r = api.post(f"/complaints/{cid}/{action}", json=body)
        assert r.status_code == expect_status, r.text


def inbox_card(page, c):
    return page.locator(".cards li", has_text=c["title"])


def test_pic_sees_a_returned_draft_then_a_reopening(new_page, server):
    creds = citizen_with_phone(server, "Ibu Sumarni")
    c = routed_complaint(server, creds)
    step(server, server.pic, c["id"], "answer", {"body": "Sudah kami cek, akan diperbaiki."})
    step(server, server.admin, c["id"], "return", {"note": "Sebutkan tanggal perbaikannya."})

    pic = new_page()
    login(pic, server.pic)
    pic.goto("/app/inbox")
    card = inbox_card(pic, c)
    expect(card.locator(".badge.returned")).to_have_text("Dikembalikan")
    check_screen(pic)
    card.locator("a.card").click()
    returned = pic.locator("section.answer.returned")
    expect(returned.get_by_role("heading")).to_have_text("Jawaban sebelumnya (dikembalikan)")
    # The admin's note comes first, the returned draft under it.
    expect(returned.locator(".notice")).to_contain_text("Sebutkan tanggal perbaikannya.")
    texts = returned.locator("p").all_inner_texts()
    assert texts.index(next(t for t in texts if "tanggal perbaikannya" in t)) < texts.index(
        "Sudah kami cek, akan diperbaiki."
    )
    assert pic.get_by_role("heading", name="Jawaban resmi").count() == 0
    shoot(pic, "15-pic-returned-draft")
    # Not anonymous, not confidential: the PIC may call the reporter.
    phone = pic.locator(".facts a.phone")
    expect(phone).to_have_text(PHONE)
    expect(phone).to_have_attribute("href", "tel:081234567890")

    # A photo of the work goes with the answer; the reporter sees it only once released.
    pic.get_by_text("Lampirkan foto ke jawaban").click()
    pic.get_by_label("Foto atau PDF").set_input_files(camera_jpeg(pic, 800, 600))
    pic.get_by_role("button", name="Unggah lampiran").click()
    expect(pic.locator(".thumbs img")).to_have_count(1)
    with server.client(creds) as api:
        assert api.get(f"/complaints/{c['id']}").json()["attachments"] == []
    pic.locator("#answer").fill("Perbaikan dijadwalkan Senin, 7 Desember.")
    pic.get_by_role("button", name="Kirim jawaban").click()
    expect(pic.locator(".chip.s-answered")).to_have_text("Menunggu tinjauan")

    step(server, server.admin, c["id"], "release", {})
    with server.client(creds) as api:
        assert len(api.get(f"/complaints/{c['id']}").json()["attachments"]) == 1
    step(server, creds, c["id"], "replies", {"body": "Sudah Senin, belum ada petugas."}, 201)

    pic.goto("/app/inbox")
    card = inbox_card(pic, c)
    expect(card.locator(".badge.reopened")).to_have_text("Dibuka kembali")
    card.locator("a.card").click()
    top = pic.locator("section.reopened")
    expect(top).to_contain_text("Sudah Senin, belum ada petugas.")
    # The reporter's new words come before everything else about the complaint.
    assert pic.evaluate(
        "document.querySelector('section.reopened').compareDocumentPosition("
        "document.querySelector('.facts')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    check_screen(pic)
    assert pic.errors == []


def test_phone_shown_to_the_admin_hidden_from_the_pic_when_anonymous(new_page, server):
    creds = citizen_with_phone(server, "Pak Darso")
    c = routed_complaint(server, creds, is_anonymous=True)
    admin = new_page()
    login(admin, server.admin)
    admin.goto(f"/app/complaints/{c['id']}")
    expect(admin.locator(".facts a.phone")).to_have_attribute("href", "tel:081234567890")
    expect(admin.locator(".facts")).to_contain_text("Nomor HP")
    check_screen(admin)
    pic = new_page()
    login(pic, server.pic)
    pic.goto(f"/app/complaints/{c['id']}")
    expect(pic.locator(".facts")).to_contain_text("Disembunyikan")
    expect(pic.locator(".facts")).not_to_contain_text(PHONE)
    expect(pic.locator(".facts a.phone")).to_have_count(0)
    assert admin.errors == [] and pic.errors == []


def test_declined_reason_on_the_triage_card_and_the_whole_unit_name(new_page, server):
    creds = server.citizen()
    c = routed_complaint(server, creds)
    step(server, server.pic, c["id"], "decline", {"reason": "Jembatan provinsi, bukan kabupaten."})

    admin = new_page()
    login(admin, server.admin)
    admin.goto("/app/triage")
    # By its own title link: another card's similar-complaint hint may quote it.
    card = admin.locator("li.triage").filter(has=admin.locator("a.title", has_text=c["title"]))
    expect(card.locator(".declined")).to_have_text(
        "Ditolak DPUTR: Jembatan provinsi, bukan kabupaten."
    )
    # A long unit name is spelled out in full under the picker, inside the screen.
    select = card.locator("select")
    dinkes = select.locator("option", has_text=re.compile("^DINKES")).first
    select.select_option(dinkes.get_attribute("value"))
    full = card.locator(".unit-full")
    expect(full).to_have_text(dinkes.inner_text())
    box = full.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert full.evaluate("e => e.scrollWidth <= e.clientWidth")
    shoot(admin, "14-admin-triage-declined")
    admin.goto(f"/app/complaints/{c['id']}")
    expect(admin.locator(".declined")).to_contain_text("Ditolak DPUTR:")
    assert admin.errors == []


def test_admin_manages_staff_accounts(new_page, server):
    citizen = server.citizen("Warga Biasa Sekali")
    tag = uuid.uuid4().hex[:5]
    with server.client(server.admin) as api:
        dputr = next(u for u in items(api.get("/units")) if u["code"] == "DPUTR")
        r = api.post(
            "/users",
            json={
                "username": f"pic{tag}",
                "password": "sandi-rahasia-1",
                "name": f"PIC Kelola {tag}",
                "role": "pic",
                "unit_id": dputr["id"],
            },
        )
        assert r.status_code == 201, r.text

    page = new_page()
    login(page, server.admin)
    page.goto("/app/manage/users")
    rows = page.locator(".rows.people > li")
    expect(rows.filter(has_text=f"PIC Kelola {tag}")).to_have_count(1)
    expect(rows.filter(has_text="Warga Biasa Sekali")).to_have_count(0)
    expect(rows.filter(has_text=citizen[0])).to_have_count(0)
    expect(rows.filter(has_text="Admin UPIK")).not_to_have_count(0)

    page.get_by_label("Tampilkan").select_option("pic")
    expect(rows.filter(has_text="Admin UPIK")).to_have_count(0)
    expect(rows.filter(has_text=f"PIC Kelola {tag}")).to_have_count(1)
    page.get_by_label("Tampilkan").select_option("admin")
    expect(rows.filter(has_text=f"PIC Kelola {tag}")).to_have_count(0)
    page.get_by_label("Tampilkan").select_option("staff")

    row = rows.filter(has_text=f"PIC Kelola {tag}")
    row.locator("summary").click()
    row.get_by_label("Nama lengkap").fill(f"PIC Kelola Baru {tag}")
    row.get_by_role("button", name="Simpan perubahan").click()
    row = rows.filter(has_text=f"PIC Kelola Baru {tag}")
    expect(row).to_have_count(1)

    # The reset code is shown once, with its expiry, and it works.
    row.locator("summary").click()
    row.get_by_role("button", name="Buat kode reset kata sandi").click()
    shown = row.locator(".reset-code")
    expect(shown).to_contain_text("berlaku sampai")
    expect(shown).to_contain_text("hanya ditampilkan sekali")
    code = row.locator(".reset-code .code").inner_text()
    check_screen(page)
    shoot(page, "13-admin-people")
    page.reload()
    page.wait_for_function("window.__upikReady")
    expect(page.locator(".reset-code")).to_have_count(0)
    assert code not in page.content()
    with httpx.Client(base_url=server.base_url + "/api/v1", timeout=15) as anon:
        r = anon.post(
            "/auth/reset",
            json={"username": f"pic{tag}", "code": code, "new_password": "sandi-baru-yang-panjang"},
        )
        assert r.status_code == 204, r.text

    row = rows.filter(has_text=f"PIC Kelola Baru {tag}")
    row.locator("summary").click()
    row.get_by_role("button", name="Nonaktifkan").click()
    expect(row.locator(".chip", has_text="nonaktif")).to_be_visible()
    with httpx.Client(base_url=server.base_url + "/api/v1", timeout=15) as anon:
        r = anon.post(
            "/auth/login", json={"username": f"pic{tag}", "password": "sandi-baru-yang-panjang"}
        )
        assert r.status_code in (401, 403), r.text
    row.locator("summary").click()
    row.get_by_role("button", name="Aktifkan lagi").click()
    expect(row.locator(".chip", has_text="nonaktif")).to_have_count(0)

    # Units are editable too.
    page.goto("/app/manage/units")
    unit_row = page.locator(".rows > li", has_text="DPUTR")
    unit_row.locator("summary").click()
    name = unit_row.get_by_label("Nama", exact=True)
    original = name.input_value()
    name.fill(original + " (uji)")
    unit_row.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator(".rows > li", has_text="DPUTR")).to_contain_text(original + " (uji)")
    with server.client(server.admin) as api:
        unit = next(u for u in items(api.get("/units")) if u["code"] == "DPUTR")
        assert unit["name"] == original + " (uji)"
        assert api.patch(f"/units/{unit['id']}", json={"name": original}).status_code == 200
    assert page.errors == []


def test_dashboard_bars_stay_visible_for_short_steps(new_page, server):
    # A dispatch of seconds next to a standard of hours: on the log scale each step keeps a bar.
    creds = server.citizen()
    c = routed_complaint(server, creds)
    step(server, server.pic, c["id"], "answer", {"body": "Sudah ditangani."})
    step(server, server.admin, c["id"], "release", {})
    with server.client(server.admin) as api:
        stats = api.get("/stats").json()
    timed = [s for s in stats["steps"] if (s.get("median_seconds") or 0) > 0]
    assert timed, stats["steps"]
    admin = new_page()
    login(admin, server.admin)
    admin.goto("/app/dashboard")
    chart = admin.locator("svg.chart").first
    expect(chart).to_be_visible()
    widths = [
        float(w)
        for w in chart.locator("rect.med").evaluate_all(
            "rs => rs.map(r => r.getAttribute('width'))"
        )
    ]
    for i, s in enumerate(stats["steps"]):
        if (s.get("median_seconds") or 0) > 0:
            assert widths[i] >= 3, (s, widths)
    expect(admin.locator(".legend")).to_contain_text("skala logaritmik")
    assert admin.errors == []


def test_dashboard_period_asks_for_that_period_and_the_export_follows(new_page, server):
    creds = server.citizen()
    routed_complaint(server, creds)
    admin = new_page()
    login(admin, server.admin)
    admin.goto("/app/dashboard")
    expect(admin.locator(".tiles strong").first).to_be_visible()
    with admin.expect_request(re.compile(r"/api/v1/stats\?since=")) as asked:
        admin.get_by_label("Periode").select_option("year")
    since = parse_qs(urlsplit(asked.value.url).query)["since"][0]
    # The start of this year on the phone's own calendar, with its offset.
    year, offset = admin.evaluate(
        "() => { const y = new Date().getFullYear();"
        " return [y, -new Date(y, 0, 1).getTimezoneOffset()]; }"
    )
    start = datetime.fromisoformat(since)
    assert (start.year, start.month, start.day, start.hour) == (year, 1, 1, 0)
    assert start.utcoffset() == timedelta(minutes=offset)
    with server.client(server.admin) as api:
        stats = api.get("/stats", params={"since": since}).json()
    expect(admin.locator(".tiles li").first).to_contain_text(str(stats["total"]))
    link = admin.get_by_role("link", name="Unduh CSV pengaduan periode ini")
    expect(link).to_have_attribute("href", re.compile(r"export\.csv\?since="))
    assert parse_qs(urlsplit(link.get_attribute("href")).query)["since"] == [since]
    with admin.expect_request(re.compile(r"/api/v1/stats$")):
        admin.get_by_label("Periode").select_option("all")
    expect(link).to_have_attribute("href", "/api/v1/complaints/export.csv")
    assert admin.errors == []
