"""`upik seed` loads this year's and next year's holidays, as a user runs it
(a subprocess on its own SQLite data dir), and re-running it adds nothing; a
bad UPIK_OFFICE_HOURS stops the command naming the variable."""

from __future__ import annotations

import re
from datetime import date

from backend.holidays.service import seed_years
from tests.api.test_cli import _env, ok, query, run


def test_seed_loads_holidays_of_this_year_and_the_next_once(tmp_path):
    env = _env(UPIK_DATA_DIR=str(tmp_path))
    ok(run(env, "migrate"))
    this_year, next_year = seed_years()
    first = ok(run(env, "seed"))
    m = re.search(r"(\d+) holidays and cuti bersama days of (\d{4})-(\d{4}) added", first)
    assert m, first
    assert (int(m[2]), int(m[3])) == (this_year, next_year)
    days = {d for (d,) in query(tmp_path, "SELECT day FROM holiday")}
    assert len(days) == int(m[1])
    for year in (this_year, next_year):
        assert date(year, 8, 17).isoformat() in days  # Hari Kemerdekaan
        assert date(year, 1, 1).isoformat() in days
    second = ok(run(env, "seed"))
    assert f"0 holidays and cuti bersama days of {this_year}-{next_year} added" in second
    assert {d for (d,) in query(tmp_path, "SELECT day FROM holiday")} == days


def test_a_bad_office_hours_setting_stops_the_command_naming_it(tmp_path):
    env = _env(UPIK_DATA_DIR=str(tmp_path), UPIK_OFFICE_HOURS="senin-jumat 08:00-16:00")
    p = run(env, "migrate")
    assert p.returncode == 2, p.stdout + p.stderr
    assert "UPIK_OFFICE_HOURS" in p.stderr and "'senin' is not a day" in p.stderr
