from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from backend.accounts.tables import User


class PasswordResetCode(Table, tablename="password_reset_code"):
    """A one-time code that lets its account set a new password.

    Only an HMAC of the code is kept (keyed with the server's secret and bound
    to the account), so neither a leaked database nor a copied row from one
    account to another yields a working code. A row is never deleted while it
    matters: its `used_at` / `superseded_at` let a second try be told apart
    from a wrong code.
    """

    user = ForeignKey(references=User, index=True)
    code_hash = Varchar(length=64, index=True)
    issued_via = Varchar(length=16)  # "admin" | "email"
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    # A newer code, or a password change, retires the codes issued before it.
    superseded_at = Timestamptz(null=True, default=None)
