"""`upik serve` refuses a VAPID key other than the one the stored push
subscriptions were made with, unless told to (issue 14 §2)."""

from __future__ import annotations

import httpx

from tests.deploy.server import clean_env, ok, serve, upik
from tests.support.network import free_port
from tests.support.push_service import LoopbackPushService

PASSWORD = "Kabut-Sumber-2026!"


def _serve_once(env: dict[str, str], *args: str):
    # A refusal exits before listening; a start would run until the timeout.
    return upik(env, "serve", "--port", str(free_port()), *args, timeout=60)


def test_a_new_key_is_refused_while_subscriptions_exist(tmp_path):
    push_port = free_port()
    env = clean_env(
        UPIK_DATA_DIR=str(tmp_path), UPIK_PUSH_ALLOWED_ORIGINS=f"http://127.0.0.1:{push_port}"
    )
    ok(upik(env, "migrate"))
    ok(upik(env, "create-user", "--role", "citizen", "--username", "warga1",
            "--password", PASSWORD, "--name", "Warga"))
    key_file = tmp_path / "vapid_private.pem"

    # No subscription yet: a changed key is harmless and simply recorded.
    with serve(env, free_port()):
        pass
    key_file.unlink()
    with LoopbackPushService(port=push_port) as push, serve(env, free_port()) as server:
        r = httpx.post(f"{server.url}/api/v1/auth/login", timeout=10,
                       json={"username": "warga1", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        key = httpx.get(f"{server.url}/api/v1/push/key", timeout=10).json()["public_key"]
        phone = push.new_device(application_server_key=key)
        r = httpx.post(f"{server.url}/api/v1/push/subscriptions", json=phone.subscription,
                       headers=headers, timeout=10)
        assert r.status_code == 201, r.text
    original = key_file.read_bytes()

    key_file.unlink()  # the key is lost; a new one would be generated
    refused = _serve_once(env)
    assert refused.returncode == 2, refused.stderr
    assert "VAPID key differs" in refused.stderr and "1 stored push" in refused.stderr
    # The worker checks too (before it ever connects to Redis).
    refused = upik({**env, "REDIS_URL": "redis://127.0.0.1:1/0"}, "worker", timeout=60)
    assert refused.returncode == 2 and "VAPID key differs" in refused.stderr

    # The same key again: all is well.
    key_file.write_bytes(original)
    with serve(env, free_port()):
        pass

    # A deliberate change, by flag or by variable; afterwards the new key is the recorded one.
    key_file.unlink()
    with serve({**env, "UPIK_ALLOW_VAPID_KEY_CHANGE": "1"}, free_port()):
        pass
    with serve(env, free_port()):
        pass
    key_file.unlink()
    with serve(env, free_port(), "--allow-vapid-key-change"):
        pass
