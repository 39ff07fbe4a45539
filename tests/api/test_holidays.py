"""Holidays through the API, on SQLite and PostgreSQL: anyone lists them, the
admin adds and removes them, bad input is a 400 naming the field, the seed
brings Indonesia's holidays and cuti bersama, and a change reaches the
registered listeners inside its own transaction."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from backend.common.errors import Conflict
from backend.holidays import service
from backend.holidays.tables import Holiday
from backend.working_time.office_hours import DEFAULT, WIB
from tests.support.error_shape import assert_error

H = "/api/v1/holidays"


@pytest.fixture(scope="module")
async def seeded(database, client):
    """The seed as `upik seed` runs it in 2026: this year and the next."""
    first = await service.seed([2026, 2027])
    again = await service.seed([2026, 2027])
    return first, again


@pytest.fixture
def listeners():
    registered = service.on_holidays_changed
    saved = list(registered)
    yield registered
    registered[:] = saved


async def _stored() -> dict[date, str]:
    rows = await Holiday.select(Holiday.day, Holiday.name)
    return {service._as_date(r["day"]): r["name"] for r in rows}


async def test_seed_brings_national_holidays_and_cuti_bersama_of_both_years(seeded, anon):
    first, again = seeded
    assert first > 40 and again == 0
    r = await anon.get(H, params={"year": 2026})
    assert r.status_code == 200, r.text
    days = {h["date"]: h["name"] for h in r.json()}
    assert all(d.startswith("2026-") for d in days)
    assert list(days) == sorted(days)
    # Libur nasional (SKB 3 Menteri 2026)...
    assert days["2026-08-17"] == "Hari Kemerdekaan Republik Indonesia"
    assert "Idul Fitri" in days["2026-03-21"]
    # ...and cuti bersama.
    for cuti in ("2026-02-16", "2026-03-20", "2026-03-23", "2026-03-24", "2026-12-24"):
        assert days[cuti].startswith("Cuti Bersama"), (cuti, days.get(cuti))
    r27 = await anon.get(H, params={"year": 2027})
    days27 = {h["date"]: h["name"] for h in r27.json()}
    assert "2027-08-17" in days27 and days27["2027-12-24"].startswith("Cuti Bersama")


def test_seed_years_follow_the_calendar_in_cirebon_not_utc():
    # 17:00 UTC on New Year's Eve is already 1 January in WIB.
    assert service.seed_years(datetime(2026, 12, 31, 16, 59, tzinfo=WIB)) == (2026, 2027)
    assert service.seed_years(datetime.fromisoformat("2026-12-31T17:00:00+00:00")) == (2027, 2028)


async def test_reseeding_keeps_an_admins_correction(seeded, client, cast):
    r = await client.delete(f"{H}/2027-03-10", headers=cast.admin.h)
    assert r.status_code == 204, r.text
    r = await client.post(
        H, json={"date": "2027-03-10", "name": "Idul Fitri 1448 H"}, headers=cast.admin.h
    )
    assert r.status_code == 201, r.text
    assert await service.seed([2027]) == 0
    assert (await _stored())[date(2027, 3, 10)] == "Idul Fitri 1448 H"


async def test_admin_adds_and_removes_a_holiday(seeded, client, anon, cast):
    body = {"date": "2026-12-07", "name": " Hari Jadi Kabupaten Cirebon "}
    r = await client.post(H, json=body, headers=cast.admin.h)
    assert r.status_code == 201, r.text
    assert r.json() == {"date": "2026-12-07", "name": "Hari Jadi Kabupaten Cirebon"}
    listed = (await anon.get(H, params={"year": 2026})).json()
    assert {"date": "2026-12-07", "name": "Hari Jadi Kabupaten Cirebon"} in listed

    again = await client.post(H, json={"date": "2026-12-07", "name": "Lagi"}, headers=cast.admin.h)
    assert_error(again, 409, "2026-12-07")
    assert (await _stored())[date(2026, 12, 7)] == "Hari Jadi Kabupaten Cirebon"

    r = await client.delete(f"{H}/2026-12-07", headers=cast.admin.h)
    assert r.status_code == 204 and not r.content
    assert date(2026, 12, 7) not in await _stored()
    assert_error(await client.delete(f"{H}/2026-12-07", headers=cast.admin.h), 404, "2026-12-07")


async def test_the_answer_clock_counts_with_the_stored_holidays(seeded, client, cast):
    friday_evening = datetime(2026, 12, 4, 20, tzinfo=WIB)
    before = await service.working_calendar(DEFAULT)
    assert before.add_office_seconds(friday_evening, 3 * 3600) == datetime(
        2026, 12, 7, 10, 30, tzinfo=WIB
    )
    r = await client.post(H, json={"date": "2026-12-07", "name": "Libur"}, headers=cast.admin.h)
    assert r.status_code == 201, r.text
    try:
        after = await service.working_calendar(DEFAULT)
        assert after.add_office_seconds(friday_evening, 3 * 3600) == datetime(
            2026, 12, 8, 10, 30, tzinfo=WIB
        )
    finally:
        await client.delete(f"{H}/2026-12-07", headers=cast.admin.h)


async def test_listeners_run_inside_the_change_and_see_it(seeded, client, cast, listeners):
    seen = []

    async def record(change):
        # Same transaction: the new state is visible, and so is what the listener writes.
        seen.append((change, await service.holiday_dates(date(2026, 12, 1), date(2026, 12, 31))))

    listeners.append(record)
    r = await client.post(H, json={"date": "2026-12-08", "name": "Uji"}, headers=cast.admin.h)
    assert r.status_code == 201, r.text
    r = await client.delete(f"{H}/2026-12-08", headers=cast.admin.h)
    assert r.status_code == 204, r.text

    (added, during_add), (removed, during_remove) = seen
    eighth = frozenset({date(2026, 12, 8)})
    assert added == service.HolidaysChanged(added=eighth, removed=frozenset())
    assert date(2026, 12, 8) in during_add
    assert removed.removed == frozenset({date(2026, 12, 8)}) and not removed.added
    assert date(2026, 12, 8) not in during_remove


async def test_a_failing_listener_undoes_the_change(seeded, client, cast, listeners):
    async def refuse(change):
        raise Conflict("deadlines could not be moved")

    listeners.append(refuse)
    r = await client.post(H, json={"date": "2026-12-09", "name": "Uji"}, headers=cast.admin.h)
    assert_error(r, 409, "deadlines could not be moved")
    assert date(2026, 12, 9) not in await _stored()

    r = await client.delete(f"{H}/2026-12-25", headers=cast.admin.h)
    assert_error(r, 409, "deadlines")
    assert date(2026, 12, 25) in await _stored()


async def test_the_seed_tells_listeners_what_it_added(database, client, listeners):
    seen = []

    async def record(change):
        seen.append(change)

    listeners.append(record)
    await Holiday.delete().where(Holiday.day >= date(2030, 1, 1))
    added = await service.seed([2030])
    assert added > 0 and len(seen) == 1
    assert len(seen[0].added) == added and date(2030, 8, 17) in seen[0].added
    assert await service.seed([2030]) == 0 and len(seen) == 1


async def test_holiday_dates_honours_its_bounds(seeded):
    december = await service.holiday_dates(date(2026, 12, 1), date(2026, 12, 31))
    assert date(2026, 12, 25) in december and date(2026, 12, 24) in december
    assert all(d.year == 2026 and d.month == 12 for d in december)


# -- who may do what ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["pic", "reporter"])
async def test_only_an_admin_changes_holidays(seeded, client, cast, who):
    h = getattr(cast, who).h
    assert_error(await client.post(H, json={"date": "2026-12-10", "name": "X"}, headers=h), 403)
    assert_error(await client.delete(f"{H}/2026-12-25", headers=h), 403)
    assert date(2026, 12, 10) not in await _stored()
    assert date(2026, 12, 25) in await _stored()


async def test_no_login_reads_but_cannot_change(seeded, anon):
    assert (await anon.get(H)).status_code == 200
    assert_error(await anon.post(H, json={"date": "2026-12-10", "name": "X"}), 401)
    assert_error(await anon.delete(f"{H}/2026-12-25"), 401)


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-13-01", "name": "X"}, "date"),
        ({"date": "25-12-2026", "name": "X"}, "date"),
        ({"date": 20261225, "name": "X"}, "date"),
        ({"date": "2026-12-10T00:00:00", "name": "X"}, "date"),
        ({"name": "X"}, "date"),
        ({"date": "2026-12-10"}, "name"),
        ({"date": "2026-12-10", "name": "   "}, "name"),
        ({"date": "2026-12-10", "name": "x" * 201}, "name"),
        ({"date": "2026-12-10", "name": "a\x00b"}, "name"),
        ({"date": "2026-12-10", "name": "X", "kind": "cuti"}, "kind"),
    ],
)
async def test_bad_holidays_are_refused_naming_the_field(seeded, client, cast, body, field):
    r = await client.post(H, json=body, headers=cast.admin.h)
    assert_error(r, 400, field)
    assert date(2026, 12, 10) not in await _stored()


@pytest.mark.parametrize("day", ["2026-02-30", "besok", "2026-1-5", "20261225"])
async def test_a_bad_date_in_the_path_is_a_400_naming_date(seeded, client, cast, day):
    assert_error(await client.delete(f"{H}/{day}", headers=cast.admin.h), 400, "date")


@pytest.mark.parametrize("year", ["dua ribu", "99999", "0"])
async def test_a_bad_year_is_a_400_naming_year(seeded, anon, year):
    assert_error(await anon.get(H, params={"year": year}), 400, "year")
