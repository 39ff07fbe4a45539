"""THE rules of a complaint: its status graph, who may take each edge, who may
see it, and who is told about each step. Written once; the use cases, the SLA
timers and the tests all ask this module.

    received --dispatch--> routed --answer--> answered --release--> released --rate--> closed
    received --reject--> rejected          answered --return--> routed
    routed --decline (PIC: not our unit)--> received
    released | closed --reply (reporter)--> routed
    received | routed | answered --merge (admin)--> merged
        (terminal: it follows the complaint it was merged into, and is released with it)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from backend.common.errors import Conflict, Forbidden
from backend.common.roles import Caller, Role
from backend.notifications.notices import Audience, Notice


class Status(enum.StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    ANSWERED = "answered"
    RELEASED = "released"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"


class Action(enum.StrEnum):
    SUBMIT = "submit"
    DISPATCH = "dispatch"
    AUTO_DISPATCH = "auto_dispatch"
    DECLINE = "decline"
    ANSWER = "answer"
    RETURN = "return"
    RELEASE = "release"
    REJECT = "reject"
    REPLY = "reply"
    RATE = "rate"
    ATTACH = "attach"
    MERGE = "merge"


class Actor(enum.StrEnum):
    """Whose hand an edge needs, relative to the complaint."""

    ADMIN = "admin"
    UNIT_PIC = "unit_pic"  # a PIC of the unit the complaint is routed to
    REPORTER = "reporter"
    SYSTEM = "system"


@dataclass(frozen=True)
class Edge:
    action: Action
    sources: frozenset[Status]
    target: Status | None  # None: allowed, but the status stays
    actor: Actor


def _edge(action, sources, target, actor) -> Edge:
    return Edge(action, frozenset(sources), target, actor)


S = Status
OPEN = (S.RECEIVED, S.ROUTED, S.ANSWERED, S.RELEASED)
# Still waiting for its answer: what may be merged, and what may be merged into.
MERGEABLE = (S.RECEIVED, S.ROUTED, S.ANSWERED)

EDGES: dict[Action, tuple[Edge, ...]] = {
    Action.DISPATCH: (_edge(Action.DISPATCH, [S.RECEIVED], S.ROUTED, Actor.ADMIN),),
    Action.AUTO_DISPATCH: (_edge(Action.AUTO_DISPATCH, [S.RECEIVED], S.ROUTED, Actor.SYSTEM),),
    Action.REJECT: (_edge(Action.REJECT, [S.RECEIVED], S.REJECTED, Actor.ADMIN),),
    Action.DECLINE: (_edge(Action.DECLINE, [S.ROUTED], S.RECEIVED, Actor.UNIT_PIC),),
    Action.ANSWER: (_edge(Action.ANSWER, [S.ROUTED], S.ANSWERED, Actor.UNIT_PIC),),
    Action.RETURN: (_edge(Action.RETURN, [S.ANSWERED], S.ROUTED, Actor.ADMIN),),
    Action.RELEASE: (_edge(Action.RELEASE, [S.ANSWERED], S.RELEASED, Actor.ADMIN),),
    Action.RATE: (_edge(Action.RATE, [S.RELEASED], S.CLOSED, Actor.REPORTER),),
    Action.MERGE: (_edge(Action.MERGE, MERGEABLE, S.MERGED, Actor.ADMIN),),
    # A reply on a released (or already rated) answer reopens the complaint for
    # the unit; while the complaint is still being handled a reply is simply added.
    Action.REPLY: (
        _edge(Action.REPLY, [S.RELEASED, S.CLOSED], S.ROUTED, Actor.REPORTER),
        _edge(Action.REPLY, [S.RECEIVED, S.ROUTED, S.ANSWERED], None, Actor.REPORTER),
    ),
    # Photos may be added by the reporter while the case is open, and by the
    # unit's PIC to the answer being written (issue 13, item 6).
    Action.ATTACH: (
        _edge(Action.ATTACH, OPEN, None, Actor.REPORTER),
        _edge(Action.ATTACH, [S.ROUTED], None, Actor.UNIT_PIC),
    ),
}


class TransitionError(Conflict):
    """The step does not fit the complaint's current status (HTTP 409)."""


class NotAllowed(Forbidden):
    """The caller's role may never take this step (HTTP 403)."""


@dataclass(frozen=True)
class ComplaintFacts:
    """What the rules need to know about a complaint; nothing more."""

    reporter_id: int
    unit_id: int | None
    status: Status
    is_anonymous: bool = False
    is_confidential: bool = False


ROLE_OF_ACTOR = {
    Actor.ADMIN: Role.ADMIN,
    Actor.UNIT_PIC: Role.PIC,
    Actor.REPORTER: Role.CITIZEN,
    Actor.SYSTEM: Role.SYSTEM,
}


def can_see(caller: Caller, complaint: ComplaintFacts) -> bool:
    if caller.role in (Role.ADMIN, Role.SYSTEM):
        return True
    if caller.role == Role.PIC:
        return caller.unit_id is not None and caller.unit_id == complaint.unit_id
    return caller.user_id == complaint.reporter_id


def may_see_reporter(caller: Caller, complaint: ComplaintFacts) -> bool:
    """Anonymous or confidential complaints hide the reporter from the unit."""
    if caller.role in (Role.ADMIN, Role.SYSTEM) or caller.user_id == complaint.reporter_id:
        return True
    return not (complaint.is_anonymous or complaint.is_confidential)


