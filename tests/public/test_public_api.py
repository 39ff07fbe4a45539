"""The public API, without login, on both engines: tracking by number, the
list of answered complaints, the statistics, caching, and bad input."""

from __future__ import annotations

import random
import string

import pytest

from tests.support.error_shape import assert_error


def word() -> str:
    """A title word no other test uses, to find a test's own complaints.
    Letters only: a search holding a long number is refused (see below)."""
    return "uji" + "".join(random.choices(string.ascii_lowercase, k=10))


async def test_tracking_a_complaint_by_number_needs_no_login(anon, flow):
    tag = word()
    c = await flow.build("released", title=f"Jalan Sumber {tag} berlubang", kind="keluhan")
    r = await anon.get(f"/api/v1/public/complaints/{c['tracking_no']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tracking_no"] == c["tracking_no"]
    assert body["status"] == "released"
    assert body["title"] == f"Jalan Sumber {tag} berlubang"
    assert body["kind"] == "keluhan" and body["lapor_type"] == "pengaduan"
    assert body["unit"]["code"] == "DPUTR"
    assert body["answer"]["body"] == "Sudah kami bersihkan hari ini."
    assert body["answer"]["released_at"]
    assert [s["type"] for s in body["steps"]] == ["submit", "dispatch", "answer", "release"]
    assert "reporter" not in body and "attachments" not in body
    # Any spelling a person types finds it.
    r = await anon.get(f"/api/v1/public/complaints/{c['tracking_no'].lower()}")
    assert r.status_code == 200 and r.json()["tracking_no"] == c["tracking_no"]


async def test_a_routed_complaint_shows_its_deadline_and_no_answer(anon, flow):
    c = await flow.build("routed")
    body = (await anon.get(f"/api/v1/public/complaints/{c['tracking_no']}")).json()
    assert body["status"] == "routed" and body["sla_due_at"] and body["answer"] is None


async def test_a_confidential_complaint_shows_only_number_status_and_steps(anon, flow):
    c = await flow.build("released", is_confidential=True)
    body = (await anon.get(f"/api/v1/public/complaints/{c['tracking_no']}")).json()
    assert body["tracking_no"] == c["tracking_no"] and body["status"] == "released"
    assert [s["type"] for s in body["steps"]] == ["submit", "dispatch", "answer", "release"]
    for hidden in ("title", "category", "answer", "unit", "kind", "location"):
        assert body[hidden] is None, hidden


@pytest.mark.parametrize(
    "number", ["UPIK-2026-999999", "UPIK-1999-000001", "bukan-nomor", "UPIK-2026-"]
)
async def test_an_unknown_number_is_a_404(anon, number):
    assert_error(await anon.get(f"/api/v1/public/complaints/{number}"), 404)


async def test_a_number_with_the_wrong_year_is_a_404(anon, flow):
    c = await flow.build("received")
    _, year, digits = c["tracking_no"].split("-")
    assert_error(await anon.get(f"/api/v1/public/complaints/UPIK-{int(year) - 1}-{digits}"), 404)


async def test_the_list_holds_released_and_closed_non_confidential_complaints_newest_first(
    anon, flow
):
    tag = word()
    made = {}
    for status in ("received", "routed", "answered", "released", "closed", "rejected"):
        made[status] = await flow.build(status, title=f"Keluhan {tag} {status}", kind="keluhan")
    await flow.build("released", title=f"Keluhan {tag} rahasia", is_confidential=True)
    r = await anon.get("/api/v1/public/complaints", params={"q": tag})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["tracking_no"] for i in items] == [
        made["closed"]["tracking_no"],
        made["released"]["tracking_no"],
    ]
    assert all(i["answer"]["body"] == "Sudah kami bersihkan hari ini." for i in items)
    assert r.json()["next_cursor"] is None


