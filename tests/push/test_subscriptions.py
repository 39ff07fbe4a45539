"""Push subscriptions over the API: storing, rebinding, several phones per
person, validation (the SSRF guard), unsubscribing, and the VAPID key."""

from __future__ import annotations

import base64
import os

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.network import free_port
from tests.support.people import Person, person, quick_user, subscribe, unsubscribe
from tests.support.push_checks import pushes, wait_pushes
from tests.support.push_service import b64url_encode
from tests.support.records import settled, subscription_exists

PUSH_PORT = free_port()
EXTRA_ENV = {"UPIK_PUSH_ALLOWED_ORIGINS": f"http://127.0.0.1:{PUSH_PORT}"}
SUBS = "/api/v1/push/subscriptions"


@pytest.fixture(scope="module")
async def admin(api) -> Person:
    return Person(*await quick_user("admin"))


@pytest.fixture(scope="module")
async def h(api) -> dict[str, str]:
    """A citizen's bearer header, for the validation tests (hashing is slow)."""
    _, headers = await api.citizen()
    return headers


async def reject_for(api, admin: Person, reporter: Person) -> int:
    """One notification to `reporter` alone: its complaint is rejected."""
    c = await api.submit(reporter.h, title="Pertanyaan umum", body="Apakah kantor buka sabtu?")
    await api.post(f"/api/v1/complaints/{c['id']}/reject", admin.h, {"reason": "Bukan pengaduan."})
    return c["id"]


def _valid_keys() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url_encode(point), "auth": b64url_encode(os.urandom(16))}


def _body(endpoint: str | None = None, **keys: str) -> dict:
    return {
        "endpoint": endpoint or f"http://127.0.0.1:{PUSH_PORT}/push/{os.urandom(8).hex()}",
        "expirationTime": None,
        "keys": {**_valid_keys(), **keys},
    }


def assert_400(r: httpx.Response, field: str) -> None:
    assert r.status_code == 400, f"{r.status_code} {r.text}"
    body = r.json()
    assert body["status_code"] == 400
    assert field in body["detail"], body


# --- storing and binding ----------------------------------------------------


async def test_subscribe_created_then_known(h, client, push, key):
    device = push.new_device(application_server_key=key)
    first = await subscribe(client, h, device, expect=201)
    again = await subscribe(client, h, device, expect=200)
    assert first["id"] == again["id"]
    assert first["created"] is True and again["created"] is False
    assert await subscription_exists(device.endpoint)


