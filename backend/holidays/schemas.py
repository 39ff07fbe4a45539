from __future__ import annotations

import datetime as dt

import msgspec

from backend.common.fields import text


class HolidayIn(msgspec.Struct, forbid_unknown_fields=True):
    date: dt.date
    name: text(1, 200)  # type: ignore[valid-type]


class HolidayOut(msgspec.Struct):
    date: dt.date
    name: str
