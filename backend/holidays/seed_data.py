"""Indonesia's national holidays (libur nasional) and cuti bersama for given years.

Read from the maintained `holidays` library (vacanza/holidays), which follows
each year's SKB 3 Menteri: its "public" category is the libur nasional, its
"government" category the cuti bersama for ASN. Names come in Bahasa
Indonesia. Dates the library marks "(perkiraan)" are Hijri-calendar estimates
the government may still shift; an admin corrects them through the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays

COUNTRY = "ID"
CATEGORIES = ("public", "government")  # libur nasional, cuti bersama
LANGUAGE = "id"


def indonesian_holidays(years: Iterable[int]) -> dict[date, str]:
    """Every holiday and cuti bersama day of `years`, date -> Indonesian name.

    A day with two holidays (it happens: Isra Mikraj and Natal) gets both names."""
    calendar = holidays.country_holidays(
        COUNTRY, years=list(years), categories=CATEGORIES, language=LANGUAGE
    )
    # The library joins two names of one day with "; ".
    return {day: name.replace("; ", " / ") for day, name in sorted(calendar.items())}
