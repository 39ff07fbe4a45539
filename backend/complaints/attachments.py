"""Photos and documents of a complaint: sniffed by content, never by name."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from pathlib import Path

from backend.accounts.service import CurrentUser
from backend.accounts.tables import User
from backend.common.clock import now
from backend.common.errors import BadInput, NotFound, TooLarge
from backend.complaints import attachment_limits, audit, image_sanitizer
from backend.complaints import lifecycle as rules
from backend.complaints.lifecycle import Action
from backend.complaints.queries import facts, visible_complaint_row
from backend.complaints.schemas import AttachmentOut
from backend.complaints.tables import Attachment
from backend.database import current_engine, write_transaction
from backend.settings import get_settings

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


async def add(user: CurrentUser, complaint_id: int, content: bytes) -> AttachmentOut:
    caller = user.caller
    if not rules.role_may(caller.role, Action.ATTACH):
        raise rules.NotAllowed(f"a {caller.role} may not attach files")
    row = await visible_complaint_row(user, complaint_id)
    rules.check(caller, Action.ATTACH, facts(row))
    settings = get_settings()
    if len(content) > settings.max_upload_bytes:
        raise TooLarge(f"file: larger than {settings.max_upload_bytes} bytes")
    if not content:
        raise BadInput("file", "is empty")
    content_type = sniff(content[:16])
    if content_type is None:
        raise BadInput("file", "must be a JPEG, PNG, WebP or PDF file")
    await attachment_limits.check(user, complaint_id)
    # Stored without its metadata (GPS, phone model): see image_sanitizer.
    content = await asyncio.to_thread(image_sanitizer.clean, content, content_type)
    folder = settings.uploads_dir / str(complaint_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    path = folder / name
    tmp = path.with_suffix(".part")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    at = now()
    try:
        async with write_transaction(current_engine()):
            new = await Attachment.insert(
                Attachment(
                    complaint=complaint_id,
                    uploader=user.id,
                    content_type=content_type,
                    size=len(content),
                    storage_name=f"{complaint_id}/{name}",
                    created_at=at,
                )
            ).returning(Attachment.id)
            await audit.record(
                audit.event(
                    complaint_id,
                    Action.ATTACH,
                    user,
                    row["status"],
                    row["status"],
                    at,
                    {"attachment_id": new[0]["id"], "content_type": content_type},
                )
            )
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return AttachmentOut(
        id=new[0]["id"], content_type=content_type, size=len(content), uploader_role=user.role
    )


async def open_for(user: CurrentUser, attachment_id: int) -> tuple[Path, str]:
    row = await Attachment.select().where(Attachment.id == attachment_id).first()
    if row is None:
        raise NotFound(f"no attachment with id {attachment_id}")
    uploader = await User.select(User.role).where(User.id == row["uploader"]).first()
    try:
        complaint = await visible_complaint_row(user, row["complaint"])
        if not rules.may_see_attachment(
            user.caller, facts(complaint), uploader["role"] if uploader else None
        ):
            raise NotFound("hidden until the answer is released")
    except NotFound:
        raise NotFound(f"no attachment with id {attachment_id}") from None
    return get_settings().uploads_dir / row["storage_name"], row["content_type"]
