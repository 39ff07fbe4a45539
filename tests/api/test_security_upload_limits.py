"""Attachment caps (finding 10 of issue 9): at most ten per complaint, and a
bounded number per citizen in any 24 hours; the refused upload leaves nothing."""

from __future__ import annotations

from datetime import timedelta

from tests.support.complaint_flow import Who
from tests.support.error_shape import assert_error
from tests.support.sample_files import JPEG


async def _upload(api, flow, who, cid: int, content: bytes):
    return await api.client.post(
        flow.url(cid, "attachments"),
        files={"file": ("foto.jpg", content, "image/jpeg")},
        headers=who.h,
    )


async def test_a_complaint_holds_at_most_ten_attachments(api, flow, cast):
    from backend.complaints.attachment_limits import MAX_PER_COMPLAINT
    from backend.complaints.tables import Attachment

    assert MAX_PER_COMPLAINT == 10
    c = await flow.build("routed")
    for _ in range(MAX_PER_COMPLAINT):
        assert (await _upload(api, flow, cast.reporter, c["id"], JPEG)).status_code == 201
    r = await _upload(api, flow, cast.reporter, c["id"], JPEG)
    assert_error(r, 409, "file", "10")
    assert await Attachment.count().where(Attachment.complaint == c["id"]) == MAX_PER_COMPLAINT


async def test_a_citizen_uploads_a_bounded_number_per_day(api, flow):
    from backend.complaints.attachment_limits import MAX_PER_CITIZEN_PER_DAY, MAX_PER_COMPLAINT
    from backend.complaints.tables import Attachment

    citizen = Who(*await api.citizen("Pengunggah Rajin"))
    complaints = [
        (await flow.received(citizen))["id"]
        for _ in range(MAX_PER_CITIZEN_PER_DAY // MAX_PER_COMPLAINT + 1)
    ]
    slots = [cid for cid in complaints for _ in range(MAX_PER_COMPLAINT)]
    for cid in slots[:MAX_PER_CITIZEN_PER_DAY]:
        assert (await _upload(api, flow, citizen, cid, JPEG)).status_code == 201
    last = slots[MAX_PER_CITIZEN_PER_DAY]
    r = await _upload(api, flow, citizen, last, JPEG)
    assert_error(r, 429, "24 hours")
    assert r.headers["retry-after"]
    assert await Attachment.count().where(Attachment.uploader == citizen.id) == (
        MAX_PER_CITIZEN_PER_DAY
    )

    # A day later (the stored times moved back, not the test slept), there is room again.
    rows = await Attachment.select(Attachment.id, Attachment.created_at).where(
        Attachment.uploader == citizen.id
    )
    for row in rows:
        await Attachment.update(
            {Attachment.created_at: row["created_at"] - timedelta(hours=25)}
        ).where(Attachment.id == row["id"])
    assert (await _upload(api, flow, citizen, last, JPEG)).status_code == 201
