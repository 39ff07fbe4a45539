"""Staff tools in the browser at 360x800: the answer-template picker, holiday
and template management in "Kelola", the PIC's own templates, and the
similar-complaint hint with its one-tap merge."""

from __future__ import annotations

import re
import uuid
from datetime import date

from playwright.sync_api import expect

from tests.e2e.conftest import PIC_UNIT
from tests.support.pwa_pages import check_screen, login, shoot


def items(r):
    body = r.json()
    return body["items"] if isinstance(body, dict) else body


def submit(server, creds, **body) -> dict:
    with server.client(creds) as c:
        r = c.post("/complaints", json=body)
        assert r.status_code == 201, r.text
        return r.json()


def routed(server, creds, **body) -> dict:
    c = submit(server, creds, **body)
    with server.client(server.admin) as api:
        unit = next(u for u in items(api.get("/units")) if u["code"] == PIC_UNIT)
        r = api.post(f"/complaints/{c['id']}/dispatch", json={"unit_id": unit["id"]})
        assert r.status_code == 200, r.text
        return r.json()


def test_the_pic_fills_the_answer_from_a_template_and_edits_it(new_page, server):
    tag = uuid.uuid4().hex[:5]
    with server.client(server.admin) as api:
        unit = next(u for u in items(api.get("/units")) if u["code"] == PIC_UNIT)
        r = api.post(
            "/templates",
            json={
                "title": f"Jalan sudah ditambal {tag}",
                "body": "Laporan {nomor} ({judul}) sudah ditangani oleh {unit}.",
                "unit_id": unit["id"],
            },
        )
        assert r.status_code == 201, r.text
    c = routed(
        server,
        server.citizen(),
        title=f"Jalan berlubang di Weru {tag}",
        body="Jalan desa Weru berlubang besar di depan SD.",
    )
    page = new_page()
    login(page, server.pic)
    page.goto(f"/app/complaints/{c['id']}")
    picker = page.get_by_label("Templat jawaban")
    picker.select_option(label=f"Jalan sudah ditambal {tag}")
    box = page.get_by_label("Jawaban untuk pelapor")
    expected = f"Laporan {c['tracking_no']} ({c['title']}) sudah ditangani oleh {unit['name']}."
    expect(box).to_have_value(expected)
    shoot(page, "pic-template-picker")
    box.fill(expected + " Terima kasih.")
    page.get_by_role("button", name="Kirim jawaban").click()
    answered = re.compile("Menunggu tinjauan|awaiting review", re.I)
    expect(page.locator(".chips .chip").first).to_have_text(answered)
    with server.client(server.admin) as api:
        detail = api.get(f"/complaints/{c['id']}").json()
    answers = [m["body"] for m in detail["messages"] if m["kind"] == "answer"]
    assert answers == [expected + " Terima kasih."]
    assert page.errors == []


def test_the_admin_manages_holidays(new_page, server):
    year = date.today().year + 1
    day = f"{year}-08-18"  # the day after Independence Day: no seeded holiday
    name = f"Libur uji {uuid.uuid4().hex[:4]}"
    page = new_page()
    login(page, server.admin)
    page.get_by_role("link", name="Kelola").click()
    page.get_by_role("link", name="Hari libur").click()
    expect(page).to_have_url(re.compile(r"/app/manage/holidays$"))
    # This year's seeded national holidays are listed.
    expect(page.locator(".rows.holidays li").first).to_be_visible()
    check_screen(page)

    page.get_by_text("Tambah hari libur").click()
    page.get_by_label("Tanggal").fill(day)
    page.get_by_label("Nama hari libur").fill(name)
    page.get_by_role("button", name="Simpan").click()
    row = page.locator(".rows.holidays li", has_text=name)
    expect(row).to_be_visible()
    expect(page.get_by_label("Tahun", exact=True)).to_have_value(str(year))
    shoot(page, "admin-holidays")
    with server.client() as anyone:
        listed = anyone.get("/holidays", params={"year": year}).json()
    assert {"date": day, "name": name} in listed

    row.get_by_role("button", name=f"Hapus {name} ({day})").click()
    expect(row).to_have_count(0)
    with server.client() as anyone:
        assert day not in [d["date"] for d in anyone.get("/holidays", params={"year": year}).json()]
    assert page.errors == []


