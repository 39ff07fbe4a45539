"""Tracking numbers: `UPIK-<year>-<id, 6 digits>`, derived from the id and the
year of submission in Cirebon's time zone (WIB), so they are unique by
construction and never stored twice."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
_PATTERN = re.compile(r"^\s*UPIK-(\d{4})-(\d{1,12})\s*$", re.IGNORECASE)


def tracking_no(complaint_id: int, created_at: datetime) -> str:
    return f"UPIK-{created_at.astimezone(WIB).year}-{complaint_id:06d}"


def parse(text: str) -> int | None:
    """The complaint id in a tracking number someone typed, if it is one."""
    match = _PATTERN.match(text)
    return int(match.group(2)) if match else None
