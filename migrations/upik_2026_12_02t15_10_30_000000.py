"""Usernames are case-insensitive (contract v2, "Accounts, tightened"):
`Warga` and `warga` are one account. A unique index on lower(username) holds
the rule on both engines and serves the case-insensitive lookups.

If the data already has two accounts that differ only in case, no automatic
choice is safe (either may be a lookalike of the other), so the migration
refuses, naming them, and `upik serve` does not start until an admin renames
one (e.g. `UPDATE upik_user SET username = 'warga-2' WHERE id = 42`)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T15:10:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "case-insensitive usernames"

INDEX = "upik_user_username_lower_key"


class UsernameCaseClash(RuntimeError):
    pass


async def _unique_lower_username() -> None:
    from backend.accounts.tables import User  # bound to the engine being migrated

    clashes = await User.raw(
        "SELECT lower(username) AS name, count(*) AS n FROM upik_user "
        "GROUP BY lower(username) HAVING count(*) > 1 ORDER BY 1"
    )
    if clashes:
        rows = await User.raw(
            "SELECT id, username FROM upik_user WHERE lower(username) IN ("
            + ", ".join("{}" for _ in clashes)
            + ") ORDER BY lower(username), id",
            *[c["name"] for c in clashes],
        )
        listed = ", ".join(f"{r['username']!r} (id {r['id']})" for r in rows)
        raise UsernameCaseClash(
            "usernames are now case-insensitive, but these accounts differ only in "
            f"case: {listed}. Rename all but one of each group, then start again."
        )
    await User.raw(f"CREATE UNIQUE INDEX {INDEX} ON upik_user (lower(username))")


async def _drop_index() -> None:
    from backend.accounts.tables import User

    await User.raw(f"DROP INDEX IF EXISTS {INDEX}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="upik", description=DESCRIPTION)
    manager.add_raw(_unique_lower_username)
    manager.add_raw_backwards(_drop_index)
    return manager
