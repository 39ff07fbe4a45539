from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.common.errors import BadInput
from backend.common.guards import admin_only
from backend.holidays import service
from backend.holidays.schemas import HolidayIn, HolidayOut


def _parse_day(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput("date", f"{text!r} is not a date YYYY-MM-DD") from None


class HolidayController(Controller):
    path = "/api/v1/holidays"
    tags = ["holidays"]

    @get("/", exclude_from_auth=True)
    async def list_holidays(
        self, year: Annotated[int | None, Parameter(ge=1900, le=9999)] = None
    ) -> list[HolidayOut]:
        """Anyone: the holidays (national and cuti bersama) of `year`, or all stored."""
        return await service.list_holidays(year)

    @post("/", status_code=HTTP_201_CREATED, guards=[admin_only])
    async def add_holiday(self, data: HolidayIn) -> HolidayOut:
        return await service.add_holiday(data)

    @delete("/{day:str}", status_code=HTTP_204_NO_CONTENT, guards=[admin_only])
    async def remove_holiday(self, day: str) -> None:
        await service.remove_holiday(_parse_day(day))
