"""The whole SOP through the UI, three people in three browser contexts:
citizen registers and complains with a photo, admin dispatches, PIC answers,
admin edits and releases, citizen reads the answer and rates it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.support.pwa_pages import camera_jpeg, login, open_app, shoot

TITLE = "Jalan berlubang di depan Pasar Sumber"
BODY = (
    "Jalan berlubang besar di depan pasar Sumber, sudah dua minggu. Motor sering jatuh malam hari."
)
ANSWER = "Terima kasih. Tim Dinas PUTR menambal jalan tersebut pada hari Kamis."
EDITED = ANSWER + " Mohon maaf atas ketidaknyamanannya."


def test_sop_through_the_ui(new_page, server):
    citizen = new_page(
        permissions=["geolocation"], geolocation={"latitude": -6.7063, "longitude": 108.5570}
    )
    admin = new_page()
    pic = new_page()

    # --- citizen: register, then write the complaint -------------------------
    open_app(citizen, "/app/")
    expect(citizen).to_have_url(re.compile(r"/app/login$"))
    shoot(citizen, "01-login")
    citizen.get_by_role("link", name="Daftar di sini").click()
    username = f"siti{citizen.evaluate('Date.now()') % 10**8}"
    citizen.get_by_label("Nama lengkap").fill("Siti Aminah")
    citizen.get_by_label("Nama pengguna").fill(username)
    citizen.get_by_label("Kata sandi").fill("sandi-rahasia-1")
    citizen.get_by_role("button", name="Daftar").click()
    expect(citizen).to_have_url(re.compile(r"/app/new$"))

    citizen.get_by_label("Judul singkat").fill(TITLE)
    citizen.get_by_label("Ceritakan masalahnya").fill(BODY)
    # The category is suggested live from the text (debounced GET .../categories/suggest).
    expect(citizen.locator(".guess")).to_contain_text("Jalan dan Jembatan")
    expect(citizen.get_by_label("Kategori (opsional)").locator("option:checked")).to_have_text(
        "Jalan dan Jembatan"
    )
    # The one-sentence explanations are attached to the toggles for screen readers.
    expect(citizen.get_by_label("Anonim")).to_have_attribute("aria-describedby", re.compile(r".+"))
    expect(citizen.get_by_label("Rahasia")).to_have_attribute("aria-describedby", re.compile(r".+"))
    citizen.get_by_role("button", name="Tambahkan lokasi saya").click()
    expect(citizen.get_by_text("Lokasi: -6.7063, 108.557")).to_be_visible()
    citizen.get_by_label("Alamat atau patokan").fill("Depan Pasar Sumber")
    photo = camera_jpeg(citizen)
    citizen.locator("input[type=file]").set_input_files(photo)
    expect(citizen.locator(".preview img")).to_be_visible()
    # Downscaled in the browser before it ever leaves the phone.
    shrunk_kb = int(citizen.locator(".preview span").inner_text().split()[0])
    assert shrunk_kb * 1024 < len(photo["buffer"])
    shoot(citizen, "02-citizen-new-complaint")
    with citizen.expect_response(
        lambda r: r.url.endswith("/attachments") and r.request.method == "POST"
    ) as up:
        citizen.get_by_role("button", name="Kirim pengaduan").click()
    assert up.value.status == 201, up.value.text()
    expect(citizen).to_have_url(re.compile(r"/app/complaints/\d+$"))
    complaint_id = int(citizen.url.rsplit("/", 1)[1])
    expect(citizen.locator(".chip.s-received")).to_have_text("Diterima")
    img = citizen.locator(".thumbs img")
    expect(img).to_be_visible()
    citizen.wait_for_function("document.querySelector('.thumbs img').naturalWidth > 0")
    w, h = citizen.evaluate(
        "(([i]) => [i.naturalWidth, i.naturalHeight])(document.querySelectorAll('.thumbs img'))"
    )
    assert max(w, h) <= 1280 and (w, h) != (0, 0)

    citizen.get_by_role("link", name="Pengaduan saya").click()
    expect(citizen.locator(".card", has_text=TITLE)).to_be_visible()
    shoot(citizen, "03-citizen-my-complaints")

    # --- admin: triage with the suggested unit, one tap ---------------------
    login(admin, server.admin)
    expect(admin).to_have_url(re.compile(r"/app/triage$"))
    card = admin.locator(".card.triage", has_text=TITLE)
    expect(card).to_be_visible()
    shoot(admin, "06-admin-triage")
    unit_select = card.locator("select")
    if not unit_select.input_value():
        # No keyword matched a category: the admin picks the unit by hand.
        unit_select.select_option(
            card.locator("option", has_text=re.compile(r"^DPUTR")).get_attribute("value")
        )
    assert unit_select.locator("option:checked").inner_text().startswith("DPUTR")
    card.get_by_role("button", name="Teruskan").click()
    expect(card).to_have_count(0)

    # --- PIC: inbox with the countdown, answer -------------------------------
    login(pic, server.pic)
    expect(pic).to_have_url(re.compile(r"/app/inbox$"))
    row = pic.locator(".card", has_text=TITLE)
    expect(row).to_be_visible()
    expect(row.locator(".sla")).to_have_text(re.compile(r"^Sisa (2 jam 5\d mnt|3 jam 0 mnt)$"))
    shoot(pic, "05-pic-inbox")
    row.click()
    expect(pic.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(pic.locator(".facts")).to_contain_text(
        "Siti Aminah"
    )  # not anonymous: the PIC sees the reporter
    pic.get_by_label("Jawaban untuk pelapor").fill("Akan kami cek.")
    pic.get_by_role("button", name="Kirim jawaban").click()
    expect(pic.locator(".chip.s-answered")).to_be_visible()

    # --- admin: too thin, back to the unit with a note ---------------------------
    admin.get_by_role("link", name="Tinjau").click()
    admin.locator(".card", has_text=TITLE).click()
    admin.get_by_text("Kembalikan ke unit").click()
    admin.get_by_label("Catatan untuk unit").fill("Sebutkan kapan jalan ditambal.")
    admin.get_by_role("button", name="Kembalikan", exact=True).click()
    expect(admin.locator(".chip.s-routed")).to_be_visible()

    # The PIC's open page follows live: the note and the answer box are back.
    expect(pic.locator(".notice", has_text="Dikembalikan admin:")).to_contain_text(
        "Sebutkan kapan jalan ditambal."
    )
    pic.get_by_label("Jawaban untuk pelapor").fill(ANSWER)
    pic.get_by_role("button", name="Kirim jawaban").click()
    expect(pic.locator(".chip.s-answered")).to_be_visible()

    # --- admin: review, edit, release ---------------------------------------
    admin.get_by_role("link", name="Tinjau").click()
    admin.locator(".card", has_text=TITLE).click()
    review = admin.get_by_label("Jawaban yang akan terbit")
    expect(review).to_have_value(ANSWER)
    review.fill(EDITED)
    shoot(admin, "07-admin-review")
    admin.get_by_role("button", name="Terbitkan jawaban").click()
    expect(admin.locator(".chip.s-released")).to_be_visible()

    # --- citizen: the open detail page updates live, then rate ---------------
    citizen.goto(f"/app/complaints/{complaint_id}")
    expect(citizen.locator(".answer")).to_contain_text(EDITED)
    expect(citizen.locator(".chip.s-released")).to_have_text("Jawaban terbit")
    citizen.locator(".answer").evaluate("(el) => el.scrollIntoView({block: 'center'})")
    shoot(citizen, "04-citizen-complaint-answer")
    citizen.locator("label[for=score-4]").click()
    citizen.get_by_label("Komentar (opsional)").fill("Cepat ditangani, terima kasih.")
    citizen.get_by_role("button", name="Kirim nilai").click()
    expect(citizen.locator(".chip.s-closed")).to_have_text("Selesai")
    expect(citizen.locator(".rated")).to_contain_text("4 dari 5")

    # --- the server agrees ---------------------------------------------------
    with server.client(server.admin) as api:
        c = api.get(f"/complaints/{complaint_id}").json()
    assert c["status"] == "closed"
    assert c["rating"]["score"] == 4
    assert c["unit"]["code"] == "DPUTR"
    assert len(c["attachments"]) == 1
    assert (c["location"]["lat"], c["location"]["lon"]) == (-6.7063, 108.557)
    assert c["location"]["address"] == "Depan Pasar Sumber"
    assert [m["body"] for m in c["messages"] if m["kind"] == "answer"][-1] == EDITED

    # --- dashboard renders the SOP step timings -------------------------------
    admin.get_by_role("link", name="Dasbor").click()
    expect(admin.locator("svg.chart").first).to_be_visible()
    shoot(admin, "08-admin-dashboard")
    # ...and offers the CSV export, which holds this complaint.
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Unduh CSV pengaduan periode ini").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith("tracking_no,received_at,")
    assert c["tracking_no"] in exported and "Depan Pasar Sumber" not in exported

    for page in (citizen, admin, pic):
        assert page.errors == []


def test_live_update_without_reload(new_page, server):
    """A citizen watching a complaint sees the dispatch as it happens (EventSource)."""
    creds = server.citizen("Budi")
    with server.client(creds) as api:
        c = api.post(
            "/complaints",
            json={"title": "Lampu jalan mati", "body": "Lampu jalan mati di Jl. Tuparev."},
        ).json()
    page = new_page()
    login(page, creds)
    page.goto(f"/app/complaints/{c['id']}")
    expect(page.locator(".chip.s-received")).to_be_visible()
    page.evaluate("window.__marker = 1")  # gone if the page reloads
    with server.client(server.admin) as api:
        units = api.get("/units").json()
        unit = next(
            u
            for u in (units["items"] if isinstance(units, dict) else units)
            if u["code"] == "DPUTR"
        )
        assert (
            api.post(f"/complaints/{c['id']}/dispatch", json={"unit_id": unit["id"]}).status_code
            == 200
        )
    expect(page.locator(".chip.s-routed")).to_have_text("Diteruskan ke unit", timeout=10000)
    assert page.evaluate("window.__marker") == 1

    # More information while the unit works on it: a reply, kept in the conversation.
    page.get_by_label("Pesan Anda").fill("Lampunya mati sejak Senin malam.")
    page.get_by_role("button", name="Kirim tanggapan").click()
    expect(page.locator(".msg.reply")).to_contain_text("sejak Senin malam")
    with server.client(creds) as api:
        msgs = api.get(f"/complaints/{c['id']}").json()["messages"]
    assert [m["body"] for m in msgs if m["kind"] == "reply"] == ["Lampunya mati sejak Senin malam."]
    assert page.errors == []
