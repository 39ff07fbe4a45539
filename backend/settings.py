"""Every environment variable UPIK reads, read once and typed.

The rest of the code asks `get_settings()`; nothing else touches `os.environ`,
so the list of knobs in the contract and this file cannot drift apart.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from backend.working_time.office_hours import DEFAULT as DEFAULT_OFFICE_HOURS
from backend.working_time.office_hours import OfficeHours, OfficeHoursError, parse_office_hours

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
    # Sliding: every authenticated request pushes the expiry this far ahead.
    token_ttl_seconds: int = 7 * 24 * 3600
    cookie_secure: bool = False
    push_lease_seconds: int = 60
    push_retry_base_seconds: int = 2
    push_max_attempts: int = 8
    push_concurrency: int = 64
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS
    # UPIK_SMTP_URL: smtp://user:pass@host:port or smtps://...; unset, no e-mail is sent.
    smtp_url: str | None = None
    # Going live (contract v2, "Configuration added"); extras in docs/api.md.
    public_url: str = "http://127.0.0.1:8000"
    trusted_proxies: tuple[str, ...] = ()
    metrics_token: str | None = None
    log_format: str = "text"
    # UPIK_ACCESS_LOG: a line per request from uvicorn. Off by default: Caddy
    # writes the access log (docs/deploy.md), and a line per request costs
    # the one process more than any middleware.
    access_log: bool = False
    allow_vapid_key_change: bool = False
    # SIGTERM: bound on finishing in-flight requests, then on push batches.
    shutdown_timeout_seconds: int = 30

    @property
    def public_is_https(self) -> bool:
        return self.public_url.startswith("https://")
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


def _public_url(env: dict[str, str], host: str, port: int) -> str:
    raw = (env.get("UPIK_PUBLIC_URL") or "").strip()
    if not raw:
        return f"http://{host}:{port}"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"UPIK_PUBLIC_URL must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _trusted_proxies(env: dict[str, str]) -> tuple[str, ...]:
    networks = []
    for item in (env.get("UPIK_TRUSTED_PROXIES") or "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise SettingsError(
                f"UPIK_TRUSTED_PROXIES: {item.strip()!r} is not an IP address or CIDR"
            ) from None
    return tuple(networks)


def _flag(env: dict[str, str], name: str) -> bool:
    return env.get(name, "").lower() in ("1", "true", "yes")


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


def _smtp_url(env: dict[str, str]) -> str | None:
    raw = (env.get("UPIK_SMTP_URL") or "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SettingsError("UPIK_SMTP_URL must look like smtp://user:pass@host:port or smtps://...")
    try:
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        raise SettingsError("UPIK_SMTP_URL: the port must be a number") from None
    return raw


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

    try:
        office_hours = parse_office_hours(env.get("UPIK_OFFICE_HOURS"))
    except OfficeHoursError as exc:
        raise SettingsError(str(exc)) from None
    host = env.get("UPIK_HOST") or "127.0.0.1"
    port = _int(env, "UPIK_PORT", 8000, minimum=1)
    log_format = env.get("UPIK_LOG_FORMAT") or "text"
    if log_format not in ("text", "json"):
        raise SettingsError(f"UPIK_LOG_FORMAT must be text or json, got {log_format!r}")

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("REDIS_URL") or None,
        host=host,
        port=port,
        secret_key=_secret_key(env, data_dir),
        vapid_private_key=env.get("UPIK_VAPID_PRIVATE_KEY") or None,
        vapid_subject=subject,
        push_allowed_origins=origins,
        sla_answer_seconds=_int(env, "UPIK_SLA_ANSWER_SECONDS", 10800, minimum=1),
        sla_reminder_seconds=_int(env, "UPIK_SLA_REMINDER_SECONDS", 7200, minimum=1),
        login_rate_per_minute=_int(env, "UPIK_LOGIN_RATE_PER_MINUTE", 20, minimum=1),
        max_upload_bytes=_int(env, "UPIK_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024),
        cookie_secure=_flag(env, "UPIK_COOKIE_SECURE"),
        push_lease_seconds=_int(env, "UPIK_PUSH_LEASE_SECONDS", 60, minimum=1),
        push_retry_base_seconds=_int(env, "UPIK_PUSH_RETRY_BASE_SECONDS", 2, minimum=0),
        push_max_attempts=_int(env, "UPIK_PUSH_MAX_ATTEMPTS", 8, minimum=1),
        push_concurrency=_int(env, "UPIK_PUSH_CONCURRENCY", 64, minimum=1),
        office_hours=office_hours,
        smtp_url=_smtp_url(env),
        token_ttl_seconds=_int(env, "UPIK_SESSION_TTL_SECONDS", 7 * 24 * 3600, minimum=60),
        public_url=_public_url(env, host, port),
        trusted_proxies=_trusted_proxies(env),
        metrics_token=env.get("UPIK_METRICS_TOKEN") or None,
        log_format=log_format,
        access_log=_flag(env, "UPIK_ACCESS_LOG"),
        allow_vapid_key_change=_flag(env, "UPIK_ALLOW_VAPID_KEY_CHANGE"),
        shutdown_timeout_seconds=_int(env, "UPIK_SHUTDOWN_TIMEOUT_SECONDS", 30, minimum=1),
        register_rate_per_hour=_int(env, "UPIK_REGISTER_RATE_PER_HOUR", 10, minimum=1),
    )


@functools.cache
def get_settings() -> Settings:
    return load_settings()


def reset_settings_cache() -> None:
    """Tests change the environment between apps; this forgets the old reading."""
    get_settings.cache_clear()
