"""Attachments (sniffed by content, size-limited, served only to those who may
see the complaint), accounts (register, login, logout, CSRF, staff creation),
health, the OpenAPI document and the statistics."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.api_client import PASSWORD
from tests.support.complaint_flow import Who
from tests.support.error_shape import assert_error
from tests.support.records import events_of
from tests.support.sample_files import JPEG, PDF, PNG, WEBP, stored

LIMIT = 64 * 1024
EXTRA_ENV = {"UPIK_MAX_UPLOAD_BYTES": str(LIMIT)}


@pytest.fixture
async def fresh(app, client):
    """A client with its own, empty cookie jar."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as c:
        yield c


# --- attachments -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "declared", "sniffed"),
    [
        (JPEG, "foto.jpg", "image/jpeg", "image/jpeg"),
        (PNG, "foto.png", "image/png", "image/png"),
        (WEBP, "foto.webp", "image/webp", "image/webp"),
        (PDF, "surat.pdf", "application/pdf", "application/pdf"),
        # The name and the declared type are ignored: the bytes decide.
        (PNG, "foto.jpg", "image/jpeg", "image/png"),
        (PDF, "gambar.png", "image/png", "application/pdf"),
        (JPEG, "tanpa-nama", "application/octet-stream", "image/jpeg"),
        (WEBP, "x.exe", "application/x-msdownload", "image/webp"),
    ],
    ids=["jpeg", "png", "webp", "pdf", "png-as-jpg", "pdf-as-png", "jpeg-no-ext", "webp-as-exe"],
)
async def test_upload_sniffs_the_content(api, flow, cast, content, name, declared, sniffed):
    from backend.complaints.tables import Attachment

    c = await flow.build("routed")
    r = await api.client.post(
        flow.url(c["id"], "attachments"),
        files={"file": (name, content, declared)},
        headers=cast.reporter.h,
    )
    assert r.status_code == 201, r.text
    out = r.json()
    kept = stored(content, sniffed)
    assert out["content_type"] == sniffed and out["size"] == len(kept)
    row = await Attachment.select().where(Attachment.id == out["id"]).first()
    assert row["complaint"] == c["id"] and row["content_type"] == sniffed
    assert row["uploader"] == cast.reporter.id
    ev = (await events_of(c["id"]))[-1]
    assert ev["type"] == "attach" and ev["data"]["attachment_id"] == out["id"]

    detail = (await api.client.get(flow.url(c["id"]), headers=cast.reporter.h)).json()
    assert detail["attachments"] == [out]
    for who in (cast.reporter, cast.pic, cast.admin):
        got = await api.client.get(f"/api/v1/attachments/{out['id']}", headers=who.h)
        assert got.status_code == 200
        assert got.content == kept
        assert got.headers["content-type"].split(";")[0] == sniffed
        assert got.headers.get("x-content-type-options") == "nosniff"
    for who in (cast.other, cast.other_pic):
        assert_error(await api.client.get(f"/api/v1/attachments/{out['id']}", headers=who.h), 404)


async def test_text_named_jpg_is_refused(api, flow, cast):
    from backend.complaints.tables import Attachment

    c = await flow.build("received")
    before = await Attachment.count()
    r = await api.client.post(
        flow.url(c["id"], "attachments"),
        files={"file": ("foto.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")},
        headers=cast.reporter.h,
    )
    assert_error(r, 400, "file")
    assert await Attachment.count() == before
    assert [e["type"] for e in await events_of(c["id"])] == ["submit"]


async def test_too_large_is_413(api, flow, cast, database):
    from backend.complaints.tables import Attachment

    c = await flow.build("received")
    before = await Attachment.count()
    just = JPEG + b"\0" * (LIMIT - len(JPEG))
    r = await api.client.post(
        flow.url(c["id"], "attachments"),
        files={"file": ("ok.jpg", just, "image/jpeg")},
        headers=cast.reporter.h,
    )
    assert r.status_code == 201, r.text
    kept = r.json()["size"]  # the padding after the image is not kept
    for size in (LIMIT + 1, LIMIT * 8):
        big = JPEG + b"\0" * (size - len(JPEG))
        r = await api.client.post(
            flow.url(c["id"], "attachments"),
            files={"file": ("big.jpg", big, "image/jpeg")},
            headers=cast.reporter.h,
        )
        assert_error(r, 413)
    assert await Attachment.count() == before + 1
    # Nothing of the refused files is left on disk.
    files = list((database.data_dir / "uploads" / str(c["id"])).glob("*"))
    assert len(files) == 1 and files[0].stat().st_size == kept


