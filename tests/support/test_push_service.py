"""Self-tests of the loopback push service, driven by the real pywebpush sender."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid01, Vapid02
from pywebpush import WebPusher, WebPushException, webpush, webpush_async

from tests.support import push_service
from tests.support.push_service import LoopbackPushService, Reply, b64url_encode

REPO = Path(__file__).resolve().parents[2]
SUB = "mailto:t@example.org"


@pytest.fixture
def push():
    with LoopbackPushService() as service:
        yield service


@pytest.fixture
def vapid() -> Vapid02:
    key = Vapid02()
    key.generate_keys()
    return key


@pytest.fixture
def http():
    # Loopback traffic must never be routed through a proxy from the CI env.
    with requests.Session() as session:
        session.trust_env = False
        yield session


def public_key_b64(key: Vapid01) -> str:
    return b64url_encode(
        key.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def send(http, dev, vapid, data="hello", claims=None, **kwargs):
    return webpush(
        dev.subscription,
        data,
        vapid_private_key=vapid,
        vapid_claims=dict(claims or {"sub": SUB}),
        ttl=kwargs.pop("ttl", 60),
        requests_session=http,
        **kwargs,
    )


def send_raw(http, dev, headers, data=b"hello"):
    """Bypass pywebpush's header defaults to send exactly what a test wants."""
    body = WebPusher(dev.subscription).encode(data)["body"]
    return http.post(dev.endpoint, data=body, headers=headers, timeout=5)


def status_of(call) -> int:
    with pytest.raises(WebPushException) as excinfo:
        call()
    return excinfo.value.status_code


# -- happy paths ----------------------------------------------------------


def test_valid_push_is_decrypted_and_recorded(push, vapid, http):
    payload = {"complaint_id": 42, "status": "diproses"}
    before = time.monotonic()
    resp = send(
        http, push.new_device(), vapid, json.dumps(payload),
        headers={"Urgency": "high", "Topic": "c42"},
    )  # fmt: skip

    assert resp.status_code == 201
    assert resp.headers["Location"].startswith(f"{push.origin}/message/")
    [msg] = push.wait_for(1, timeout=2)
    assert msg.json == payload
    assert msg.payload == json.dumps(payload).encode()
    assert (msg.ttl, msg.urgency, msg.topic) == (60, "high", "c42")
    assert msg.vapid_claims["aud"] == push.origin
    assert msg.vapid_claims["sub"] == SUB
    assert msg.vapid_key == public_key_b64(vapid)
    assert before <= msg.received_at <= time.monotonic()
    assert abs(msg.received_at_wall - time.time()) < 5
    assert [a.status for a in push.attempts] == [201]
    assert push.rejections == []


def test_subscription_looks_like_browser_tojson(push):
    dev = push.new_device()
    sub = dev.subscription
    assert sub == {
        "endpoint": dev.endpoint,
        "expirationTime": None,
        "keys": {"p256dh": dev.p256dh, "auth": dev.auth},
    }
    assert dev.endpoint.startswith(f"{push.origin}/push/")
    assert len(push_service.b64url_decode(dev.p256dh)) == 65
    assert len(push_service.b64url_decode(dev.auth)) == 16
    assert push.new_device().endpoint != dev.endpoint


def test_per_device_records_and_reset(push, vapid, http):
    a, b = push.new_device(), push.new_device()
    send(http, a, vapid, "to-a")
    send(http, b, vapid, "to-b")
    send(http, b, vapid, "plain text")
    assert [m.text for m in a.received] == ["to-a"]
    assert [m.text for m in b.received] == ["to-b", "plain text"]
    assert b.received[1].json is None
    assert [m.device_id for m in push.received] == [a.id, b.id, b.id]
    assert b.wait_for(2, timeout=1) == b.received

    push.reset()
    assert push.received == push.attempts == push.rejections == a.received == []
    send(http, a, vapid)
    assert len(push.wait_for(1, timeout=1)) == 1


