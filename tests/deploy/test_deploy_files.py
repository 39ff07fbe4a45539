"""deploy/: the systemd units pass `systemd-analyze verify`, the Caddyfile
passes `caddy validate` and says what docs/deploy.md promises, and upik.env
lists every variable the settings read."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import missing_service

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ["upik-web.service", "upik-worker.service", "upik-backup.service", "upik-backup.timer"]
UPIK = Path(sys.executable).parent / "upik"


def _parse_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        env[name] = value.strip().strip('"')
    return env


def _units_here(tmp_path: Path, text_of=lambda name, text: text) -> list[Path]:
    """The units with this checkout's paths, since verify checks that
    ExecStart and EnvironmentFile exist."""
    out = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace("/opt/upik/.venv/bin/upik", str(UPIK))
        text = text.replace("/etc/upik/upik.env", str(DEPLOY / "upik.env"))
        text = text.replace("WorkingDirectory=/opt/upik", f"WorkingDirectory={ROOT}")
        path = tmp_path / name
        path.write_text(text_of(name, text))
        out.append(path)
    return out


def _verify(paths: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["systemd-analyze", "verify", *map(str, paths)], capture_output=True, text=True,
        timeout=60,
    )


def test_units_pass_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here")
    result = _verify(_units_here(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
    # The check bites: a misspelt setting is reported.
    broken = _units_here(
        tmp_path, lambda name, text: text.replace("Restart=on-failure", "Restart=sometimes")
    )
    assert "sometimes" in _verify(broken).stderr


def _settings(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / unit).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.parametrize("unit", ["upik-web.service", "upik-worker.service"])
def test_services_restart_and_are_sandboxed(unit):
    s = _settings(unit)
    assert s["Restart"] == ["on-failure"]
    assert s["ProtectSystem"] == ["strict"]
    assert s["NoNewPrivileges"] == ["yes"]
    assert s["User"] == ["upik"] and s["StateDirectory"] == ["upik"]
    assert s["EnvironmentFile"] == ["/etc/upik/upik.env"]


def test_backup_timer_runs_the_backup_service():
    assert "upik backup" in (DEPLOY / "upik-backup.service").read_text()
    timer = _settings("upik-backup.timer")
    assert timer["OnCalendar"] and timer["Persistent"] == ["true"]


def test_upik_env_lists_every_variable_and_loads(tmp_path):
    from backend.settings import load_settings

    read = set(re.findall(r'"((?:UPIK|DATABASE|REDIS)_[A-Z_]+)"', (ROOT / "backend/settings.py")
                          .read_text()))
    listed = _parse_env_file(DEPLOY / "upik.env")
    assert read - set(listed) == set(), "missing from deploy/upik.env"
    env = {**listed, "UPIK_DATA_DIR": str(tmp_path)}
    settings = load_settings(env)
    assert settings.is_sqlite and settings.public_is_https
    assert settings.trusted_proxies == ("127.0.0.1/32", "::1/128")


def _caddy_json() -> dict:
    if not shutil.which("caddy"):
        missing_service("caddy (apt install caddy)")
    result = subprocess.run(
        ["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "UPIK_DOMAIN": "upik.example.test"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _handlers(node) -> list[dict]:
    found = []
    if isinstance(node, dict):
        if "handler" in node:
            found.append(node)
        for value in node.values():
            found += _handlers(value)
    elif isinstance(node, list):
        for value in node:
            found += _handlers(value)
    return found


def test_caddyfile_validates():
    if not shutil.which("caddy"):
        missing_service("caddy (apt install caddy)")
    result = subprocess.run(
        ["caddy", "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "UPIK_DOMAIN": "upik.example.test"},
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_caddyfile_proxies_limits_and_caches_as_documented(tmp_path):
    from backend.settings import load_settings

    config = _caddy_json()
    server = next(iter(config["apps"]["http"]["servers"].values()))
    assert server["routes"][0]["match"][0]["host"] == ["upik.example.test"]
    handlers = _handlers(server)
    [proxy] = [h for h in handlers if h["handler"] == "reverse_proxy"]
    assert proxy["upstreams"] == [{"dial": "127.0.0.1:8000"}]
    [body] = [h for h in handlers if h["handler"] == "request_body"]
    # The app's own limit (backend/app.py): the upload bound plus form overhead.
    default_upload = load_settings({"UPIK_DATA_DIR": str(tmp_path)}).max_upload_bytes
    assert body["max_size"] == default_upload + 256 * 1024
    caching = {
        tuple(h["response"]["set"]["Cache-Control"])
        for h in handlers
        if h["handler"] == "headers" and "Cache-Control" in h.get("response", {}).get("set", {})
    }
    assert caching == {("no-cache",), ("public, max-age=31536000, immutable",)}
    text = json.dumps(server)
    assert "/sw.js" in text and "/metrics" in text
