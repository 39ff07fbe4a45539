"""Every environment variable UPIK reads, read once and typed.

The rest of the code asks `get_settings()`; nothing else touches `os.environ`,
so the list of knobs in the contract and this file cannot drift apart.
"""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

# The public push services a browser may hand us. Anything else is refused at
# subscribe time, because the server later POSTs to that URL (SSRF guard).
DEFAULT_PUSH_ORIGINS = (
    "https://fcm.googleapis.com",  # Chrome on Android: the phones UPIK is for
    "https://android.googleapis.com",
    "https://updates.push.services.mozilla.com",
    "https://*.push.apple.com",  # Safari: web.push.apple.com and regional hosts
    "https://*.notify.windows.com",  # Edge: WNS spreads over many hosts
)


class SettingsError(ValueError):
    """A variable is set to something UPIK cannot use; the message names it."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    data_dir: Path
    database_url: str
    redis_url: str | None
    host: str
    port: int
    secret_key: str
    vapid_private_key: str | None
    vapid_subject: str
    push_allowed_origins: tuple[str, ...]
    sla_answer_seconds: int
    sla_reminder_seconds: int
    login_rate_per_minute: int
    # Not in the contract's table; documented in docs/api.md.
    max_upload_bytes: int = 10 * 1024 * 1024
    token_ttl_seconds: int = 30 * 24 * 3600
    cookie_secure: bool = False
    push_lease_seconds: int = 60
    push_retry_base_seconds: int = 2
    push_max_attempts: int = 8
    push_concurrency: int = 64
    register_rate_per_hour: int = 10

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be >= {minimum}, got {value}")
    return value


def _origin(url: str) -> str:
    # `https://*.example.com` allows every subdomain; urlsplit reads "*" as a host.
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"UPIK_PUSH_ALLOWED_ORIGINS: {url!r} is not an http(s) origin")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _secret_key(env: dict[str, str], data_dir: Path) -> str:
    if env.get("UPIK_SECRET_KEY"):
        return env["UPIK_SECRET_KEY"]
    # Generated once and kept beside the data so restarts keep sessions valid.
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        os.replace(tmp, path)
    return path.read_text().strip()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("UPIK_DATA_DIR") or "./var").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'upik.sqlite3'}"
    if not database_url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise SettingsError("DATABASE_URL must start with sqlite://, postgres:// or postgresql://")

    subject = env.get("UPIK_VAPID_SUBJECT") or "mailto:admin@localhost"
    if not subject.startswith(("mailto:", "https:")):
        raise SettingsError("UPIK_VAPID_SUBJECT must be a mailto: or https: URL (RFC 8292)")

    origins_raw = env.get("UPIK_PUSH_ALLOWED_ORIGINS")
    origins = (
        tuple(_origin(o) for o in origins_raw.split(",") if o.strip())
        if origins_raw
        else DEFAULT_PUSH_ORIGINS
    )

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("REDIS_URL") or None,
        host=env.get("UPIK_HOST") or "127.0.0.1",
        port=_int(env, "UPIK_PORT", 8000, minimum=1),
        secret_key=_secret_key(env, data_dir),
        vapid_private_key=env.get("UPIK_VAPID_PRIVATE_KEY") or None,
        vapid_subject=subject,
        push_allowed_origins=origins,
        sla_answer_seconds=_int(env, "UPIK_SLA_ANSWER_SECONDS", 10800, minimum=1),
        sla_reminder_seconds=_int(env, "UPIK_SLA_REMINDER_SECONDS", 7200, minimum=1),
        login_rate_per_minute=_int(env, "UPIK_LOGIN_RATE_PER_MINUTE", 20, minimum=1),
        max_upload_bytes=_int(env, "UPIK_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024),
        cookie_secure=env.get("UPIK_COOKIE_SECURE", "") in ("1", "true", "yes"),
        push_lease_seconds=_int(env, "UPIK_PUSH_LEASE_SECONDS", 60, minimum=1),
        push_retry_base_seconds=_int(env, "UPIK_PUSH_RETRY_BASE_SECONDS", 2, minimum=0),
        push_max_attempts=_int(env, "UPIK_PUSH_MAX_ATTEMPTS", 8, minimum=1),
        push_concurrency=_int(env, "UPIK_PUSH_CONCURRENCY", 64, minimum=1),
        register_rate_per_hour=_int(env, "UPIK_REGISTER_RATE_PER_HOUR", 10, minimum=1),
    )


@functools.cache
def get_settings() -> Settings:
    return load_settings()


def reset_settings_cache() -> None:
    """Tests change the environment between apps; this forgets the old reading."""
    get_settings.cache_clear()
