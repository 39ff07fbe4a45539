"""GET /api/v1/complaints/{id}/similar through the API, on SQLite and PostgreSQL:
who may ask, the ranking by text, place and category, which statuses are
candidates at all, and the errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.common.clock import now
from backend.complaints import similar_search
from backend.complaints.tables import Complaint
from backend.organisation.tables import Category
from tests.support.error_shape import assert_error

PASAR_SUMBER = {"lat": -6.7600, "lon": 108.4800}


@pytest.fixture(scope="module", autouse=True)
def fresh_doc_cache(database):
    """Ids repeat across the per-engine databases; the process cache must not."""
    similar_search.DOCS.clear()
    similar_search.POOLS.clear()
    yield
    similar_search.DOCS.clear()
    similar_search.POOLS.clear()


async def category_id(code: str) -> int:
    row = await Category.select(Category.id).where(Category.code == code).first()
    return row["id"]


def similar_url(cid: int) -> str:
    return f"/api/v1/complaints/{cid}/similar"


async def similar_to(api, who, cid: int) -> list[dict]:
    r = await api.client.get(similar_url(cid), headers=who.h)
    assert r.status_code == 200, r.text
    return r.json()


def ids(results: list[dict]) -> list[int]:
    return [s["complaint"]["id"] for s in results]


async def test_role_matrix(api, anon, flow, cast):
    c = await flow.routed(title="Got mampet di Desa Kenanga", body="Got depan balai desa mampet.")
    twin = await flow.routed(title="Selokan mampet Desa Kenanga", body="Got balai desa Kenanga.")
    for who in (cast.admin, cast.pic):
        assert twin["id"] in ids(await similar_to(api, who, c["id"]))
    assert_error(await api.client.get(similar_url(c["id"]), headers=cast.other_pic.h), 404)
    for citizen in (cast.reporter, cast.other):
        assert_error(await api.client.get(similar_url(c["id"]), headers=citizen.h), 403)
    assert_error(await anon.get(similar_url(c["id"])), 401)


async def test_unknown_and_bad_ids(api, cast):
    for who in (cast.admin, cast.pic):
        assert_error(await api.client.get(similar_url(999_999), headers=who.h), 404, "999999")
    r = await api.client.get(similar_url(2**31), headers=cast.admin.h)
    assert_error(r, 400, "complaint_id")


async def test_ranked_by_text_place_and_category(api, flow, cast):
    jalan, pju = await category_id("JALAN"), await category_id("PJU")
    near = {"lat": -6.7608, "lon": 108.4806}  # about 110 m away
    query = await flow.received(
        title="Jalan berlubang di depan Pasar Sumber",
        body="Lubang besar di jalan raya depan pasar Sumber, motor sering jatuh.",
        category_id=jalan,
        location=PASAR_SUMBER,
    )
    same_spot = await flow.received(
        title="Aspal rusak dekat Pasar Sumber",
        body="Aspal jalan depan pasar Sumber hancur dan berlubang dalam.",
        category_id=jalan,
        location=near,
    )
    same_words_elsewhere = await flow.received(
        title="Jalan berlubang di Pasar Sumber",
        body="Jalan depan pasar Sumber berlubang.",
        category_id=jalan,
        location={"lat": -6.84, "lon": 108.82},  # Losari, 38 km
    )
    other_problem_same_spot = await flow.received(
        title="Lampu PJU mati",
        body="Penerangan di depan Pasar Sumber padam, gelap kalau malam.",
        category_id=pju,
        location=near,
    )
    unrelated = await flow.received(
        title="Pungutan seragam sekolah",
        body="SD di Gebang meminta uang seragam.",
        location={"lat": -6.82, "lon": 108.75},
    )
    found = await similar_to(api, cast.admin, query["id"])
    got = ids(found)
    assert query["id"] not in got and unrelated["id"] not in got
    assert got.index(same_spot["id"]) < got.index(other_problem_same_spot["id"])
    assert got.index(same_words_elsewhere["id"]) < got.index(other_problem_same_spot["id"])
    by_id = {s["complaint"]["id"]: s for s in found}
    assert by_id[same_spot["id"]]["reasons"] == ["text", "place", "category"]
    assert 80 <= by_id[same_spot["id"]]["distance_m"] <= 140
    assert by_id[same_words_elsewhere["id"]]["reasons"] == ["text", "category"]
    assert by_id[same_words_elsewhere["id"]]["distance_m"] > 30_000
    assert "place" in by_id[other_problem_same_spot["id"]]["reasons"]
    assert "category" not in by_id[other_problem_same_spot["id"]]["reasons"]
    scores = [s["score"] for s in found]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    # Each result is a list item, as GET /complaints gives it.
    listed = (await api.client.get("/api/v1/complaints?limit=100", headers=cast.admin.h)).json()
    item = next(i for i in listed["items"] if i["id"] == same_spot["id"])
    assert by_id[same_spot["id"]]["complaint"] == item


async def test_only_open_and_recently_released_complaints_are_candidates(api, flow, cast):
    text = {
        "title": "Pagar jembatan Cisaat karatan",
        "body": "Pagar besi jembatan Cisaat karatan dan patah, anak-anak bisa terjatuh ke kali.",
    }
    query = await flow.routed(**text)
    included = [await flow.build(s, **text) for s in ("received", "routed", "answered")]
    recent = await flow.build("released", **text)
    old = await flow.build("released", **text)
    await Complaint.update({Complaint.released_at: now() - timedelta(days=40)}).where(
        Complaint.id == old["id"]
    )
    excluded = [old] + [await flow.build(s, **text) for s in ("closed", "rejected")]
    merged = await flow.build("received", **text)
    await Complaint.update({Complaint.status: "merged"}).where(Complaint.id == merged["id"])
    excluded.append(merged)

    got = ids(await similar_to(api, cast.admin, query["id"]))
    assert sorted(got) == sorted(c["id"] for c in [*included, recent])
    assert not set(got) & {c["id"] for c in excluded}


async def test_a_pic_is_offered_only_its_units_complaints(api, flow, cast):
    text = {"title": "Gorong-gorong Kaliwedi ambrol", "body": "Gorong-gorong di Kaliwedi ambrol."}
    query = await flow.routed(**text)
    ours = await flow.routed(**text)
    unrouted = await flow.received(**text)
    theirs = await flow.received(**text)
    await api.post(flow.url(theirs["id"], "dispatch"), cast.admin.h, {"unit_id": cast.dinkes})
    for_admin = set(ids(await similar_to(api, cast.admin, query["id"])))
    assert {ours["id"], unrouted["id"], theirs["id"]} <= for_admin
    assert ids(await similar_to(api, cast.pic, query["id"])) == [ours["id"]]


async def test_at_most_five(api, flow, cast):
    text = {"title": "Banjir rob Desa Bungko", "body": "Rob masuk rumah warga Bungko."}
    query = await flow.received(**text)
    copies = [await flow.received(**text) for _ in range(7)]
    got = ids(await similar_to(api, cast.admin, query["id"]))
    assert got == [c["id"] for c in reversed(copies)][:5]