async def test_upload_on_finished_complaint_is_409(api, flow, cast):
    for status in ("closed", "rejected"):
        c = await flow.build(status)
        r = await api.client.post(
            flow.url(c["id"], "attachments"),
            files={"file": ("a.jpg", JPEG, "image/jpeg")},
            headers=cast.reporter.h,
        )
        assert_error(r, 409, status)


# --- accounts ----------------------------------------------------------------


async def test_register_login_me(fresh):
    username = f"warga_{uuid.uuid4().hex[:8]}"
    r = await fresh.post(
        "/api/v1/auth/register",
        json={"username": username, "password": PASSWORD, "name": "Siti", "phone": "+62 812-3456"},
    )
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["role"] == "citizen" and user["unit_id"] is None and user["username"] == username
    assert "password" not in r.text and "hash" not in r.text

    dup = await fresh.post(
        "/api/v1/auth/register", json={"username": username, "password": PASSWORD, "name": "Lain"}
    )
    assert_error(dup, 409, username)
    short = await fresh.post(
        "/api/v1/auth/register", json={"username": "pendek1", "password": "1234567", "name": "X"}
    )
    assert_error(short, 400, "password")

    wrong = await fresh.post(
        "/api/v1/auth/login", json={"username": username, "password": "salah-sekali"}
    )
    assert_error(wrong, 401)
    assert "upik_session" not in wrong.cookies
    nobody = await fresh.post(
        "/api/v1/auth/login", json={"username": "tidak_ada_orang", "password": PASSWORD}
    )
    assert_error(nobody, 401)

    ok = await fresh.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert ok.status_code == 200, ok.text
    token = ok.json()["token"]
    assert ok.json()["user"] == user
    cookie = ok.headers["set-cookie"]
    assert "upik_session=" in cookie and "httponly" in cookie.lower()
    me = await fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": user["id"],
        "username": username,
        "name": "Siti",
        "role": "citizen",
        "unit_id": None,
    }


async def _login(client: httpx.AsyncClient, username: str) -> str:
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["token"]


async def _csrf(client: httpx.AsyncClient, session: str) -> str:
    r = await client.get("/api/v1/me", headers={"Cookie": f"upik_session={session}"})
    assert r.status_code == 200, r.text
    token = r.cookies.get("upik_csrf") or client.cookies.get("upik_csrf")
    assert token
    return token


async def test_logout_with_bearer_ends_the_cookie_session_too(api, fresh, cast):
    user = cast.other.user
    token = await _login(fresh, user["username"])
    bearer = {"Authorization": f"Bearer {token}"}
    fresh.cookies.clear()
    session = {"Cookie": f"upik_session={token}"}
    assert (await fresh.get("/api/v1/me", headers=session)).status_code == 200
    assert (await fresh.get("/api/v1/me", headers=bearer)).status_code == 200

    r = await fresh.post("/api/v1/auth/logout", headers=bearer)
    assert r.status_code == 204
    fresh.cookies.clear()
    assert_error(await fresh.get("/api/v1/me", headers=bearer), 401)
    assert_error(await fresh.get("/api/v1/me", headers=session), 401)
    assert_error(await fresh.get("/api/v1/complaints", headers=session), 401)
    from backend.accounts.tables import AuthToken
    from backend.accounts.tokens import token_hash

    assert not await AuthToken.exists().where(AuthToken.token_hash == token_hash(token))


