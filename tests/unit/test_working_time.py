"""Office time: the answer clock counts only office hours on non-holidays (WIB)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.working_time.calendar import NoOfficeTime, WorkingCalendar
from backend.working_time.office_hours import (
    ALWAYS,
    DEFAULT,
    WIB,
    OfficeHoursError,
    parse_office_hours,
)

H = 3600
STANDARD = 3 * H  # the SOP's three hours


def wib(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=WIB)


# 2026-12-04 is a Friday; 2026-12-07 the Monday after.
FRIDAY, MONDAY, TUESDAY = date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 8)
OFFICE = WorkingCalendar.of(DEFAULT)


def test_calendar_dates_used_here_are_the_weekdays_the_tests_assume():
    assert (FRIDAY.weekday(), MONDAY.weekday(), TUESDAY.weekday()) == (4, 0, 1)


# -- the cases the issue names ------------------------------------------------------


def test_routed_friday_evening_with_three_hours_is_due_monday_1030():
    assert OFFICE.add_office_seconds(wib(2026, 12, 4, 20), STANDARD) == wib(2026, 12, 7, 10, 30)


def test_a_holiday_on_that_monday_moves_the_deadline_to_tuesday_1030():
    calendar = WorkingCalendar.of(DEFAULT, {MONDAY})
    assert calendar.add_office_seconds(wib(2026, 12, 4, 20), STANDARD) == wib(2026, 12, 8, 10, 30)


def test_a_timer_due_at_two_in_the_night_fires_at_0730():
    assert OFFICE.fire_time(wib(2026, 12, 8, 2)) == wib(2026, 12, 8, 7, 30)
    assert OFFICE.next_open(wib(2026, 12, 8, 2)) == wib(2026, 12, 8, 7, 30)


def test_input_in_utc_gives_the_same_instant():
    # Friday 20:00 WIB is 13:00 UTC.
    due = OFFICE.add_office_seconds(datetime(2026, 12, 4, 13, tzinfo=UTC), STANDARD)
    assert due == wib(2026, 12, 7, 10, 30)
    assert due.tzinfo == WIB


# -- spans --------------------------------------------------------------------------


def test_a_deadline_carries_over_the_afternoon_into_the_next_morning():
    # Thursday 14:00: two hours left that day (to 16:00), one more on Friday.
    assert OFFICE.add_office_seconds(wib(2026, 12, 3, 14), STANDARD) == wib(2026, 12, 4, 8, 30)


def test_friday_closes_half_an_hour_later():
    assert OFFICE.add_office_seconds(wib(2026, 12, 4, 14), STANDARD) == wib(2026, 12, 7, 8, 0)


def test_a_multi_day_holiday_after_a_weekend_is_skipped_whole():
    # Cuti bersama Monday to Wednesday after the weekend.
    calendar = WorkingCalendar.of(DEFAULT, {MONDAY, TUESDAY, date(2026, 12, 9)})
    assert calendar.add_office_seconds(wib(2026, 12, 4, 15), STANDARD) == wib(2026, 12, 10, 9)
    # Friday 15:00-16:30 and Thursday 07:30-09:00 are all the office time between.
    assert calendar.office_seconds_between(wib(2026, 12, 4, 15), wib(2026, 12, 10, 9)) == STANDARD


def test_a_whole_week_counts_its_office_hours_only():
    week = OFFICE.office_seconds_between(wib(2026, 12, 7), wib(2026, 12, 14))
    assert week == 4 * (8.5 * H) + 9 * H


def test_weekend_time_counts_nothing():
    assert OFFICE.office_seconds_between(wib(2026, 12, 5, 9), wib(2026, 12, 6, 23)) == 0


def test_between_is_negative_when_the_end_comes_first():
    assert OFFICE.office_seconds_between(wib(2026, 12, 7, 10), wib(2026, 12, 7, 9)) == -H


# -- boundaries ----------------------------------------------------------------------


def test_open_is_half_open_at_the_edges():
    assert not OFFICE.is_open(wib(2026, 12, 7, 7, 29, 59))
    assert OFFICE.is_open(wib(2026, 12, 7, 7, 30))
    assert OFFICE.is_open(wib(2026, 12, 7, 15, 59, 59))
    assert not OFFICE.is_open(wib(2026, 12, 7, 16))
    assert OFFICE.is_open(wib(2026, 12, 4, 16, 15))  # Friday runs to 16:30
    assert not OFFICE.is_open(wib(2026, 12, 5, 10))  # Saturday
    assert not WorkingCalendar.of(DEFAULT, {MONDAY}).is_open(wib(2026, 12, 7, 10))


def test_starting_exactly_at_opening_and_ending_exactly_at_closing():
    assert OFFICE.add_office_seconds(wib(2026, 12, 7, 7, 30), 8.5 * H) == wib(2026, 12, 7, 16)
    # One second more spills into the next morning.
    assert OFFICE.add_office_seconds(wib(2026, 12, 7, 7, 30), 8.5 * H + 1) == wib(
        2026, 12, 8, 7, 30, 1
    )


def test_starting_exactly_at_closing_starts_counting_next_morning():
    assert OFFICE.add_office_seconds(wib(2026, 12, 7, 16), H) == wib(2026, 12, 8, 8, 30)


def test_next_open_is_the_instant_itself_while_open_and_the_next_morning_at_closing():
    assert OFFICE.next_open(wib(2026, 12, 7, 10)) == wib(2026, 12, 7, 10)
    assert OFFICE.next_open(wib(2026, 12, 7, 16)) == wib(2026, 12, 8, 7, 30)
    assert OFFICE.next_open(wib(2026, 12, 4, 17)) == wib(2026, 12, 7, 7, 30)


def test_a_deadline_on_the_closing_instant_fires_then_not_next_morning():
    due = OFFICE.add_office_seconds(wib(2026, 12, 7, 13), STANDARD)
    assert due == wib(2026, 12, 7, 16)
    assert OFFICE.fire_time(due) == due
    assert OFFICE.fire_time(wib(2026, 12, 7, 16, 0, 1)) == wib(2026, 12, 8, 7, 30)
    # Opening instant: the office is open, the timer fires at once.
    assert OFFICE.fire_time(wib(2026, 12, 7, 7, 30)) == wib(2026, 12, 7, 7, 30)


def test_zero_seconds_is_the_start_itself():
    assert OFFICE.add_office_seconds(wib(2026, 12, 5, 3), 0) == wib(2026, 12, 5, 3)


def test_naive_times_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.is_open(datetime(2026, 12, 7, 10))
    with pytest.raises(ValueError, match="seconds must be >= 0"):
        OFFICE.add_office_seconds(wib(2026, 12, 7, 10), -1)


def test_a_calendar_with_no_office_days_left_says_so_instead_of_looping():
    every_day = {date(2026, 12, 1) + timedelta(days=i) for i in range(4000)}
    with pytest.raises(NoOfficeTime):
        WorkingCalendar.of(DEFAULT, every_day).add_office_seconds(wib(2026, 12, 1), H)


# -- always ----------------------------------------------------------------------------


def test_always_counts_every_second_and_ignores_holidays():
    calendar = WorkingCalendar.of(parse_office_hours("always"), {MONDAY})
    start = wib(2026, 12, 4, 20)
    assert calendar.add_office_seconds(start, STANDARD) == wib(2026, 12, 4, 23)
    assert calendar.office_seconds_between(start, wib(2026, 12, 7, 20)) == 72 * H
    assert calendar.is_open(wib(2026, 12, 7, 2))
    assert calendar.next_open(wib(2026, 12, 7, 2)) == wib(2026, 12, 7, 2)
    assert calendar.fire_time(wib(2026, 12, 7, 2)) == wib(2026, 12, 7, 2)


# -- UPIK_OFFICE_HOURS -------------------------------------------------------------------


def test_unset_or_blank_means_the_default_hours():
    assert parse_office_hours(None) == DEFAULT
    assert parse_office_hours("  ") == DEFAULT
    assert parse_office_hours("MON-THU 07:30-16:00; Fri 07:30-16:30") == DEFAULT
    monday = DEFAULT.on(0)
    assert [(w.start_minute, w.end_minute) for w in monday] == [(450, 960)]
    assert [(w.start_minute, w.end_minute) for w in DEFAULT.on(4)] == [(450, 990)]
    assert DEFAULT.on(5) == DEFAULT.on(6) == ()


def test_always_is_recognised():
    assert parse_office_hours("always") == ALWAYS
    assert parse_office_hours(" Always ").always


def test_lists_wrapping_ranges_split_days_and_midnight_end():
    hours = parse_office_hours("mon,wed 08:00-12:00, 13:00-16:00; fri-sun 20:00-24:00")
    calendar = WorkingCalendar.of(hours)
    assert [d for d in range(7) if hours.on(d)] == [0, 2, 4, 5, 6]
    assert not calendar.is_open(wib(2026, 12, 7, 12, 30))  # lunch break
    assert calendar.add_office_seconds(wib(2026, 12, 7, 11), 2 * H) == wib(2026, 12, 7, 14)
    # Sunday 23:00 to 24:00, then Monday from 08:00.
    assert calendar.add_office_seconds(wib(2026, 12, 6, 23), H) == wib(2026, 12, 7, 0)
    assert calendar.add_office_seconds(wib(2026, 12, 6, 23), 2 * H) == wib(2026, 12, 7, 9)


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("mon-thu 07:30", "range HH:MM-HH:MM"),
        ("mon-thu", "needs days and times"),
        ("mon-xyz 07:30-16:00", "'xyz' is not a day"),
        ("senin 07:30-16:00", "'senin' is not a day"),
        ("mon 7.30-16:00", "is not a time HH:MM"),
        ("mon 07:30-25:00", "not a time of day"),
        ("mon 07:60-16:00", "not a time of day"),
        ("mon 24:00-24:00", "not a time of day"),
        ("mon 16:00-07:30", "ends before it starts"),
        ("mon 07:30-16:00; mon 15:00-17:00", "overlap"),
        (";", "no office hours"),
    ],
)
def test_bad_values_name_the_variable_and_the_problem(spec, says):
    with pytest.raises(OfficeHoursError) as caught:
        parse_office_hours(spec)
    message = str(caught.value)
    assert message.startswith("UPIK_OFFICE_HOURS: "), message
    assert says in message, message


# -- properties: adding and counting are inverse ----------------------------------------

# Start anywhere in 2026-2027 (to the second); holidays among the weekdays of Dec 2026.
instants = st.integers(0, 2 * 365 * 24 * H).map(lambda s: wib(2026, 1, 1) + timedelta(seconds=s))
durations = st.integers(0, 30 * 9 * H)
holiday_sets = st.sets(st.integers(0, 60).map(lambda d: date(2026, 12, 1) + timedelta(days=d)))
hour_specs = st.sampled_from(
    [None, "always", "mon-fri 08:00-12:00, 13:00-16:00", "sat-sun 00:00-24:00", "wed 09:00-10:00"]
)


@settings(max_examples=200, deadline=None)
@given(start=instants, seconds=durations, holidays=holiday_sets, spec=hour_specs)
def test_counting_the_time_to_a_deadline_gives_back_its_duration(start, seconds, holidays, spec):
    calendar = WorkingCalendar.of(parse_office_hours(spec), holidays)
    due = calendar.add_office_seconds(start, seconds)
    assert due >= start
    assert calendar.office_seconds_between(start, due) == seconds


@settings(max_examples=200, deadline=None)
@given(a=instants, span=durations, holidays=holiday_sets, spec=hour_specs)
def test_adding_the_counted_time_reaches_the_last_office_instant_before_the_end(
    a, span, holidays, spec
):
    calendar = WorkingCalendar.of(parse_office_hours(spec), holidays)
    b = a + timedelta(seconds=span)
    counted = calendar.office_seconds_between(a, b)
    reached = calendar.add_office_seconds(a, counted)
    assert reached <= b
    assert calendar.office_seconds_between(reached, b) == 0
    if calendar.is_open(b - timedelta(seconds=1)) and counted > 0:
        assert reached == b


@settings(max_examples=200, deadline=None)
@given(t=instants, holidays=holiday_sets, spec=hour_specs)
def test_next_open_is_open_and_nothing_before_it_is(t, holidays, spec):
    calendar = WorkingCalendar.of(parse_office_hours(spec), holidays)
    opened = calendar.next_open(t)
    assert opened >= t
    assert calendar.is_open(opened)
    assert calendar.office_seconds_between(t, opened) == 0
    assert calendar.fire_time(t) in (t, opened)


def test_a_bad_setting_stops_startup_with_the_variable_named(tmp_path):
    from backend.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match=r"^UPIK_OFFICE_HOURS: 'mon' needs days and times"):
        load_settings({"UPIK_DATA_DIR": str(tmp_path), "UPIK_OFFICE_HOURS": "mon"})
    assert load_settings({"UPIK_DATA_DIR": str(tmp_path)}).office_hours == DEFAULT
    always = load_settings({"UPIK_DATA_DIR": str(tmp_path), "UPIK_OFFICE_HOURS": "always"})
    assert always.office_hours.always
