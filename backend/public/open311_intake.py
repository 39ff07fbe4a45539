"""An Open311 POST becomes a normal complaint: classified and routed by the
complaints' own submit use case, on behalf of one system reporter account
(`open311`), with the submitter's contact details kept aside for admins."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.accounts.service import CurrentUser
from backend.accounts.tables import User
from backend.common.clock import now
from backend.common.errors import BadInput, NotFound
from backend.complaints import service as complaints
from backend.complaints.lifecycle import Role
from backend.complaints.schemas import ComplaintIn
from backend.complaints.tracking import tracking_no
from backend.database import current_engine, is_unique_violation, write_transaction
from backend.organisation.tables import Category
from backend.public.tables import Open311Contact

SYSTEM_USERNAME = "open311"
SYSTEM_NAME = "Open311 (sistem)"
# Not an Argon2 hash: no password ever matches it, and the account is inactive.
NO_PASSWORD = "!open311-system-account"
TITLE_LENGTH = 120
DESCRIPTION_LIMIT = 4000  # the specification's limit
CONTACT_LIMITS = {"first_name": 100, "last_name": 100, "email": 254, "phone": 32}


class SystemAccountUnavailable(Exception):
    """The `open311` username is held by a person, not by the system account."""


async def system_reporter() -> CurrentUser:
    """The account Open311 requests are filed under; made on first use."""
    for _ in range(2):
        row = (
            await User.select(User.id, User.password_hash)
            .where(User.username == SYSTEM_USERNAME)
            .first()
        )
        if row is not None:
            if row["password_hash"] != NO_PASSWORD:
                # A person registered the name first: never file under their account.
                raise SystemAccountUnavailable(
                    f"the username {SYSTEM_USERNAME!r} belongs to a real account; "
                    "rename that account so Open311 requests can be filed"
                )
            return CurrentUser(
                id=row["id"],
                username=SYSTEM_USERNAME,
                name=SYSTEM_NAME,
                role=Role.CITIZEN,
                unit_id=None,
                token_hash="",
            )
        try:
            async with write_transaction(current_engine()):
                await User.insert(
                    User(
                        username=SYSTEM_USERNAME,
                        password_hash=NO_PASSWORD,
                        name=SYSTEM_NAME,
                        role=Role.CITIZEN,
                        is_active=False,
                        created_at=now(),
                    )
                )
        except Exception as exc:
            if not is_unique_violation(exc):
                raise  # else another process made it meanwhile: read it
    raise SystemAccountUnavailable("could not make the Open311 system account")


def _float(form: dict[str, str], name: str, low: float, high: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadInput(name, f"must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise BadInput(name, f"must be between {low} and {high}")
    return value


def _title(description: str) -> str:
    first_line = description.strip().splitlines()[0].strip()
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    return first_line[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


async def complaint_from_form(form: dict[str, str]) -> ComplaintIn:
    code = (form.get("service_code") or "").strip()
    if not code:
        raise BadInput("service_code", "is required")
    category = await Category.select(Category.id).where(Category.code == code).first()
    if category is None:
        raise NotFound(f"service_code: no service with code {code!r}")  # 404, as the spec says
    description = (form.get("description") or "").strip()
    if not description:
        raise BadInput("description", "is required")
    if len(description) > DESCRIPTION_LIMIT:
        raise BadInput("description", f"must be at most {DESCRIPTION_LIMIT} characters")
    lat = _float(form, "lat", -90, 90)
    lon = _float(form, "long", -180, 180)
    if (lat is None) != (lon is None):
        raise BadInput("lat" if lat is None else "long", "lat and long go together")
    address = (form.get("address_string") or "").strip()[:300] or None
    location: dict[str, Any] | None = None
    if lat is not None:
        location = {"lat": lat, "lon": lon, "address": address}
    body = description if location or not address else f"{description}\n\nLokasi: {address}"
    try:
        return msgspec.convert(
            {
                "title": _title(description),
                "body": body,
                "category_id": category["id"],
                "location": location,
            },
            ComplaintIn,
        )
    except msgspec.ValidationError as exc:
        field = str(exc).rpartition("$.")[2].rstrip("`").split(".")[0] or "description"
        raise BadInput("description" if field == "body" else field, str(exc)) from None


def contact_from_form(form: dict[str, str]) -> dict[str, str | None]:
    contact: dict[str, str | None] = {}
    for name, limit in CONTACT_LIMITS.items():
        value = (form.get(name) or "").strip() or None
        if value is not None and len(value) > limit:
            raise BadInput(name, f"must be at most {limit} characters")
        contact[name] = value
    return contact


async def submit(form: dict[str, str], api_key_id: int) -> str:
    """File the request; returns its tracking number."""
    data = await complaint_from_form(form)
    contact = contact_from_form(form)
    reporter = await system_reporter()
    complaint, _ = await complaints.submit(reporter, data)
    # A second transaction: if it failed the complaint would stand without
    # its contact (the admins still have the text), never the reverse.
    async with write_transaction(current_engine()):
        await Open311Contact.insert(
            Open311Contact(complaint=complaint.id, api_key=api_key_id, created_at=now(), **contact)
        )
    return tracking_no(complaint.id, complaint.created_at)
