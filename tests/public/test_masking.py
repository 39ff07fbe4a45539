"""Masking of personal numbers in public text: pure, no app."""

from __future__ import annotations

import pytest

from backend.public.masking import (
    EMAIL_MASK,
    IDENTITY_MASK,
    NIK_MASK,
    PHONE_MASK,
    mask_personal_numbers,
    public_text,
    redact_identity,
)

PHONES = [
    "081234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "0812.3456.7890",
    "0857 2233 445",
    "+6281234567890",
    "+62 812 3456 7890",
    "+62-812-3456-7890",
    "+62 231 321197",
    "6281234567890",
    "62 812-3456-7890",
    "(0231) 321197",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_masked_in_every_usual_spelling(phone):
    text = f"Mohon segera ditindaklanjuti, hubungi saya di {phone} ya pak."
    masked = mask_personal_numbers(text)
    assert masked == f"Mohon segera ditindaklanjuti, hubungi saya di {PHONE_MASK} ya pak."


@pytest.mark.parametrize(
    "email", ["budi.santoso@gmail.com", "siti_rahma+lapor@yahoo.co.id", "warga123@cirebonkab.go.id"]
)
def test_email_addresses_are_masked(email):
    masked = mask_personal_numbers(f"Balas ke {email}, terima kasih.")
    assert masked == f"Balas ke {EMAIL_MASK}, terima kasih."


@pytest.mark.parametrize("nik", ["3209123456780001", "3209 1234 5678 0001", "3209.1234.5678.0001"])
def test_nik_numbers_are_masked(nik):
    masked = mask_personal_numbers(f"NIK saya {nik} tapi KTP belum jadi.")
    assert masked == f"NIK saya {NIK_MASK} tapi KTP belum jadi."


@pytest.mark.parametrize(
    "text",
    [
        "Kejadian tanggal 12-03-2026 sekitar pukul 08.30 WIB.",
        "Sudah lapor 12/03/2026 dan 08/03/2026, juga 2026-03-12.",
        "Pungutan Rp 1.500.000 untuk pembuatan KTP, padahal gratis.",
        "Bantuan Rp 628.000 belum cair, dan Rp 62.500.000 dana desa.",
        "Jalan rusak di RT 03/RW 05 Desa Sumber, depan rumah No. 12.",
        "Jalan berlubang di km 62 jalur pantura sejak tahun 2025.",
        "Antrean nomor 085 di loket 3, tunggu 45 menit.",
        "Nomor surat 470/123/Disdukcapil/2026 belum diproses.",
        "Jam pelayanan 07.30-16.00, Senin sampai Kamis.",
        "Sertifikat tanah nomor 10.18.23.07.1.00456 belum jadi.",
    ],
)
def test_legitimate_numbers_survive(text):
    assert mask_personal_numbers(text) == text


def test_several_personal_numbers_in_one_text_all_go():
    text = (
        "Saya Budi, NIK 3209123456780001, WA 0812-3456-7890 atau +62 857 1122 3344, "
        "email budi.santoso@gmail.com. Kejadian 12-03-2026 di RT 03/RW 05, rugi Rp 1.500.000."
    )
    masked = mask_personal_numbers(text)
    for secret in ("3209123456780001", "0812-3456-7890", "857 1122 3344", "budi.santoso"):
        assert secret not in masked
    for kept in ("12-03-2026", "RT 03/RW 05", "Rp 1.500.000"):
        assert kept in masked


def test_known_identity_is_removed_whatever_its_case_and_word_by_word():
    text = "Kepada BUDI SANTOSO: laporan bapak Budi sudah kami terima (akun budi_s88)."
    out = redact_identity(text, ["Budi Santoso", "budi_s88", None, ""])
    assert "budi" not in out.lower() and "santoso" not in out.lower()
    assert out.count(IDENTITY_MASK) == 3


def test_short_identity_strings_do_not_erase_ordinary_words():
    assert redact_identity("Jalan di desa ini rusak", ["Di", "a"]) == "Jalan di desa ini rusak"


def test_public_text_masks_an_email_before_the_name_inside_it():
    out = public_text("Balas ke budi.santoso@gmail.com, pak Budi", ["Budi Santoso"])
    assert out == f"Balas ke {EMAIL_MASK}, pak {IDENTITY_MASK}"
    assert public_text(None, ["x"]) is None
