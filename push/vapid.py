"""The server's VAPID identity (RFC 8292): one P-256 key, and a signed JWT per
push-service origin, cached and renewed well before it expires."""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

JWT_LIFETIME_S = 12 * 3600  # RFC 8292 allows up to 24 h
JWT_RENEW_BEFORE_S = 3600  # never hand out a token that could expire in flight


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _from_setting(value: str) -> Vapid02:
    value = value.strip()
    if "-----BEGIN" in value:
        key = serialization.load_pem_private_key(value.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("UPIK_VAPID_PRIVATE_KEY is not an EC private key")
        return Vapid02(key)
    return Vapid02.from_string(value)  # raw 32-byte (base64url) or DER


def load_or_create(setting: str | None, data_dir: Path) -> Vapid02:
    """The key from UPIK_VAPID_PRIVATE_KEY, else the one generated once into
    the data dir (so subscriptions survive restarts)."""
    if setting:
        return _from_setting(setting)
    path = data_dir / "vapid_private.pem"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        os.replace(tmp, path)
    return _from_setting(path.read_text())


def public_key_b64(vapid: Vapid02) -> str:
    """The uncompressed point, base64url: what `applicationServerKey` takes."""
    return b64url(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


class JwtCache:
    """`Authorization: vapid t=…,k=…` per push-service origin. Signing costs an
    ECDSA operation; a fan-out to 300 phones on one service needs one."""

    def __init__(self, vapid: Vapid02, subject: str) -> None:
        self._vapid = vapid
        self._subject = subject
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        # Our subject is validated by settings; py_vapid's own check rejects
        # valid subjects such as mailto:admin@localhost.
        self._vapid.conf = {"no-strict": True}

    def header(self, origin: str) -> str:
        now = time.time()
        with self._lock:
            cached = self._cache.get(origin)
            if cached and cached[1] - now > JWT_RENEW_BEFORE_S:
                return cached[0]
            exp = int(now) + JWT_LIFETIME_S
            signed = self._vapid.sign({"aud": origin, "exp": exp, "sub": self._subject})
            self._cache[origin] = (signed["Authorization"], exp)
            return signed["Authorization"]
