from piccolo.columns import Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from backend.organisation.tables import Unit


class User(Table, tablename="upik_user"):  # "user" is reserved in PostgreSQL
    username = Varchar(length=64, unique=True)
    password_hash = Varchar(length=255)
    name = Varchar(length=120)
    phone = Varchar(length=32, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    role = Varchar(length=16, index=True)  # citizen | pic | admin
    unit = ForeignKey(references=Unit, null=True, index=True)
    is_active = Boolean(default=True)
    created_at = Timestamptz()


class AuthToken(Table, tablename="auth_token"):
    """A bearer token / session. Only its SHA-256 is kept, so a leaked
    database cannot be replayed as logins; deleting the row revokes it."""

    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=User, index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
