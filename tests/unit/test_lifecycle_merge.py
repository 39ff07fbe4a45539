"""The status graph's contract-v2 edges, as a table against lifecycle.py:

    received | routed | answered --merge (admin)--> merged   (terminal)
    closed --reply (reporter)--> routed
"""

from __future__ import annotations

import pytest

from backend.common.roles import Caller, Role
from backend.complaints import lifecycle as rules
from backend.complaints.lifecycle import Action, ComplaintFacts, Status

REPORTER = Caller(user_id=10, role=Role.CITIZEN)
OTHER_CITIZEN = Caller(user_id=11, role=Role.CITIZEN)
ADMIN = Caller(user_id=1, role=Role.ADMIN)
UNIT_PIC = Caller(user_id=2, role=Role.PIC, unit_id=5)
SYSTEM = Caller(user_id=0, role=Role.SYSTEM)
ALLOWED, CONFLICT, FORBIDDEN = "allowed", "409", "403"
S = Status


def facts(status: Status) -> ComplaintFacts:
    return ComplaintFacts(reporter_id=REPORTER.user_id, unit_id=5, status=status)


ROWS = [
    # who, action, from, expected, target
    *[(ADMIN, Action.MERGE, s, ALLOWED, S.MERGED) for s in (S.RECEIVED, S.ROUTED, S.ANSWERED)],
    *[(ADMIN, Action.MERGE, s, CONFLICT, None) for s in (S.RELEASED, S.CLOSED, S.REJECTED)],
    (ADMIN, Action.MERGE, S.MERGED, CONFLICT, None),
    (UNIT_PIC, Action.MERGE, S.ROUTED, FORBIDDEN, None),
    (REPORTER, Action.MERGE, S.ROUTED, FORBIDDEN, None),
    (SYSTEM, Action.MERGE, S.ROUTED, FORBIDDEN, None),
    (REPORTER, Action.REPLY, S.CLOSED, ALLOWED, S.ROUTED),
    (REPORTER, Action.REPLY, S.RELEASED, ALLOWED, S.ROUTED),
    (OTHER_CITIZEN, Action.REPLY, S.CLOSED, FORBIDDEN, None),
    (ADMIN, Action.REPLY, S.CLOSED, FORBIDDEN, None),
    # merged is terminal: nothing leaves it.
    *[
        (who, action, S.MERGED, CONFLICT, None)
        for who, action in (
            (ADMIN, Action.DISPATCH),
            (ADMIN, Action.REJECT),
            (ADMIN, Action.RELEASE),
            (ADMIN, Action.RETURN),
            (UNIT_PIC, Action.ANSWER),
            (UNIT_PIC, Action.DECLINE),
            (REPORTER, Action.REPLY),
            (REPORTER, Action.RATE),
            (REPORTER, Action.ATTACH),
            (SYSTEM, Action.AUTO_DISPATCH),
        )
    ],
]


@pytest.mark.parametrize(
    ("who", "action", "status", "expected", "target"),
    ROWS,
    ids=[f"{w.role}-{a}-{s}" for w, a, s, _, _ in ROWS],
)
def test_edge(who, action, status, expected, target):
    if expected == ALLOWED:
        edge = rules.check(who, action, facts(status))
        assert edge.target == target
    elif expected == CONFLICT:
        with pytest.raises(rules.TransitionError, match=f"'{status}'"):
            rules.check(who, action, facts(status))
    else:
        with pytest.raises(rules.NotAllowed):
            rules.check(who, action, facts(status))


def test_only_the_admin_role_may_ever_merge():
    assert [r for r in Role if rules.role_may(r, Action.MERGE)] == [Role.ADMIN]


def test_merge_and_the_reply_of_a_closed_complaint_notify_as_the_contract_says():
    [merged] = rules.notices_for(Action.MERGE, S.MERGED)
    assert (merged.type, merged.audience) == ("complaint.merged", rules.Audience.REPORTER)
    [reopened] = rules.notices_for(Action.REPLY, S.ROUTED)
    assert (reopened.type, reopened.audience) == ("complaint.routed", rules.Audience.UNIT_PICS)
    assert rules.starts_routing(S.CLOSED, S.ROUTED)
    assert rules.RELEASED_WITH.type == "complaint.released"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (S.MERGED, "'merged'"),
        (S.CLOSED, "'closed'"),
        (S.REJECTED, "'rejected'"),
        (S.RELEASED, "'released'"),
    ],
)
def test_merge_target_must_still_wait_for_its_answer(target, message):
    with pytest.raises(rules.TransitionError, match=message):
        rules.check_merge_target(1, 2, target)


def test_merge_target_may_be_any_other_waiting_complaint_but_not_itself():
    for status in (S.RECEIVED, S.ROUTED, S.ANSWERED):
        rules.check_merge_target(1, 2, status)
    with pytest.raises(rules.TransitionError, match="itself"):
        rules.check_merge_target(3, 3, S.ROUTED)
