"""How many files may pile up (finding 10 of issue 9): a complaint holds at
most MAX_PER_COMPLAINT attachments, and a citizen uploads at most
MAX_PER_CITIZEN_PER_DAY in any 24 hours, so no one account can fill the disk
or the officials' screens. Staff are bound only by the per-complaint cap.

Checked before the file is written; two uploads racing for the last place can
both pass, which bounds the overshoot to the uploads in flight."""

from __future__ import annotations

from datetime import timedelta

from litestar.exceptions import TooManyRequestsException

from backend.accounts.service import CurrentUser
from backend.common.clock import now
from backend.common.errors import Conflict
from backend.common.roles import Role
from backend.complaints.tables import Attachment

MAX_PER_COMPLAINT = 10
MAX_PER_CITIZEN_PER_DAY = 30
DAY = timedelta(days=1)


async def check(user: CurrentUser, complaint_id: int) -> None:
    if await Attachment.count().where(Attachment.complaint == complaint_id) >= MAX_PER_COMPLAINT:
        raise Conflict(f"file: a complaint holds at most {MAX_PER_COMPLAINT} attachments")
    if user.role != Role.CITIZEN:
        return
    since = now() - DAY
    recent = await Attachment.count().where(
        (Attachment.uploader == user.id) & (Attachment.created_at > since)
    )
    if recent >= MAX_PER_CITIZEN_PER_DAY:
        raise TooManyRequestsException(
            f"file: at most {MAX_PER_CITIZEN_PER_DAY} uploads per 24 hours",
            headers={"Retry-After": "3600"},
        )
