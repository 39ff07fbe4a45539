"""Filling answer templates: the three placeholders, nothing else, no format injection."""

from __future__ import annotations

from backend.templates.placeholders import PLACEHOLDERS, ComplaintFacts, fill

FACTS = ComplaintFacts(
    tracking_no="UPIK-2026-000123",
    title="Jalan berlubang di Sumber",
    unit_name="Dinas Pekerjaan Umum dan Tata Ruang",
)


def test_the_three_placeholders_are_filled_wherever_they_appear():
    body = "Laporan {nomor} ({judul}) sudah ditangani {unit}. Nomor: {nomor}."
    assert fill(body, FACTS) == (
        "Laporan UPIK-2026-000123 (Jalan berlubang di Sumber) sudah ditangani "
        "Dinas Pekerjaan Umum dan Tata Ruang. Nomor: UPIK-2026-000123."
    )
    assert PLACEHOLDERS == ("nomor", "judul", "unit")


def test_unknown_placeholders_and_stray_braces_stay_as_written():
    body = "Yth. {nama}, {NOMOR} { nomor } {nomor {} }{ {{nomor}} {0} {judul!r} {unit.name}"
    assert fill(body, FACTS) == (
        "Yth. {nama}, {NOMOR} { nomor } {nomor {} }{ {UPIK-2026-000123} {0} {judul!r} {unit.name}"
    )


def test_no_format_injection_through_the_template():
    # str.format would reach attributes and items of its arguments; fill does not.
    body = "{judul.__class__} {unit.__init__.__globals__} {nomor[0]}"
    assert fill(body, FACTS) == body


def test_facts_are_inserted_literally_and_not_expanded_again():
    tricky = ComplaintFacts(tracking_no="UPIK-1", title="{unit} \\1 \\g<0> {nomor}", unit_name="U")
    assert fill("{judul} / {unit}", tricky) == "{unit} \\1 \\g<0> {nomor} / U"


def test_a_missing_fact_leaves_its_placeholder_for_the_pic():
    assert fill("{nomor} di {unit}", ComplaintFacts(tracking_no="UPIK-9")) == "UPIK-9 di {unit}"


def test_text_without_placeholders_is_unchanged():
    assert fill("", FACTS) == ""
    assert fill("Terima kasih.", FACTS) == "Terima kasih."
