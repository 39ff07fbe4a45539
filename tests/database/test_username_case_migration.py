"""The case-insensitive-username migration (finding 9 of issue 9): on data
that already holds two accounts differing only in case it refuses, naming
them, and `upik migrate` (which `upik serve` runs first) fails; once one is
renamed it goes through. On both engines."""

from __future__ import annotations

import pytest

from tests.support.environment import Env, apply_environ
from tests.support.services import create_pg_database, drop_pg_database, require_postgres

FIRST = "2026-11-30T00:03:22:085039"


@pytest.fixture(params=["sqlite", "postgres"])
async def old_schema(request, tmp_path, monkeypatch):
    """A database migrated only as far as before the change."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from backend import database

    if request.param == "postgres":
        require_postgres()
        url = await create_pg_database()
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    apply_environ(Env(tmp_path, url, request.param).environ(), monkeypatch)
    engine = database.engine_from_url(url)
    database.bind(engine)
    await database.start(engine)
    try:
        result = await run_forwards("upik", migration_id=FIRST)
        assert result.success, result.message
        yield engine
    finally:
        await database.stop(engine)
        if request.param == "postgres":
            await drop_pg_database(url)


async def _add_user(username: str) -> None:
    from backend.accounts.tables import User

    await User.raw(
        "INSERT INTO upik_user (username, password_hash, name, role, is_active, created_at) "
        "VALUES ({}, 'x', 'Warga', 'citizen', true, CURRENT_TIMESTAMP)",
        username,
    )


async def test_clashing_usernames_stop_the_migration_with_their_names(old_schema, capsys):
    from backend.accounts.tables import User
    from backend.cli import _migrate

    for name in ("Warga", "warga", "budi"):
        await _add_user(name)
    assert await _migrate() == 1
    err = capsys.readouterr().err
    assert "case-insensitive" in err and "'Warga'" in err and "'warga'" in err
    assert "budi" not in err
    assert await User.count() == 3  # nothing lost

    await User.raw("UPDATE upik_user SET username = 'warga-2' WHERE username = 'warga'")
    assert await _migrate() == 0
    with pytest.raises(Exception, match=r"(?i)unique"):
        await _add_user("BUDI")
