# ruff: noqa: E501  (one bad request per line reads best as a table)
"""GET /api/v1/rules: the PWA's field checks come from the Structs the server
validates with. Besides a few known values, every published length and bound
is tried against the real validator, so a rule that drifted from the Struct
(or a generator that misreads one) fails here."""

from __future__ import annotations

import re
import typing

import msgspec
import pytest

from backend.common.fields import text
from backend.web.field_rules import FORMS, all_rules, describe_struct
from tests.support.error_shape import assert_error


def _annotation(form: str, field: str):
    hints = typing.get_type_hints(FORMS[form], include_extras=True)
    return hints[field]


def _valid(annotation, value) -> bool:
    try:
        msgspec.convert(value, type=annotation)
    except msgspec.ValidationError:
        return False
    return True


async def test_rules_are_public_cacheable_and_name_known_constraints(client):
    client.cookies.clear()
    r = await client.get("/api/v1/rules")
    assert r.status_code == 200, r.text
    assert "public" in r.headers["cache-control"]
    forms = r.json()["forms"]
    title = forms["complaint"]["fields"]["title"]
    assert (title["required"], title["max_length"], title["not_blank"]) == (True, 200, True)
    assert forms["reply"]["fields"]["body"]["max_length"] == 5000
    assert forms["rating"]["fields"]["score"] | {"minimum": 1, "maximum": 5} == forms["rating"][
        "fields"
    ]["score"]
    username = forms["register"]["fields"]["username"]
    assert re.fullmatch(username["pattern"], "warga.cirebon_01")
    assert not re.fullmatch(username["pattern"], "warga cirebon")
    assert "taken" in username["checks"]
    assert set(forms["reset"]["fields"]["code"]["checks"]) == {
        "wrong",
        "used",
        "superseded",
        "expired",
    }
    assert forms["complaint"]["fields"]["location"]["fields"]["lat"]["maximum"] == 90
    assert forms["register"]["unknown_fields"] == "refused"
    assert "image/jpeg" in r.json()["attachment"]["content_types"]

    again = await client.get("/api/v1/rules", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def _published_fields():
    rules = all_rules(10 * 1024 * 1024)["forms"]
    for form, spec in rules.items():
        for field, rule in spec["fields"].items():
            yield pytest.param(form, field, rule, id=f"{form}.{field}")


@pytest.mark.parametrize(("form", "field", "rule"), list(_published_fields()))
def test_every_published_rule_is_what_the_validator_does(form, field, rule):
    annotation = _annotation(form, field)
    if rule["type"] == "string" and "choices" not in rule:
        filler = "a"
        if rule.get("pattern") and not re.fullmatch(rule["pattern"], "a"):
            filler = "1" if re.fullmatch(rule["pattern"], "1") else None
        if filler is None:  # e.g. an e-mail pattern: fill the local part
            sample = "a@b.id"
            assert _valid(annotation, sample) == bool(re.fullmatch(rule["pattern"], sample))
            return
        if "max_length" in rule:
            assert _valid(annotation, filler * rule["max_length"]), rule
            assert not _valid(annotation, filler * (rule["max_length"] + 1)), rule
        if rule.get("min_length", 0) > 0:
            assert _valid(annotation, filler * rule["min_length"]), rule
            assert not _valid(annotation, filler * (rule["min_length"] - 1)), rule
        if rule.get("not_blank"):
            assert not _valid(annotation, " " * max(1, rule.get("min_length", 1)))
    elif "choices" in rule:
        for choice in rule["choices"]:
            assert _valid(annotation, choice)
        assert not _valid(annotation, "bukan-pilihan")
    elif rule["type"] in ("integer", "number"):
        if "minimum" in rule:
            assert _valid(annotation, rule["minimum"])
            assert not _valid(annotation, rule["minimum"] - 1)
        if "maximum" in rule:
            assert _valid(annotation, rule["maximum"])
            assert not _valid(annotation, rule["maximum"] + 1)
    assert _valid(annotation, None) == rule["nullable"]


def test_changing_a_struct_constraint_changes_the_rules():
    """The generator reads the Struct; it holds no copy that could go stale."""
    from backend.complaints.schemas import ComplaintIn

    original = describe_struct(ComplaintIn)["title"]
    hints = typing.get_type_hints(ComplaintIn, include_extras=True)
    shorter = original["max_length"] - 50
    Changed = msgspec.defstruct(
        "Changed", [("title", text(1, shorter)), ("body", hints["body"])]
    )
    changed = describe_struct(Changed)["title"]
    assert changed["max_length"] == shorter != original["max_length"]
    assert {k: v for k, v in changed.items() if k != "max_length"} == {
        k: v for k, v in original.items() if k != "max_length"
    }


@pytest.mark.parametrize(
    ("path", "body", "key", "rule", "limit"),
    [
        ("/api/v1/auth/register", {"password": "rahasia-123", "name": "W"}, "username", "required", None),
        ("/api/v1/auth/register", {"username": "a b", "password": "rahasia-123", "name": "W"}, "username", "pattern", None),
        ("/api/v1/auth/register", {"username": "abc", "password": "pendek", "name": "W"}, "password", "min_length", "password"),
        ("/api/v1/auth/register", {"username": "abc", "password": "rahasia-123", "name": "   "}, "name", "not_blank", None),
        ("/api/v1/auth/register", {"username": "abc", "password": "rahasia-123", "name": "W", "x": 1}, "x", "unknown_field", None),
        ("/api/v1/auth/login", {"username": "abc"}, "password", "required", None),
    ],
)  # fmt: skip
async def test_400s_carry_key_and_rule(client, path, body, key, rule, limit):
    client.cookies.clear()
    r = await client.post(path, json=body)
    entry = assert_error(r, 400, key)["extra"][0]
    assert (entry["key"], entry["rule"]) == (key, rule), entry
    if limit:
        published = all_rules(1)["forms"]["register"]["fields"][limit]
        assert entry["limit"] == published["min_length"]
