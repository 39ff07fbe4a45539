# ruff: noqa: E501  (one bad request per line reads best as a table)
"""Bad requests, table-driven: each one is refused with a 4xx (never a 500) in
the contract's error shape, with a `detail` naming the field, and none of them
changes anything that was accepted before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.error_shape import assert_error
from tests.support.records import events_of

LONG_KEY = "k" * 65


@dataclass
class Bad:
    id: str
    method: str
    path: str  # {received}, {routed}, {released}, {putr} are filled in
    who: str | None  # cast attribute, or None: no login
    json: Any = None
    status: int = 400
    names: tuple[str, ...] = ()  # what `detail` must mention
    content: bytes | None = None
    headers: dict = field(default_factory=dict)
    files: dict | None = None
    data: dict | None = None


C = "/api/v1/complaints"
OK = {"title": "Judul", "body": "Isi pengaduan."}
STAFF = {"username": "staf_baru", "password": "rahasia-123", "name": "Staf"}
REG = {"username": "warga_baru", "password": "rahasia-123", "name": "Warga"}

CASES = [
    # --- submit
    Bad("title-int", "POST", C, "reporter", {**OK, "title": 1}, names=("title",)),
    Bad("title-missing", "POST", C, "reporter", {"body": "x"}, names=("title",)),
    Bad("body-missing", "POST", C, "reporter", {"title": "x"}, names=("body",)),
    Bad("unknown-field", "POST", C, "reporter", {**OK, "priority": "high"}, names=("priority",)),
    Bad("title-201", "POST", C, "reporter", {**OK, "title": "a" * 201}, names=("title",)),
    Bad("body-5001", "POST", C, "reporter", {**OK, "body": "a" * 5001}, names=("body",)),
    Bad("title-blank", "POST", C, "reporter", {**OK, "title": "   "}, names=("title",)),
    Bad("body-blank", "POST", C, "reporter", {**OK, "body": " \n "}, names=("body",)),
    Bad("title-empty", "POST", C, "reporter", {**OK, "title": ""}, names=("title",)),
    Bad("kind-invalid", "POST", C, "reporter", {**OK, "kind": "marah"}, names=("kind",)),
    Bad("category-unknown", "POST", C, "reporter", {**OK, "category_id": 999999}, names=("category_id",)),
    Bad("category-str", "POST", C, "reporter", {**OK, "category_id": "JALAN"}, names=("category_id",)),
    Bad("anonymous-str", "POST", C, "reporter", {**OK, "is_anonymous": "ya"}, names=("is_anonymous",)),
    Bad("lat-91", "POST", C, "reporter", {**OK, "location": {"lat": 91, "lon": 108.5}}, names=("lat",)),
    Bad("lon-181", "POST", C, "reporter", {**OK, "location": {"lat": -6.7, "lon": 181}}, names=("lon",)),
    Bad("lon-missing", "POST", C, "reporter", {**OK, "location": {"lat": -6.7}}, names=("lon",)),
    Bad("address-301", "POST", C, "reporter", {**OK, "location": {"lat": -6.7, "lon": 108.5, "address": "a" * 301}}, names=("address",)),
    Bad("truncated-json", "POST", C, "reporter", content=b'{"title": "x", ', headers={"Content-Type": "application/json"}),
    Bad("malformed-json", "POST", C, "reporter", content=b"{title: x}", headers={"Content-Type": "application/json"}, names=("json",)),
    Bad("json-array", "POST", C, "reporter", [OK], names=("object",)),
    Bad("json-string", "POST", C, "reporter", "judul", names=("object",)),
    Bad("idempotency-key-65", "POST", C, "reporter", OK, headers={"Idempotency-Key": LONG_KEY}, names=("idempotency",)),
    # --- listing
    Bad("status-filter", "GET", C + "?status=selesai", "admin", names=("status",)),
    Bad("kind-filter", "GET", C + "?kind=marah", "admin", names=("kind",)),
    Bad("unit-filter-str", "GET", C + "?unit_id=DPUTR", "admin", names=("unit_id",)),
    Bad("limit-0", "GET", C + "?limit=0", "admin", names=("limit",)),
    Bad("limit-101", "GET", C + "?limit=101", "admin", names=("limit",)),
    Bad("limit-str", "GET", C + "?limit=ten", "admin", names=("limit",)),
    Bad("cursor-garbage", "GET", C + "?cursor=%%%garbage", "admin", names=("cursor",)),
    Bad("cursor-other-prefix", "GET", C + "?cursor=eDo1", "admin", names=("cursor",)),  # "x:5"
    Bad("q-201", "GET", C + "?q=" + "a" * 201, "admin", names=("q",)),
    Bad("path-id-not-int", "GET", C + "/abc", "admin", status=404),
    # --- steps
    Bad("dispatch-unit-unknown", "POST", C + "/{received}/dispatch", "admin", {"unit_id": 999999}, names=("unit_id",)),
    Bad("dispatch-unit-str", "POST", C + "/{received}/dispatch", "admin", {"unit_id": "DPUTR"}, names=("unit_id",)),
    Bad("dispatch-unit-missing", "POST", C + "/{received}/dispatch", "admin", {"note": "x"}, names=("unit_id",)),
    Bad("dispatch-note-2001", "POST", C + "/{received}/dispatch", "admin", {"unit_id": 1, "note": "a" * 2001}, names=("note",)),
    Bad("reject-reason-empty", "POST", C + "/{received}/reject", "admin", {"reason": ""}, names=("reason",)),
    Bad("reject-reason-blank", "POST", C + "/{received}/reject", "admin", {"reason": "   "}, names=("reason",)),
    Bad("reject-reason-2001", "POST", C + "/{received}/reject", "admin", {"reason": "a" * 2001}, names=("reason",)),
    Bad("decline-reason-missing", "POST", C + "/{routed}/decline", "pic", {}, names=("reason",)),
    Bad("answer-body-blank", "POST", C + "/{routed}/answer", "pic", {"body": "  "}, names=("body",)),
    Bad("answer-body-5001", "POST", C + "/{routed}/answer", "pic", {"body": "a" * 5001}, names=("body",)),
    Bad("answer-unknown-field", "POST", C + "/{routed}/answer", "pic", {"body": "ok", "visible": True}, names=("visible",)),
    Bad("reply-body-int", "POST", C + "/{released}/replies", "reporter", {"body": 5}, names=("body",)),
    Bad("release-body-empty", "POST", C + "/{released}/release", "admin", {"body": ""}, names=("body",)),
    Bad("score-0", "POST", C + "/{released}/rating", "reporter", {"score": 0}, names=("score",)),
    Bad("score-6", "POST", C + "/{released}/rating", "reporter", {"score": 6}, names=("score",)),
    Bad("score-str", "POST", C + "/{released}/rating", "reporter", {"score": "lima"}, names=("score",)),
    Bad("score-float", "POST", C + "/{released}/rating", "reporter", {"score": 4.5}, names=("score",)),
    Bad("comment-2001", "POST", C + "/{released}/rating", "reporter", {"score": 4, "comment": "a" * 2001}, names=("comment",)),
    # --- attachments
    Bad("multipart-without-file", "POST", C + "/{routed}/attachments", "reporter", data={"note": "x"}, files={"other": ("a.jpg", b"\xff\xd8\xff\xe0xx", "image/jpeg")}, names=("file",)),
    Bad("upload-text-file", "POST", C + "/{routed}/attachments", "reporter", files={"file": ("a.txt", b"hello, this is text", "text/plain")}, names=("file",)),
    Bad("upload-text-as-jpg", "POST", C + "/{routed}/attachments", "reporter", files={"file": ("foto.jpg", b"not really a jpeg", "image/jpeg")}, names=("file",)),
    Bad("upload-empty", "POST", C + "/{routed}/attachments", "reporter", files={"file": ("foto.jpg", b"", "image/jpeg")}, names=("file",)),
    # --- accounts
    Bad("password-7", "POST", "/api/v1/auth/register", None, {**REG, "password": "1234567"}, names=("password",)),
    Bad("username-spaces", "POST", "/api/v1/auth/register", None, {**REG, "username": "warga baru"}, names=("username",)),
    Bad("username-short", "POST", "/api/v1/auth/register", None, {**REG, "username": "ab"}, names=("username",)),
    Bad("register-as-admin", "POST", "/api/v1/auth/register", None, {**REG, "role": "admin"}, names=("role",)),
    Bad("register-email", "POST", "/api/v1/auth/register", None, {**REG, "email": "bukan-email"}, names=("email",)),
    Bad("register-name-empty", "POST", "/api/v1/auth/register", None, {**REG, "name": ""}, names=("name",)),
    Bad("login-missing-password", "POST", "/api/v1/auth/login", None, {"username": "x"}, names=("password",)),
    Bad("role-superuser", "POST", "/api/v1/users", "admin", {**STAFF, "role": "superuser"}, names=("role",)),
    Bad("role-citizen-staff", "POST", "/api/v1/users", "admin", {**STAFF, "role": "citizen"}, names=("role",)),
    Bad("pic-without-unit", "POST", "/api/v1/users", "admin", {**STAFF, "role": "pic"}, names=("unit_id",)),
    Bad("pic-unit-unknown", "POST", "/api/v1/users", "admin", {**STAFF, "role": "pic", "unit_id": 999999}, names=("unit_id",)),
    # --- organisation
    Bad("unit-kind", "POST", "/api/v1/units", "admin", {"code": "PROV", "name": "Provinsi", "kind": "province"}, names=("kind",)),
    Bad("unit-code-short", "POST", "/api/v1/units", "admin", {"code": "P", "name": "P", "kind": "skpd"}, names=("code",)),
    Bad("unit-code-space", "POST", "/api/v1/units", "admin", {"code": "A B", "name": "P", "kind": "skpd"}, names=("code",)),
    Bad("category-keywords-blank", "POST", "/api/v1/categories", "admin", {"code": "KOSONG", "name": "K", "keywords": ["  "], "unit_id": "{putr}"}, names=("keywords",)),
    Bad("category-unit-unknown", "POST", "/api/v1/categories", "admin", {"code": "KOSONG", "name": "K", "keywords": ["x"], "unit_id": 999999}, names=("unit_id",)),
    Bad("suggest-without-text", "GET", "/api/v1/categories/suggest", None, names=("text",)),
    Bad("suggest-empty-text", "GET", "/api/v1/categories/suggest?text=", None, names=("text",)),
]  # fmt: skip


@pytest.fixture(scope="module")
async def targets(flow) -> dict:
    """Accepted data the bad requests aim at; it must be intact afterwards."""
    received = await flow.build("received")
    routed = await flow.build("routed")
    released = await flow.build("released")
    return {
        "received": received,
        "routed": routed,
        "released": released,
        "events": {c["id"]: len(await events_of(c["id"])) for c in (received, routed, released)},
    }


@pytest.fixture(scope="module")
async def counts_before(targets) -> dict:
    return await _counts()


async def _counts() -> dict:
    from backend.accounts.tables import User
    from backend.complaints.tables import Attachment, Complaint, ComplaintMessage
    from backend.notifications.tables import Notification
    from backend.organisation.tables import Category, Unit

    return {
        t.__name__: await t.count()
        for t in (User, Complaint, ComplaintMessage, Attachment, Notification, Unit, Category)
    }


def _fill(value, targets, cast):
    if isinstance(value, str):
        if value == "{putr}":
            return cast.putr
        return value.format(
            received=targets["received"]["id"],
            routed=targets["routed"]["id"],
            released=targets["released"]["id"],
        )
    if isinstance(value, dict):
        return {k: _fill(v, targets, cast) for k, v in value.items()}
    return value


def test_there_are_enough_cases():
    assert len(CASES) >= 35
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_bad_request(api, anon, cast, targets, counts_before, case: Bad):
    client = api.client if case.who else anon
    headers = {**(getattr(cast, case.who).h if case.who else {}), **case.headers}
    path = case.path.format(
        received=targets["received"]["id"],
        routed=targets["routed"]["id"],
        released=targets["released"]["id"],
    )
    kwargs: dict[str, Any] = {"headers": headers}
    if case.content is not None:
        kwargs["content"] = case.content
    elif case.files is not None:
        kwargs["files"] = case.files
        if case.data:
            kwargs["data"] = case.data
    elif case.json is not None:
        kwargs["json"] = _fill(case.json, targets, cast)
    r = await client.request(case.method, path, **kwargs)
    assert r.status_code < 500
    assert_error(r, case.status, *case.names)


async def test_accepted_data_is_intact(api, cast, targets, counts_before):
    # Runs after the table (definition order): nothing was added or moved.
    assert await _counts() == counts_before
    for name in ("received", "routed", "released"):
        c = targets[name]
        r = await api.client.get(f"/api/v1/complaints/{c['id']}", headers=cast.admin.h)
        assert r.status_code == 200
        now = r.json()
        assert now["status"] == c["status"] == name
        assert now["title"] == c["title"] and now["body"] == c["body"]
        assert now["unit"] == c["unit"]
        assert now["attachments"] == []
        assert len(await events_of(c["id"])) == targets["events"][c["id"]]
    # The service still works normally afterwards.
    ok = await api.post(
        f"/api/v1/complaints/{targets['routed']['id']}/answer", cast.pic.h, {"body": "Beres."}
    )
    assert ok["status"] == "answered"


# --- ids beyond the column range, NUL characters, blank names -------------------
# Each once answered 500 (the driver refused the value); now a 4xx naming the field.

INT32_MAX, INT64_MAX = 2**31 - 1, 2**63 - 1
# method, path, who, body, acceptable answers, whether the id reaches the database
OUT_OF_RANGE = [
    ("GET", "/api/v1/complaints/{n}", "admin", None, (400, 404), True),
    ("POST", "/api/v1/complaints/{n}/answer", "pic", {"body": "x"}, (400, 404), True),
    ("POST", "/api/v1/complaints/{n}/replies", "reporter", {"body": "x"}, (400, 404), True),
    ("GET", "/api/v1/attachments/{n}", "admin", None, (400, 404), True),
    ("GET", "/api/v1/units/{n}", "admin", None, (400, 404), True),
    ("PATCH", "/api/v1/users/{n}", "admin", {"name": "x"}, (400, 404), True),
    ("GET", "/api/v1/complaints?unit_id={n}", "admin", None, (200, 400), True),
    ("POST", "/api/v1/complaints/{received}/dispatch", "admin", {"unit_id": "{n}"}, (400,), True),
    ("POST", "/api/v1/users", "admin", {**STAFF, "role": "pic", "unit_id": "{n}"}, (400,), True),
    (
        "POST",
        "/api/v1/categories",
        "admin",
        {"code": "BESAR", "name": "B", "keywords": ["b"], "unit_id": "{n}"},
        (400,),
        True,
    ),
    # Looked up in the in-memory directory: already fine.
    ("POST", "/api/v1/complaints", "reporter", {**OK, "category_id": "{n}"}, (400,), False),
]
OOR_CASES = [(n, *case) for n in (INT32_MAX + 1, INT64_MAX + 1) for case in OUT_OF_RANGE]
OOR_IDS = [
    f"{'int32' if n <= INT64_MAX else 'int64'}+1-{method}-{path.split('?')[0]}"
    for n, method, path, *_ in OOR_CASES
]


def _numbered(value, n: int):
    if value == "{n}":
        return n
    if isinstance(value, dict):
        return {k: _numbered(v, n) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    ("n", "method", "path", "who", "body", "expected", "via_db"), OOR_CASES, ids=OOR_IDS
)
async def test_ids_beyond_the_column_range_are_not_a_500(
    request, api, cast, targets, database, n, method, path, who, body, expected, via_db
):
    url = path.format(n=n, received=targets["received"]["id"])
    r = await api.client.request(method, url, json=_numbered(body, n), headers=getattr(cast, who).h)
    assert r.status_code in expected, r.text
    if r.status_code == 200:
        assert r.json()["items"] == []
    else:
        assert_error(r, r.status_code)


NUL_CASES = [
    (
        "POST",
        "/api/v1/complaints",
        "reporter",
        {"title": "Jalan\x00rusak", "body": "Isi."},
        "title",
    ),
    ("POST", "/api/v1/complaints", "reporter", {"title": "Judul", "body": "Isi\x00lagi."}, "body"),
    (
        "POST",
        "/api/v1/auth/register",
        None,
        {**REG, "username": "{unique}", "name": "Si\x00ti"},
        "name",
    ),
    (
        "POST",
        "/api/v1/units",
        "admin",
        {"code": "{unique}", "name": "Unit\x00X", "kind": "skpd"},
        "name",
    ),
    ("GET", "/api/v1/complaints?q=jalan%00rusak", "admin", None, "q"),
]


@pytest.mark.parametrize(
    ("method", "path", "who", "body", "field"), NUL_CASES, ids=[f"{c[1]}-{c[4]}" for c in NUL_CASES]
)
async def test_nul_character_is_not_a_500(
    request, api, anon, cast, database, method, path, who, body, field
):
    import uuid

    if body:
        unique = f"nul{uuid.uuid4().hex[:8]}"
        body = {k: unique if v == "{unique}" else v for k, v in body.items()}
    client = api.client if who else anon
    headers = getattr(cast, who).h if who else {}
    r = await client.request(method, path, json=body, headers=headers)
    # Refused with a 400 naming the field, or kept exactly as sent: never a 500.
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert_error(r, 400, field)
    elif body:
        assert r.json()[field] == body[field]


BLANK_NAMES = [
    ("/api/v1/auth/register", None, {**REG, "username": "{unique}", "name": "   "}),
    ("/api/v1/users", "admin", {**STAFF, "username": "{unique}", "name": " \t ", "role": "admin"}),
    ("/api/v1/units", "admin", {"code": "{unique}", "name": "   ", "kind": "skpd"}),
    (
        "/api/v1/categories",
        "admin",
        {"code": "{unique}", "name": "  ", "keywords": ["x"], "unit_id": "{putr}"},
    ),
]


@pytest.mark.parametrize(("path", "who", "body"), BLANK_NAMES, ids=[c[0] for c in BLANK_NAMES])
async def test_blank_name_is_refused(api, anon, cast, path, who, body):
    import uuid

    unique = f"kosong{uuid.uuid4().hex[:6]}"
    body = {
        k: unique if v == "{unique}" else cast.putr if v == "{putr}" else v for k, v in body.items()
    }
    client = api.client if who else anon
    headers = getattr(cast, who).h if who else {}
    r = await client.post(path, json=body, headers=headers)
    assert_error(r, 400, "name")
