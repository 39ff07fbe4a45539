"""The `upik` command line, run as a user runs it: a subprocess with its own
data directory (SQLite), plus migrations on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import create_pg_database, drop_pg_database, require_postgres

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
UPIK = str(BIN / "upik")
PICCOLO = str(BIN / "piccolo")
PYTHON = str(BIN / "python")

LOGIN_SCRIPT = """
import asyncio, sys
from backend.cli import _with_database
from backend.accounts import service

async def work():
    try:
        _, user = await service.login(sys.argv[1], sys.argv[2])
    except PermissionError:
        print("refused")
        return 3
    print(user.role, user.unit_id)
    return 0

sys.exit(asyncio.run(_with_database(work)))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("UPIK_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str, cmd: str = UPIK) -> subprocess.CompletedProcess:
    return subprocess.run(
        [cmd, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def ok(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 0, f"rc={p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}"
    return p.stdout


def query(data_dir: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(data_dir / "upik.sqlite3") as conn:
        return conn.execute(sql, args).fetchall()


def login(env: dict[str, str], username: str, password: str) -> subprocess.CompletedProcess:
    return run(env, "-c", LOGIN_SCRIPT, username, password, cmd=PYTHON)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    data_dir = tmp_path_factory.mktemp("upik-cli")
    return data_dir, _env(UPIK_DATA_DIR=str(data_dir))


def test_migrate_twice_is_fine(home):
    data_dir, env = home
    ok(run(env, "migrate"))
    assert (data_dir / "upik.sqlite3").exists()
    tables = {r[0] for r in query(data_dir, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"complaint", "upik_user", "unit", "category", "notification"} <= tables
    applied = query(data_dir, "SELECT name FROM migration")
    second = ok(run(env, "migrate"))
    assert query(data_dir, "SELECT name FROM migration") == applied
    assert "no migrations need to be run" in second.lower()


def test_seed_twice_adds_nothing_the_second_time(home):
    data_dir, env = home
    first = ok(run(env, "seed"))
    m = re.search(r"(\d+) units and (\d+) categories added", first)
    assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0, first
    units = query(data_dir, "SELECT code, name FROM unit ORDER BY code")
    categories = query(data_dir, "SELECT code, unit FROM category ORDER BY code")
    assert len(units) == int(m.group(1)) and len(categories) == int(m.group(2))
    assert {"DPUTR", "DINKES", "DISDUKCAPIL", "BPBD", "EGOV"} <= {u[0] for u in units}

    second = ok(run(env, "seed"))
    assert "0 units and 0 categories added" in second
    assert query(data_dir, "SELECT code, name FROM unit ORDER BY code") == units
    assert query(data_dir, "SELECT code, unit FROM category ORDER BY code") == categories


def test_create_pic_user_and_log_in(home):
    data_dir, env = home
    out = ok(
        run(
            env,
            "create-user",
            "--role",
            "pic",
            "--username",
            "pic.putr.cli",
            "--password",
            "rahasia-123",
            "--name",
            "PIC PUTR",
            "--unit",
            "DPUTR",
        )
    )
    assert "pic.putr.cli" in out
    (putr,) = query(data_dir, "SELECT id FROM unit WHERE code = 'DPUTR'")[0]
    rows = query(
        data_dir, "SELECT role, unit, password_hash FROM upik_user WHERE username = 'pic.putr.cli'"
    )
    assert len(rows) == 1
    role, unit, password_hash = rows[0]
    assert (role, unit) == ("pic", putr)
    assert "rahasia-123" not in password_hash and password_hash.startswith("$argon2")
    assert ok(login(env, "pic.putr.cli", "rahasia-123")).split() == ["pic", str(putr)]
    wrong = login(env, "pic.putr.cli", "bukan-sandinya")
    assert wrong.returncode == 3 and "refused" in wrong.stdout


def test_create_user_refusals(home):
    data_dir, env = home
    base = ["create-user", "--role", "pic", "--password", "rahasia-123", "--name", "PIC"]
    no_unit = run(env, *base, "--username", "pic.tanpa.unit")
    assert no_unit.returncode != 0
    assert "--unit" in no_unit.stderr
    bad_unit = run(env, *base, "--username", "pic.unit.salah", "--unit", "TIDAKADA")
    assert bad_unit.returncode != 0
    assert "TIDAKADA" in bad_unit.stderr + bad_unit.stdout
    short = run(
        env,
        "create-user",
        "--role",
        "admin",
        "--username",
        "adm",
        "--password",
        "1234567",
        "--name",
        "A",
    )
    assert short.returncode != 0 and "password" in short.stderr
    dup = run(env, *base, "--username", "pic.putr.cli", "--unit", "DINKES")
    assert dup.returncode != 0 and "taken" in dup.stderr
    users = {
        r[0]
        for r in query(
            data_dir,
            "SELECT username FROM upik_user WHERE username IN (?, ?, ?)",
            "pic.tanpa.unit",
            "pic.unit.salah",
            "adm",
        )
    }
    assert users == set()
    # The duplicate did not move the existing PIC.
    assert query(data_dir, "SELECT u.code FROM upik_user p JOIN unit u ON u.id = p.unit "
                 "WHERE p.username = 'pic.putr.cli'") == [("DPUTR",)]  # fmt: skip


def test_demo_prints_credentials_once(home):
    data_dir, env = home
    first = ok(run(env, "demo"))
    creds = dict(re.findall(r"^\s+(\S+)\s+(\S+)\s+(?:admin|pic|citizen)\s", first, re.M))
    assert {"admin", "pic.putr", "warga"} <= set(creds), first
    second = ok(run(env, "demo"))
    for password in creds.values():
        assert password not in second
    assert "already" in second
    roles = dict(query(data_dir, "SELECT username, role FROM upik_user"))
    assert roles["admin"] == "admin" and roles["pic.putr"] == "pic" and roles["warga"] == "citizen"
    assert ok(login(env, "pic.putr", creds["pic.putr"])).split()[0] == "pic"
    assert ok(login(env, "admin", creds["admin"])).split()[0] == "admin"


def test_piccolo_forwards_on_sqlite(tmp_path):
    env = _env(UPIK_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    ok(run(env, "migrations", "forwards", "all", cmd=PICCOLO))
    with sqlite3.connect(tmp_path / "p.sqlite3") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"complaint", "upik_user", "unit", "category", "migration"} <= tables
    assert not (tmp_path / "upik.sqlite3").exists()  # DATABASE_URL, not the default file


async def _arun(env: dict[str, str], *args: str, cmd: str = UPIK) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        cmd,
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode(), err.decode()


async def _pg_tables(url: str) -> set[str]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


async def test_postgres_migrate_seed_and_piccolo_forwards(tmp_path):
    require_postgres()
    for tool in ("upik", "piccolo"):
        url = await create_pg_database()
        try:
            env = _env(UPIK_DATA_DIR=str(tmp_path / tool), DATABASE_URL=url)
            if tool == "upik":
                for _ in range(2):
                    rc, out, err = await _arun(env, "migrate")
                    assert rc == 0, out + err
                rc, out, err = await _arun(env, "seed")
                assert rc == 0 and "0 units" not in out, out + err
                rc, out, err = await _arun(env, "seed")
                assert rc == 0 and "0 units and 0 categories added" in out, out + err
            else:
                rc, out, err = await _arun(env, "migrations", "forwards", "all", cmd=PICCOLO)
                assert rc == 0, out + err
            tables = await _pg_tables(url)
            assert {"complaint", "upik_user", "unit", "category", "notification"} <= tables
            assert not (tmp_path / tool / "upik.sqlite3").exists()
        finally:
            await drop_pg_database(url)
