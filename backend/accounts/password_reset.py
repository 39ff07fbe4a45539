"""Password reset: one-time codes, issued by an admin or sent by e-mail.

- A code is 8 characters from an alphabet without look-alikes (0/O, 1/I/L),
  shown as `ABCD-EFGH`; about 40 bits, tried at most at the login rate limit.
- Only an HMAC of it is stored, keyed with UPIK_SECRET_KEY and bound to the
  account: a leaked database yields no working code.
- Valid 24 hours, works once. Issuing a new code retires the older ones, and
  so does the password change a code makes.
- A wrong, used, retired or expired code each get their own 400 naming
  `code` (rules `wrong`, `used`, `superseded`, `expired`), so a person knows
  whether to retype it or ask for a new one.
- A successful reset ends every session and token of the account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from litestar.stores.base import Store
from piccolo.columns.combination import WhereRaw

from backend.accounts import password_policy, passwords
from backend.accounts.reset_tables import PasswordResetCode
from backend.accounts.service import username_is
from backend.accounts.tables import AuthToken, User
from backend.common import clock
from backend.common.errors import BadInput, NotFound
from backend.database import current_engine, write_transaction
from backend.settings import get_settings

CODE_VALID_FOR = timedelta(hours=24)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# One e-mail per account per this long, however often "forgot" is asked: the
# rate limit is per client, and a mailbox must not be flooded from many.
EMAIL_COOLDOWN = timedelta(minutes=2)
# Accounts that share an e-mail address each get their own code, up to this many.
MAX_ACCOUNTS_PER_EMAIL = 5

WRONG = "is wrong; check it, or ask for a new code"
USED = "has already been used; ask for a new code"
SUPERSEDED = "was replaced by a newer code or a password change; use the newest code"
EXPIRED = "has expired (codes are valid for 24 hours); ask for a new code"


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    name: str
    email: str


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(code: str) -> str:
    """What people type: any case, with or without the dash or spaces."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(user_id: int, code: str) -> str:
    key = get_settings().secret_key.encode()
    message = f"{user_id}:{normalise(code)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


async def issue(user_id: int, via: str) -> IssuedCode:
    """A fresh code for the account; older unused codes stop working."""
    at = clock.now()
    code = new_code()
    expires_at = at + CODE_VALID_FOR
    async with write_transaction(current_engine()):
        await _supersede_open_codes(user_id, at)
        await PasswordResetCode.insert(
            PasswordResetCode(
                user=user_id,
                code_hash=code_hash(user_id, code),
                issued_via=via,
                created_at=at,
                expires_at=expires_at,
            )
        )
    return IssuedCode(code=code, expires_at=expires_at)


async def issue_by_admin(user_id: int) -> IssuedCode:
    if not await User.exists().where(User.id == user_id):
        raise NotFound(f"no user with id {user_id}")
    return await issue(user_id, "admin")


async def _supersede_open_codes(user_id: int, at: datetime) -> None:
    R = PasswordResetCode
    await R.update({R.superseded_at: at}).where(
        (R.user == user_id) & R.used_at.is_null() & R.superseded_at.is_null()
    )


async def email_recipients(username: str | None, email: str | None) -> list[Recipient]:
    """Active accounts with an e-mail address that match; nobody else is told
    anything, and the caller never learns which case applied."""
    if username is not None:
        match = username_is(username)
    else:
        match = WhereRaw("lower(email) = lower({})", email)
    rows = (
        await User.select(User.id, User.username, User.name, User.email)
        .where(match & (User.is_active == True) & User.email.is_not_null())  # noqa: E712
        .order_by(User.id)
        .limit(MAX_ACCOUNTS_PER_EMAIL)
    )
    return [Recipient(r["id"], r["username"], r["name"], r["email"]) for r in rows if r["email"]]


async def recently_emailed(user_id: int) -> bool:
    R = PasswordResetCode
    since = clock.now() - EMAIL_COOLDOWN
    return await R.exists().where(
        (R.user == user_id) & (R.issued_via == "email") & (R.created_at > since)
    )


def check_new_password(password: str, username: str) -> None:
    """The rules register applies beyond the schema's length (ResetIn uses
    the same `Password` type). Raises BadInput naming `new_password`."""
    password_policy.check(password, username, field="new_password")


async def reset(username: str, code: str, new_password: str, store: Store) -> None:
    """Set a new password with a code; end every session of the account."""
    user = (
        await User.select(User.id, User.username)
        .where(username_is(username))
        .first()
    )
    if user is None:
        # The same answer as a wrong code: no hint whether the account exists.
        raise BadInput("code", WRONG, code="wrong")
    R = PasswordResetCode
    row = (
        await R.select(R.id, R.used_at, R.superseded_at, R.expires_at)
        .where((R.user == user["id"]) & (R.code_hash == code_hash(user["id"], code)))
        .order_by(R.id, ascending=False)
        .first()
    )
    _refuse_unusable(row)
    check_new_password(new_password, user["username"])
    password_hash = await passwords.hash_password(new_password)
    at = clock.now()
    async with write_transaction(current_engine()):
        # Compare-and-set: of two resets racing with one code, one wins.
        won = (
            await R.update({R.used_at: at})
            .where((R.id == row["id"]) & R.used_at.is_null() & R.superseded_at.is_null())
            .returning(R.id)
        )
        if not won:
            raise BadInput("code", USED, code="used")
        await _supersede_open_codes(user["id"], at)
        await User.update({User.password_hash: password_hash}).where(User.id == user["id"])
        token_hashes = await AuthToken.select(AuthToken.token_hash).where(
            AuthToken.user == user["id"]
        )
        await AuthToken.delete().where(AuthToken.user == user["id"])
    for token in token_hashes:
        # The token lookup cache would otherwise honour them for up to a minute.
        await store.delete(token["token_hash"])


def _refuse_unusable(row: dict | None) -> None:
    if row is None:
        raise BadInput("code", WRONG, code="wrong")
    if row["used_at"] is not None:
        raise BadInput("code", USED, code="used")
    if row["superseded_at"] is not None:
        raise BadInput("code", SUPERSEDED, code="superseded")
    if row["expires_at"] <= clock.now():
        raise BadInput("code", EXPIRED, code="expired")
