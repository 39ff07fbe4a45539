"""The pure scoring of similar complaints: terms, distance, reasons and order."""

from __future__ import annotations

import pytest

from backend.complaints import similar
from backend.complaints.similar import Doc


def doc(i: int, text: str, category: int | None = None, lat=None, lon=None) -> Doc:
    return Doc(id=i, terms=similar.terms(text, ""), category_id=category, lat=lat, lon=lon)


def test_terms_are_stems_without_function_words_plus_the_problem():
    t = similar.terms("Jalan berlubang di depan Pasar Sumber", "sudah 3 minggu, tolong")
    assert {"jalan", "lubang", "pasar", "sumber", "~jalan-rusak"} <= t
    assert not t & {"di", "depan", "sudah", "tolong", "3", "minggu"}


def test_paraphrases_share_the_problem_token():
    assert "~penerangan" in similar.terms("PJU padam", "") & similar.terms("lampu mati", "")


def test_haversine_matches_a_known_distance():
    # One thousandth of a degree of latitude is about 111 m everywhere.
    assert similar.haversine_m(-6.76, 108.48, -6.761, 108.48) == pytest.approx(111.2, abs=0.5)
    # Sumber to Losari, about 38 km along the coast.
    assert 35_000 < similar.haversine_m(-6.76, 108.48, -6.84, 108.82) < 40_000


def test_place_counts_within_300_m_and_fades_out():
    assert similar.place_closeness(None) == 0
    assert similar.place_closeness(299) == 1
    assert 0 < similar.place_closeness(800) < 1
    assert similar.place_closeness(similar.PLACE_HORIZON_M) == 0


def test_reasons_name_each_signal_that_counted():
    q = doc(1, "jalan berlubang pasar sumber", 7, -6.7600, 108.4800)
    near = doc(2, "aspal jalan berlubang di pasar sumber", 7, -6.7610, 108.4805)
    far = doc(3, "jalan berlubang pasar sumber", 8, -6.8400, 108.8200)
    top = similar.rank(q, [near, far])
    assert [m.id for m in top] == [2, 3]
    assert top[0].reasons == ("text", "place", "category")
    assert top[0].distance_m == pytest.approx(125, abs=10)
    assert top[1].reasons == ("text",)
    assert all(0 <= m.score <= 1 for m in top)


def test_the_complaint_itself_and_unrelated_ones_are_left_out():
    q = doc(1, "lampu jalan mati gelap")
    unrelated = doc(2, "pungutan seragam sekolah")
    same_category_only = doc(3, "ktp belum jadi", 1)
    assert similar.rank(q, [q, unrelated, same_category_only]) == []


def test_place_beats_nothing_but_text_beats_place():
    q = doc(1, "lampu jalan mati di pasar sumber", 1, -6.76, 108.48)
    other_problem_same_spot = doc(2, "jalan rusak berlubang di pasar sumber", 2, -6.7601, 108.48)
    same_problem_no_place = doc(3, "pju padam, lampu jalan pasar sumber mati", 1)
    top = similar.rank(q, [other_problem_same_spot, same_problem_no_place])
    assert top[0].id == 3


def test_at_most_limit_results_newest_first_on_ties():
    q = doc(1, "sampah menumpuk bau")
    copies = [doc(i, "sampah menumpuk bau") for i in range(2, 10)]
    top = similar.rank(q, copies, limit=5)
    assert [m.id for m in top] == [9, 8, 7, 6, 5]
