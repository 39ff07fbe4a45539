"""Turns a step of the lifecycle into outbox rows: who is told what.

Called inside the step's transaction, so a step and its notifications commit
together or not at all. Delivery is the push engine's job (push/engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.accounts.tables import User
from backend.complaints.lifecycle import Audience, Notice, Role
from backend.database import insert_rows
from backend.notifications.tables import Notification

STAFF_TTL_S = 24 * 3600
REPORTER_TTL_S = 4 * 24 * 3600

# Indonesian first: the notification is read on the lock screen as it is.
HEADLINES = {
    "complaint.received": "Pengaduan baru {tracking_no}",
    "complaint.routed": "Pengaduan untuk unit Anda: {tracking_no}",
    "complaint.answered": "Jawaban menunggu tinjauan: {tracking_no}",
    "complaint.returned": "Jawaban dikembalikan: {tracking_no}",
    "complaint.released": "Jawaban pengaduan Anda telah terbit",
    "complaint.rejected": "Pengaduan Anda tidak dapat diproses",
    "complaint.declined": "Dikembalikan oleh unit: {tracking_no}",
    "sla.reminder": "Segera jawab: {tracking_no}",
    "sla.escalated": "Lewat batas waktu: {tracking_no}",
}
REPORTER_TYPES = {"complaint.released", "complaint.rejected"}


@dataclass(frozen=True)
class ComplaintRef:
    """The few facts of a complaint that a notification carries. Never the
    reporter's name: payloads of anonymous or confidential complaints must not
    name anyone, and the others do not need to."""

    id: int
    tracking_no: str
    title: str
    reporter_id: int
    unit_id: int | None


def payload_for(notice_type: str, complaint: ComplaintRef) -> dict:
    headline = HEADLINES[notice_type].format(tracking_no=complaint.tracking_no)
    body = (
        f"{complaint.tracking_no}: {complaint.title}"
        if notice_type in REPORTER_TYPES
        else complaint.title
    )
    return {
        "type": notice_type,
        "complaint_id": complaint.id,
        "tracking_no": complaint.tracking_no,
        "title": headline,
        "body": body,
        "url": f"/app/complaints/{complaint.id}",
    }


async def recipients(audience: Audience, unit_id: int | None, reporter_id: int) -> list[int]:
    if audience == Audience.REPORTER:
        return [reporter_id]
    active = User.is_active == True  # noqa: E712
    if audience == Audience.ADMINS:
        rows = await User.select(User.id).where((User.role == Role.ADMIN) & active)
    else:
        if unit_id is None:
            return []
        rows = await User.select(User.id).where(
            (User.role == Role.PIC) & (User.unit == unit_id) & active
        )
    return [r["id"] for r in rows]


@dataclass(frozen=True)
class Addressed:
    """Notices with their recipients resolved. Resolved before the step's
    transaction, so the write lock is held for writes only."""

    pairs: tuple[tuple[Notice, int], ...]
    urgency: str | None = None
    ttl: int | None = None


async def address(
    notices: tuple[Notice, ...] | list[Notice],
    unit_id: int | None,
    reporter_id: int,
    actor_id: int | None = None,
    urgency: str | None = None,
    ttl: int | None = None,
) -> Addressed:
    pairs = []
    for notice in notices:
        for user_id in await recipients(notice.audience, unit_id, reporter_id):
            if user_id != actor_id:  # nobody needs a push about their own step
                pairs.append((notice, user_id))
    return Addressed(tuple(pairs), urgency, ttl)


def rows_for(addressed: Addressed, complaint: ComplaintRef, at: datetime) -> list[dict]:
    """One outbox row per (notice, recipient)."""
    return [
        dict(
            recipient=user_id,
            complaint=complaint.id,
            type=notice.type,
            payload=payload_for(notice.type, complaint),
            urgency=addressed.urgency or notice.urgency,
            topic=f"complaint-{complaint.id}",
            ttl=addressed.ttl
            or (REPORTER_TTL_S if notice.audience == Audience.REPORTER else STAFF_TTL_S),
            status="pending",
            next_attempt_at=at,
            created_at=at,
        )
        for notice, user_id in addressed.pairs
    ]


async def enqueue(addressed: Addressed, complaint: ComplaintRef, at: datetime) -> int:
    """Write the outbox rows in the caller's transaction, with one INSERT.
    Returns the count."""
    rows = rows_for(addressed, complaint, at)
    await insert_rows(Notification, rows)
    return len(rows)


def sla_times(routed_at: datetime, answer_s: int, reminder_s: int) -> dict[str, datetime]:
    due = routed_at + timedelta(seconds=answer_s)
    return {
        "sla_due_at": due,
        "sla_reminder_at": routed_at + timedelta(seconds=reminder_s),
        "sla_escalate_at": due,
    }
