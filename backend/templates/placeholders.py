"""Filling an answer template with a complaint's facts.

Placeholders are exactly `{nomor}` (tracking number), `{judul}` (title) and
`{unit}` (the unit's name). Anything else in braces is left as written, and
facts are inserted as plain text in one pass: no `str.format` (whose field
syntax reaches attributes and indexes of its arguments), and a fact that itself
contains `{unit}` is not expanded again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS = ("nomor", "judul", "unit")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class ComplaintFacts:
    tracking_no: str | None = None
    title: str | None = None
    unit_name: str | None = None

    def value_of(self, placeholder: str) -> str | None:
        return {"nomor": self.tracking_no, "judul": self.title, "unit": self.unit_name}[
            placeholder
        ]


def fill(template_body: str, facts: ComplaintFacts) -> str:
    """`template_body` with each known placeholder replaced by its fact; a
    placeholder whose fact is missing stays visible for the PIC to fill in."""

    def replace(match: re.Match[str]) -> str:
        value = facts.value_of(match[1])
        return match[0] if value is None else value

    return _PLACEHOLDER.sub(replace, template_body)
