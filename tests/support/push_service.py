"""A real, strict Web Push service on loopback, standing in for FCM/autopush.

It mints browser-like subscriptions, accepts RFC 8030 push requests over real
HTTP on 127.0.0.1, verifies VAPID (RFC 8292), decrypts the aes128gcm payload
(RFC 8291/8188) and records what arrived.  Faults (429, 5xx, 404, 410, slow
answers) can be scripted per device or service-wide.

The aiohttp server runs in its own thread with its own event loop, so the same
instance serves sync tests, async tests (whatever loop they use) and senders
living in other processes.

    with LoopbackPushService() as push:
        dev = push.new_device()
        send_somehow(dev.subscription)
        [msg] = push.wait_for(1)
        assert msg.json == {...}
        assert push.rejections == []
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import collections
import contextlib
import json
import logging
import re
import secrets
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

__all__ = [
    "Attempt",
    "Device",
    "LoopbackPushService",
    "ReceivedPush",
    "Rejection",
    "Reply",
    "b64url_decode",
    "b64url_encode",
]

log = logging.getLogger(__name__)

# RFC 8030 section 7.2: services must accept at least 4096 octets; like
# autopush/FCM we treat it as the hard limit so oversize senders fail here too.
MAX_BODY = 4096
# RFC 8292 section 2: "exp" MUST NOT be more than 24 hours from the request.
MAX_JWT_LIFETIME = 24 * 60 * 60
URGENCIES = frozenset({"very-low", "low", "normal", "high"})

# Indirection so a test can move the clock for VAPID checks alone, without
# patching time.time for the whole process (senders compute exp from it too).
_wall_clock = time.time

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_TTL = re.compile(r"^[0-9]{1,10}$")
# aes128gcm header: salt(16) | rs(4) | idlen(1) | keyid(idlen)
_ECE_FIXED_HEADER = 21
_P256_POINT_LEN = 65
_GCM_TAG = 16


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(data: str | bytes) -> bytes:
    """Strict base64url: an unknown character is an error, not silently dropped."""
    text = data.decode("ascii") if isinstance(data, bytes) else data
    text = text.rstrip("=")
    if not _B64URL.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Reply:
    """One scripted answer; consumed by exactly one push to the device."""

    status: int = 201
    retry_after: int | float | str | None = None
    delay: float = 0.0
    body: str = ""

    def __post_init__(self) -> None:
        if not 200 <= self.status <= 599:
            raise ValueError(f"unsupported scripted status {self.status}")
        if self.delay < 0:
            raise ValueError("delay must be >= 0")


@dataclass(frozen=True)
class ReceivedPush:
    endpoint: str
    device_id: str
    payload: bytes
    json: Any
    ttl: int
    urgency: str | None
    topic: str | None
    vapid_claims: dict[str, Any]
    vapid_key: str
    received_at: float  # time.monotonic()
    received_at_wall: float  # time.time()

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8")


@dataclass(frozen=True)
class Attempt:
    endpoint: str
    device_id: str
    status: int
    at: float  # time.monotonic() when the request arrived
    reason: str | None = None


class Rejection(NamedTuple):
    endpoint: str
    reason: str


class _Reject(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(eq=False)
class Device:
    """A browser-side subscription: its private half stays here for decryption."""

    service: LoopbackPushService = field(repr=False)
    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    auth_secret: bytes = field(repr=False)
    p256dh: str
    auth: str
    application_server_key: bytes | None = field(default=None, repr=False)
    _script: collections.deque[Reply] = field(default_factory=collections.deque, repr=False)
    _gone: bool = field(default=False, repr=False)
    _received: list[ReceivedPush] = field(default_factory=list, repr=False)

    @property
    def subscription(self) -> dict[str, Any]:
        # Fresh dict each time: pywebpush and callers mutate what they are given.
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }

    def script(self, *replies: Reply) -> Device:
        with self.service._lock:
            self._script.extend(replies)
        return self

    def gone(self) -> Device:
        with self.service._lock:
            self._gone = True
        return self

    @property
    def is_gone(self) -> bool:
        with self.service._lock:
            return self._gone

    def unsubscribe(self) -> None:
        """Forget the device entirely, so later pushes get 404."""
        with self.service._lock:
            self.service._devices.pop(self.id, None)

    @property
    def received(self) -> list[ReceivedPush]:
        with self.service._lock:
            return list(self._received)

    @property
    def attempts(self) -> list[Attempt]:
        with self.service._lock:
            return [a for a in self.service._attempts if a.device_id == self.id]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedPush]:
        return self.service._wait(lambda: self._received, count, timeout, f"device {self.id}")


class LoopbackPushService:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body: int = MAX_BODY,
        jwt_cache_size: int = 4096,
        backlog: int = 1024,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.max_body = max_body
        self.jwt_cache_size = jwt_cache_size
        self.backlog = backlog
        self.port: int | None = None
        self.origin: str | None = None

        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._devices: dict[str, Device] = {}
        self._default_script: collections.deque[Reply] = collections.deque()
        self._received: list[ReceivedPush] = []
        self._attempts: list[Attempt] = []
        self._rejections: list[Rejection] = []
        # Only touched from the server loop thread, hence no lock.
        self._jwt_cache: dict[tuple[str, str], dict[str, Any]] = {}
        self.jwt_verifications = 0

        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._startup_error: BaseException | None = None

    # -- lifecycle -------------------------------------------------------

    def __enter__(self) -> LoopbackPushService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LoopbackPushService:
        if self._thread is not None:
            raise RuntimeError("already started")
        # Binding here (not in the thread) makes the port known synchronously
        # and surfaces bind errors in the caller.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self.origin = f"http://{self.host}:{self.port}"

        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name=f"push-service:{self.port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("push service did not start within 10 s")
        if self._startup_error is not None:
            self._thread.join(5)
            self._thread = None
            raise RuntimeError("push service failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        thread, loop, runner = self._thread, self._loop, self._runner
        if thread is None or loop is None:
            return
        if runner is not None:
            fut = asyncio.run_coroutine_threadsafe(runner.cleanup(), loop)
            with contextlib.suppress(Exception):
                fut.result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = self._loop = self._runner = None

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            app = web.Application(client_max_size=1024 * 1024)
            app.router.add_post("/push/{device_id}", self._handle_push)
            # Short shutdown: a test ending with a slow scripted reply in flight
            # must not hang teardown for the full delay.
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
            loop.run_until_complete(runner.setup())
            # Large backlog: a benchmark opens ~300 connections at once and a
            # dropped SYN costs a 1 s retransmit, which would skew timings.
            site = web.SockSite(runner, sock, backlog=self.backlog)
            loop.run_until_complete(site.start())
            self._runner = runner
        except BaseException as exc:
            self._startup_error = exc
            sock.close()
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            # Anything still pending (slow replies past shutdown) is abandoned.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    # -- devices and scripting ------------------------------------------

    def new_device(self, application_server_key: str | bytes | None = None) -> Device:
        """Mint a subscription; a given key restricts it like PushManager.subscribe()."""
        if self.origin is None:
            raise RuntimeError("start the service before minting devices")
        asks: bytes | None = None
        if application_server_key is not None:
            asks = (
                application_server_key
                if isinstance(application_server_key, bytes)
                else b64url_decode(application_server_key)
            )
            if len(asks) != _P256_POINT_LEN or asks[0] != 4:
                raise ValueError("applicationServerKey must be an uncompressed P-256 point")
        private_key = ec.generate_private_key(ec.SECP256R1())
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        auth_secret = secrets.token_bytes(16)
        device_id = secrets.token_urlsafe(24)
        device = Device(
            service=self,
            id=device_id,
            endpoint=f"{self.origin}/push/{device_id}",
            private_key=private_key,
            auth_secret=auth_secret,
            p256dh=b64url_encode(public),
            auth=b64url_encode(auth_secret),
            application_server_key=asks,
        )
        with self._lock:
            self._devices[device_id] = device
        return device

    def new_devices(
        self, n: int, application_server_key: str | bytes | None = None
    ) -> list[Device]:
        return [self.new_device(application_server_key) for _ in range(n)]

    def device(self, endpoint_or_id: str) -> Device:
        device_id = endpoint_or_id.rsplit("/", 1)[-1]
        with self._lock:
            return self._devices[device_id]

    def script(self, *replies: Reply) -> LoopbackPushService:
        """Service-wide replies, used by any device whose own script is empty."""
        with self._lock:
            self._default_script.extend(replies)
        return self

    # -- records ---------------------------------------------------------

    @property
    def received(self) -> list[ReceivedPush]:
        with self._lock:
            return list(self._received)

    @property
    def attempts(self) -> list[Attempt]:
        with self._lock:
            return list(self._attempts)

    @property
    def rejections(self) -> list[Rejection]:
        with self._lock:
            return list(self._rejections)

    def reset(self) -> None:
        """Clear records; devices, scripts and gone flags are kept."""
        with self._lock:
            self._received.clear()
            self._attempts.clear()
            self._rejections.clear()
            for device in self._devices.values():
                device._received.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedPush]:
        """Block until at least `count` pushes were delivered in total."""
        return self._wait(lambda: self._received, count, timeout, "service")

    # The timeout parameter mirrors wait_for() so sync and async tests read alike.
    async def wait_for_async(
        self,
        count: int,
        timeout: float = 10.0,
    ) -> list[ReceivedPush]:
        # Polling keeps the caller's loop free and the wait cancellable; a
        # thread parked on the Condition could not be interrupted.
        deadline = time.monotonic() + timeout
        pause = 0.002
        while True:
            with self._lock:
                if len(self._received) >= count:
                    return list(self._received)
                if time.monotonic() >= deadline:
                    raise TimeoutError(self._timeout_message(count, timeout, "service"))
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 0.02)

    def _wait(self, records: Any, count: int, timeout: float, what: str) -> list[ReceivedPush]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(records()) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(count, timeout, what))
                self._changed.wait(remaining)
            return list(records())

    def _timeout_message(self, count: int, timeout: float, what: str) -> str:
        # Caller holds the lock.
        statuses = collections.Counter(a.status for a in self._attempts)
        parts = [
            f"{what}: expected >= {count} delivered pushes within {timeout:g} s, "
            f"got {len(self._received)} in total",
            f"attempts by status: {dict(sorted(statuses.items())) or 'none'}",
        ]
        if self._rejections:
            tail = self._rejections[-5:]
            parts.append(f"rejections ({len(self._rejections)}, last {len(tail)}): {tail}")
        return "; ".join(parts)

    def _record(
        self,
        endpoint: str,
        device_id: str,
        status: int,
        arrived: float,
        reason: str | None = None,
        *,
        rejected: bool = False,
        push: ReceivedPush | None = None,
        device: Device | None = None,
    ) -> None:
        with self._changed:
            self._attempts.append(Attempt(endpoint, device_id, status, arrived, reason))
            if rejected and reason is not None:
                self._rejections.append(Rejection(endpoint, reason))
            if push is not None:
                self._received.append(push)
                if device is not None:
                    device._received.append(push)
            self._changed.notify_all()
        if rejected:
            log.warning("push to %s rejected (%d): %s", endpoint, status, reason)

    # -- request handling -----------------------------------------------

    async def _handle_push(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        device_id = request.match_info["device_id"]
        endpoint = f"{self.origin}/push/{device_id}"
        with self._lock:
            device = self._devices.get(device_id)
            gone = device is not None and device._gone

        if device is None:
            self._record(endpoint, device_id, 404, arrived, "unknown subscription")
            return web.Response(status=404, text="unknown subscription")
        if gone:
            self._record(endpoint, device_id, 410, arrived, "subscription gone")
            return web.Response(status=410, text="subscription gone")

        try:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge as exc:
                raise _Reject(413, "body exceeds the request size limit") from exc
            if len(body) > self.max_body:
                raise _Reject(413, f"body is {len(body)} bytes, limit {self.max_body}")
            ttl, urgency, topic = self._check_headers(request)
            claims, vapid_key = self._check_vapid(request, device)
            payload = self._decrypt(request, body, device)
        except _Reject as rej:
            self._record(endpoint, device_id, rej.status, arrived, rej.reason, rejected=True)
            return web.Response(status=rej.status, text=rej.reason)

        with self._lock:
            if device._script:
                reply = device._script.popleft()
            elif self._default_script:
                reply = self._default_script.popleft()
            else:
                reply = None
        if reply is not None and reply.delay:
            await asyncio.sleep(reply.delay)

        if reply is not None and reply.status != 201:
            status = reply.status
            headers = {}
            if reply.retry_after is not None:
                headers["Retry-After"] = str(reply.retry_after)
            self._record(endpoint, device_id, status, arrived, f"scripted {status}")
            return web.Response(
                status=status, text=reply.body or f"scripted {status}", headers=headers
            )

        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = None
        push = ReceivedPush(
            endpoint=endpoint,
            device_id=device_id,
            payload=payload,
            json=parsed,
            ttl=ttl,
            urgency=urgency,
            topic=topic,
            vapid_claims=claims,
            vapid_key=vapid_key,
            received_at=time.monotonic(),
            received_at_wall=time.time(),
        )
        self._record(endpoint, device_id, 201, arrived, push=push, device=device)
        message_id = secrets.token_urlsafe(12)
        return web.Response(
            status=201,
            headers={"Location": f"{self.origin}/message/{message_id}", "TTL": str(ttl)},
            body=reply.body if reply is not None and reply.body else None,
        )

    @staticmethod
    def _check_headers(request: web.Request) -> tuple[int, str | None, str | None]:
        raw_ttl = request.headers.get("TTL")
        if raw_ttl is None:
            raise _Reject(400, "missing TTL header")
        if not _TTL.match(raw_ttl.strip()):
            raise _Reject(400, f"TTL must be a non-negative integer, got {raw_ttl!r}")
        ttl = int(raw_ttl)

        urgency = request.headers.get("Urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise _Reject(400, f"invalid Urgency {urgency!r}")

        topic = request.headers.get("Topic")
        if topic is not None and not _TOPIC.match(topic):
            raise _Reject(400, f"invalid Topic {topic!r}: 1-32 base64url characters")
        return ttl, urgency, topic

    def _check_vapid(self, request: web.Request, device: Device) -> tuple[dict[str, Any], str]:
        # RFC 8292 section 4.2: 401 when authentication is absent, 403 when invalid.
        header = request.headers.get("Authorization")
        if not header:
            raise _Reject(401, "missing VAPID Authorization header")
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != "vapid":
            raise _Reject(401, f"unsupported Authorization scheme {scheme!r} (need 'vapid')")
        params: dict[str, str] = {}
        for item in rest.split(","):
            name, eq, value = item.strip().partition("=")
            if eq:
                params[name.strip().lower()] = value.strip()
        token, key = params.get("t"), params.get("k")
        if not token or not key:
            raise _Reject(401, "VAPID header needs both t= and k=")

        try:
            key_bytes = b64url_decode(key)
        except (ValueError, binascii.Error) as exc:
            raise _Reject(403, "VAPID k is not base64url") from exc
        if len(key_bytes) != _P256_POINT_LEN or key_bytes[0] != 4:
            raise _Reject(403, "VAPID k is not an uncompressed P-256 point")
        if device.application_server_key is not None and key_bytes != device.application_server_key:
            raise _Reject(403, "VAPID k does not match the subscription's applicationServerKey")

        cache_key = (token, key)
        claims = self._jwt_cache.get(cache_key)
        if claims is None:
            claims = self._verify_jwt(token, key_bytes)
            if len(self._jwt_cache) >= self.jwt_cache_size:
                self._jwt_cache.clear()
            self._jwt_cache[cache_key] = claims
        # Checked on every use: a cached token may have expired since.
        if claims["exp"] <= _wall_clock():
            raise _Reject(403, f"VAPID JWT expired (exp={claims['exp']})")
        return dict(claims), key

    def _verify_jwt(self, token: str, key_bytes: bytes) -> dict[str, Any]:
        self.jwt_verifications += 1
        segments = token.split(".")
        if len(segments) != 3:
            raise _Reject(403, "VAPID t is not a compact JWS")
        try:
            header = json.loads(b64url_decode(segments[0]))
            claims = json.loads(b64url_decode(segments[1]))
            signature = b64url_decode(segments[2])
        except (ValueError, binascii.Error) as exc:
            raise _Reject(403, f"VAPID JWT is malformed: {exc}") from exc
        if not isinstance(header, dict) or header.get("alg") != "ES256":
            raise _Reject(403, f"VAPID JWT alg must be ES256, header {header!r}")
        if header.get("typ", "JWT") != "JWT":
            raise _Reject(403, f"VAPID JWT typ must be JWT, header {header!r}")
        # JOSE carries r||s; a DER signature here is a classic sender bug.
        if len(signature) != 64:
            raise _Reject(403, f"VAPID JWT signature is {len(signature)} bytes, need raw r||s 64")
        try:
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key_bytes)
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
            public_key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError) as exc:
            raise _Reject(403, "VAPID JWT signature does not verify against k") from exc

        if not isinstance(claims, dict):
            raise _Reject(403, "VAPID JWT claims are not an object")
        if claims.get("aud") != self.origin:
            raise _Reject(
                403, f"VAPID aud {claims.get('aud')!r} != push service origin {self.origin!r}"
            )
        exp = claims.get("exp")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise _Reject(403, f"VAPID exp must be an integer, got {exp!r}")
        now = _wall_clock()
        if exp <= now:
            raise _Reject(403, f"VAPID JWT expired (exp={exp})")
        if exp > now + MAX_JWT_LIFETIME:
            raise _Reject(403, f"VAPID exp {exp} is more than 24 h ahead")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
            raise _Reject(403, f"VAPID sub must be a mailto: or https: URI, got {sub!r}")
        return claims

    @staticmethod
    def _decrypt(request: web.Request, body: bytes, device: Device) -> bytes:
        encoding = request.headers.get("Content-Encoding")
        if not body:
            # RFC 8030 allows payload-less pushes; they carry no encoding.
            return b""
        if encoding is None or encoding.strip().lower() != "aes128gcm":
            raise _Reject(400, f"Content-Encoding must be aes128gcm, got {encoding!r}")
        # RFC 8291 section 4: keyid is the sender's 65-byte ephemeral key and
        # the message is a single record.
        if len(body) < _ECE_FIXED_HEADER + _P256_POINT_LEN + _GCM_TAG + 1:
            raise _Reject(400, "aes128gcm body too short")
        (rs,) = struct.unpack("!L", body[16:20])
        id_len = body[20]
        if id_len != _P256_POINT_LEN or body[_ECE_FIXED_HEADER] != 4:
            raise _Reject(400, f"aes128gcm keyid must be a 65-byte P-256 point, got {id_len} bytes")
        ciphertext_len = len(body) - _ECE_FIXED_HEADER - id_len
        if rs < 18 or ciphertext_len > rs:
            raise _Reject(400, f"aes128gcm must be a single record (rs={rs}, {ciphertext_len} B)")
        try:
            return http_ece.decrypt(
                body,
                private_key=device.private_key,
                auth_secret=device.auth_secret,
                version="aes128gcm",
            )
        except Exception as exc:
            detail = getattr(exc, "message", None) or repr(exc)
            raise _Reject(400, f"cannot decrypt payload: {detail}") from exc


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.push_service",
        description="Serve a loopback Web Push service; print origin and subscriptions as JSON.",
    )
    parser.add_argument("--devices", type=int, default=1, help="subscriptions to mint")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--application-server-key", default=None, help="bind devices to this VAPID public key"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log incoming pushes")
    args = parser.parse_args(list(argv) if argv is not None else None)

    with LoopbackPushService(host=args.host, port=args.port) as push:
        print(json.dumps({"origin": push.origin}), flush=True)
        for device in push.new_devices(args.devices, args.application_server_key):
            print(json.dumps(device.subscription), flush=True)
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                attempts = push.attempts
                fresh, seen = attempts[seen:], len(attempts)
                if not args.quiet:
                    for attempt in fresh:
                        print(
                            f"{attempt.status} {attempt.endpoint} {attempt.reason or ''}".rstrip(),
                            file=sys.stderr,
                            flush=True,
                        )
        except KeyboardInterrupt:
            pass
        print(
            f"delivered {len(push.received)}, attempts {len(push.attempts)}, "
            f"rejections {len(push.rejections)}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
