"""The complaint rules as pure functions: every edge x caller x status, who may
see a complaint and its reporter, and who is told of each step.

No app, no database, no HTTP. The expected graph below is copied from the
contract (/work/shared/API.md, v1 status graph, roles and push table) and from
the decisions docs/api.md records where the contract is silent, NOT from
lifecycle.EDGES: if the code's table drifts from the contract, this fails.
"""

from __future__ import annotations

import itertools

import pytest

# The rules under test, all imported in this one block (Role and Caller are
# moving to the accounts side; only this block changes when they do).
from backend.complaints.lifecycle import (
    SLA_ESCALATED,
    SLA_REMINDER,
    Action,
    Audience,
    Caller,
    ComplaintFacts,
    NotAllowed,
    Role,
    Status,
    TransitionError,
    can_see,
    check,
    may_see_reporter,
    notices_for,
    role_may,
    starts_routing,
)

R, RT, AN, RL, CL, RJ, MG = (
    "received",
    "routed",
    "answered",
    "released",
    "closed",
    "rejected",
    "merged",
)
ALL_STATUSES = (R, RT, AN, RL, CL, RJ, MG)
OPEN = (R, RT, AN, RL)
KEEP = None  # the step is allowed but the status stays

# Whose hand each step needs, relative to the complaint.
ADMIN, UNIT_PIC, REPORTER, SYSTEM = "admin", "unit_pic", "reporter", "system"

# action -> [(sources, target, actor)]
EXPECTED_GRAPH: dict[str, list[tuple[tuple[str, ...], str | None, str]]] = {
    # API.md: received --dispatch--> routed; POST .../dispatch (admin)
    "dispatch": [((R,), RT, ADMIN)],
    # API.md categories: with auto_dispatch "it is routed to the category's
    # unit at once, with no admin step"
    "auto_dispatch": [((R,), RT, SYSTEM)],
    # received --reject--> rejected; POST .../reject (admin)
    "reject": [((R,), RJ, ADMIN)],
    # routed --decline (PIC: not our unit)--> received; (PIC of the unit)
    "decline": [((RT,), R, UNIT_PIC)],
    # routed --answer--> answered; (PIC of the unit)
    "answer": [((RT,), AN, UNIT_PIC)],
    # answered --return--> routed; (admin)
    "return": [((AN,), RT, ADMIN)],
    # answered --release--> released; (admin)
    "release": [((AN,), RL, ADMIN)],
    # released --rate--> closed; (reporter, after release)
    "rate": [((RL,), CL, REPORTER)],
    # released --reply (reporter)--> routed, and contract v2: closed --reply
    # (reporter)--> routed; docs/api.md: a reply is also accepted while
    # received, routed or answered, without a status change; on rejected or
    # merged it is a 409.
    "reply": [((RL, CL), RT, REPORTER), ((R, RT, AN), KEEP, REPORTER)],
    # contract v2: received | routed | answered --merge (admin)--> merged
    "merge": [((R, RT, AN), MG, ADMIN)],
    # docs/api.md: the reporter may attach while open; the PIC of the unit
    # may attach a photo to its answer while the complaint is routed.
    "attach": [(OPEN, KEEP, REPORTER), ((RT,), KEEP, UNIT_PIC)],
}

# What each kind of caller is, relative to a complaint of reporter 10 in unit 7.
REPORTER_ID, OTHER_CITIZEN_ID, UNIT_ID, OTHER_UNIT_ID = 10, 11, 7, 8
CALLERS = {
    "admin": Caller(1, Role.ADMIN),
    "system": Caller(0, Role.SYSTEM),
    "pic of the unit": Caller(2, Role.PIC, UNIT_ID),
    "pic of another unit": Caller(3, Role.PIC, OTHER_UNIT_ID),
    "reporter": Caller(REPORTER_ID, Role.CITIZEN),
    "another citizen": Caller(OTHER_CITIZEN_ID, Role.CITIZEN),
}
# The actors each caller can act as on that complaint.
ACTS_AS = {
    "admin": {ADMIN},
    "system": {SYSTEM},
    "pic of the unit": {UNIT_PIC},
    "pic of another unit": set(),
    "reporter": {REPORTER},
    "another citizen": set(),
}
ROLE_OF_ACTOR = {ADMIN: "admin", UNIT_PIC: "pic", REPORTER: "citizen", SYSTEM: "system"}


