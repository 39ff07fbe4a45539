"""Holidays: listing, adding, removing, seeding, and the hook that lets other
domains move what depends on them (running deadlines) in the same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from backend.common.clock import now
from backend.common.errors import Conflict, NotFound
from backend.database import (
    current_engine,
    is_unique_violation,
    run_statement,
    write_transaction,
)
from backend.holidays import seed_data
from backend.holidays.schemas import HolidayIn, HolidayOut
from backend.holidays.tables import Holiday
from backend.working_time.calendar import WorkingCalendar
from backend.working_time.office_hours import WIB, OfficeHours


@dataclass(frozen=True)
class HolidaysChanged:
    """What one transaction changed in the holiday calendar."""

    added: frozenset[date]
    removed: frozenset[date]


HolidayListener = Callable[[HolidaysChanged], Awaitable[None]]

# Called, in order, inside the transaction that changes the holidays: a listener's
# writes commit or roll back with the change, and an exception from one undoes
# it all (a domain error such as Conflict reaches the caller as its 4xx). The
# complaints domain registers its deadline re-computation here; `holiday_dates()`
# called from a listener already sees the change.
on_holidays_changed: list[HolidayListener] = []


async def _notify(change: HolidaysChanged) -> None:
    if change.added or change.removed:
        for listener in list(on_holidays_changed):
            await listener(change)


def _as_date(value) -> date:
    # SQLite hands dates back as text; PostgreSQL as date objects.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _out(row: dict) -> HolidayOut:
    return HolidayOut(date=_as_date(row["day"]), name=row["name"])


async def list_holidays(year: int | None = None) -> list[HolidayOut]:
    query = Holiday.select(Holiday.day, Holiday.name).order_by(Holiday.day)
    if year is not None:
        query = query.where(
            (Holiday.day >= date(year, 1, 1)) & (Holiday.day <= date(year, 12, 31))
        )
    return [_out(r) for r in await query]


async def holiday_dates(since: date | None = None, until: date | None = None) -> frozenset[date]:
    """The holiday dates in [since, until] (either bound optional), for a WorkingCalendar.

    Read on every routing (the answer clock), so written as SQL: building the
    Piccolo select cost more than running it. In the current transaction when
    there is one, like a Piccolo query."""
    sqlite = Holiday._meta.db.engine_type == "sqlite"
    conditions, args = [], []
    for operator, bound in ((">=", since), ("<=", until)):
        if bound is not None:
            args.append(bound)
            conditions.append(f'"day" {operator} ' + ("?" if sqlite else f"${len(args)}"))
    sql = f'SELECT "day" FROM "{Holiday._meta.tablename}"'
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return frozenset(_as_date(r["day"]) for r in await run_statement(Holiday, (sql, args)))


async def working_calendar(hours: OfficeHours) -> WorkingCalendar:
    """Office hours plus every stored holiday: what the answer clock counts with."""
    return WorkingCalendar(hours, frozenset() if hours.always else await holiday_dates())


async def add_holiday(data: HolidayIn) -> HolidayOut:
    name = data.name.strip()
    try:
        async with write_transaction(current_engine()):
            if await Holiday.exists().where(Holiday.day == data.date):
                raise Conflict(f"{data.date.isoformat()} is already a holiday")
            await Holiday.insert(Holiday(day=data.date, name=name, created_at=now()))
            await _notify(HolidaysChanged(added=frozenset({data.date}), removed=frozenset()))
    except Exception as exc:
        if is_unique_violation(exc):  # a concurrent add of the same day
            raise Conflict(f"{data.date.isoformat()} is already a holiday") from None
        raise
    return HolidayOut(date=data.date, name=name)


async def remove_holiday(day: date) -> None:
    async with write_transaction(current_engine()):
        if not await Holiday.exists().where(Holiday.day == day):
            raise NotFound(f"{day.isoformat()} is not a holiday")
        await Holiday.delete().where(Holiday.day == day)
        await _notify(HolidaysChanged(added=frozenset(), removed=frozenset({day})))


def seed_years(at: datetime | None = None) -> tuple[int, int]:
    """This year and the next, as the calendar on the wall in Cirebon reads."""
    year = (at or now()).astimezone(WIB).year
    return year, year + 1


async def seed(years: Iterable[int] | None = None) -> int:
    """Add Indonesia's holidays and cuti bersama of `years` (default: this year and
    the next) that are not stored yet; days already stored keep their names, so
    an admin's corrections survive a re-run. Returns how many days were added."""
    wanted = seed_data.indonesian_holidays(years or seed_years())
    at = now()
    async with write_transaction(current_engine()):
        known = await holiday_dates(min(wanted), max(wanted)) if wanted else frozenset()
        missing = [day for day in wanted if day not in known]
        if missing:
            await Holiday.insert(
                *(Holiday(day=day, name=wanted[day], created_at=at) for day in missing)
            )
            await _notify(HolidaysChanged(added=frozenset(missing), removed=frozenset()))
    return len(missing)
