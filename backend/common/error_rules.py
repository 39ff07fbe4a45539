"""Which field broke which rule, in words a program can switch on.

msgspec and Litestar describe a bad value in English prose ("Expected `str`
of length <= 200"). The PWA must show Indonesian text under the right field
without parsing that prose, so every 400 carries, per bad field,
`{"key": <field>, "rule": <rule id>, "message": <English>}` and, where the
rule has one, its `limit`. This module turns the validator's messages into
those entries; the rule ids are listed in docs/api.md.
"""

from __future__ import annotations

import re
from typing import Any

from backend.common.fields import NO_NUL, NOT_BLANK

_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`")
_LENGTH = re.compile(r"^Expected `(?P<type>\w+)` of length (?P<op>[<>]=?) (?P<limit>\d+)")
_BOUND = re.compile(r"^Expected `(?:int|float|number)` (?P<op>[<>]=?) (?P<limit>-?[\d.e+-]+)")
_REGEX = re.compile(r"matching regex '(?P<pattern>.*)'$")
_TYPE = re.compile(r"^Expected `[^`]+`, got `[^`]+`")
_AT_PATH = re.compile(r" - at `\$\.(?P<path>[^`]+)`$")

# How msgspec quotes the shared text patterns in its messages.
_PATTERN_RULES = {
    repr(NOT_BLANK)[1:-1]: ("not_blank", "must not be blank, and must not contain NUL characters"),
    repr(NO_NUL)[1:-1]: ("no_nul", "must not contain NUL characters"),
}


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def classify(key: str | None, message: str) -> dict[str, Any]:
    """One validator message about `key` as {"key", "rule", "message"[, "limit"]}."""
    at = _AT_PATH.search(message)
    if at:
        # msgspec names nested fields as `$.location.lat`; keep the dotted path.
        message, key = message[: at.start()], at["path"]
    parent = None if key in (None, "", "data") else key
    entry: dict[str, Any] = {"key": parent, "rule": "invalid", "message": message}
    if m := _MISSING.match(message):
        entry.update(key=f"{parent}.{m['field']}" if parent else m["field"], rule="required")
    elif m := _UNKNOWN.match(message):
        entry.update(key=f"{parent}.{m['field']}" if parent else m["field"], rule="unknown_field")
    elif m := _LENGTH.match(message):
        items = m["type"] in ("array", "object")
        low = m["op"].startswith(">")
        rule = ("min_" if low else "max_") + ("items" if items else "length")
        limit = int(m["limit"]) + (1 if m["op"] == ">" else -1 if m["op"] == "<" else 0)
        entry.update(rule=rule, limit=limit)
    elif m := _BOUND.match(message):
        entry.update(
            rule="minimum" if m["op"].startswith(">") else "maximum", limit=_number(m["limit"])
        )
        if len(m["op"]) == 1:
            entry["exclusive"] = True
    elif m := _REGEX.search(message):
        rule, words = _PATTERN_RULES.get(m["pattern"], ("pattern", None))
        entry.update(rule=rule, message=words or message)
        if rule == "pattern":
            entry["pattern"] = m["pattern"].replace("\\\\", "\\")
    elif message.startswith("Invalid enum value"):
        entry["rule"] = "choice"
    elif _TYPE.match(message):
        entry["rule"] = "type"
    return entry


def from_validation_extra(extra: Any) -> list[dict[str, Any]] | None:
    """Litestar's ValidationException.extra, one classified entry per item."""
    if not isinstance(extra, list) or not extra:
        return None
    out = []
    for item in extra:
        if not isinstance(item, dict):
            continue
        entry = classify(item.get("key"), str(item.get("message", "invalid")))
        if item.get("source"):
            entry["source"] = item["source"]
        out.append(entry)
    return out or None


def describe(entries: list[dict[str, Any]]) -> str:
    """`detail` for people reading logs: "title: Expected `str` of length <= 200"."""
    return "; ".join(f"{e['key']}: {e['message']}" if e["key"] else e["message"] for e in entries)


_TAKEN = re.compile(r"^(?:[\w ]+ )?(?P<field>\w+) '.*' is taken$", re.S)
# The English texts services already raise BadInput with, and their rule ids;
# a new BadInput should pass `code=` instead of relying on this.
_TEXT_RULES = (
    ("must not be blank", "not_blank"),
    ("is required", "required"),
    ("no ", "unknown"),  # "no unit with id 7": refers to nothing that exists
    ("is empty", "required"),
)


def rule_of_text(text: str) -> str:
    for start, rule in _TEXT_RULES:
        if text.startswith(start) or text.endswith(start):
            return rule
    return "invalid"


def taken_entry(message: str) -> dict[str, Any] | None:
    """A 409 "username 'warga' is taken" as {"key": "username", "rule": "taken"}."""
    m = _TAKEN.match(message)
    return {"key": m["field"], "rule": "taken", "message": message} if m else None


_MISSING_PARAMETER = re.compile(
    r"^Missing required (?P<source>\w+) parameter '(?P<field>[^']+)'", re.IGNORECASE
)


def from_detail(detail: str) -> dict[str, Any]:
    """A 400 Litestar raised with only a sentence: a missing query, header or
    cookie parameter names its field; anything else (malformed JSON) has none."""
    if m := _MISSING_PARAMETER.match(detail):
        return {"key": m["field"], "rule": "required", "message": detail, "source": m["source"]}
    return {"key": None, "rule": "malformed", "message": detail}
