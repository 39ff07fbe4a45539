"""push_vapid_key: the fingerprint of the VAPID key subscriptions were made
with (issue 14: refuse to start with another key). Additive."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T15:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "push_vapid_key"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="upik", description=DESCRIPTION)
    manager.add_table(
        class_name="PushVapidKey", tablename="push_vapid_key", schema=None, columns=None
    )
    common = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    manager.add_column(
        table_class_name="PushVapidKey",
        tablename="push_vapid_key",
        column_name="public_key_sha256",
        db_column_name="public_key_sha256",
        column_class_name="Varchar",
        column_class=Varchar,
        params={"length": 64, "default": "", **common},
        schema=None,
    )
    manager.add_column(
        table_class_name="PushVapidKey",
        tablename="push_vapid_key",
        column_name="recorded_at",
        db_column_name="recorded_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={"default": TimestamptzNow(), **common},
        schema=None,
    )
    return manager
