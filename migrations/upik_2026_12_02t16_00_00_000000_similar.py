"""Index complaint.released_at: the similar-complaints candidates include the
complaints released in the last 30 days, found by a range on this column
instead of reading every released complaint."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz

ID = "2026-12-02T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index complaint.released_at for similar complaints"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="upik", description=DESCRIPTION)
    manager.alter_column(
        table_class_name="Complaint",
        tablename="complaint",
        column_name="released_at",
        db_column_name="released_at",
        params={"index": True},
        old_params={"index": False},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )
    return manager
