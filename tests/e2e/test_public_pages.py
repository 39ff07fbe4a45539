"""The public pages at 360 px, without logging in: tracking a complaint by its
number (/app/lacak), the answered list (/app/publik), the statistics
(/app/statistik), offline revisits, and the way there from the login screen."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import PIC_UNIT
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.pwa_pages import check_screen, login, open_app, shoot, wait_for_worker

UNIT_NAME = "Dinas Pekerjaan Umum dan Tata Ruang"


def unit_id(server, code: str = PIC_UNIT) -> int:
    with server.client(server.admin) as api:
        body = api.get("/units").json()
    units = body["items"] if isinstance(body, dict) else body
    return next(u["id"] for u in units if u["code"] == code)


def released(
    server,
    title: str,
    answer: str,
    *,
    kind: str = "keluhan",
    confidential: bool = False,
    reporter=None,
) -> dict:
    """A complaint taken through the SOP by its real actors: submitted, dispatched
    to the PIC's unit, answered, released. Returns the complaint as submitted."""
    with server.client(reporter or server.citizen("Siti Aminah")) as api:
        r = api.post(
            "/complaints",
            json={
                "title": title,
                "body": f"{title}. Mohon segera ditangani, terima kasih.",
                "kind": kind,
                "is_confidential": confidential,
            },
        )
        assert r.status_code == 201, r.text
        c = r.json()
    # Texts the classifier is sure of are routed at once; the rest the admin dispatches.
    if c["status"] == "received":
        with server.client(server.admin) as api:
            r = api.post(f"/complaints/{c['id']}/dispatch", json={"unit_id": unit_id(server)})
            assert r.status_code == 200, r.text
    with server.client(server.pic) as api:
        r = api.post(f"/complaints/{c['id']}/answer", json={"body": answer})
        assert r.status_code == 200, r.text
    with server.client(server.admin) as api:
        r = api.post(f"/complaints/{c['id']}/release", json={})
        assert r.status_code == 200, r.text
    return c


def listed(page, action) -> None:
    """Does `action`, then waits until the list on screen is its answer (the list
    is aria-busy until then; on a loaded machine the answer may take a while)."""
    with page.expect_response(lambda r: "/api/v1/public/complaints?" in r.url):
        action()
    expect(page.locator("ul.cards")).not_to_have_attribute("aria-busy", "true")


def token() -> str:
    """A word no other test's complaint contains, so searches see only ours.
    Letters only: five digits in a row would be refused as a personal number."""
    return "Desa" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])


