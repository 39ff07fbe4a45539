"""Who may call what: role x route, table-driven.

200/201 the caller may do it; 401 no (valid) login; 403 the role can never do
it; 404 the caller may not see the complaint (its existence is not leaked).
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.error_shape import assert_error
from tests.support.records import events_of
from tests.support.sample_files import JPEG, stored

CALLERS = ("reporter", "other", "pic", "other_pic", "admin", "anonymous")

# route -> (status the complaint is brought into, expected status per caller)
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "list": ("routed", dict(reporter=200, other=200, pic=200, other_pic=200, admin=200)),
    "detail": ("routed", dict(reporter=200, other=404, pic=200, other_pic=404, admin=200)),
    "submit": ("received", dict(reporter=201, other=201, pic=403, other_pic=403, admin=403)),
    "dispatch": ("received", dict(reporter=403, other=403, pic=403, other_pic=403, admin=200)),
    "decline": ("routed", dict(reporter=403, other=403, pic=200, other_pic=404, admin=403)),
    "answer": ("routed", dict(reporter=403, other=403, pic=200, other_pic=404, admin=403)),
    "return": ("answered", dict(reporter=403, other=403, pic=403, other_pic=403, admin=200)),
    "release": ("answered", dict(reporter=403, other=403, pic=403, other_pic=403, admin=200)),
    "reject": ("received", dict(reporter=403, other=403, pic=403, other_pic=403, admin=200)),
    "replies": ("routed", dict(reporter=201, other=404, pic=403, other_pic=403, admin=403)),
    "rating": ("released", dict(reporter=200, other=404, pic=403, other_pic=403, admin=403)),
    # A PIC of the unit may attach a photo to the answer being written (issue 13).
    "upload": ("routed", dict(reporter=201, other=404, pic=201, other_pic=404, admin=403)),
    "download": ("routed", dict(reporter=200, other=404, pic=200, other_pic=404, admin=200)),
}
CASES = [
    (route, caller, expected.get(caller, 401))
    for route, (_, expected) in MATRIX.items()
    for caller in CALLERS
]
STEP_BODY = {
    "dispatch": {"unit_id": 0},  # replaced by DPUTR's id
    "decline": {"reason": "Bukan unit kami."},
    "answer": {"body": "Jawaban unit."},
    "return": {"note": "Perbaiki."},
    "release": {},
    "reject": {"reason": "Tidak jelas."},
    "replies": {"body": "Tambahan."},
    "rating": {"score": 4},
}


async def _call(api, anon, flow, cast, route: str, caller: str, c: dict, attachment_id):
    client = anon if caller == "anonymous" else api.client
    headers = {} if caller == "anonymous" else getattr(cast, caller).h
    url = flow.url(c["id"], route)
    if route == "list":
        return await client.get("/api/v1/complaints", headers=headers)
    if route == "detail":
        return await client.get(flow.url(c["id"]), headers=headers)
    if route == "submit":
        body = {"title": "Sampah menumpuk", "body": "Sampah di pasar menumpuk."}
        return await client.post("/api/v1/complaints", json=body, headers=headers)
    if route == "upload":
        files = {"file": ("a.jpg", JPEG, "image/jpeg")}
        return await client.post(flow.url(c["id"], "attachments"), files=files, headers=headers)
    if route == "download":
        return await client.get(f"/api/v1/attachments/{attachment_id}", headers=headers)
    body = dict(STEP_BODY[route])
    if route == "dispatch":
        body["unit_id"] = cast.putr
    return await client.post(url, json=body, headers=headers)


@pytest.mark.parametrize(
    ("route", "caller", "expected"), CASES, ids=[f"{r}-{c}-{e}" for r, c, e in CASES]
)
async def test_complaint_routes(api, anon, flow, cast, route, caller, expected):
    source = MATRIX[route][0]
    c = await flow.build(source)
    attachment_id = None
    if route == "download":
        up = await api.client.post(
            flow.url(c["id"], "attachments"),
            files={"file": ("a.jpg", JPEG, "image/jpeg")},
            headers=cast.reporter.h,
        )
        assert up.status_code == 201, up.text
        attachment_id = up.json()["id"]
    events_before = len(await events_of(c["id"]))

    r = await _call(api, anon, flow, cast, route, caller, c, attachment_id)

    if expected >= 400:
        assert_error(r, expected)
        # A refused call changes nothing.
        assert await flow.status_of(c["id"]) == source
        assert len(await events_of(c["id"])) == events_before
        if expected == 404:
            # The same answer as for a complaint that does not exist.
            assert "no " in r.json()["detail"]
        return
    assert r.status_code == expected, r.text
    if route == "list":
        ids = [i["id"] for i in r.json()["items"]]
        assert (c["id"] in ids) == (caller in ("reporter", "pic", "admin"))
    elif route == "detail":
        assert r.json()["id"] == c["id"]
    elif route == "download":
        assert r.content == stored(JPEG, "image/jpeg")
    elif route not in ("submit", "upload"):
        assert len(await events_of(c["id"])) == events_before + 1


async def test_missing_complaint_is_404_for_everyone_who_may_act(api, cast):
    for who, action, body in [
        (cast.admin, "dispatch", {"unit_id": cast.putr}),
        (cast.pic, "answer", {"body": "x"}),
        (cast.reporter, "replies", {"body": "x"}),
    ]:
        r = await api.client.post(f"/api/v1/complaints/999999/{action}", json=body, headers=who.h)
        assert_error(r, 404, "999999")
    for who in (cast.admin, cast.pic, cast.reporter):
        assert_error(await api.client.get("/api/v1/complaints/999999", headers=who.h), 404)
        assert_error(await api.client.get("/api/v1/attachments/999999", headers=who.h), 404)


async def test_bad_token_is_401(anon, flow, cast):
    c = await flow.build("received")
    for headers in ({"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer "}):
        assert_error(await anon.get(flow.url(c["id"]), headers=headers), 401)
        r = await anon.post(flow.url(c["id"], "reject"), json={"reason": "x"}, headers=headers)
        assert_error(r, 401)
    assert await flow.status_of(c["id"]) == "received"


# --- organisation routes ----------------------------------------------------


def _code(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


def _org_body(route: str, cast) -> dict:
    if route == "units":
        return {"code": _code("U"), "name": "Unit Uji", "kind": "skpd"}
    if route == "categories":
        return {
            "code": _code("K"),
            "name": "Kategori Uji",
            "keywords": [f"kata{uuid.uuid4().hex[:6]}"],
            "unit_id": cast.putr,
        }
    return {
        "username": f"staf{uuid.uuid4().hex[:8]}",
        "password": "rahasia-123",
        "name": "Staf Uji",
        "role": "pic",
        "unit_id": cast.putr,
    }


ORG_CASES = [
    (route, caller, {"admin": 201, "anonymous": 401}.get(caller, 403))
    for route in ("units", "categories", "users")
    for caller in ("reporter", "pic", "admin", "anonymous")
]


@pytest.mark.parametrize(
    ("route", "caller", "expected"), ORG_CASES, ids=[f"{r}-{c}-{e}" for r, c, e in ORG_CASES]
)
async def test_organisation_writes_are_admin_only(api, anon, cast, route, caller, expected):
    from backend.accounts.tables import User
    from backend.organisation.tables import Category, Unit

    table = {"units": Unit, "categories": Category, "users": User}[route]
    before = await table.count()
    client = anon if caller == "anonymous" else api.client
    headers = {} if caller == "anonymous" else getattr(cast, caller).h
    r = await client.post(f"/api/v1/{route}", json=_org_body(route, cast), headers=headers)
    if expected == 201:
        assert r.status_code == 201, r.text
        assert await table.count() == before + 1
    else:
        assert_error(r, expected)
        assert await table.count() == before


READ_CASES = [
    ("/api/v1/categories", dict(anonymous=200, reporter=200, pic=200, admin=200)),
    ("/api/v1/categories/suggest?text=jalan+berlubang", dict(anonymous=200, reporter=200)),
    ("/api/v1/units", dict(anonymous=401, reporter=200, pic=200, admin=200)),
    ("/api/v1/stats", dict(anonymous=401, reporter=403, pic=403, admin=200)),
    ("/api/v1/users", dict(anonymous=401, reporter=403, pic=403, admin=200)),
    ("/api/v1/me", dict(anonymous=401, reporter=200, pic=200, admin=200)),
    ("/healthz", dict(anonymous=200)),
]
READ_FLAT = [(path, caller, code) for path, codes in READ_CASES for caller, code in codes.items()]


@pytest.mark.parametrize(
    ("path", "caller", "expected"),
    READ_FLAT,
    ids=[f"{p.split('?')[0]}-{c}-{e}" for p, c, e in READ_FLAT],
)
async def test_read_routes(api, anon, cast, path, caller, expected):
    client = anon if caller == "anonymous" else api.client
    headers = {} if caller == "anonymous" else getattr(cast, caller).h
    r = await client.get(path, headers=headers)
    if expected == 200:
        assert r.status_code == 200, r.text
    else:
        assert_error(r, expected)


async def test_categories_readable_without_login_and_complete(anon):
    r = await anon.get("/api/v1/categories")
    assert r.status_code == 200
    codes = {c["code"] for c in r.json()}
    assert {"JALAN", "BENCANA", "ADMINDUK"} <= codes