def test_the_admin_and_the_pic_manage_templates(new_page, server):
    tag = uuid.uuid4().hex[:5]
    page = new_page()
    login(page, server.admin)
    page.goto("/app/manage/templates")
    page.get_by_text("Tambah templat").click()
    form = page.locator("details.create form")
    form.get_by_label("Judul templat").fill(f"Salam umum {tag}")
    form.get_by_label("Isi templat").fill("Terima kasih atas laporan {nomor}.")
    form.get_by_role("button", name="Simpan").click()
    row = page.locator(".rows.templates li", has_text=f"Salam umum {tag}")
    expect(row).to_contain_text("Semua unit")
    check_screen(page)
    row.locator("summary").click()
    row.get_by_label("Isi templat").fill("Terima kasih, laporan {nomor} kami terima.")
    row.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator(".rows.templates li", has_text=f"Salam umum {tag}")).to_be_visible()
    with server.client(server.admin) as api:
        mine = [t for t in api.get("/templates").json() if t["title"] == f"Salam umum {tag}"]
    assert [(t["body"], t["unit_id"]) for t in mine] == [
        ("Terima kasih, laporan {nomor} kami terima.", None)
    ]
    row = page.locator(".rows.templates li", has_text=f"Salam umum {tag}")
    row.locator("summary").click()
    row.get_by_role("button", name="Hapus").click()
    expect(page.locator(".rows.templates li", has_text=f"Salam umum {tag}")).to_have_count(0)

    pic = new_page()
    login(pic, server.pic)
    pic.get_by_role("link", name="Templat").click()
    expect(pic).to_have_url(re.compile(r"/app/templates$"))
    pic.get_by_text("Tambah templat").click()
    form = pic.locator("details.create form")
    expect(form.get_by_label("Unit")).to_have_count(0)  # a PIC writes for its own unit only
    form.get_by_label("Judul templat").fill(f"Drainase {tag}")
    form.get_by_label("Isi templat").fill("Saluran di lokasi {judul} sudah dibersihkan.")
    form.get_by_role("button", name="Simpan").click()
    expect(pic.locator(".rows.templates li", has_text=f"Drainase {tag}")).to_be_visible()
    check_screen(pic)
    with server.client(server.admin) as api:
        unit = next(u for u in items(api.get("/units")) if u["code"] == PIC_UNIT)
        saved = [t for t in api.get("/templates").json() if t["title"] == f"Drainase {tag}"]
    assert [t["unit_id"] for t in saved] == [unit["id"]]
    assert page.errors == [] and pic.errors == []


def _similar_pair(server, tag: str) -> tuple[dict, dict]:
    first = submit(
        server,
        server.citizen(),
        title=f"Lampu PJU mati di Plumbon {tag}",
        body=f"Lampu penerangan jalan depan pasar Plumbon {tag} mati, gelap sekali.",
        location={"lat": -6.7050, "lon": 108.4770},
    )
    second = submit(
        server,
        server.citizen(),
        title=f"PJU padam dekat pasar Plumbon {tag}",
        body=f"Penerangan jalan di pasar Plumbon {tag} padam sejak kemarin.",
        location={"lat": -6.7058, "lon": 108.4775},
    )
    return first, second


def test_triage_card_offers_the_similar_complaint_and_merges_it(new_page, server):
    tag = uuid.uuid4().hex[:6]
    first, second = _similar_pair(server, tag)
    page = new_page()
    login(page, server.admin)
    card = page.locator("li.card.triage").filter(
        has=page.locator("a.title", has_text=second["title"])
    )
    hint = card.locator(".similar-row", has_text=first["tracking_no"])
    expect(hint).to_contain_text(re.compile(rf"Mungkin sama dengan {first['tracking_no']} · \d+ m"))
    card.scroll_into_view_if_needed()
    shoot(page, "admin-triage-similar")

    with page.expect_response(f"**/api/v1/complaints/{second['id']}/merge") as answer:
        hint.get_by_role("button", name="Gabungkan").click()
    response = answer.value
    assert response.request.method == "POST"
    assert response.request.post_data_json == {"into": first["id"]}
    assert response.status == 200, response.status
    expect(card).to_have_count(0)
    with server.client(server.admin) as api:
        assert api.get(f"/complaints/{second['id']}").json()["status"] == "merged"
    assert page.errors == []


def test_merging_into_a_closed_complaint_says_why_not(new_page, server):
    tag = uuid.uuid4().hex[:6]
    first, second = _similar_pair(server, tag)
    page = new_page()
    login(page, server.admin)
    page.goto(f"/app/complaints/{second['id']}")
    hint = page.locator(".similar-row", has_text=first["tracking_no"])
    expect(hint).to_be_visible()
    # Meanwhile someone else rejects the complaint the hint points at.
    with server.client(server.admin) as api:
        r = api.post(f"/complaints/{first['id']}/reject", json={"reason": "Sudah ditangani."})
        assert r.status_code == 200, r.text
    with page.expect_response(f"**/api/v1/complaints/{second['id']}/merge") as answer:
        hint.get_by_role("button", name="Gabungkan").click()
    assert answer.value.status == 409
    expect(page.locator(".toast.error")).to_contain_text(
        f"Tidak bisa digabungkan: {first['tracking_no']} sudah selesai"
    )
    assert page.errors == []


def test_the_pic_sees_the_hint_without_a_merge_button(new_page, server):
    tag = uuid.uuid4().hex[:6]
    first = routed(
        server,
        server.citizen(),
        title=f"Jalan amblas di Sumber {tag}",
        body=f"Jalan raya Sumber {tag} amblas di depan kantor desa.",
    )
    second = routed(
        server,
        server.citizen(),
        title=f"Jalan ambles depan kantor desa Sumber {tag}",
        body=f"Aspal jalan Sumber {tag} ambles dan berlubang.",
    )
    page = new_page()
    login(page, server.pic)
    page.goto(f"/app/complaints/{second['id']}")
    hint = page.locator(".similar-row", has_text=first["tracking_no"])
    expect(hint).to_contain_text("Mungkin sama dengan")
    expect(page.get_by_role("button", name="Gabungkan")).to_have_count(0)
    check_screen(page)
    assert page.errors == []