async def test_async_senders(push, vapid):
    dev = push.new_device()
    async with aiohttp.ClientSession() as session:
        resp = await webpush_async(
            dev.subscription,
            '{"n": 1}',
            vapid_private_key=vapid,
            vapid_claims={"sub": SUB},
            ttl=30,
            headers={"Urgency": "low"},
            aiohttp_session=session,
        )
        assert resp.status == 201

        headers = vapid.sign({"aud": push.origin, "sub": SUB})
        headers["Topic"] = "t-2"
        resp = await WebPusher(dev.subscription, aiohttp_session=session).send_async(
            '{"n": 2}', headers, ttl=0
        )
        assert resp.status == 201

    msgs = await push.wait_for_async(2, timeout=2)
    assert [m.json for m in msgs] == [{"n": 1}, {"n": 2}]
    assert [(m.ttl, m.urgency, m.topic) for m in msgs] == [(30, "low", None), (0, None, "t-2")]
    assert push.rejections == []


async def test_hundreds_of_concurrent_pushes_reuse_one_jwt(push, vapid):
    devices = push.new_devices(300)
    headers = vapid.sign({"aud": push.origin, "sub": SUB})
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        responses = await asyncio.gather(
            *(
                WebPusher(d.subscription, aiohttp_session=session).send_async(
                    json.dumps({"i": i}), headers, ttl=60
                )
                for i, d in enumerate(devices)
            )
        )
    assert [r.status for r in responses] == [201] * 300
    msgs = await push.wait_for_async(300, timeout=5)
    assert sorted(m.json["i"] for m in msgs) == list(range(300))
    assert push.jwt_verifications == 1
    assert push.rejections == []
    assert time.monotonic() - start < 5


def test_payloadless_push_is_accepted(push, vapid, http):
    dev = push.new_device()
    headers = vapid.sign({"aud": push.origin, "sub": SUB})
    resp = http.post(dev.endpoint, headers={**headers, "TTL": "0"}, timeout=5)
    assert resp.status_code == 201
    assert push.received[0].payload == b""


def test_push_from_another_process(push, vapid):
    raw_key = b64url_encode(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))
    dev = push.new_device(application_server_key=public_key_b64(vapid))
    code = (
        "import json, sys\n"
        "from pywebpush import webpush\n"
        "webpush(json.loads(sys.argv[1]), 'from child', vapid_private_key=sys.argv[2],\n"
        "        vapid_claims={'sub': 'mailto:t@example.org'}, ttl=5)\n"
    )
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(dev.subscription), raw_key],
        check=True, timeout=20, env=env,
    )  # fmt: skip
    [msg] = push.wait_for(1, timeout=2)
    assert msg.text == "from child"
    assert push.rejections == []


# -- VAPID ----------------------------------------------------------------


def test_wrong_aud_is_rejected(push, vapid, http):
    claims = {"sub": SUB, "aud": "http://127.0.0.1:1"}
    assert status_of(lambda: send(http, push.new_device(), vapid, claims=claims)) == 403
    [rejection] = push.rejections
    assert rejection.endpoint.startswith(push.origin)
    assert "aud" in rejection.reason
    assert push.received == []


def test_aud_must_match_origin_exactly(push, vapid, http):
    # Same socket, different spelling: a real service compares strings.
    claims = {"sub": SUB, "aud": f"http://localhost:{push.port}"}
    assert status_of(lambda: send(http, push.new_device(), vapid, claims=claims)) == 403


def test_expired_jwt_is_rejected(push, vapid, http):
    dev = push.new_device()
    # pywebpush refreshes a stale exp itself, so sign the header directly.
    headers = vapid.sign({"aud": push.origin, "sub": SUB, "exp": int(time.time()) - 10})
    resp = WebPusher(dev.subscription, requests_session=http).send("x", headers, ttl=60)
    assert resp.status_code == 403
    assert "expired" in push.rejections[0].reason


def test_exp_more_than_24h_ahead_is_rejected(push, vapid, http):
    headers = vapid.sign({"aud": push.origin, "sub": SUB, "exp": int(time.time()) + 25 * 3600})
    dev = push.new_device()
    resp = WebPusher(dev.subscription, requests_session=http).send("x", headers, ttl=60)
    assert resp.status_code == 403
    assert "24 h" in push.rejections[0].reason


def test_cached_jwt_still_expires(push, vapid, http, monkeypatch):
    dev = push.new_device()
    headers = vapid.sign({"aud": push.origin, "sub": SUB, "exp": int(time.time()) + 600})
    sender = WebPusher(dev.subscription, requests_session=http)
    assert sender.send("1", headers, ttl=60).status_code == 201
    assert sender.send("2", headers, ttl=60).status_code == 201
    assert push.jwt_verifications == 1

    monkeypatch.setattr(push_service, "_wall_clock", lambda: time.time() + 3600)
    assert sender.send("3", headers, ttl=60).status_code == 403
    assert "expired" in push.rejections[0].reason


