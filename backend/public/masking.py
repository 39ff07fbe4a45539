"""Masking of personal numbers and addresses in text shown to the public.

Reporters write their phone number, e-mail or NIK into the complaint ("hubungi
saya di 0812-3456-7890"); public text must not carry them. Legitimate numbers
must survive: dates (12-03-2026, 12/03/2026), amounts (Rp 1.500.000), RT/RW,
house numbers, years and distances. Each pattern is therefore anchored on what
only a personal number looks like (08 / 62 8 / +62 prefixes, 16 digits, an @)
and a match is checked for its digit count before it is masked.

Pure functions: no database, no app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PHONE_MASK = "[nomor telepon disamarkan]"
EMAIL_MASK = "[email disamarkan]"
NIK_MASK = "[NIK disamarkan]"
IDENTITY_MASK = "[identitas disamarkan]"

_SEP = r"[ \t.\-]?"  # one optional separator between digit groups

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# 16 digits, contiguous or written in four groups of four (3209 1234 5678 0001).
_NIK = re.compile(r"(?<![\d])(?:\d{16}|\d{4}([ .\-])\d{4}\1\d{4}\1\d{4})(?![\d])")
# Mobile numbers: 08xx..., 628xx..., +628xx..., in groups split by spaces,
# dashes or dots. +62 also covers landlines (+62 231 123456).
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:\+62" + _SEP + r"\(?\d{1,4}\)?|62" + _SEP + r"8\d{1,2}|08\d{1,2})"
    r"(?:" + _SEP + r"\d{2,5}){1,4}"
    r"(?![\d])"
)
# A landline with its area code in brackets: (0231) 321197.
_LANDLINE = re.compile(r"\(0\d{2,3}\)" + _SEP + r"\d{3,4}" + _SEP + r"\d{0,4}(?![\d])")

PHONE_DIGITS = range(9, 15)  # 0812345678 .. +62 812 3456 78901


def _phone(match: re.Match) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE_MASK if digits in PHONE_DIGITS else match.group(0)


def mask_personal_numbers(text: str) -> str:
    """E-mail addresses, NIK numbers and phone numbers replaced by a marker."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _NIK.sub(NIK_MASK, text)
    text = _PHONE.sub(_phone, text)
    return _LANDLINE.sub(_phone, text)


def redact_identity(text: str, identity: Iterable[str | None]) -> str:
    """Each known identity string of the reporter (name, username, phone,
    e-mail) removed from the text, whatever its case. Strings shorter than
    three characters are skipped: they would erase ordinary words."""
    for value in sorted({v.strip() for v in identity if v and v.strip()}, key=len, reverse=True):
        if len(value) < 3:
            continue
        text = re.sub(re.escape(value), IDENTITY_MASK, text, flags=re.IGNORECASE)
        # A full name also appears word by word ("Bu Siti" for "Siti Rahmawati").
        for part in value.split():
            if len(part) >= 4 and part.isalpha():
                text = re.sub(rf"\b{re.escape(part)}\b", IDENTITY_MASK, text, flags=re.I)
    return text


def public_text(text: str | None, identity: Iterable[str | None] = ()) -> str | None:
    """The one way free text reaches the public: identity out, numbers masked."""
    if text is None:
        return None
    # Numbers first: an e-mail address must go whole before a name inside it is.
    return redact_identity(mask_personal_numbers(text), tuple(identity))
