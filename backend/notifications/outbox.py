"""Turns a step of the lifecycle into outbox rows: who is told what.

Called inside the step's transaction, so a step and its notifications commit
together or not at all. Delivery is the push engine's job (push/engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.accounts.tables import User
from backend.common.roles import Role
from backend.database import Statement, insert_select_statement, insert_statement, run_statement
from backend.notifications.notices import Audience, Notice
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
    "complaint.merged": "Pengaduan Anda digabung dengan laporan yang sama",
    "sla.reminder": "Segera jawab: {tracking_no}",
    "sla.escalated": "Lewat batas waktu: {tracking_no}",
}
REPORTER_TYPES = {"complaint.released", "complaint.rejected", "complaint.merged"}


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


def statements(
    notices: tuple[Notice, ...] | list[Notice],
    complaint: ComplaintRef,
    at: datetime,
    *,
    actor_id: int | None = None,
    urgency: str | None = None,
    ttl: int | None = None,
) -> list[Statement]:
    """The outbox rows of a step, one per (notice, recipient), as statements
    for the step's own transaction. Staff recipients are selected by the
    INSERT itself: nothing is read beforehand, so a PIC added or deactivated a
    moment ago is addressed exactly as the committed data says. Nobody is
    told of their own step (`actor_id`)."""
    out: list[Statement] = []
    for notice in notices:
        values = dict(
            complaint=complaint.id,
            type=notice.type,
            payload=payload_for(notice.type, complaint),
            urgency=urgency or notice.urgency,
            topic=f"complaint-{complaint.id}",
            ttl=ttl or (REPORTER_TTL_S if notice.audience == Audience.REPORTER else STAFF_TTL_S),
            status="pending",
            next_attempt_at=at,
            created_at=at,
        )
        if notice.audience == Audience.REPORTER:
            if complaint.reporter_id != actor_id:
                out.append(
                    insert_statement(Notification, [{**values, "recipient": complaint.reporter_id}])
                )
            continue
        if notice.audience == Audience.ADMINS:
            where, args = "role = {}", [Role.ADMIN.value]
        elif complaint.unit_id is None:
            continue
        else:
            where, args = "role = {} AND unit = {}", [Role.PIC.value, complaint.unit_id]
        where += " AND is_active = {}"
        args.append(True)
        if actor_id is not None:
            where += " AND id <> {}"
            args.append(actor_id)
        out.append(
            insert_select_statement(
                Notification,
                values,
                {"recipient": "id"},
                f'"{User._meta.tablename}" WHERE {where}',
                args,
            )
        )
    return out


async def enqueue(
    notices: list[Notice], complaint: ComplaintRef, at: datetime, *, ttl: int | None = None
) -> None:
    """Write the outbox rows in the caller's transaction."""
    for statement in statements(notices, complaint, at, ttl=ttl):
        await run_statement(Notification, statement)
