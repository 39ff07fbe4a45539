# ruff: noqa: E501  (one bad request per line reads best as a table)
"""Every 400 (and a 409 for a taken value) says which field broke which rule
in `extra[0].key` / `extra[0].rule`, whoever raised it: msgspec, Litestar's
parameter checks, a use case's BadInput, or a body that is not JSON."""

from __future__ import annotations

import pytest

from tests.support.api_client import PASSWORD
from tests.support.error_shape import assert_error

C = "/api/v1/complaints"
OK = {"title": "Jalan berlubang", "body": "Lubang besar di depan pasar."}


@pytest.fixture(scope="module")
async def cast(api):
    _, reporter = await api.citizen()
    _, admin = await api.staff("admin")
    received = await api.submit(reporter)
    return {"reporter": reporter, "admin": admin, "received": received["id"]}


@pytest.mark.parametrize(
    ("who", "path", "body", "key", "rule", "limit"),
    [
        ("reporter", C, {"body": "x"}, "title", "required", None),
        ("reporter", C, {**OK, "title": "a" * 201}, "title", "max_length", 200),
        ("reporter", C, {**OK, "title": ""}, "title", "min_length", 1),
        ("reporter", C, {**OK, "body": " \n "}, "body", "not_blank", None),
        ("reporter", C, {**OK, "kind": "marah"}, "kind", "choice", None),
        ("reporter", C, {**OK, "title": 5}, "title", "type", None),
        ("reporter", C, {**OK, "location": {"lat": 91, "lon": 108.5}}, "location.lat", "maximum", 90),
        ("reporter", C, {**OK, "location": {"lat": -6.7}}, "location.lon", "required", None),
        ("reporter", C, {**OK, "category_id": 999999}, "category_id", "unknown", None),
        ("admin", C + "/{received}/dispatch", {"unit_id": 999999}, "unit_id", "unknown", None),
        ("admin", C + "/{received}/reject", {"reason": "a" * 2001}, "reason", "max_length", 2000),
        ("admin", C + "/{received}/reject", {"reason": "   "}, "reason", "not_blank", None),
    ],
)
async def test_body_errors_name_key_and_rule(api, cast, who, path, body, key, rule, limit):
    r = await api.client.post(path.format(**cast), json=body, headers=cast[who])
    entry = assert_error(r, 400, key.split(".")[-1])["extra"][0]
    assert (entry["key"], entry["rule"]) == (key, rule), entry
    assert entry.get("limit") == limit, entry


async def test_query_errors_name_key_and_rule(api, cast):
    r = await api.client.get(C + "?limit=0", headers=cast["admin"])
    entry = assert_error(r, 400, "limit")["extra"][0]
    assert (entry["key"], entry["rule"], entry["limit"], entry["source"]) == ("limit", "minimum", 1, "query")


async def test_malformed_json_is_one_entry_without_a_key(api, cast):
    r = await api.client.post(
        C, content=b'{"title": ', headers={**cast["reporter"], "Content-Type": "application/json"}
    )
    entry = assert_error(r, 400)["extra"][0]
    assert (entry["key"], entry["rule"]) == (None, "malformed"), entry


async def test_a_taken_username_is_a_409_naming_the_field(api):
    user, _ = await api.citizen()
    api.client.cookies.clear()
    r = await api.client.post(
        "/api/v1/auth/register",
        json={"username": user["username"], "password": PASSWORD, "name": "Kembar"},
    )
    entry = assert_error(r, 409, "taken")["extra"][0]
    assert (entry["key"], entry["rule"]) == ("username", "taken"), entry