def facts(status: str, **kw) -> ComplaintFacts:
    return ComplaintFacts(
        reporter_id=REPORTER_ID, unit_id=kw.pop("unit_id", UNIT_ID), status=Status(status), **kw
    )


def expected_outcome(action: str, caller: str, status: str):
    """'403', '409', or the target status (KEEP for a step that keeps it)."""
    mine = [e for e in EXPECTED_GRAPH[action] if e[2] in ACTS_AS[caller]]
    if not mine:
        return "403"
    for sources, target, _ in mine:
        if status in sources:
            return target
    return "409"


def test_the_code_knows_exactly_the_contracts_steps():
    """A step added to the code must be added to the contract table above."""
    steps = {a.value for a in Action} - {"submit"}  # submit creates, it is no edge
    assert steps == set(EXPECTED_GRAPH)
    assert {s.value for s in Status} == set(ALL_STATUSES)


CASES = list(itertools.product(EXPECTED_GRAPH, CALLERS, ALL_STATUSES))


@pytest.mark.parametrize(
    ("action", "caller", "status"), CASES, ids=["-".join(c).replace(" ", "_") for c in CASES]
)
def test_every_step_by_every_caller_from_every_status(action, caller, status):
    expected = expected_outcome(action, caller, status)
    complaint = facts(status)
    if expected == "403":
        with pytest.raises(NotAllowed):
            check(CALLERS[caller], Action(action), complaint)
    elif expected == "409":
        with pytest.raises(TransitionError) as err:
            check(CALLERS[caller], Action(action), complaint)
        # The 409 says where the complaint is, so the client can tell why.
        assert f"'{status}'" in str(err.value)
    else:
        edge = check(CALLERS[caller], Action(action), complaint)
        assert edge.action == Action(action)
        assert edge.target == (None if expected is KEEP else Status(expected))
        assert Status(status) in edge.sources


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("action", list(EXPECTED_GRAPH))
def test_a_role_that_can_never_take_a_step_is_told_before_any_lookup(role, action):
    """role_may decides the 403 before the complaint is read."""
    expected = any(ROLE_OF_ACTOR[actor] == role for _, _, actor in EXPECTED_GRAPH[action])
    assert role_may(Role(role), Action(action)) is expected


def test_the_403_and_409_texts_name_the_step():
    with pytest.raises(NotAllowed, match="dispatch"):
        check(CALLERS["reporter"], Action.DISPATCH, facts(R))
    with pytest.raises(TransitionError, match=r"answer.*'routed'"):
        check(CALLERS["pic of the unit"], Action.ANSWER, facts(AN))


# --- visibility -------------------------------------------------------------

# API.md roles: a citizen sees only its own complaints; a PIC sees complaints
# routed to its unit; an admin sees everything. The system sees all it works on.
EXPECTED_VISIBLE = {
    "admin": True,
    "system": True,
    "pic of the unit": True,
    "pic of another unit": False,
    "reporter": True,
    "another citizen": False,
}


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("caller", list(CALLERS))
def test_who_may_see_a_complaint(caller, status):
    assert can_see(CALLERS[caller], facts(status)) is EXPECTED_VISIBLE[caller]


@pytest.mark.parametrize("caller", list(CALLERS))
def test_a_complaint_with_no_unit_is_seen_by_no_pic(caller):
    unrouted = facts(R, unit_id=None)
    unitless_pic = Caller(4, Role.PIC, None)
    assert can_see(unitless_pic, unrouted) is False
    expected = caller in ("admin", "system", "reporter")
    assert can_see(CALLERS[caller], unrouted) is expected


