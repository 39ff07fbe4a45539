from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from backend.complaints.tables import Complaint


class ApiKey(Table, tablename="open311_api_key"):
    """An Open311 client's key. Only its SHA-256 is kept (the key is 256
    random bits, so a fast hash is enough); revoking sets `revoked_at`."""

    name = Varchar(length=100, unique=True)
    key_hash = Varchar(length=64, unique=True)
    rate_per_minute = Integer(default=30)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class Open311Contact(Table, tablename="open311_contact"):
    """Who sent an Open311 request, as the client told us: visible to admins
    only, never to any public output. One row per complaint."""

    complaint = ForeignKey(references=Complaint, unique=True, index=True)
    api_key = ForeignKey(references=ApiKey, index=True)
    first_name = Varchar(length=100, null=True, default=None)
    last_name = Varchar(length=100, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    phone = Varchar(length=32, null=True, default=None)
    created_at = Timestamptz(index=True)