async def test_subscribe_needs_login(app, client, push, key):
    device = push.new_device(application_server_key=key)
    async with httpx.AsyncClient(  # no cookie, no bearer
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as anon:
        r = await anon.post(SUBS, json=device.subscription)
    assert r.status_code == 401, r.text
    assert not await subscription_exists(device.endpoint)


async def test_known_endpoint_is_rebound_to_the_new_caller(api, client, push, key, admin):
    old = await person(api, push, key, name="Pemilik Lama")
    new = Person(*await quick_user(name="Pemilik Baru"))
    phone = old.device
    await subscribe(client, new.h, phone, expect=200)

    # A notification for the old owner no longer reaches the phone...
    cid_old = await reject_for(api, admin, old)
    [row] = await settled(cid_old, "complaint.rejected")
    assert row["status"] == "no_device", row
    # ...one for the new owner does.
    cid_new = await reject_for(api, admin, new)
    await wait_pushes([phone], cid_new, "complaint.rejected")
    [row] = await settled(cid_new, "complaint.rejected")
    assert row["status"] == "sent"
    assert pushes(phone, cid_old) == []


async def test_endpoint_without_its_auth_secret_is_not_taken_over(
    api, client, push, key, admin
):
    """Finding 12 of issue 9: knowing a phone's endpoint URL is not enough to
    move its notifications to another account; the 200 stays."""
    from push.tables import PushSubscription

    victim = await person(api, push, key, name="Pemilik Sah")
    thief = Person(*await quick_user(name="Pencuri"))
    before = await PushSubscription.select().where(
        PushSubscription.endpoint == victim.device.endpoint
    )
    forged = {**victim.device.subscription, "keys": _valid_keys()}
    r = await client.post(SUBS, json=forged, headers=thief.h)
    assert r.status_code == 200, r.text
    assert r.json()["created"] is False
    after = await PushSubscription.select().where(
        PushSubscription.endpoint == victim.device.endpoint
    )
    assert after == before  # owner and keys untouched

    cid = await reject_for(api, admin, victim)
    await wait_pushes([victim.device], cid, "complaint.rejected")
    [row] = await settled(cid, "complaint.rejected")
    assert row["status"] == "sent"


async def test_every_device_of_a_user_gets_the_push(api, push, key, admin):
    reporter = await person(api, push, key, devices=3)
    cid = await reject_for(api, admin, reporter)
    await wait_pushes(reporter.devices, cid, "complaint.rejected")
    [row] = await settled(cid, "complaint.rejected")
    assert row["status"] == "sent"
    assert len(row["delivered_to"]) == 3
    for device in reporter.devices:
        assert len(pushes(device, cid)) == 1
    assert push.rejections == []


async def test_unsubscribe_stops_pushes(api, client, push, key, admin):
    reporter = await person(api, push, key, devices=2)
    gone, kept = reporter.devices
    await unsubscribe(client, reporter.h, gone.endpoint)
    assert not await subscription_exists(gone.endpoint)
    # Idempotent: a second DELETE (or one for a pruned phone) still succeeds.
    await unsubscribe(client, reporter.h, gone.endpoint)

    cid = await reject_for(api, admin, reporter)
    await wait_pushes([kept], cid, "complaint.rejected")
    await settled(cid, "complaint.rejected")
    assert gone.received == []
    assert gone.attempts == []

    await unsubscribe(client, reporter.h, kept.endpoint)
    cid = await reject_for(api, admin, reporter)
    [row] = await settled(cid, "complaint.rejected")
    assert row["status"] == "no_device"
    assert pushes(kept, cid) == []


async def test_concurrent_subscribes_of_one_endpoint(client, h):
    """The PWA may subscribe twice at once (page load and pushsubscriptionchange,
    two tabs): one 201, the rest 200, one row, never a 500."""
    import asyncio

    from push.tables import PushSubscription

    for _ in range(5):
        body = _body()
        answers = await asyncio.gather(*(client.post(SUBS, json=body, headers=h) for _ in range(4)))
        codes = sorted(r.status_code for r in answers)
        assert codes == [200, 200, 200, 201], [r.text for r in answers]
        assert (
            await PushSubscription.count().where(PushSubscription.endpoint == body["endpoint"]) == 1
        )


# --- validation: the SSRF guard and the keys ---------------------------------


def _point_not_on_curve() -> str:
    return b64url_encode(b"\x04" + b"\x01" * 64)


BAD_SUBSCRIPTIONS = [
    ("p256dh too short", {"p256dh": b64url_encode(b"\x04" + os.urandom(31))}, "keys.p256dh"),
    ("p256dh compressed", {"p256dh": b64url_encode(b"\x02" + os.urandom(64))}, "keys.p256dh"),
    ("p256dh off the curve", {"p256dh": _point_not_on_curve()}, "keys.p256dh"),
    ("p256dh not base64", {"p256dh": "@@@@"}, "keys.p256dh"),
    ("auth too short", {"auth": b64url_encode(os.urandom(8))}, "keys.auth"),
    ("auth too long", {"auth": b64url_encode(os.urandom(32))}, "keys.auth"),
    ("auth not base64", {"auth": "***"}, "keys.auth"),
]


@pytest.mark.parametrize(
    ("case", "keys", "field"), BAD_SUBSCRIPTIONS, ids=[c[0] for c in BAD_SUBSCRIPTIONS]
)
async def test_bad_keys_are_400_naming_the_field(h, client, case, keys, field):
    r = await client.post(SUBS, json=_body(**keys), headers=h)
    assert_400(r, field)


BAD_ENDPOINTS = [
    "https://evil.example/push/1",
    "http://127.0.0.1:1/push/1",  # an http origin not listed exactly
    "ftp://127.0.0.1/push/1",
    f"http://user:pw@127.0.0.1:{PUSH_PORT}/push/1",
    "/relative/push/1",
]


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
async def test_endpoint_outside_the_allowed_origins_is_400(h, client, endpoint):
    r = await client.post(SUBS, json=_body(endpoint=endpoint), headers=h)
    assert_400(r, "endpoint")
    from push.tables import PushSubscription

    assert await PushSubscription.count().where(PushSubscription.endpoint == endpoint) == 0


async def test_key_with_characters_outside_base64url_is_400(h, client):
    p256dh = _valid_keys()["p256dh"]
    r = await client.post(SUBS, json=_body(p256dh=p256dh[:20] + "!!" + p256dh[20:]), headers=h)
    assert_400(r, "keys.p256dh")


async def test_absurd_expiration_time_is_400_not_500(h, client):
    body = _body()
    body["expirationTime"] = 1e15
    r = await client.post(SUBS, json=body, headers=h)
    assert_400(r, "expirationTime")


def test_default_origins_are_the_public_push_services(tmp_path):
    from backend.settings import load_settings
    from push.subscriptions import origin_allowed

    settings = load_settings({"UPIK_DATA_DIR": str(tmp_path)})
    allowed = settings.push_allowed_origins
    for origin in (
        "https://fcm.googleapis.com",
        "https://updates.push.services.mozilla.com",
        "https://web.push.apple.com",
        "https://wns2-par02p.notify.windows.com",
    ):
        assert origin_allowed(origin, allowed), origin
    for origin in (
        "http://127.0.0.1",
        f"http://127.0.0.1:{PUSH_PORT}",
        "http://fcm.googleapis.com",
        "https://notify.windows.com.evil.example",
        "https://evilnotify.windows.com",
    ):
        assert not origin_allowed(origin, allowed), origin


def test_vapid_subject_must_be_mailto_or_https(tmp_path):
    from backend.settings import SettingsError, load_settings

    for subject in ("mailto:egov@cirebonkab.go.id", "https://upik.cirebonkab.go.id"):
        assert (
            load_settings(
                {"UPIK_DATA_DIR": str(tmp_path), "UPIK_VAPID_SUBJECT": subject}
            ).vapid_subject
            == subject
        )
    for subject in ("egov@cirebonkab.go.id", "http://upik.example", "tel:123"):
        with pytest.raises(SettingsError, match="UPIK_VAPID_SUBJECT"):
            load_settings({"UPIK_DATA_DIR": str(tmp_path), "UPIK_VAPID_SUBJECT": subject})


# --- the VAPID key ------------------------------------------------------------


async def test_public_key_is_an_uncompressed_p256_point(key):
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    assert "=" not in key


async def test_public_key_is_stable_across_app_instances(key):
    from backend.app import create_app
    from backend.settings import get_settings

    assert await _key_of(create_app(get_settings())) == key


async def _key_of(app) -> str:
    """The key an app serves; the route needs no database, so no lifespan."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://keycheck"
    ) as c:
        r = await c.get("/api/v1/push/key")
    assert r.status_code == 200, r.text
    return r.json()["public_key"]


def _settings(**env: str):
    from backend.settings import load_settings

    return load_settings(
        {
            "UPIK_DATA_DIR": os.environ["UPIK_DATA_DIR"],
            "UPIK_PUSH_ALLOWED_ORIGINS": EXTRA_ENV["UPIK_PUSH_ALLOWED_ORIGINS"],
            **env,
        }
    )


def _pem_and_raw() -> tuple[str, str, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    value = private.private_numbers().private_value
    raw = b64url_encode(value.to_bytes(32, "big"))
    public = b64url_encode(
        private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    return pem, raw, public


@pytest.mark.parametrize("form", ["pem", "raw"])
async def test_configured_vapid_private_key_is_used(key, push, tmp_path, form):
    """UPIK_VAPID_PRIVATE_KEY (PEM or raw base64url) wins over the generated one:
    it is the key served to browsers and the key the pushes are signed with."""
    from backend.app import create_app
    from push.runtime import build_engine
    from push.sender import Device

    pem, raw, public = _pem_and_raw()
    settings = _settings(UPIK_VAPID_PRIVATE_KEY=pem if form == "pem" else raw)
    assert public != key
    assert await _key_of(create_app(settings)) == public

    # The app's own sender signs with it: a phone subscribed with that
    # applicationServerKey accepts the push (the service checks k and the JWT).
    phone = push.new_device(application_server_key=public)
    sender = build_engine(settings).sender
    await sender.start()
    try:
        outcome = await sender.send(
            Device(0, phone.endpoint, push.origin, phone.p256dh, phone.auth),
            b'{"type":"test"}',
            ttl=60,
            urgency="normal",
            topic="vapid-test",
        )
    finally:
        await sender.close()
    assert outcome.accepted, outcome
    [msg] = phone.received
    assert msg.vapid_key == public
    assert msg.json == {"type": "test"}
    assert msg.vapid_claims["aud"] == push.origin


def test_raw_key_with_padding_is_the_same_key(tmp_path):
    from push.vapid import load_or_create, public_key_b64

    _, raw, public = _pem_and_raw()
    padded = raw + "=" * (-len(raw) % 4)
    assert public_key_b64(load_or_create(raw, tmp_path)) == public
    assert public_key_b64(load_or_create(padded, tmp_path)) == public
    assert not (tmp_path / "vapid_private.pem").exists()  # nothing generated


def test_generated_key_file_is_private(tmp_path):
    from push.vapid import load_or_create, public_key_b64

    first = public_key_b64(load_or_create(None, tmp_path))
    path = tmp_path / "vapid_private.pem"
    assert path.stat().st_mode & 0o077 == 0
    assert public_key_b64(load_or_create(None, tmp_path)) == first
    assert base64.urlsafe_b64decode(first + "=")[0] == 4
