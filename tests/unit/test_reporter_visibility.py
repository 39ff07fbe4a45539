"""Who may see the reporter's phone and the photos staff attach to an answer."""

from __future__ import annotations

import pytest

from backend.common.roles import Caller, Role
from backend.complaints.lifecycle import (
    ComplaintFacts,
    Status,
    may_see_attachment,
    may_see_reporter_phone,
)

REPORTER, UNIT, OTHER_UNIT = 7, 3, 4
ADMIN = Caller(user_id=1, role=Role.ADMIN)
PIC = Caller(user_id=2, role=Role.PIC, unit_id=UNIT)
OTHER_PIC = Caller(user_id=5, role=Role.PIC, unit_id=OTHER_UNIT)
OWNER = Caller(user_id=REPORTER, role=Role.CITIZEN)
STRANGER = Caller(user_id=8, role=Role.CITIZEN)
SYSTEM = Caller(user_id=0, role=Role.SYSTEM)


def facts(status=Status.ROUTED, anonymous=False, confidential=False) -> ComplaintFacts:
    return ComplaintFacts(REPORTER, UNIT, status, anonymous, confidential)


@pytest.mark.parametrize(
    ("anonymous", "confidential", "pic_sees"),
    [(False, False, True), (True, False, False), (False, True, False), (True, True, False)],
)
def test_phone_admin_always_pic_only_when_open(anonymous, confidential, pic_sees):
    f = facts(anonymous=anonymous, confidential=confidential)
    assert may_see_reporter_phone(ADMIN, f) is True
    assert may_see_reporter_phone(OWNER, f) is True
    assert may_see_reporter_phone(PIC, f) is pic_sees
    assert may_see_reporter_phone(OTHER_PIC, f) is False
    assert may_see_reporter_phone(STRANGER, f) is False
    assert may_see_reporter_phone(SYSTEM, f) is False


@pytest.mark.parametrize("status", list(Status))
def test_answer_photos_reach_the_reporter_only_once_released(status):
    f = facts(status=status)
    released = status in (Status.RELEASED, Status.CLOSED)
    assert may_see_attachment(OWNER, f, "pic") is released
    assert may_see_attachment(OWNER, f, "admin") is released
    assert may_see_attachment(OWNER, f, "citizen") is True
    assert may_see_attachment(PIC, f, "pic") is True
    assert may_see_attachment(ADMIN, f, "pic") is True