def test_jwt_signed_by_other_key_than_k(push, vapid, http):
    other = Vapid02()
    other.generate_keys()
    token = vapid.sign({"aud": push.origin, "sub": SUB})["Authorization"].split(",k=")[0]
    headers = {"Authorization": f"{token}, k={public_key_b64(other)}"}
    resp = WebPusher(push.new_device().subscription, requests_session=http).send(
        "x", headers, ttl=60
    )
    assert resp.status_code == 403
    assert "signature" in push.rejections[0].reason


def test_bad_sub_is_rejected(push, http):
    lax = Vapid02(conf={"no-strict": True})
    lax.generate_keys()
    headers = lax.sign({"aud": push.origin, "sub": "ops@example.org"})
    resp = WebPusher(push.new_device().subscription, requests_session=http).send(
        "x", headers, ttl=60
    )
    assert resp.status_code == 403
    assert "sub" in push.rejections[0].reason


def test_missing_or_draft_vapid_is_unauthorized(push, http):
    dev = push.new_device()
    assert status_of(lambda: webpush(dev.subscription, "x", ttl=60, requests_session=http)) == 401
    draft = Vapid01()
    draft.generate_keys()
    headers = draft.sign({"aud": push.origin, "sub": SUB})
    resp = WebPusher(dev.subscription, requests_session=http).send("x", headers, ttl=60)
    assert resp.status_code == 401
    assert len(push.rejections) == 2


def test_restricted_subscription_checks_k(push, vapid, http):
    intruder = Vapid02()
    intruder.generate_keys()
    dev = push.new_device(application_server_key=public_key_b64(vapid))
    assert status_of(lambda: send(http, dev, intruder)) == 403
    assert "applicationServerKey" in push.rejections[0].reason
    assert send(http, dev, vapid).status_code == 201
    assert len(dev.received) == 1


# -- headers and body -----------------------------------------------------


def test_missing_ttl_is_400(push, vapid, http):
    dev = push.new_device()
    headers = {**vapid.sign({"aud": push.origin, "sub": SUB}), "Content-Encoding": "aes128gcm"}
    assert send_raw(http, dev, headers).status_code == 400
    assert send_raw(http, dev, {**headers, "TTL": "-1"}).status_code == 400
    assert send_raw(http, dev, {**headers, "TTL": "0"}).status_code == 201
    assert [r.reason for r in push.rejections[:1]] == ["missing TTL header"]
    assert len(push.rejections) == 2


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"Urgency": "urgent"}, "Urgency"),
        ({"Topic": "has space"}, "Topic"),
        ({"Topic": "x" * 33}, "Topic"),
    ],
)
def test_bad_urgency_or_topic_is_400(push, vapid, http, extra, needle):
    assert status_of(lambda: send(http, push.new_device(), vapid, headers=extra)) == 400
    assert needle in push.rejections[0].reason


def test_wrong_encoding_or_tampered_body_is_400(push, vapid, http):
    dev = push.new_device()
    assert status_of(lambda: send(http, dev, vapid, content_encoding="aesgcm")) == 400
    assert "Content-Encoding" in push.rejections[0].reason

    headers = {**vapid.sign({"aud": push.origin, "sub": SUB}), "TTL": "60"}
    body = bytearray(WebPusher(dev.subscription).encode(b"secret")["body"])
    body[-1] ^= 1
    resp = http.post(
        dev.endpoint, data=bytes(body), headers={**headers, "Content-Encoding": "aes128gcm"}
    )
    assert resp.status_code == 400
    assert "decrypt" in push.rejections[1].reason


def test_body_limit_is_4096_bytes(push, vapid, http):
    dev = push.new_device()
    # 86 bytes of header, 1 padding delimiter, 16 tag: 3993 plaintext fills 4096.
    assert send(http, dev, vapid, "a" * 3993).status_code == 201
    assert status_of(lambda: send(http, dev, vapid, "a" * 3994)) == 413
    assert "4097 bytes" in push.rejections[0].reason


# -- scripted faults ------------------------------------------------------