async def test_keyset_pages_walk_the_whole_list_once(anon, flow):
    tag = word()
    numbers = [
        (await flow.build("released", title=f"Lampu {tag} mati {n}"))["tracking_no"]
        for n in range(5)
    ]
    seen, cursor = [], None
    while True:
        params = {"q": tag, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await anon.get("/api/v1/public/complaints", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [i["tracking_no"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(numbers))


async def test_filters_by_unit_and_kind(anon, flow, cast):
    tag = word()
    saran = await flow.build("released", title=f"Saran {tag} taman", kind="saran")
    await flow.build("released", title=f"Keluhan {tag} taman", kind="keluhan")
    got = (await anon.get("/api/v1/public/complaints", params={"q": tag, "kind": "saran"})).json()
    assert [i["tracking_no"] for i in got["items"]] == [saran["tracking_no"]]
    assert got["items"][0]["lapor_type"] == "aspirasi"
    other_unit = await anon.get(
        "/api/v1/public/complaints", params={"q": tag, "unit_id": str(cast.dinkes)}
    )
    assert other_unit.json()["items"] == []
    same_unit = await anon.get(
        "/api/v1/public/complaints", params={"q": tag, "unit_id": str(cast.putr)}
    )
    assert len(same_unit.json()["items"]) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "banyak"}, "limit"),
        ({"cursor": "bukan-kursor"}, "cursor"),
        ({"cursor": "aWQ6MTA"}, "cursor"),  # a staff-list cursor ("id:10") is not ours
        ({"kind": "pujian"}, "kind"),
        ({"unit_id": "dinas"}, "unit_id"),
        ({"q": "0812 3456 7890"}, "q"),
        ({"q": "3209123456780001"}, "q"),
    ],
)
async def test_bad_list_input_is_a_400_naming_the_field(anon, params, field):
    assert_error(await anon.get("/api/v1/public/complaints", params=params), 400, field)


async def test_answers_are_cached_and_revalidated_with_an_etag(anon, flow):
    c = await flow.build("released")
    for path in (
        f"/api/v1/public/complaints/{c['tracking_no']}",
        "/api/v1/public/complaints",
        "/api/v1/public/stats",
    ):
        first = await anon.get(path)
        assert first.status_code == 200
        assert "public" in first.headers["cache-control"]
        assert "max-age=" in first.headers["cache-control"]
        etag = first.headers["etag"]
        again = await anon.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        weak = await anon.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
        assert weak.status_code == 304
        stale = await anon.get(path, headers={"If-None-Match": '"something-else"'})
        assert stale.status_code == 200 and stale.content == first.content


async def test_a_change_gives_a_new_etag(anon, flow, cast):
    c = await flow.build("released")
    path = f"/api/v1/public/complaints/{c['tracking_no']}"
    before = (await anon.get(path)).headers["etag"]
    await flow.api.post(flow.url(c["id"], "rating"), cast.reporter.h, {"score": 4})
    after = await anon.get(path, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.json()["status"] == "closed"


async def test_stats_count_per_unit_and_time_each_step_without_single_complaints(anon, flow):
    c = await flow.build("closed", title="Statistik uji jalan")
    r = await anon.get("/api/v1/public/stats")
    assert r.status_code == 200, r.text
    body = r.json()
    putr = next(u for u in body["units"] if u["unit"]["code"] == "DPUTR")
    assert putr["counts"]["total"] >= 1 and putr["counts"]["answered"] >= 1
    assert putr["counts"]["total"] == sum(
        putr["counts"][k] for k in ("open", "answered", "rejected")
    )
    steps = {s["step"]: s for s in putr["steps"]}
    answered = steps["routed_to_answered"]
    assert answered["count"] >= 1 and answered["median_seconds"] is not None
    assert 0 <= answered["within_standard"] <= 1
    assert c["tracking_no"] not in r.text and "Statistik uji" not in r.text
    future = (await anon.get("/api/v1/public/stats", params={"since": "2999-01-01"})).json()
    assert future["units"] == [] and future["since"].startswith("2999-01-01")


@pytest.mark.parametrize("since", ["kemarin", "2026-13-01", "12/03/2026"])
async def test_a_bad_since_is_a_400_naming_it(anon, since):
    assert_error(await anon.get("/api/v1/public/stats", params={"since": since}), 400, "since")
