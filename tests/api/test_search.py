"""Full-text search (`q=`) on both engines: words anywhere in the title or
body, all of them, the last one as a prefix while typing, scoped by role
exactly like the list, and tracking numbers still found."""

from __future__ import annotations

import uuid

C = "/api/v1/complaints"


def _word() -> str:
    # A made-up word no other test writes, so results are exactly ours.
    return "zq" + uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))


async def _ids(api, who, q: str, **params) -> list[int]:
    r = await api.client.get(C, params={"q": q, "limit": 100, **params}, headers=who.h)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


async def test_words_prefix_and_order(api, cast):
    w = _word()
    a = await api.submit(cast.reporter.h, title=f"Jembatan {w} retak", body="Sudah lama dibiarkan.")
    b = await api.submit(cast.reporter.h, title="Lampu mati", body=f"Lampu di gang {w} mati total.")
    c = await api.submit(cast.reporter.h, title="Lain", body=f"Kata {w}x saja.")
    admin = cast.admin
    # A finished word (trailing space) is that word, in title or body, any case.
    assert await _ids(api, admin, f"{w.upper()} ") == [b["id"], a["id"]]
    # Typing: the last word is a prefix, so the longer word matches too.
    assert await _ids(api, admin, w[:-2]) == [c["id"], b["id"], a["id"]]
    # Every word must occur.
    assert await _ids(api, admin, f"lampu {w} ") == [b["id"]]
    assert await _ids(api, admin, f"jembatan {w[:6]}") == [a["id"]]
    assert await _ids(api, admin, f"jembatan lampu {w}") == []
    # Paging through search results keeps the newest-first order.
    r = await api.client.get(C, params={"q": w[:-2], "limit": 2}, headers=admin.h)
    page = r.json()
    assert [i["id"] for i in page["items"]] == [c["id"], b["id"]]
    r = await api.client.get(
        C, params={"q": w[:-2], "limit": 2, "cursor": page["next_cursor"]}, headers=admin.h
    )
    assert [i["id"] for i in r.json()["items"]] == [a["id"]]


async def test_query_syntax_typed_by_users_is_just_words(api, cast):
    w = _word()
    a = await api.submit(cast.reporter.h, title=f"Pungutan {w}", body="Di kantor desa.")
    for typed in (f'"{w}', f"({w}) |", f"{w}:*", f"{w}*", f"-{w}", f"{w} & !", f"{w}'"):
        assert await _ids(api, cast.admin, typed) == [a["id"]], typed
    # Operator words are words: a complaint must contain them to match.
    assert await _ids(api, cast.admin, f"{w} OR ") == []
    assert await _ids(api, cast.admin, f"NOT {w}") == []
    for nothing in ("!!!", "*", '"', "()"):
        assert await _ids(api, cast.admin, nothing) == []


async def test_results_are_scoped_by_role(api, cast):
    w = _word()
    mine = await api.submit(cast.reporter.h, title=f"Saluran {w}", body="Tersumbat.")
    theirs = await api.submit(cast.other.h, title=f"Saluran {w}", body="Tersumbat juga.")
    await api.post(f"{C}/{mine['id']}/dispatch", cast.admin.h, {"unit_id": cast.putr})
    await api.post(f"{C}/{theirs['id']}/dispatch", cast.admin.h, {"unit_id": cast.dinkes})
    assert await _ids(api, cast.reporter, w) == [mine["id"]]
    assert await _ids(api, cast.other, w) == [theirs["id"]]
    assert await _ids(api, cast.pic, w) == [mine["id"]]
    assert await _ids(api, cast.other_pic, w) == [theirs["id"]]
    assert await _ids(api, cast.admin, w) == [theirs["id"], mine["id"]]
    # Filters still narrow a search, never widen it.
    assert await _ids(api, cast.pic, w, unit_id=cast.dinkes) == []
    assert await _ids(api, cast.admin, w, unit_id=cast.dinkes) == [theirs["id"]]


async def test_tracking_number_still_found(api, cast):
    a = await api.submit(cast.reporter.h, title="Banjir", body="Air masuk rumah.")
    assert await _ids(api, cast.admin, a["tracking_no"]) == [a["id"]]
    assert await _ids(api, cast.admin, a["tracking_no"].lower()) == [a["id"]]
    assert await _ids(api, cast.other, a["tracking_no"]) == []


async def test_postgres_matches_word_forms(api, cast, database):
    """PostgreSQL stems with the `indonesian` configuration: the forms of a
    word find each other. (SQLite's FTS5 has no Indonesian stemmer.)"""
    w = _word()
    a = await api.submit(cast.reporter.h, title=f"Jalan {w}", body="Mohon segera diperbaiki.")
    found = await _ids(api, cast.admin, f"perbaikan {w} ")
    assert found == ([a["id"]] if database.engine_name == "postgres" else [])
