"""The going-live settings: defaults as the contract says, and a bad value
stops the start with a message naming the variable."""

from __future__ import annotations

import pytest

from backend.settings import SettingsError, load_settings


def _load(tmp_path, **env: str):
    return load_settings({"UPIK_DATA_DIR": str(tmp_path), **env})


def test_defaults(tmp_path):
    s = _load(tmp_path, UPIK_HOST="0.0.0.0", UPIK_PORT="8100")
    assert s.public_url == "http://0.0.0.0:8100" and not s.public_is_https
    assert s.trusted_proxies == ()  # nothing trusted unless said
    assert s.metrics_token is None
    assert s.token_ttl_seconds == 7 * 24 * 3600
    assert s.log_format == "text" and not s.allow_vapid_key_change


def test_values_are_read(tmp_path):
    s = _load(
        tmp_path,
        UPIK_PUBLIC_URL="https://upik.cirebonkab.go.id/",
        UPIK_TRUSTED_PROXIES=" 10.0.0.1, 192.168.0.0/16,::1 ",
        UPIK_METRICS_TOKEN="t0ken",
        UPIK_LOG_FORMAT="json",
        UPIK_ALLOW_VAPID_KEY_CHANGE="1",
    )
    assert s.public_url == "https://upik.cirebonkab.go.id" and s.public_is_https
    assert s.trusted_proxies == ("10.0.0.1/32", "192.168.0.0/16", "::1/128")
    assert s.metrics_token == "t0ken" and s.log_format == "json" and s.allow_vapid_key_change


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("UPIK_PUBLIC_URL", "upik.cirebonkab.go.id"),
        ("UPIK_PUBLIC_URL", "ftp://upik.example"),
        ("UPIK_TRUSTED_PROXIES", "caddy.local"),
        ("UPIK_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("UPIK_LOG_FORMAT", "xml"),
        ("UPIK_SHUTDOWN_TIMEOUT_SECONDS", "0"),
        ("UPIK_SESSION_TTL_SECONDS", "soon"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        _load(tmp_path, **{name: value})