async def test_logout_with_cookie_ends_the_bearer_too(api, fresh, cast):
    user = cast.other.user
    token = await _login(fresh, user["username"])
    fresh.cookies.clear()
    csrf = await _csrf(fresh, token)
    cookies = {"Cookie": f"upik_session={token}; upik_csrf={csrf}"}
    r = await fresh.post("/api/v1/auth/logout", headers={**cookies, "X-CSRF-Token": csrf})
    assert r.status_code == 204, r.text
    fresh.cookies.clear()
    assert_error(await fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)
    assert_error(await fresh.get("/api/v1/me", headers={"Cookie": f"upik_session={token}"}), 401)


async def test_other_sessions_survive_a_logout(api, fresh, cast):
    phone = await _login(fresh, cast.other.user["username"])
    fresh.cookies.clear()
    r = await fresh.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {phone}"})
    assert r.status_code == 204
    assert_error(await fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {phone}"}), 401)
    # The session of the same user on another device goes on.
    assert (await fresh.get("/api/v1/me", headers=cast.other.h)).status_code == 200


async def test_cookie_post_needs_csrf_and_bearer_does_not(api, fresh, cast):
    from backend.complaints.tables import Complaint

    token = await _login(fresh, cast.reporter.user["username"])
    fresh.cookies.clear()
    body = {"title": "Lewat cookie", "body": "Dikirim dengan sesi cookie."}
    before = await Complaint.count()

    no_header = await fresh.post(
        "/api/v1/complaints", json=body, headers={"Cookie": f"upik_session={token}"}
    )
    assert_error(no_header, 403)
    csrf = await _csrf(fresh, token)
    fresh.cookies.clear()
    wrong = await fresh.post(
        "/api/v1/complaints",
        json=body,
        headers={"Cookie": f"upik_session={token}; upik_csrf={csrf}", "X-CSRF-Token": "palsu"},
    )
    assert_error(wrong, 403)
    assert await Complaint.count() == before

    ok = await fresh.post(
        "/api/v1/complaints",
        json=body,
        headers={"Cookie": f"upik_session={token}; upik_csrf={csrf}", "X-CSRF-Token": csrf},
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["reporter"]["id"] == cast.reporter.id
    fresh.cookies.clear()
    bearer = await fresh.post(
        "/api/v1/complaints", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert bearer.status_code == 201, bearer.text
    assert await Complaint.count() == before + 2


@pytest.mark.parametrize("authorization", ["Bearer ", "Bearer    "], ids=["empty", "spaces"])
async def test_blank_bearer_does_not_skip_csrf_for_a_cookie_session(fresh, cast, authorization):
    from backend.complaints.tables import Complaint

    token = await _login(fresh, cast.reporter.user["username"])
    fresh.cookies.clear()
    before = await Complaint.count()
    r = await fresh.post(
        "/api/v1/complaints",
        json={"title": "Tanpa CSRF", "body": "Sesi cookie, tanpa token CSRF."},
        headers={"Cookie": f"upik_session={token}", "Authorization": authorization},
    )
    assert r.status_code in (401, 403), r.text
    assert await Complaint.count() == before


async def test_admin_creates_staff(api, fresh, cast):
    name = f"pic_{uuid.uuid4().hex[:8]}"
    r = await api.client.post(
        "/api/v1/users",
        json={"username": name, "password": PASSWORD, "name": "PIC Baru", "role": "pic"},
        headers=cast.admin.h,
    )
    assert_error(r, 400, "unit_id")
    r = await api.client.post(
        "/api/v1/users",
        json={
            "username": name,
            "password": PASSWORD,
            "name": "PIC Baru",
            "role": "pic",
            "unit_id": cast.putr,
        },
        headers=cast.admin.h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "pic" and r.json()["unit_id"] == cast.putr
    token = await _login(fresh, name)
    me = (await fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert (me["role"], me["unit_id"], me["username"]) == ("pic", cast.putr, name)

    boss = f"admin_{uuid.uuid4().hex[:8]}"
    r = await api.client.post(
        "/api/v1/users",
        json={"username": boss, "password": PASSWORD, "name": "Admin Baru", "role": "admin"},
        headers=cast.admin.h,
    )
    assert r.status_code == 201, r.text
    token = await _login(fresh, boss)
    me = (await fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert me["role"] == "admin"
    dup = await api.client.post(
        "/api/v1/users",
        json={"username": boss, "password": PASSWORD, "name": "Lagi", "role": "admin"},
        headers=cast.admin.h,
    )
    assert_error(dup, 409)


async def test_deactivated_user_is_locked_out_at_once(api, fresh, cast):
    pic = Who(*await api.staff("pic", "DPUTR"))
    assert (await api.client.get("/api/v1/me", headers=pic.h)).status_code == 200
    r = await api.client.patch(
        f"/api/v1/users/{pic.id}", json={"is_active": False}, headers=cast.admin.h
    )
    assert r.status_code == 200, r.text
    assert_error(await fresh.get("/api/v1/me", headers=pic.h), 401)
    r = await fresh.post(
        "/api/v1/auth/login", json={"username": pic.user["username"], "password": PASSWORD}
    )
    assert_error(r, 401)


# --- health, schema, stats ---------------------------------------------------


async def test_healthz(anon):
    r = await anon.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"


CONTRACT_PATHS = {
    "/api/v1/auth/register": "post",
    "/api/v1/auth/login": "post",
    "/api/v1/auth/logout": "post",
    "/api/v1/me": "get",
    "/api/v1/units": "get",
    "/api/v1/users": "post",
    "/api/v1/categories": "get",
    "/api/v1/complaints": "get",
    "/api/v1/complaints/{complaint_id}": "get",
    "/api/v1/complaints/{complaint_id}/dispatch": "post",
    "/api/v1/complaints/{complaint_id}/decline": "post",
    "/api/v1/complaints/{complaint_id}/answer": "post",
    "/api/v1/complaints/{complaint_id}/return": "post",
    "/api/v1/complaints/{complaint_id}/release": "post",
    "/api/v1/complaints/{complaint_id}/reject": "post",
    "/api/v1/complaints/{complaint_id}/replies": "post",
    "/api/v1/complaints/{complaint_id}/rating": "post",
    "/api/v1/complaints/{complaint_id}/attachments": "post",
    "/api/v1/attachments/{attachment_id}": "get",
    "/api/v1/stats": "get",
    "/api/v1/push/key": "get",
    "/api/v1/push/subscriptions": "post",
    "/api/v1/push/receipts": "post",
    "/healthz": "get",
}


async def test_openapi_lists_every_contract_path(anon):
    r = await anon.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    missing = [p for p in CONTRACT_PATHS if p not in paths]
    assert missing == []
    wrong = [p for p, m in CONTRACT_PATHS.items() if m not in paths[p]]
    assert wrong == []
    assert "post" in paths["/api/v1/units"] and "post" in paths["/api/v1/categories"]
    assert "post" in paths["/api/v1/complaints"]
    assert "delete" in paths["/api/v1/push/subscriptions"]


async def test_stats_after_a_full_round(api, flow, cast):
    c = await flow.build("released")
    r = await api.client.get("/api/v1/stats", headers=cast.admin.h)
    assert r.status_code == 200, r.text
    s = r.json()
    from backend.complaints.tables import Complaint

    assert s["total"] == await Complaint.count()
    assert sum(s["by_status"].values()) == s["total"]
    assert s["by_status"]["released"] >= 1
    assert sum(s["by_kind"].values()) == s["total"]
    putr = next(u for u in s["by_unit"] if u["code"] == "DPUTR")
    assert putr["count"] >= 1
    steps = {x["step"]: x for x in s["steps"]}
    assert {"received_to_routed", "routed_to_answered", "answered_to_released"} <= set(steps)
    for name in ("received_to_routed", "routed_to_answered", "answered_to_released"):
        step = steps[name]
        assert step["count"] >= 1, step
        assert step["median_seconds"] is not None and step["median_seconds"] >= 0
        assert step["p90_seconds"] >= step["median_seconds"]
        assert 0 <= step["within_standard"] <= 1
    assert c["status"] == "released"