def may_see_reporter_phone(caller: Caller, complaint: ComplaintFacts) -> bool:
    """The phone is collected "untuk dihubungi petugas": the admin always sees
    it, the reporter sees their own, and the unit's PIC only when the complaint
    is neither anonymous nor confidential. The system account never needs it."""
    if caller.role == Role.ADMIN or (
        caller.role == Role.CITIZEN and caller.user_id == complaint.reporter_id
    ):
        return True
    if caller.role == Role.PIC and caller.unit_id is not None:
        return caller.unit_id == complaint.unit_id and not (
            complaint.is_anonymous or complaint.is_confidential
        )
    return False


def may_see_attachment(
    caller: Caller, complaint: ComplaintFacts, uploader_role: str | None
) -> bool:
    """A photo staff attach to an answer is part of the answer: the reporter
    sees it only once the answer is released, as with the answer's text."""
    if caller.role != Role.CITIZEN or uploader_role in (None, Role.CITIZEN):
        return True
    return complaint.status in (Status.RELEASED, Status.CLOSED)


def _is_actor(caller: Caller, actor: Actor, complaint: ComplaintFacts) -> bool:
    if actor == Actor.ADMIN:
        return caller.role == Role.ADMIN
    if actor == Actor.UNIT_PIC:
        return caller.role == Role.PIC and caller.unit_id == complaint.unit_id
    if actor == Actor.REPORTER:
        return caller.user_id == complaint.reporter_id
    return caller.role == Role.SYSTEM


def role_may(role: Role, action: Action) -> bool:
    """Whether the role can ever take the step: a 'no' here is a 403, decided
    before the complaint is even looked up."""
    return any(ROLE_OF_ACTOR[edge.actor] == role for edge in EDGES[action])


def check(caller: Caller, action: Action, complaint: ComplaintFacts) -> Edge:
    """The edge `caller` may take now; raises NotAllowed (403) or TransitionError (409).

    Visibility is the caller's business first: a complaint the caller may not
    see must be answered 404 before this is asked.
    """
    edges = EDGES[action]
    mine = [e for e in edges if _is_actor(caller, e.actor, complaint)]
    if not mine:
        raise NotAllowed(f"a {caller.role} may not {action} this complaint")
    for edge in mine:
        if complaint.status in edge.sources:
            return edge
    allowed = sorted({s.value for e in mine for s in e.sources})
    raise TransitionError(
        f"complaint is '{complaint.status}'; {action} needs "
        + " or ".join(f"'{s}'" for s in allowed)
    )


# --- Who is told about each step (the contract's push table) -------------


NOTICES: dict[tuple[Action, Status | None], tuple[Notice, ...]] = {
    (Action.SUBMIT, S.RECEIVED): (Notice("complaint.received", Audience.ADMINS, "high"),),
    (Action.DISPATCH, S.ROUTED): (Notice("complaint.routed", Audience.UNIT_PICS, "high"),),
    (Action.AUTO_DISPATCH, S.ROUTED): (Notice("complaint.routed", Audience.UNIT_PICS, "high"),),
    (Action.REPLY, S.ROUTED): (Notice("complaint.routed", Audience.UNIT_PICS, "high"),),
    (Action.ANSWER, S.ANSWERED): (Notice("complaint.answered", Audience.ADMINS, "high"),),
    (Action.RETURN, S.ROUTED): (Notice("complaint.returned", Audience.UNIT_PICS, "high"),),
    (Action.RELEASE, S.RELEASED): (Notice("complaint.released", Audience.REPORTER, "high"),),
    (Action.REJECT, S.REJECTED): (Notice("complaint.rejected", Audience.REPORTER, "normal"),),
    # Extension (docs/api.md): a declined complaint is back in the admins' triage.
    (Action.DECLINE, S.RECEIVED): (Notice("complaint.declined", Audience.ADMINS, "high"),),
    (Action.MERGE, S.MERGED): (Notice("complaint.merged", Audience.REPORTER, "normal"),),
}

# A merged complaint released together with the one it follows: its reporter
# is told as any reporter whose answer is released.
RELEASED_WITH = Notice("complaint.released", Audience.REPORTER, "high")


def check_merge_target(complaint_id: int, target_id: int, target_status: Status) -> None:
    """Whether a complaint may be merged into the target: into an other
    complaint still waiting for its answer, else 409."""
    if target_id == complaint_id:
        raise TransitionError("a complaint cannot be merged into itself")
    if target_status not in MERGEABLE:
        raise TransitionError(
            f"complaint {target_id} is '{target_status}'; merge into one that is "
            + " or ".join(f"'{s}'" for s in MERGEABLE)
        )

SLA_REMINDER = Notice("sla.reminder", Audience.UNIT_PICS, "high")
SLA_ESCALATED = Notice("sla.escalated", Audience.ADMINS, "high")


def notices_for(action: Action, new_status: Status | None) -> tuple[Notice, ...]:
    return NOTICES.get((action, new_status), ())


def starts_routing(status_before: Status, status_after: Status | None) -> bool:
    """Entering `routed` starts the unit's answer clock (and its SLA timers)."""
    return status_after == S.ROUTED and status_before != S.ROUTED
