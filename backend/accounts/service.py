"""Use cases of accounts: register, staff creation, login, logout, token lookup."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from litestar.stores.base import Store
from piccolo.columns.combination import WhereRaw

from backend.accounts import password_policy, passwords, tokens
from backend.accounts.schemas import CreateUserIn, RegisterIn, UpdateUserIn, UserOut, UserRowOut
from backend.accounts.tables import AuthToken, User
from backend.common.clock import now
from backend.common.errors import BadInput, Conflict, NotFound
from backend.common.roles import Caller, Role
from backend.database import current_engine, is_unique_violation, write_transaction
from backend.organisation.tables import Unit

# Token lookups are cached briefly in the "tokens" store (memory, or Redis
# when several processes share it); logout deletes the entry at once.
TOKEN_CACHE_SECONDS = 60
# Sessions slide: each use (at most once per cache period) moves the expiry
# to now + UPIK_SESSION_TTL_SECONDS, but never past this bound from login.
SESSION_ABSOLUTE_SECONDS = 30 * 24 * 3600
SLIDE_STEP = timedelta(hours=1)


class CurrentUser(msgspec.Struct, frozen=True):
    id: int
    username: str
    name: str
    role: str
    unit_id: int | None
    token_hash: str

    @property
    def caller(self) -> Caller:
        return Caller(user_id=self.id, role=Role(self.role), unit_id=self.unit_id)


def username_is(username: str) -> WhereRaw:
    """Usernames compare case-insensitively (the lower(username) index)."""
    return WhereRaw("lower(username) = lower({})", username)


def user_out(row: dict) -> UserOut:
    return UserOut(
        id=row["id"],
        username=row["username"],
        name=row["name"],
        role=row["role"],
        unit_id=row["unit"],
    )


async def _insert_user(
    username: str,
    password: str,
    name: str,
    role: str,
    unit_id: int | None,
    phone: str | None,
    email: str | None,
) -> UserOut:
    password_policy.check(password, username)
    password_hash = await passwords.hash_password(password)
    if await User.exists().where(username_is(username)):
        raise Conflict(f"username '{username}' is taken")
    try:
        async with write_transaction(current_engine()):
            rows = await User.insert(
                User(
                    username=username,
                    password_hash=password_hash,
                    name=name,
                    role=role,
                    unit=unit_id,
                    phone=phone,
                    email=email,
                )
            ).returning(*User.all_columns())
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(f"username '{username}' is taken") from None
        raise
    return user_out(rows[0])


async def register(data: RegisterIn) -> UserOut:
    return await _insert_user(
        data.username, data.password, data.name.strip(), Role.CITIZEN, None, data.phone, data.email
    )


async def _check_staff_unit(role: str, unit_id: int | None) -> None:
    if role == Role.PIC and unit_id is None:
        raise BadInput("unit_id", "a pic needs a unit_id")
    if unit_id is not None and not await Unit.exists().where(Unit.id == unit_id):
        raise BadInput("unit_id", f"no unit with id {unit_id}")


async def create_staff(data: CreateUserIn) -> UserOut:
    await _check_staff_unit(data.role, data.unit_id)
    return await _insert_user(
        data.username,
        data.password,
        data.name.strip(),
        data.role,
        data.unit_id,
        data.phone,
        data.email,
    )


async def list_users(role: str | None = None) -> list[UserRowOut]:
    query = User.select(*User.all_columns()).order_by(User.id)
    if role == "staff":  # the admin's "Akun petugas": every account but citizens'
        query = query.where(User.role.is_in([Role.PIC, Role.ADMIN]))
    elif role:
        query = query.where(User.role == role)
    return [
        UserRowOut(**msgspec.structs.asdict(user_out(r)), is_active=bool(r["is_active"]))
        for r in await query
    ]


async def update_user(user_id: int, data: UpdateUserIn, store: Store) -> UserOut:
    row = await User.select(*User.all_columns()).where(User.id == user_id).first()
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    values: dict = {}
    if data.name is not None:
        values[User.name] = data.name.strip()
    if data.unit_id is not None:
        if row["role"] == Role.CITIZEN:
            raise BadInput("unit_id", "citizens belong to no unit")
        await _check_staff_unit(row["role"], data.unit_id)
        values[User.unit] = data.unit_id
    if data.password is not None:
        password_policy.check(data.password, row["username"])
        values[User.password_hash] = await passwords.hash_password(data.password)
    if data.is_active is not None:
        values[User.is_active] = data.is_active
    if values:
        async with write_transaction(current_engine()):
            await User.update(values).where(User.id == user_id)
            if data.is_active is False or data.password is not None or data.unit_id is not None:
                # Sessions carry the role and unit: end them so the change applies now.
                await _revoke_all(user_id, store)
    row = await User.select(*User.all_columns()).where(User.id == user_id).first()
    return user_out(row)


async def _revoke_all(user_id: int, store: Store) -> None:
    hashes = await AuthToken.select(AuthToken.token_hash).where(AuthToken.user == user_id)
    await AuthToken.delete().where(AuthToken.user == user_id)
    for h in hashes:
        await store.delete(h["token_hash"])


async def login(username: str, password: str) -> tuple[str, UserOut]:
    row = (
        await User.select(*User.all_columns())
        .where(
            username_is(username) & (User.is_active == True)  # noqa: E712
        )
        .first()
    )
    if not await passwords.verify_password(row["password_hash"] if row else None, password):
        raise PermissionError("wrong username or password")
    token = tokens.new_token()
    at = now()
    async with write_transaction(current_engine()):
        await AuthToken.insert(
            AuthToken(
                token_hash=tokens.token_hash(token),
                user=row["id"],
                created_at=at,
                expires_at=at + timedelta(seconds=_token_ttl()),
            )
        )
    return token, user_out(row)


async def _slide_expiry(digest: str, created_at, expires_at, at) -> None:
    extended = min(
        at + timedelta(seconds=_token_ttl()),
        created_at + timedelta(seconds=SESSION_ABSOLUTE_SECONDS),
    )
    # Write only when it moves by more than an hour: most reads stay reads.
    if extended - expires_at > SLIDE_STEP:
        async with write_transaction(current_engine()):
            await AuthToken.update({AuthToken.expires_at: extended}).where(
                AuthToken.token_hash == digest
            )


def _token_ttl() -> int:
    from backend.settings import get_settings

    return get_settings().token_ttl_seconds


async def logout(user: CurrentUser, store: Store) -> None:
    async with write_transaction(current_engine()):
        await AuthToken.delete().where(AuthToken.token_hash == user.token_hash)
    await store.delete(user.token_hash)


async def user_for_token(token: str, store: Store) -> CurrentUser | None:
    digest = tokens.token_hash(token)
    cached = await store.get(digest)
    if cached is not None:
        return msgspec.msgpack.decode(cached, type=CurrentUser)
    row = (
        await AuthToken.select(
            AuthToken.user.id,
            AuthToken.user.username,
            AuthToken.user.name,
            AuthToken.user.role,
            AuthToken.user.unit,
            AuthToken.user.is_active,
            AuthToken.expires_at,
            AuthToken.created_at,
        )
        .where(AuthToken.token_hash == digest)
        .first()
    )
    at = now()
    if row is None or not row["user.is_active"] or row["expires_at"] <= at:
        return None
    await _slide_expiry(digest, row["created_at"], row["expires_at"], at)
    user = CurrentUser(
        id=row["user.id"],
        username=row["user.username"],
        name=row["user.name"],
        role=row["user.role"],
        unit_id=row["user.unit"],
        token_hash=digest,
    )
    await store.set(digest, msgspec.msgpack.encode(user), expires_in=TOKEN_CACHE_SECONDS)
    return user