def test_tracking_a_released_complaint_without_login(new_page, server):
    c = released(
        server,
        "Jalan berlubang di Desa Kaliwedi",
        "Lubang sudah ditambal oleh tim DPUTR pada 12-03-2026.",
    )
    number = c["tracking_no"]
    year, seq = re.match(r"UPIK-(\d{4})-(\d+)$", number).groups()
    page = new_page()
    open_app(page, "/app/login")
    page.get_by_role("link", name="Lacak pengaduan").click()
    expect(page).to_have_url(re.compile(r"/app/lacak$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lacak pengaduan")
    # Typed as people do: small letters, no leading zeros.
    page.get_by_label("Nomor pengaduan").fill(f"upik-{year}-{int(seq)}")
    page.get_by_role("button", name="Lacak", exact=True).click()
    expect(page).to_have_url(re.compile(f"/app/lacak/{number}$"))

    result = page.locator(".result")
    expect(result.get_by_role("heading", level=2)).to_have_text("Jalan berlubang di Desa Kaliwedi")
    facts = result.locator(".facts")
    expect(facts).to_contain_text(number)
    expect(facts).to_contain_text("Jawaban terbit")
    expect(facts).to_contain_text(UNIT_NAME)
    expect(facts).to_contain_text("Keluhan")
    steps = result.locator(".timeline li")
    expect(steps).to_have_count(4)
    for i, name in enumerate(
        ["Pengaduan dikirim", "Diteruskan ke unit", "Dijawab unit", "Jawaban diterbitkan"]
    ):
        expect(steps.nth(i).locator("strong")).to_have_text(name)
        # Each step says when: a date and a time in Indonesian.
        expect(steps.nth(i).locator(".meta")).to_have_text(re.compile(r"\d{4}.*\d{2}[.:]\d{2}"))
    answer = result.locator(".answer")
    expect(answer).to_contain_text("Lubang sudah ditambal oleh tim DPUTR pada 12-03-2026.")
    expect(answer).to_contain_text("Terbit")
    # Nobody is logged in: no app menu, and the reporter is never named.
    expect(page.locator("#nav")).to_be_hidden()
    expect(page.locator("main")).not_to_contain_text("Siti Aminah")
    shoot(page, "10-public-track")

    # The old address still works and lands on the new one.
    open_app(page, f"/app/track/{number}")
    expect(page).to_have_url(re.compile(f"/app/lacak/{number}$"))
    expect(page.locator(".result .answer")).to_be_visible()
    assert page.errors == []


def test_a_confidential_complaint_shows_only_number_status_and_times(new_page, server):
    c = released(
        server,
        "Dugaan pungutan di kantor kecamatan",
        "Sudah diperiksa oleh inspektorat dan ditindaklanjuti.",
        confidential=True,
    )
    page = new_page()
    open_app(page, f"/app/lacak/{c['tracking_no']}")
    result = page.locator(".result")
    expect(result.get_by_role("heading", level=2)).to_have_text(c["tracking_no"])
    expect(result.locator(".notice")).to_contain_text("Pengaduan ini rahasia")
    expect(result.locator(".facts")).to_contain_text("Jawaban terbit")
    expect(result.locator(".timeline li")).to_have_count(4)
    main = page.locator("main")
    expect(main).not_to_contain_text("Dugaan pungutan")
    expect(main).not_to_contain_text("inspektorat")
    expect(main).not_to_contain_text(UNIT_NAME)
    expect(result.locator(".answer")).to_have_count(0)
    check_screen(page)
    assert page.errors == []


def test_unknown_and_malformed_numbers_get_a_clear_message(new_page, server):
    page = new_page()
    open_app(page, "/app/lacak/UPIK-2026-999999")
    expect(page.get_by_role("alert")).to_have_text(
        "Pengaduan bernomor UPIK-2026-999999 tidak ditemukan. Periksa lagi nomornya."
    )
    expect(page.locator(".result")).to_have_count(0)

    field = page.get_by_label("Nomor pengaduan")
    field.fill("12345")
    page.get_by_role("button", name="Lacak", exact=True).click()
    # Said under the field, tied to it, and nothing was asked of the server.
    error = page.locator(".field-error")
    expect(error).to_have_text("Tulis nomornya seperti ini: UPIK-2026-000123.")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert error.get_attribute("id") in field.get_attribute("aria-describedby").split()
    expect(field).to_be_focused()
    expect(page).to_have_url(re.compile(r"/app/lacak/UPIK-2026-999999$"))
    check_screen(page)

    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("alert")).to_have_text(
        "There is no complaint numbered UPIK-2026-999999. Please check the number."
    )
    expect(page.get_by_label("Complaint number")).to_be_visible()
    assert page.errors == []


