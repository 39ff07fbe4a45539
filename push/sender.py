"""Sends one encrypted, VAPID-signed push (RFC 8030/8291/8292) through
pywebpush's async API, over one shared aiohttp session."""

from __future__ import annotations

import asyncio
import functools
import json
import math
from dataclasses import dataclass

import aiohttp
from pywebpush import WebPusher
from yarl import URL

from push.encryption import encrypt, receiver_keys
from push.vapid import JwtCache

# aes128gcm with pywebpush's single 4096-byte record: 86 bytes of header,
# 16 of tag, 1 of padding delimiter. The plaintext must fit in the rest.
MAX_PLAINTEXT = 4096 - 86 - 16 - 1
SEND_TIMEOUT_S = 10.0
PUSHER_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class Device:
    id: int
    endpoint: str
    origin: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class Outcome:
    status: int | None  # None: no HTTP answer (timeout, refused, reset)
    retry_after: float | None = None
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


def _encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def fit_payload(payload: dict) -> bytes:
    """JSON that fits one push record: shorten the human text, never cut the
    JSON (a truncated payload would be unreadable to the service worker)."""
    data = _encode(payload)
    if len(data) <= MAX_PLAINTEXT:
        return data
    trimmed = dict(payload)
    for key in ("body", "title"):
        text = str(trimmed.get(key, ""))
        trimmed[key] = ""
        if len(_encode(trimmed)) > MAX_PLAINTEXT:
            continue  # even without this field it is too long: shorten the next
        # The longest prefix that fits; bytes per character vary (UTF-8, escapes).
        low, high = 0, len(text)
        while low < high:
            mid = (low + high + 1) // 2
            trimmed[key] = text[:mid] + "…"
            if len(_encode(trimmed)) <= MAX_PLAINTEXT:
                low = mid
            else:
                high = mid - 1
        trimmed[key] = text[:low] + "…" if low < len(text) else text
        return _encode(trimmed)
    data = _encode(trimmed)
    if len(data) > MAX_PLAINTEXT:
        raise ValueError("payload does not fit even without its text")
    return data


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        from backend.common.clock import now

        try:
            return max(0.0, (when - now()).total_seconds())
        except (OverflowError, TypeError):  # a naive or absurd date
            return None


@functools.lru_cache(maxsize=4096)
def _endpoint_url(endpoint: str) -> URL:
    # Parsed once per device instead of once per push.
    return URL(endpoint)


class _NoRedirectSession:
    """pywebpush calls `session.post(url, timeout=…, data=…, headers=…)`; a push
    service never redirects, so following one could only be an attack (SSRF)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    def post(self, url, **kwargs):
        return self._session.post(_endpoint_url(url), allow_redirects=False, **kwargs)


class _Pusher(WebPusher):
    """pywebpush's sender, with the body from push/encryption.py (the same
    aes128gcm, at two thirds of http_ece's cost in a fan-out)."""

    def __init__(self, device: Device, session: _NoRedirectSession) -> None:
        super().__init__(
            {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}},
            aiohttp_session=session,  # type: ignore[arg-type]
        )
        self._receiver = receiver_keys(device.p256dh, device.auth)

    def encode(self, data: bytes, content_encoding: str = "aes128gcm"):
        if content_encoding != "aes128gcm":
            return super().encode(data, content_encoding)
        return {"body": encrypt(data, self._receiver)}


class PushSender:
    def __init__(
        self, jwt: JwtCache, concurrency: int = 64, timeout_s: float = SEND_TIMEOUT_S
    ) -> None:
        self._jwt = jwt
        self._concurrency = concurrency
        self._limit = asyncio.Semaphore(concurrency)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        # One pywebpush sender per device, built on its first push: building
        # one (a deep copy and key decoding) was 5 % of a fan-out.
        self._pushers: dict[tuple[str, str, str], _Pusher] = {}

    async def start(self) -> None:
        if self._session is None:
            # One session: connections to FCM are reused across pushes.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._concurrency, limit_per_host=self._concurrency, ttl_dns_cache=300
                ),
                trust_env=False,
                # Push services set no cookies we could use; the jar's
                # per-request filtering was measurable CPU in a fan-out.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def close(self) -> None:
        self._pushers.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _pusher(self, device: Device) -> _Pusher:
        key = (device.endpoint, device.p256dh, device.auth)
        pusher = self._pushers.get(key)
        if pusher is None:
            if len(self._pushers) >= PUSHER_CACHE_SIZE:
                self._pushers.clear()
            assert self._session is not None
            pusher = self._pushers[key] = _Pusher(device, _NoRedirectSession(self._session))
        return pusher

    async def send(
        self, device: Device, plaintext: bytes, *, ttl: int, urgency: str, topic: str | None
    ) -> Outcome:
        assert self._session is not None, "PushSender.start() first"
        headers = {"Authorization": self._jwt.header(device.origin), "Urgency": urgency}
        if topic:
            headers["Topic"] = topic
        async with self._limit:
            try:
                pusher = self._pusher(device)
                response = await pusher.send_async(
                    plaintext, headers, ttl=ttl, content_encoding="aes128gcm", timeout=self._timeout
                )
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                return Outcome(None, error=f"{type(exc).__name__}: {exc}"[:300])
            except Exception as exc:  # bad keys in storage, crypto errors: not retryable
                return Outcome(0, error=f"{type(exc).__name__}: {exc}"[:300])
        status = response.status
        if 200 <= status < 300:
            return Outcome(status)
        return Outcome(
            status,
            retry_after=_retry_after(response.headers.get("Retry-After")),
            error=f"HTTP {status}",
        )
