"""Accuracy of the rule-based classifier on a labelled set, plus its unit behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.organisation.seed_data import CATEGORIES, UNITS
from backend.triage.classify import KINDS, CategoryMatcher, CategoryRule, classify_kind
from backend.triage.normalise import normalise

DATA = Path(__file__).resolve().parent.parent / "data" / "classifier_set.jsonl"
MIN_ACCURACY = 0.85


def _load() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _matcher() -> CategoryMatcher:
    return CategoryMatcher(
        CategoryRule(id=i, code=c.code, keywords=c.keywords) for i, c in enumerate(CATEGORIES)
    )


def test_labelled_set_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _load()
    matcher = _matcher()
    kind_ok = category_ok = 0
    misses: list[str] = []
    for row in rows:
        kind = classify_kind(row["title"], row["body"])
        rule = matcher.match(row["title"], row["body"])
        code = rule.code if rule else None
        kind_ok += kind == row["kind"]
        category_ok += code == row["category"]
        if kind != row["kind"] or code != row["category"]:
            misses.append(
                f"  {row['title'][:40]!r}: kind {kind} (want {row['kind']}), "
                f"category {code} (want {row['category']})"
            )
    n = len(rows)
    kind_acc, category_acc = kind_ok / n, category_ok / n
    with capsys.disabled():
        print(
            f"\nclassifier accuracy: kind {kind_acc:.1%} ({kind_ok}/{n}), "
            f"category {category_acc:.1%} ({category_ok}/{n})"
        )
        print("misclassified:\n" + "\n".join(misses))
    assert kind_acc >= MIN_ACCURACY
    assert category_acc >= MIN_ACCURACY


def test_labelled_set_is_well_formed() -> None:
    rows = _load()
    codes = {c.code for c in CATEGORIES}
    assert len(rows) >= 100
    for row in rows:
        assert set(row) == {"title", "body", "kind", "category"}
        assert row["kind"] in KINDS
        assert row["category"] in codes
    for kind in ("pertanyaan", "informasi", "saran"):
        assert sum(r["kind"] == kind for r in rows) >= 12
    assert len({r["category"] for r in rows}) >= 12


# ------------------------------------------------------------------------- normalise


def test_normalise_lowercases_and_strips_punctuation() -> None:
    expected = ["sampah", "tumpuk", "di", "t", "p", "s", "bau"]
    assert normalise("Sampah NUMPUK!!! di T.P.S, bau...") == expected
    assert normalise("") == []
    assert normalise("?!.,") == []


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("jln", "jalan"),
        ("jl", "jalan"),
        ("jl.", "jalan"),
        ("pkm", "puskesmas"),
        ("yg", "yang"),
        ("dgn", "dengan"),
        ("tdk", "tidak"),
        ("gak", "tidak"),
        ("ga", "tidak"),
        ("nggak", "tidak"),
        ("kec", "kecamatan"),
        ("ds", "desa"),
        ("kab", "kabupaten"),
        ("sdh", "sudah"),
        ("blm", "belum"),
        ("gmn", "bagaimana"),
        ("bgmn", "bagaimana"),
        ("krn", "karena"),
        ("tlg", "tolong"),
        ("mhn", "mohon"),
        ("rs", "rumah sakit"),
        ("rsud", "rsud"),
    ],
)
def test_normalise_expands_abbreviations(short: str, full: str) -> None:
    # the expansion is stemmed like any word ("kecamatan" -> "camat"), so compare stems
    assert normalise(short) == normalise(full)
    assert len(normalise(short)) == len(full.split())


def test_normalise_expansion_feeds_the_stemmer() -> None:
    assert normalise("jln rusak") == ["jalan", "rusak"]
    assert normalise("kec") == normalise("kecamatan") == ["camat"]


@pytest.mark.parametrize(
    "words",
    [
        ("perbaikan", "diperbaiki", "memperbaiki", "perbaiki", "diperbaikin"),
        ("kerusakan", "rusak", "dirusak", "merusak", "rusaknya"),
        ("berlubang", "lubang", "lubangnya"),
        ("pelayanan", "melayani", "layanan"),
        ("pengangkutan", "diangkut", "mengangkut"),
        ("penertiban", "ditertibkan", "ketertiban", "tertib"),
        ("kebanjiran", "banjir"),
        ("pertanian", "petani"),
        ("penerangan", "terang"),
        ("pertanyaan", "bertanya", "menanyakan", "tanya", "nanya"),
        ("pembuangan", "membuang", "dibuang", "buang"),
        ("pencurian", "dicuri", "mencuri", "curi"),
    ],
)
def test_normalise_strips_affixes_to_a_shared_stem(words: tuple[str, ...]) -> None:
    stems = {tuple(normalise(w)) for w in words}
    assert len(stems) == 1, stems


@pytest.mark.parametrize(
    "word", ["jalan", "sekolah", "pasar", "dinas", "saran", "kapan", "bagaimana", "terima"]
)
def test_normalise_leaves_roots_that_only_look_affixed(word: str) -> None:
    assert normalise(word) == [word]


def test_normalise_leaves_short_words_alone() -> None:
    for word in ("kali", "ikan", "lagi", "desa", "bau", "tpa"):
        assert normalise(word) == [word]


def test_normalise_handles_reduplication_and_elongation() -> None:
    assert normalise("anak2") == ["anak"]
    assert normalise("anak-anak") == ["anak"]
    assert normalise("gorong-gorong") == ["gorong"]
    assert normalise("gorong gorong") == ["gorong"]
    assert normalise("parahhh") == ["parah"]
    assert normalise("e-KTP") == ["e", "ktp"]


# --------------------------------------------------------------------------- matcher


RULES = (
    CategoryRule(id=1, code="JALAN", keywords=("jalan rusak", "berlubang", "jembatan")),
    CategoryRule(id=2, code="PJU", keywords=("lampu jalan", "pju")),
    CategoryRule(id=3, code="LISTRIK", keywords=("listrik", "mati lampu")),
    CategoryRule(id=4, code="JEMBATAN_LAIN", keywords=("jembatan",)),
)


def test_phrase_keyword_matches_consecutive_stems_only() -> None:
    matcher = CategoryMatcher(RULES)
    assert matcher.match("Lampu jalan padam", "").code == "PJU"
    # "lampu" and "jalan" apart are not the phrase "lampu jalan"
    assert matcher.match("lampu di jalan", "") is None
    # inflected text still hits a phrase keyword: "jalanan rusaknya"
    assert matcher.match("jalanan rusaknya parah", "").code == "JALAN"
    assert matcher.match("", "jalan ini berlubang-lubang").code == "JALAN"


def test_contained_word_is_not_counted_beside_its_phrase() -> None:
    matcher = CategoryMatcher(
        [
            CategoryRule(id=1, code="JALAN", keywords=("jalan",)),
            CategoryRule(id=2, code="PJU", keywords=("lampu jalan",)),
        ]
    )
    assert matcher.match("", "lampu jalan di desa mati, jalan gelap").code == "PJU"


def test_title_hits_weigh_more_than_body_hits() -> None:
    matcher = CategoryMatcher(RULES)
    assert matcher.match("mati lampu", "jalan rusak").code == "LISTRIK"
    assert matcher.match("jalan rusak", "mati lampu").code == "JALAN"


def test_ties_are_deterministic() -> None:
    matcher = CategoryMatcher(RULES)
    # same keyword in two rules: the lower id wins
    assert matcher.match("", "jembatan").id == 1
    # equal scores: the earliest hit wins
    assert matcher.match("", "listrik dan pju").code == "LISTRIK"
    assert matcher.match("", "pju dan listrik").code == "PJU"


def test_no_match_returns_none() -> None:
    matcher = CategoryMatcher(RULES)
    assert matcher.match("halo", "selamat pagi, apa kabar") is None
    assert matcher.match("", "") is None
    assert CategoryMatcher([]).match("jalan rusak", "") is None


# ----------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    ("title", "body", "kind"),
    [
        ("sampah", "sampah numpuk sudah seminggu tidak diangkut, bau", "keluhan"),
        ("mau tanya", "syarat bikin akta kelahiran apa saja?", "pertanyaan"),
        ("", "Bagaimana cara daftar PPDB", "pertanyaan"),
        ("usul", "sebaiknya ada bank sampah di tiap desa", "saran"),
        ("", "alangkah baiknya puskesmas buka sampai sore", "saran"),
        ("", "memberitahukan ada pohon tumbang di jalan raya Sumber", "informasi"),
        ("info", "ada kegiatan fogging besok di desa Tuk", "informasi"),
        ("", "mohon info jadwal pelayanan kua", "pertanyaan"),
        ("", "", "keluhan"),
    ],
)
def test_classify_kind_rules(title: str, body: str, kind: str) -> None:
    assert classify_kind(title, body) == kind


def test_complaint_with_a_question_stays_a_complaint() -> None:
    body = (
        "Jalan desa rusak parah sudah 2 tahun, banyak lubang, motor sering jatuh. "
        "Warga capek lapor. Kapan diperbaiki?"
    )
    assert classify_kind("jalan rusak", body) == "keluhan"


def test_closing_thanks_is_not_appreciation() -> None:
    assert (
        classify_kind("", "lampu jalan mati sebulan, mohon diperbaiki. terima kasih") == "keluhan"
    )
    assert classify_kind("terima kasih", "jalan di desa kami sudah diperbaiki") == "informasi"


# -------------------------------------------------------------------------- seed data


def test_seed_codes_are_unique_and_units_exist() -> None:
    unit_codes = [u.code for u in UNITS]
    category_codes = [c.code for c in CATEGORIES]
    assert len(unit_codes) == len(set(unit_codes))
    assert len(category_codes) == len(set(category_codes))
    for unit in UNITS:
        assert unit.kind in ("skpd", "vertical")
        assert unit.code == unit.code.upper()
    for category in CATEGORIES:
        assert category.unit_code in unit_codes, category.code
    assert "EGOV" in unit_codes
    assert len(CATEGORIES) >= 15
    assert any(c.auto_dispatch for c in CATEGORIES)


def test_seed_keywords_normalise_and_do_not_collide() -> None:
    owner: dict[tuple[str, ...], str] = {}
    for category in CATEGORIES:
        assert len(category.keywords) >= 8, category.code
        for keyword in category.keywords:
            phrase = tuple(normalise(keyword))
            assert phrase, (category.code, keyword)
            # a keyword shared by two categories could never tell them apart
            other = owner.setdefault(phrase, category.code)
            assert other == category.code, (keyword, other, category.code)
