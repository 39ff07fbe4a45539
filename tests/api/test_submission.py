"""Submitting complaints: idempotency, classification, auto-dispatch, tracking
numbers; listing: order, keyset pagination and filters; the suggestion hint."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime

from tests.support.complaint_flow import Who
from tests.support.records import events_of

C = "/api/v1/complaints"
TRACKING = re.compile(r"^UPIK-(\d{4})-(\d{6})$")


async def _count() -> int:
    from backend.complaints.tables import Complaint

    return await Complaint.count()


async def test_idempotency_key_replay_returns_the_first(api, cast):
    key = f"kirim-{uuid.uuid4()}"
    h = {**cast.reporter.h, "Idempotency-Key": key}
    body = {"title": "Parkir liar di alun-alun", "body": "Mengganggu pejalan kaki sejak pagi."}
    before = await _count()
    first = await api.client.post(C, json=body, headers=h)
    assert first.status_code == 201, first.text
    again = await api.client.post(C, json=body, headers=h)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["tracking_no"] == first.json()["tracking_no"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    # Even with another body, the key names the first submission.
    other = await api.client.post(C, json={**body, "title": "Judul lain"}, headers=h)
    assert other.json()["id"] == first.json()["id"]
    assert other.json()["title"] == body["title"]
    assert await _count() == before + 1
    assert [e["type"] for e in await events_of(first.json()["id"])] == ["submit"]


async def test_concurrent_replays_create_one_complaint(api, cast):
    h = {**cast.reporter.h, "Idempotency-Key": f"serentak-{uuid.uuid4()}"}
    body = {"title": "Sampah di pasar", "body": "Sampah menumpuk di pasar Sumber."}
    before = await _count()
    responses = await asyncio.gather(*(api.client.post(C, json=body, headers=h) for _ in range(5)))
    assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await _count() == before + 1
    from backend.notifications.tables import Notification

    cid = responses[0].json()["id"]
    received = await Notification.count().where(
        (Notification.complaint == cid) & (Notification.type == "complaint.received")
    )
    assert received == 1  # one admin in this module, told once


async def test_same_key_different_users_are_different_complaints(api, cast):
    key = f"sama-{uuid.uuid4().hex}"
    body = {"title": "Air PDAM keruh", "body": "Air keruh sejak dua hari."}
    a = await api.client.post(C, json=body, headers={**cast.reporter.h, "Idempotency-Key": key})
    b = await api.client.post(C, json=body, headers={**cast.other.h, "Idempotency-Key": key})
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert a.json()["reporter"]["id"] == cast.reporter.id
    assert b.json()["reporter"]["id"] == cast.other.id


async def test_without_key_each_submission_is_new(api, cast):
    body = {"title": "Sama persis", "body": "Isi yang sama persis."}
    a = await api.submit(cast.reporter.h, **body)
    b = await api.submit(cast.reporter.h, **body)
    assert a["id"] != b["id"]


async def test_kind_given_or_classified(api, cast):
    given = await api.submit(
        cast.reporter.h,
        title="Usul taman baca",
        body="Bagaimana kalau dibuat taman baca?",
        kind="saran",
    )
    assert (given["kind"], given["kind_source"]) == ("saran", "reporter")
    given = await api.submit(
        cast.reporter.h, title="Jalan rusak", body="Jalan rusak parah.", kind="pertanyaan"
    )
    assert (given["kind"], given["kind_source"]) == ("pertanyaan", "reporter")
    guessed = await api.submit(
        cast.reporter.h,
        title="Bagaimana cara mengurus izin usaha?",
        body="Apa saja syarat untuk mengurus izin usaha mikro?",
    )
    assert guessed["kind_source"] == "system"
    assert guessed["kind"] in ("keluhan", "pertanyaan", "informasi", "saran")
    assert guessed["kind"] == "pertanyaan"


async def test_category_by_keyword_suggests_the_unit(api, cast):
    c = await api.submit(
        cast.reporter.h,
        title="Jalan berlubang di Weru",
        body="Ada jalan berlubang besar dekat pasar, sudah dua motor jatuh.",
    )
    assert c["category"]["code"] == "JALAN"
    assert c["status"] == "received" and c["unit"] is None
    assert c["suggested_unit"]["code"] == "DPUTR"
    assert c["suggested_unit"]["id"] == cast.putr
    assert c["sla_due_at"] is None


async def test_explicit_category_wins_over_keywords(api, cast):
    from backend.organisation.tables import Category

    dinkes_cat = await Category.select().where(Category.unit == cast.dinkes).first()
    c = await api.submit(
        cast.reporter.h,
        title="Jalan berlubang",
        body="Jalan berlubang di depan puskesmas.",
        category_id=dinkes_cat["id"],
    )
    assert c["category"]["id"] == dinkes_cat["id"]


async def test_auto_dispatch_category_routes_at_once(api, cast):
    c = await api.submit(
        cast.reporter.h,
        title="Akta kelahiran anak belum terbit",
        body="Sudah sebulan mengurus akta kelahiran di Disdukcapil belum selesai.",
    )
    assert c["category"]["code"] == "ADMINDUK"
    assert c["status"] == "routed"
    assert c["unit"]["code"] == "DISDUKCAPIL"
    assert c["suggested_unit"] is None
    assert c["sla_due_at"] is not None
    due = datetime.fromisoformat(c["sla_due_at"])
    created = datetime.fromisoformat(c["created_at"])
    assert abs((due - created).total_seconds() - 10800) < 5
    events = await events_of(c["id"])
    assert [(e["type"], e["actor_role"], e["from_status"], e["to_status"]) for e in events] == [
        ("submit", "citizen", None, "received"),
        ("auto_dispatch", "system", "received", "routed"),
    ]
    bencana = await api.submit(
        cast.reporter.h, title="Tanah longsor", body="Tanah longsor menutup jalan desa."
    )
    assert (bencana["status"], bencana["unit"]["code"]) == ("routed", "BPBD")


async def test_tracking_numbers_unique_and_well_formed(api, cast):
    made = [await api.submit(cast.other.h, title=f"Uji {i}", body="Isi uji.") for i in range(6)]
    numbers = [c["tracking_no"] for c in made]
    assert len(set(numbers)) == len(numbers)
    for c in made:
        m = TRACKING.match(c["tracking_no"])
        assert m, c["tracking_no"]
        assert int(m.group(1)) == datetime.fromisoformat(c["created_at"]).year
        assert int(m.group(2)) == c["id"]
    r = await api.client.get(C, params={"limit": 100}, headers=cast.admin.h)
    everything = [i["tracking_no"] for i in r.json()["items"]]
    assert all(TRACKING.match(t) for t in everything)
    assert len(set(everything)) == len(everything)
    # The number finds its complaint.
    r = await api.client.get(C, params={"q": numbers[2]}, headers=cast.admin.h)
    assert [i["id"] for i in r.json()["items"]] == [made[2]["id"]]


async def test_keyset_pagination_over_25(api):
    user, headers = await api.citizen("Warga Halaman")
    me = Who(user, headers)
    made = [
        (await api.submit(me.h, title=f"Halaman {i:02d}", body=f"Pengaduan nomor {i}."))["id"]
        for i in range(25)
    ]
    seen: list[int] = []
    pages = []
    cursor = None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        r = await api.client.get(C, params=params, headers=me.h)
        assert r.status_code == 200, r.text
        page = r.json()
        pages.append(len(page["items"]))
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10, "pagination does not end"
    assert pages == [10, 10, 5]
    assert seen == sorted(made, reverse=True)  # newest first, no duplicates, no gaps
    # A complaint filed meanwhile does not shift later pages.
    first = (await api.client.get(C, params={"limit": 10}, headers=me.h)).json()
    await api.submit(me.h, title="Baru", body="Yang terbaru.")
    second = (
        await api.client.get(C, params={"limit": 10, "cursor": first["next_cursor"]}, headers=me.h)
    ).json()
    assert [i["id"] for i in second["items"]] == seen[10:20]
    # Exactly a page's worth: no cursor to an empty page.
    r = await api.client.get(C, params={"limit": 26}, headers=me.h)
    assert len(r.json()["items"]) == 26 and r.json()["next_cursor"] is None


async def test_default_listing_is_newest_first(api, cast):
    r = await api.client.get(C, headers=cast.admin.h)
    ids = [i["id"] for i in r.json()["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 20  # the default page


async def test_filters(api, cast):
    word = f"kata{uuid.uuid4().hex[:8]}"
    a = await api.submit(cast.reporter.h, title=f"Saran {word}", body="Isi.", kind="saran")
    b = await api.submit(cast.reporter.h, title="Keluhan biasa", body=f"Ada {word} di sini.")
    c = await api.submit(cast.reporter.h, title="Lain sama sekali", body="Tanpa kata itu.")
    await api.post(f"{C}/{b['id']}/dispatch", cast.admin.h, {"unit_id": cast.dinkes})
    await api.post(f"{C}/{c['id']}/reject", cast.admin.h, {"reason": "Ganda."})

    async def ids(**params) -> set[int]:
        r = await api.client.get(C, params={"limit": 100, **params}, headers=cast.admin.h)
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert await ids(q=word) == {a["id"], b["id"]}
    assert await ids(q=word.upper()) == {a["id"], b["id"]}  # case-insensitive
    assert await ids(q=a["tracking_no"]) == {a["id"]}
    assert await ids(q=word, kind="saran") == {a["id"]}
    assert await ids(q=word, status="routed") == {b["id"]}
    assert c["id"] in await ids(status="rejected")
    assert a["id"] not in await ids(status="rejected")
    dinkes = await ids(unit_id=cast.dinkes)
    assert b["id"] in dinkes and a["id"] not in dinkes
    r = await api.client.get(C, params={"unit_id": cast.dinkes, "limit": 100}, headers=cast.admin.h)
    assert {i["unit"]["id"] for i in r.json()["items"]} == {cast.dinkes}
    r = await api.client.get(C, params={"status": "rejected", "limit": 100}, headers=cast.admin.h)
    assert {i["status"] for i in r.json()["items"]} == {"rejected"}
    # LIKE wildcards typed by a user do not act as wildcards.
    assert await ids(q=f"{word[:4]}_{word[5:]}") == set()
    assert await ids(q=f"{word[:4]}%{word[6:]}") == set()


async def test_suggest(anon):
    r = await anon.get("/api/v1/categories/suggest", params={"text": "jalan berlubang di desa"})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["category"]["code"] == "JALAN"
    assert s["unit"]["code"] == "DPUTR"
    assert s["kind"] in ("keluhan", "pertanyaan", "informasi", "saran")
    r = await anon.get("/api/v1/categories/suggest", params={"text": "e-KTP saya hilang"})
    assert r.json()["category"]["code"] == "ADMINDUK"
    assert r.json()["category"]["auto_dispatch"] is True
    assert r.json()["unit"]["code"] == "DISDUKCAPIL"
    r = await anon.get("/api/v1/categories/suggest", params={"text": "zzzz qqqq"})
    assert r.status_code == 200
    assert r.json()["category"] is None and r.json()["unit"] is None


async def test_location_and_flags_are_kept(api, cast):
    c = await api.submit(
        cast.reporter.h,
        title="Lokasi",
        body="Dengan lokasi.",
        is_anonymous=True,
        location={"lat": -6.7063, "lon": 108.5570, "address": "Jl. Sunan Kalijaga"},
    )
    assert c["location"] == {"lat": -6.7063, "lon": 108.557, "address": "Jl. Sunan Kalijaga"}
    assert c["is_anonymous"] is True and c["is_confidential"] is False
    again = (await api.client.get(f"{C}/{c['id']}", headers=cast.admin.h)).json()
    assert again["location"] == c["location"]


async def test_a_new_category_applies_at_once(api, cast):
    """The contract: text matching a category's keywords gets that category;
    with auto_dispatch it is routed to the category's unit with no admin step."""
    code = f"U{uuid.uuid4().hex[:6].upper()}"
    unit = await api.post(
        "/api/v1/units",
        cast.admin.h,
        {"code": code, "name": "Kantor Uji", "kind": "vertical"},
        expect=201,
    )
    keyword = f"kw{uuid.uuid4().hex[:6]}"
    category = await api.post(
        "/api/v1/categories",
        cast.admin.h,
        {
            "code": f"K{code}",
            "name": "Kategori Uji",
            "keywords": [keyword],
            "unit_id": unit["id"],
            "auto_dispatch": True,
        },
        expect=201,
    )
    c = await api.submit(cast.reporter.h, title=f"Soal {keyword}", body=f"Ada {keyword} di desa.")
    assert c["category"]["id"] == category["id"]
    assert c["status"] == "routed"
    assert c["unit"] == unit
    assert c["sla_due_at"] is not None
    # Turned off: the next one waits for the admins, with the unit suggested.
    r = await api.client.patch(
        f"/api/v1/categories/{category['id']}", json={"auto_dispatch": False}, headers=cast.admin.h
    )
    assert r.status_code == 200, r.text
    c = await api.submit(cast.reporter.h, title=f"Lagi {keyword}", body=f"Masih {keyword}.")
    assert (c["status"], c["unit"], c["suggested_unit"]) == ("received", None, unit)


async def test_replay_answers_like_the_first(api, cast):
    h = {**cast.reporter.h, "Idempotency-Key": f"sama-{uuid.uuid4().hex}"}
    body = {
        "title": "Banjir di perumahan",
        "body": "Banjir setinggi betis di perumahan kami.",
        "is_confidential": True,
        "location": {"lat": -6.75, "lon": 108.48},
    }
    first = await api.client.post(C, json=body, headers=h)
    again = await api.client.post(C, json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    stored = (await api.client.get(f"{C}/{first.json()['id']}", headers=cast.reporter.h)).json()
    assert stored == first.json()