def test_scripted_429_then_normal(push, vapid, http):
    dev = push.new_device().script(Reply(status=429, retry_after=2))
    with pytest.raises(WebPushException) as excinfo:
        send(http, dev, vapid)
    assert excinfo.value.status_code == 429
    assert excinfo.value.retry_after == "2"
    assert dev.received == []

    assert send(http, dev, vapid, "retry").status_code == 201
    assert [a.status for a in push.attempts] == [429, 201]
    assert [m.text for m in push.received] == ["retry"]
    assert push.rejections == []


def test_scripted_500_and_404_and_service_default(push, vapid, http):
    dev = push.new_device().script(Reply(status=500), Reply(status=404))
    other = push.new_device()
    push.script(Reply(status=503, retry_after=1))
    assert status_of(lambda: send(http, dev, vapid)) == 500
    assert status_of(lambda: send(http, dev, vapid)) == 404
    # dev's own script is used up, so the service-wide one applies next.
    assert status_of(lambda: send(http, other, vapid)) == 503
    assert send(http, dev, vapid).status_code == 201
    assert [a.status for a in push.attempts] == [500, 404, 503, 201]


async def test_slow_reply(push, vapid):
    dev = push.new_device().script(Reply(status=201, delay=0.3))
    async with aiohttp.ClientSession() as session:
        start = time.monotonic()
        resp = await webpush_async(
            dev.subscription, "slow", vapid_private_key=vapid,
            vapid_claims={"sub": SUB}, ttl=60, aiohttp_session=session,
        )  # fmt: skip
        elapsed = time.monotonic() - start
    assert resp.status == 201
    assert elapsed >= 0.3
    [msg] = await push.wait_for_async(1, timeout=1)
    assert msg.text == "slow"


def test_gone_device_is_410_forever(push, vapid, http):
    dev = push.new_device()
    assert send(http, dev, vapid).status_code == 201
    dev.gone()
    assert dev.is_gone
    assert status_of(lambda: send(http, dev, vapid)) == 410
    assert status_of(lambda: send(http, dev, vapid)) == 410
    assert len(dev.received) == 1
    assert [a.status for a in dev.attempts] == [201, 410, 410]
    assert push.rejections == []


def test_unknown_or_unsubscribed_device_is_404(push, vapid, http):
    dev = push.new_device()
    ghost = {**dev.subscription, "endpoint": f"{push.origin}/push/no-such-device"}
    assert status_of(lambda: webpush(
        ghost, "x", vapid_private_key=vapid, vapid_claims={"sub": SUB}, ttl=60,
        requests_session=http,
    )) == 404  # fmt: skip
    dev.unsubscribe()
    assert status_of(lambda: send(http, dev, vapid)) == 404
    assert [a.status for a in push.attempts] == [404, 404]


# -- waiting --------------------------------------------------------------


def test_wait_for_timeout_explains(push, vapid, http):
    dev = push.new_device().script(Reply(status=500))
    with pytest.raises(WebPushException):
        send(http, dev, vapid)
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"expected >= 1 .* got 0.*500: 1"):
        push.wait_for(1, timeout=0.2)
    assert 0.2 <= time.monotonic() - start < 1


def test_wait_for_wakes_up_on_arrival(push, vapid, http):
    dev = push.new_device().script(Reply(status=201, delay=0.2))
    threading.Thread(target=send, args=(http, dev, vapid, "late"), daemon=True).start()
    [msg] = push.wait_for(1, timeout=3)
    assert msg.text == "late"


async def test_wait_for_async_timeout(push):
    with pytest.raises(TimeoutError, match="expected >= 2"):
        await push.wait_for_async(2, timeout=0.1)


# -- standalone -----------------------------------------------------------


def test_standalone_cli(vapid, http):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.push_service", "--devices", "2", "--quiet"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        origin = json.loads(proc.stdout.readline())["origin"]
        subs = [json.loads(proc.stdout.readline()) for _ in range(2)]
        assert all(s["endpoint"].startswith(f"{origin}/push/") for s in subs)
        resp = webpush(
            subs[1], "hi", vapid_private_key=vapid, vapid_claims={"sub": SUB}, ttl=5,
            requests_session=http,
        )  # fmt: skip
        assert resp.status_code == 201
    finally:
        proc.send_signal(2)  # SIGINT, as Ctrl-C would
        _, err = proc.communicate(timeout=10)
    assert "delivered 1" in err
