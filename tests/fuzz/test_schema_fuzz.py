"""Keep it closed (issue 9): schemathesis fuzzes every operation of the live
OpenAPI schema against a real `upik serve` on SQLite, as an admin, a citizen
and an anonymous caller. Bounded (FUZZ_EXAMPLES per operation and role, no
shrinking), it must find no server error and no response that breaks the
schema. Routes that would end the fuzzer's own sessions are left out."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.api_client import PASSWORD
from tests.support.network import free_port

ROOT = Path(__file__).resolve().parents[2]
FUZZ_EXAMPLES = int(os.environ.get("UPIK_FUZZ_EXAMPLES", "6"))
# (method, path) that end or change the fuzzer's own sessions, or never end.
EXCLUDED = {
    ("POST", "/api/v1/auth/logout"),  # revokes the token it is called with
    ("PATCH", "/api/v1/users/{user_id}"),  # may deactivate or re-password the admin
    ("GET", "/api/v1/events/stream"),  # a server-sent event stream: never finishes
}


def _log_tail(path: Path) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-40:])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    upik = Path(sys.executable).with_name("upik")
    data = tmp_path_factory.mktemp("upik-fuzz")
    log = data / "server.log"
    env = {
        **os.environ,
        "UPIK_DATA_DIR": str(data),
        "UPIK_LOGIN_RATE_PER_MINUTE": "100000",
        "UPIK_REGISTER_RATE_PER_HOUR": "100000",
    }
    for key in ("DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    run = {"env": env, "cwd": ROOT, "capture_output": True, "text": True, "timeout": 120}
    for args in (
        ["migrate"],
        ["seed"],
        [
            *("create-user", "--role", "admin", "--username", "fuzz_admin"),
            *("--password", PASSWORD, "--name", "Admin Fuzz"),
        ],
    ):
        r = subprocess.run([str(upik), *args], **run)
        assert r.returncode == 0, f"upik {args[0]}: {r.stdout}{r.stderr}"
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(upik), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"upik serve exited with {proc.returncode}:\n{_log_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"upik serve did not answer /healthz:\n{_log_tail(log)}")
            time.sleep(0.2)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _bearer(base: str, username: str) -> dict[str, str]:
    r = httpx.post(
        base + "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture(scope="module")
def roles(live_server) -> dict[str, dict[str, str]]:
    base, _ = live_server
    r = httpx.post(
        base + "/api/v1/auth/register",
        json={"username": "fuzz_warga", "password": PASSWORD, "name": "Warga Fuzz"},
    )
    assert r.status_code == 201, r.text
    citizen = _bearer(base, "fuzz_warga")
    # Something to look at: one complaint, so ids 1.. exist for every route.
    r = httpx.post(
        base + "/api/v1/complaints",
        json={"title": "Jalan berlubang", "body": "Lubang besar di jalan desa."},
        headers=citizen,
    )
    assert r.status_code == 201, r.text
    return {"admin": _bearer(base, "fuzz_admin"), "citizen": citizen, "anonymous": {}}


def test_the_schema_fuzzer_finds_nothing(live_server, roles):
    base, log = live_server
    # Litestar writes OpenAPI 3.1; schemathesis 3.x reads it behind this switch.
    schemathesis.experimental.OPEN_API_3_1.enable()
    schema = schemathesis.from_uri(base + "/schema/openapi.json", base_url=base)
    operations = [result.ok() for result in schema.get_all_operations()]
    covered, failures = [], []
    for operation in operations:
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        covered.append(f"{operation.method.upper()} {operation.path}")
        _fuzz(operation, roles, failures)
    assert len(covered) >= 25, covered
    assert failures == [], "\n".join(failures[:20]) + "\n" + _log_tail(log)


def _fuzz(operation, roles: dict[str, dict[str, str]], failures: list[str]) -> None:
    name = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests every run: a failure reproduces
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        for role, headers in roles.items():
            response = case.call(headers={**(case.headers or {}), **headers}, timeout=15)
            try:
                case.validate_response(
                    response, checks=(not_a_server_error, response_schema_conformance)
                )
            except AssertionError as exc:
                failures.append(f"{role} {name} -> {response.status_code}: {str(exc)[:600]}")

    fuzz()
