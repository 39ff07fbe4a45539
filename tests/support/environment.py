"""One configured UPIK instance for a test module: its environment (data dir,
database, test-friendly limits) and its migrated, seeded database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Env:
    """One configured UPIK instance: its data dir and database."""

    data_dir: Path
    database_url: str
    engine_name: str

    def environ(self, **extra: str) -> dict[str, str]:
        env = {
            "UPIK_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.database_url,
            "UPIK_SLA_ANSWER_SECONDS": "10800",
            "UPIK_SLA_REMINDER_SECONDS": "7200",
            "UPIK_LOGIN_RATE_PER_MINUTE": "1000",
            "UPIK_REGISTER_RATE_PER_HOUR": "100000",
            # Every second counts, so no test depends on the hour the suite runs
            # at; the working-time tests set office hours and move the clock.
            "UPIK_OFFICE_HOURS": "always",
        }
        env.update(extra)
        return env


def apply_environ(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.settings import reset_settings_cache

    for key in ("REDIS_URL", "UPIK_PUSH_ALLOWED_ORIGINS", "UPIK_VAPID_PRIVATE_KEY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings_cache()


async def prepare_database(seed: bool = True) -> None:
    """Migrations (the real ones, as `upik migrate` runs them) and the seed."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from backend import database
    from backend.organisation.service import seed as seed_organisation
    from backend.settings import get_settings

    engine = database.engine_from_url(get_settings().database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        result = await run_forwards("all")
        assert result.success, result.message
        if seed:
            await seed_organisation()
    finally:
        await database.stop(engine)
