"""The admins' CSV export on both engines: its columns and values, the
filters, no reporter identity, the 403s and 400s, and more rows than one
keyset page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tests.support import bulk_load
from tests.support.error_shape import assert_error

C = "/api/v1/complaints"
EXPORT = C + "/export.csv"


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


async def _export(api, who, **params) -> list[dict]:
    r = await api.client.get(EXPORT, params=params, headers=who.h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    return _rows(r.text)


async def test_columns_values_and_no_reporter_identity(api, cast, flow):
    released = await flow.released(title="Jalan rusak parah", body="Berlubang besar.")
    await api.post(f"{C}/{released['id']}/rating", cast.reporter.h, {"score": 4})
    secret = await flow.received(is_anonymous=True, title="Pungli", body="Di kantor desa.")
    hidden = await flow.routed(is_confidential=True)
    rows = {r["tracking_no"]: r for r in await _export(api, cast.admin)}

    assert list(next(iter(rows.values()))) == [
        "tracking_no", "received_at", "routed_at", "answered_at", "released_at",
        "kind", "category", "unit", "status", "sla_met", "rating",
    ]  # fmt: skip
    r = rows[released["tracking_no"]]
    assert r["status"] == "closed" and r["unit"] == "DPUTR" and r["rating"] == "4"
    assert r["sla_met"] == "yes"  # answered at once, well within three hours
    received = datetime.fromisoformat(r["received_at"])
    steps = [datetime.fromisoformat(r[k]) for k in ("routed_at", "answered_at", "released_at")]
    assert received <= steps[0] <= steps[1] <= steps[2]
    s = rows[secret["tracking_no"]]
    assert s["status"] == "received" and s["unit"] == "" and s["routed_at"] == ""
    assert s["sla_met"] == "" and s["rating"] == ""
    assert rows[hidden["tracking_no"]]["sla_met"] == ""  # routed, not yet due
    # Oldest first, and nobody's name anywhere.
    ids = [int(t.rsplit("-", 1)[-1]) for t in rows]
    assert ids == sorted(ids)
    r = await api.client.get(EXPORT, headers=cast.admin.h)
    assert "Pelapor Utama" not in r.text and "Warga Lain" not in r.text


async def test_filters(api, cast, flow):
    routed = await flow.routed()
    other = await flow.received()
    mine = {r["tracking_no"] for r in await _export(api, cast.admin, status="routed")}
    assert routed["tracking_no"] in mine and other["tracking_no"] not in mine
    putr = await _export(api, cast.admin, unit_id=cast.putr)
    assert putr and {r["unit"] for r in putr} == {"DPUTR"}
    assert routed["tracking_no"] in {r["tracking_no"] for r in putr}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await _export(api, cast.admin, since=future) == []
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert routed["tracking_no"] not in {
        r["tracking_no"] for r in await _export(api, cast.admin, until=past)
    }


async def test_only_admins(api, anon, cast):
    for who in (cast.pic, cast.other_pic, cast.reporter):
        assert_error(await api.client.get(EXPORT, headers=who.h), 403)
    assert_error(await anon.get(EXPORT), 401)


async def test_bad_filters_name_the_field(api, cast):
    for params, field in [
        ({"since": "kemarin"}, "since"),
        ({"until": "2026-13-45"}, "until"),
        ({"since": "2026-06-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
        ({"unit_id": "abc"}, "unit_id"),
        ({"unit_id": "999999"}, "unit_id"),
        ({"status": "lost"}, "status"),
    ]:
        r = await api.client.get(EXPORT, params=params, headers=cast.admin.h)
        assert_error(r, 400, field)
        r = await api.client.get("/api/v1/stats", params=params, headers=cast.admin.h)
        if field != "status":  # the dashboard has no status filter
            assert_error(r, 400, field)


async def test_more_rows_than_a_page_in_id_order(api, cast):
    from backend.complaints import export

    loaded = await bulk_load.load(export.PAGE * 2 + 7, citizens=10)
    rows = await _export(api, cast.admin)
    numbers = [int(r["tracking_no"].rsplit("-", 1)[-1]) for r in rows]
    assert numbers == sorted(numbers)
    assert len(rows) >= loaded["last_complaint"] - loaded["first_complaint"] + 1
    # The bulk rows carry their unit and status through.
    bulk = [r for r in rows if r["kind"] and r["unit"] == "" and r["status"] == "rejected"]
    assert bulk
