"""Scale (issue 10): composite indexes that match the real list queries, and
full-text search of complaints.

Indexes (each list is newest-first by id, so id is the last key and the
database walks the index backwards and stops after one page):
- complaint (status, id): admin triage list, status filter;
- complaint (unit, status, id): the PIC inbox (unit + status=routed);
- complaint (unit, id): a PIC's or a unit filter's whole list;
- complaint (reporter, id): a citizen's "my complaints";
- complaint (kind, id): the kind filter;
- complaint_event/complaint_message/attachment (complaint, id): the detail's
  loads, already in display order;
- complaint (status, kind, unit, created_at) (+ id on PostgreSQL): covers
  the dashboard's GROUP BY counts and their since/until filter, so they read
  a narrow index instead of every wide row (SQLite keeps the rowid in every
  index already; PostgreSQL needs it INCLUDEd for MIN(id)).
The single-column indexes these make redundant (a composite index serves
every query its leading column served) are dropped through Piccolo's own
alter_column, so its migration history agrees with the tables.

Full-text search:
- PostgreSQL: a stored generated `search_vector` column (`indonesian`
  configuration) with a GIN index. Stored rather than an expression index
  so that when the planner walks the id index for a common word it tests a
  ready vector instead of re-running to_tsvector on every row it passes.
  It is not a Piccolo column: Piccolo never writes it, PostgreSQL does, in
  the same statement as the row.
- SQLite: an FTS5 external-content table over complaint(title, body), kept
  in sync by triggers, so the index changes in the same transaction as the
  row, whoever writes it; a crash loses both or neither.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey, Varchar

from backend.complaints.tables import Complaint

ID = "2026-12-02T16:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Composite list indexes and full-text search of complaints"

COMPOSITE_INDEXES = [
    ("complaint_status_id", "complaint", "status, id"),
    ("complaint_unit_status_id", "complaint", "unit, status, id"),
    ("complaint_unit_id", "complaint", "unit, id"),
    ("complaint_reporter_id", "complaint", "reporter, id"),
    ("complaint_kind_id", "complaint", "kind, id"),
    ("complaint_event_complaint_id", "complaint_event", "complaint, id"),
    ("complaint_message_complaint_id", "complaint_message", "complaint, id"),
    ("attachment_complaint_id", "attachment", "complaint, id"),
]

# (table class, tablename, column, column class): single-column indexes now
# served by a composite one's leading column.
REDUNDANT = [
    ("Complaint", "complaint", "status", Varchar),
    ("Complaint", "complaint", "unit", ForeignKey),
    ("Complaint", "complaint", "reporter", ForeignKey),
    ("Complaint", "complaint", "kind", Varchar),
    ("ComplaintEvent", "complaint_event", "complaint", ForeignKey),
    ("ComplaintMessage", "complaint_message", "complaint", ForeignKey),
    ("Attachment", "attachment", "complaint", ForeignKey),
]

PG_SEARCH = [
    "CREATE INDEX complaint_counts ON complaint (status, kind, unit, created_at) INCLUDE (id)",
    "ALTER TABLE complaint ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('indonesian', coalesce(title, '') || ' ' || coalesce(body, ''))) STORED",
    # The planner walks the id index backwards, testing each row, when it
    # expects a word to be common; with the default statistics every word
    # outside the few hundred most common was estimated at ~0.1 % of rows, so
    # a rare word took 5 s at 1M complaints (a walk of the whole table). The
    # longest most-common-lexeme list makes rare words estimated as rare.
    "ALTER TABLE complaint ALTER COLUMN search_vector SET STATISTICS 10000",
    # fastupdate off: with it on, new rows wait in a pending list that every
    # search scans linearly (up to 4 MB: a rare word took 240 ms at 100k
    # complaints right after a bulk load); off, each insert updates the index.
    "CREATE INDEX complaint_search_vector ON complaint USING gin (search_vector) "
    "WITH (fastupdate = off)",
]

SQLITE_SEARCH = [
    "CREATE INDEX complaint_counts ON complaint (status, kind, unit, created_at)",
    "CREATE VIRTUAL TABLE complaint_fts USING fts5(title, body, content='complaint', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER complaint_fts_insert AFTER INSERT ON complaint BEGIN "
    "INSERT INTO complaint_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER complaint_fts_delete AFTER DELETE ON complaint BEGIN "
    "INSERT INTO complaint_fts(complaint_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER complaint_fts_update AFTER UPDATE OF title, body ON complaint BEGIN "
    "INSERT INTO complaint_fts(complaint_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO complaint_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    # Complaints written before this migration.
    "INSERT INTO complaint_fts(complaint_fts) VALUES ('rebuild')",
]


async def _create() -> None:
    engine = Complaint._meta.db
    statements = [
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
        for name, table, columns in COMPOSITE_INDEXES
    ]
    statements += PG_SEARCH if engine.engine_type == "postgres" else SQLITE_SEARCH
    for sql in statements:
        await Complaint.raw(sql).run()


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="upik", description=DESCRIPTION)
    manager.add_raw(_create)
    for class_name, tablename, column, column_class in REDUNDANT:
        manager.alter_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            params={"index": False},
            old_params={"index": True},
            column_class=column_class,
            old_column_class=column_class,
            schema=None,
        )
    return manager