def test_the_public_list_filters_searches_and_pages(new_page, server):
    word = token()
    reporter = server.citizen("Budi Santoso")
    for i in range(21):
        released(
            server,
            f"Lampu jalan padam {word} nomor {i}",
            f"Lampu ke-{i} diganti.",
            reporter=reporter,
        )
    released(
        server,
        f"Usul taman bacaan {word}",
        "Usulan diterima, masuk rencana 2027.",
        kind="saran",
        reporter=reporter,
    )
    released(
        server,
        f"Rahasia {word} jangan tampil",
        "Jawaban rahasia.",
        confidential=True,
        kind="saran",
        reporter=reporter,
    )

    page = new_page()
    open_app(page, "/app/login")
    page.get_by_role("link", name="Jawaban untuk warga").click()
    expect(page).to_have_url(re.compile(r"/app/publik$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Jawaban untuk warga")

    page.get_by_label("Cari judul").fill(word)
    listed(page, page.get_by_role("button", name="Cari", exact=True).click)
    expect(page).to_have_url(re.compile(f"/app/publik\\?q={word}$"))
    cards = page.locator("ul.cards > li.card")
    expect(cards).to_have_count(20)
    # Newest first, with the answer under each title.
    expect(cards.first.locator(".title")).to_have_text(f"Usul taman bacaan {word}")
    expect(cards.first.locator(".excerpt")).to_have_text("Usulan diterima, masuk rencana 2027.")
    expect(cards.first).to_contain_text(UNIT_NAME)
    shoot(page, "11-public-list")
    more = page.get_by_role("button", name="Muat lagi")
    listed(page, more.click)
    expect(cards).to_have_count(22)
    expect(more).to_be_hidden()
    expect(page.locator("main")).not_to_contain_text("jangan tampil")

    # Kind filter: of our 22, only the suggestion is a "saran" (the confidential one never shows).
    listed(page, lambda: page.get_by_label("Jenis").select_option("saran"))
    expect(cards).to_have_count(1)
    expect(cards.first.locator(".title")).to_have_text(f"Usul taman bacaan {word}")
    expect(page).to_have_url(re.compile(r"kind=saran"))

    # Unit filter: the names come from the public statistics; the PIC's unit has ours.
    listed(page, lambda: page.get_by_label("Jenis").select_option(""))
    listed(page, lambda: page.get_by_label("Unit").select_option(label=UNIT_NAME))
    expect(page).to_have_url(re.compile(f"unit_id={unit_id(server)}"))
    expect(cards).to_have_count(20)
    expect(cards.filter(has_text=UNIT_NAME)).to_have_count(20)
    listed(page, lambda: page.get_by_label("Unit").select_option(""))
    page.get_by_label("Cari judul").fill(token())
    listed(page, page.get_by_role("button", name="Cari", exact=True).click)
    expect(page.locator("ul.cards > li.empty")).to_have_text("Belum ada jawaban yang cocok.")

    # A long number is refused at the field, before the server is asked.
    asked = []
    page.on("request", lambda r: "0812" in r.url and asked.append(r.url))
    page.get_by_label("Cari judul").fill("0812 3456 7890")
    page.get_by_role("button", name="Cari", exact=True).click()
    expect(page.locator(".field-error")).to_contain_text("bukan nomor panjang")
    expect(page.get_by_label("Cari judul")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Cari judul")).to_be_focused()
    assert asked == []

    # The filters are in the address: opening it again shows the same result.
    listed(page, lambda: open_app(page, f"/app/publik?q={word}&kind=saran"))
    expect(page.get_by_label("Jenis")).to_have_value("saran")
    expect(cards).to_have_count(1)
    cards.first.locator(".title").click()
    expect(page).to_have_url(re.compile(r"/app/lacak/UPIK-\d{4}-\d{6}$"))
    expect(page.locator(".result .answer")).to_contain_text("Usulan diterima")
    assert page.errors == []


def test_statistics_draw_bars_per_unit(new_page, server):
    released(server, "Saluran air tersumbat di Sumber", "Saluran sudah dibersihkan.")
    page = new_page()
    open_app(page, "/app/statistik")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik layanan")
    card = page.locator("ul.cards > li.card", has=page.get_by_role("heading", name=UNIT_NAME))
    expect(card).to_have_count(1)
    expect(card.locator(".meta")).to_contain_text(re.compile(r"\d+ pengaduan: \d+ dijawab"))
    chart = card.locator("svg.chart")
    expect(chart).to_have_attribute("role", "img")
    # One row per SOP step; the steps this unit has taken have a median bar and an on-time bar.
    expect(chart.locator("line.std")).to_have_count(3)
    widths = chart.locator("rect.med").evaluate_all(
        "(rs) => rs.map((r) => +r.getAttribute('width'))"
    )
    assert widths and all(w > 0 for w in widths), widths
    assert chart.locator("rect.ontime").count() == len(widths)
    label = chart.get_attribute("aria-label")
    assert "Diteruskan → dijawab: median" in label and "tepat waktu" in label, label
    # The bars are drawn in the page's own SVG, styled by classes, never by inline style.
    assert chart.locator("[style]").count() == 0
    shoot(page, "12-public-stats")
    assert page.errors == []


def test_a_tracking_page_seen_before_shows_offline(new_page, server):
    c = released(server, "Trotoar retak di Jalan Tuparev", "Trotoar sudah diperbaiki.")
    page = new_page()
    # The first visit: the worker is not in control yet when the page asks.
    open_app(page, f"/app/lacak/{c['tracking_no']}")
    expect(page.locator(".result .answer")).to_be_visible()
    expect(page.locator(".stale")).to_have_count(0)
    wait_for_worker(page)
    # Days later: the browser's HTTP cache (max-age 60 s) has long let it go,
    # so only the worker's copy can answer.
    page.context.new_cdp_session(page).send("Network.clearBrowserCache")

    page.context.set_offline(True)
    page.reload()
    page.wait_for_function("window.__upikReady")
    expect(page.locator(".stale")).to_contain_text(
        re.compile(r"^Anda sedang offline\. Data ini dari \d.*\d{2}[.:]\d{2}\.$")
    )
    expect(page.locator(".result .answer")).to_contain_text("Trotoar sudah diperbaiki")
    expect(page.locator(".result .timeline li")).to_have_count(4)
    check_screen(page)

    # A number never seen here cannot be checked offline, and the page says why.
    page.get_by_label("Nomor pengaduan").fill("UPIK-2026-888888")
    page.get_by_role("button", name="Lacak", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Tidak ada koneksi. Periksa sinyal Anda lalu coba lagi."
    )
    page.context.set_offline(False)
    assert page.errors == []


def test_login_screen_explains_and_links_the_public_pages(new_page, server):
    page = new_page()
    open_app(page, "/app/login")
    how = page.get_by_role("list", name="Cara kerja UPIK")
    expect(how.locator("li")).to_have_count(3)
    expect(how.locator("li").nth(0)).to_contain_text("Lapor")
    expect(how.locator("li").nth(1)).to_contain_text("Diteruskan")
    expect(how.locator("li").nth(2)).to_contain_text("Dijawab")
    # The lines come before the form.
    assert page.evaluate(
        "document.querySelector('.how').compareDocumentPosition(document.querySelector('form'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    check_screen(page)
    page.get_by_role("link", name="Statistik").click()
    expect(page).to_have_url(re.compile(r"/app/statistik$"))
    # From a public page, the way back to logging in.
    page.get_by_role("link", name="Masuk", exact=True).click()
    expect(page).to_have_url(re.compile(r"/app/login$"))
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
    assert page.errors == []


def test_logged_in_people_reach_the_public_pages_from_the_menu(new_page, server):
    page = new_page()
    login(page, server.admin)
    nav = page.locator("#nav")
    nav.get_by_role("link", name="Publik").click()
    expect(page).to_have_url(re.compile(r"/app/publik$"))
    expect(nav.get_by_role("link", name="Publik")).to_have_attribute("aria-current", "page")
    # The admin's six tabs still fit 360 px with 44 px targets.
    check_screen(page)
    sub = page.get_by_role("navigation", name="Halaman publik")
    sub.get_by_role("link", name="Lacak").click()
    expect(page).to_have_url(re.compile(r"/app/lacak$"))
    expect(nav.get_by_role("link", name="Publik")).to_have_attribute("aria-current", "page")
    # Logged in, the page stays (no bounce to the home screen) and offers no login links.
    expect(page.locator("main")).not_to_contain_text("Ingin melapor?")

    citizen = new_page()
    login(citizen, server.citizen())
    citizen.locator("#nav").get_by_role("link", name="Publik").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Jawaban untuk warga")
    check_screen(citizen)
    assert page.errors == [] and citizen.errors == []


def test_install_hint_on_the_login_screen_when_the_browser_offers_it(tmp_path, server, playwright):
    ctx = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 800},
        locale="id-ID",
        base_url=server.base_url,
        bypass_csp=True,  # wait_for_function polls with eval(); test_csp.py enforces the policy
    )
    try:
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        open_app(page, "/app/login")
        hint = page.locator(
            "section.notice", has=page.get_by_role("heading", name="Pasang aplikasi")
        )
        # Installable once the worker is up; Chromium then offers it and the hint shows.
        wait_for_worker(page)
        expect(hint).to_be_visible(timeout=20000)
        expect(hint).to_contain_text("notifikasi")
        expect(hint).to_contain_text("tanpa sinyal")
        expect(hint.get_by_role("button", name="Pasang aplikasi")).to_be_visible()
        check_screen(page)
    finally:
        ctx.close()
