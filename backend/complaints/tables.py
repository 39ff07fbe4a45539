from piccolo.columns import (
    JSON,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.organisation.tables import Category, Unit


class Complaint(Table, tablename="complaint"):
    # The list indexes are composite ((status, id), (unit, status, id),
    # (unit, id), (reporter, id), (kind, id)) and the search index is
    # engine-specific: both live in migrations/upik_2026_12_02t16_05_*.
    reporter = ForeignKey(references=User)
    title = Varchar(length=200)
    body = Text()
    kind = Varchar(length=16)
    kind_source = Varchar(length=16)
    category = ForeignKey(references=Category, null=True)
    unit = ForeignKey(references=Unit, null=True)
    status = Varchar(length=16)
    is_anonymous = Boolean(default=False)
    is_confidential = Boolean(default=False)
    location_lat = DoublePrecision(null=True, default=None)
    location_lon = DoublePrecision(null=True, default=None)
    location_address = Varchar(length=300, null=True, default=None)
    # "<reporter id>:<Idempotency-Key>": one unique column makes a replayed
    # submission collide in the database itself, race-free.
    idempotency_scope = Varchar(length=96, unique=True, null=True, default=None)
    created_at = Timestamptz(index=True)
    updated_at = Timestamptz()
    routed_at = Timestamptz(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)
    released_at = Timestamptz(null=True, default=None, index=True)
    sla_due_at = Timestamptz(null=True, default=None)
    # Timers of the current routing; cleared once fired or once answered, so
    # each fires at most once per routing and survives restarts.
    sla_reminder_at = Timestamptz(null=True, default=None, index=True)
    sla_escalate_at = Timestamptz(null=True, default=None, index=True)
    rating_score = Integer(null=True, default=None)
    rating_comment = Text(null=True, default=None)
    # A merged complaint follows this one: it gets its released answer.
    merged_into = ForeignKey(
        references="self", null=True, default=None, index=True, on_delete=OnDelete.set_null
    )


class ComplaintMessage(Table, tablename="complaint_message"):
    complaint = ForeignKey(references=Complaint)  # indexed with id
    author = ForeignKey(references=User, null=True)
    author_role = Varchar(length=16)
    kind = Varchar(length=16)  # answer | reply | note | rejection
    body = Text()
    visible_to_reporter = Boolean(default=False)
    created_at = Timestamptz()


class ComplaintEvent(Table, tablename="complaint_event"):
    """The audit trail: one row per step, written with the step itself."""

    complaint = ForeignKey(references=Complaint)  # indexed with id
    type = Varchar(length=32)
    actor = ForeignKey(references=User, null=True)
    actor_role = Varchar(length=16)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16, null=True, default=None)
    data = JSON(default="{}")
    at = Timestamptz(index=True)


class Attachment(Table, tablename="attachment"):
    complaint = ForeignKey(references=Complaint)  # indexed with id
    uploader = ForeignKey(references=User, null=True)
    content_type = Varchar(length=64)
    size = Integer()
    storage_name = Varchar(length=80)
    created_at = Timestamptz()


class ComplaintStep(Table, tablename="complaint_step"):
    """One measured SOP step (see complaints/durations.py), written in the
    transaction of the event that ends it; the dashboard's source."""

    complaint = ForeignKey(references=Complaint)
    step = Varchar(length=24)
    unit = Integer(null=True, default=None)  # the ending event's data.unit_id, as recorded
    started_at = Timestamptz()
    at = Timestamptz()
    seconds = DoublePrecision()