# API.md: the reporter is hidden from PICs when anonymous; docs/api.md and the
# push table: an anonymous or confidential complaint names no reporter to
# anyone but the reporter and the admins.
@pytest.mark.parametrize(
    ("anonymous", "confidential"), [(False, False), (True, False), (False, True), (True, True)]
)
@pytest.mark.parametrize("caller", list(CALLERS))
def test_who_may_see_the_reporter(caller, anonymous, confidential):
    complaint = facts(RT, is_anonymous=anonymous, is_confidential=confidential)
    hidden = anonymous or confidential
    expected = caller in ("admin", "system", "reporter") or not hidden
    assert may_see_reporter(CALLERS[caller], complaint) is expected


# --- who is told of each step -------------------------------------------------

# API.md push table, plus complaint.declined from docs/api.md "Push types added".
# (action, new status) -> {(type, audience)}; a step not listed tells nobody.
EXPECTED_NOTICES: dict[tuple[str, str | None], set[tuple[str, str]]] = {
    ("submit", R): {("complaint.received", "admins")},
    ("dispatch", RT): {("complaint.routed", "unit_pics")},
    ("auto_dispatch", RT): {("complaint.routed", "unit_pics")},
    ("reply", RT): {("complaint.routed", "unit_pics")},  # "or reopened by a reply"
    ("answer", AN): {("complaint.answered", "admins")},
    ("return", RT): {("complaint.returned", "unit_pics")},
    ("release", RL): {("complaint.released", "reporter")},
    ("reject", RJ): {("complaint.rejected", "reporter")},
    ("decline", R): {("complaint.declined", "admins")},
    # contract v2: complaint.merged to the reporter of the merged complaint
    ("merge", MG): {("complaint.merged", "reporter")},
}
# docs/api.md: rejected and merged are "normal"; every other type is "high" (the contract
# asks high for anything a person must act on).
NORMAL_URGENCY = {"complaint.rejected", "complaint.merged"}


def _every_step():
    yield "submit", R
    for action, edges in EXPECTED_GRAPH.items():
        for _, target, _ in edges:
            yield action, target


@pytest.mark.parametrize(("action", "target"), list(_every_step()))
def test_who_is_told_of_each_step(action, target):
    notices = notices_for(Action(action), None if target is KEEP else Status(target))
    told = {(n.type, n.audience.value) for n in notices}
    assert told == EXPECTED_NOTICES.get((action, target), set())
    for n in notices:
        assert n.urgency == ("normal" if n.type in NORMAL_URGENCY else "high"), n


def test_every_expected_notice_belongs_to_a_step_of_the_graph():
    steps = set(_every_step())
    assert set(EXPECTED_NOTICES) <= steps


@pytest.mark.parametrize(
    ("action", "status"),
    [(a, s) for a in [*EXPECTED_GRAPH, "submit"] for s in ALL_STATUSES]
    + [(a, None) for a in EXPECTED_GRAPH],
)
def test_no_notice_outside_the_table(action, status):
    """A step ending in a status the table does not name tells nobody."""
    if (action, status) in EXPECTED_NOTICES:
        return
    assert notices_for(Action(action), None if status is None else Status(status)) == ()


def test_sla_notices():
    # API.md: sla.reminder to every PIC of the unit, sla.escalated to every admin.
    assert (SLA_REMINDER.type, SLA_REMINDER.audience) == ("sla.reminder", Audience.UNIT_PICS)
    assert (SLA_ESCALATED.type, SLA_ESCALATED.audience) == ("sla.escalated", Audience.ADMINS)
    assert SLA_REMINDER.urgency == SLA_ESCALATED.urgency == "high"


# --- the answer clock --------------------------------------------------------


@pytest.mark.parametrize("after", [*ALL_STATUSES, KEEP])
@pytest.mark.parametrize("before", ALL_STATUSES)
def test_entering_routed_starts_the_answer_clock(before, after):
    # docs/api.md: a dispatch, a return or a reopening reply starts a new
    # routing; a step that keeps the complaint routed does not.
    expected = after == RT and before != RT
    assert starts_routing(Status(before), None if after is KEEP else Status(after)) is expected
