"""Behind the reverse proxy (issue 14 §3, issue 9 findings 4 and 11), on a
real `upik serve`: the peer address is the TCP peer's, 127.0.0.1 here."""

from __future__ import annotations

import httpx
import pytest

from tests.deploy.server import clean_env, ok, serve, upik
from tests.support.network import free_port

PASSWORD = "Kabut-Sumber-2026!"
RATE = 3


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> dict[str, str]:
    data_dir = tmp_path_factory.mktemp("upik-proxy")
    env = clean_env(UPIK_DATA_DIR=str(data_dir), UPIK_LOGIN_RATE_PER_MINUTE=str(RATE))
    ok(upik(env, "migrate"))
    for name in ("warga_a", "warga_b", "warga_c"):
        ok(upik(env, "create-user", "--role", "citizen", "--username", name,
                "--password", PASSWORD, "--name", "Warga"))
    return env


def _login(url: str, username: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/auth/login",
        json={"username": username, "password": PASSWORD},
        headers=headers,
        timeout=10,
    )


def _session_cookie(r: httpx.Response) -> str:
    cookies = [c for c in r.headers.get_list("set-cookie") if c.startswith("upik_session=")]
    assert cookies, r.headers
    return cookies[0]


def test_trusted_proxy_forwarded_clients_are_counted_apart(home):
    env = {**home, "UPIK_TRUSTED_PROXIES": "10.9.0.0/16, 127.0.0.0/8"}
    with serve(env, free_port()) as server:
        first = {"X-Forwarded-For": "203.0.113.5"}
        codes = [_login(server.url, "warga_a", **first).status_code for _ in range(RATE + 1)]
        assert codes == [200] * RATE + [429]
        # Another citizen behind the same proxy has their own budget.
        second = {"X-Forwarded-For": "198.51.100.7"}
        assert _login(server.url, "warga_a", **second).status_code == 200
        # A chain is read from the right: the address the proxy saw connect.
        chained = {"X-Forwarded-For": "203.0.113.5, 198.51.100.8"}
        assert _login(server.url, "warga_a", **chained).status_code == 200

        # The scheme comes from the trusted proxy: https -> Secure cookies.
        r = _login(server.url, "warga_b", **{"X-Forwarded-For": "192.0.2.1",
                                              "X-Forwarded-Proto": "https"})
        assert r.status_code == 200
        assert "secure" in _session_cookie(r).lower()
        r = _login(server.url, "warga_b", **{"X-Forwarded-For": "192.0.2.2",
                                              "X-Forwarded-Proto": "http"})
        assert "secure" not in _session_cookie(r).lower()
        assert "strict-transport-security" not in r.headers


def test_untrusted_peer_forwarded_headers_are_ignored(home):
    # Nothing trusted (the default): loopback is just another client.
    with serve(home, free_port()) as server:
        codes = [
            _login(server.url, "warga_b", **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(RATE + 2)
        ]
        assert codes == [200] * RATE + [429, 429]

    with serve({**home, "UPIK_TRUSTED_PROXIES": "10.9.0.1"}, free_port()) as server:
        r = _login(server.url, "warga_c", **{"X-Forwarded-Proto": "https"})
        assert r.status_code == 200
        assert "secure" not in _session_cookie(r).lower()
        codes = [
            _login(server.url, "warga_c", **{"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(RATE)
        ]
        assert codes == [200] * (RATE - 1) + [429]


def test_https_public_url_makes_cookies_secure_and_sends_hsts(home):
    env = {**home, "UPIK_PUBLIC_URL": "https://upik.example.test"}
    with serve(env, free_port()) as server:
        r = _login(server.url, "warga_c")
        assert r.status_code == 200, r.text
        assert "secure" in _session_cookie(r).lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")
        # The CSRF cookie, set by Litestar's middleware, is Secure too.
        token = r.json()["token"]
        me = httpx.get(f"{server.url}/api/v1/me", cookies={"upik_session": token}, timeout=10)
        csrf = [c for c in me.headers.get_list("set-cookie") if c.startswith("upik_csrf=")]
        assert csrf and all("secure" in c.lower() for c in csrf)
