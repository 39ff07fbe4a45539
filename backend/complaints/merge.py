"""Merging duplicates: the admin merges a complaint into another one that is
still waiting for its answer. The merged one stops (status `merged`, its
answer clock void) and follows the other: when that one's answer is
released, every complaint that follows it gets the same answer, status
`released`, and its reporter a `complaint.released` push, all in the
release's own transaction (`release_followers`, called by the release step).

Each complaint keeps its own reporter, anonymity and confidentiality: the
link between them is a complaint number, never a person."""

from __future__ import annotations

from datetime import datetime

from backend.accounts.service import CurrentUser
from backend.common.clock import now
from backend.common.errors import BadInput
from backend.complaints import audit, queries
from backend.complaints import lifecycle as rules
from backend.complaints.lifecycle import Action, Status
from backend.complaints.schemas import ComplaintDetailOut
from backend.complaints.tables import Complaint, ComplaintMessage
from backend.complaints.tracking import tracking_no
from backend.database import current_engine, write_transaction
from backend.notifications import outbox, signals

C = Complaint


def _ref(row: dict) -> outbox.ComplaintRef:
    return outbox.ComplaintRef(
        id=row["id"],
        tracking_no=tracking_no(row["id"], row["created_at"]),
        title=row["title"],
        reporter_id=row["reporter"],
        unit_id=row["unit"],
    )


def _changed(row: dict, status: Status, action: Action) -> signals.ComplaintChanged:
    return signals.ComplaintChanged(
        row["id"],
        tracking_no(row["id"], row["created_at"]),
        status,
        str(action),
        row["reporter"],
        frozenset({row["unit"]}) if row["unit"] else frozenset(),
    )


async def merge(user: CurrentUser, complaint_id: int, into_id: int) -> ComplaintDetailOut:
    caller = user.caller
    if not rules.role_may(caller.role, Action.MERGE):
        raise rules.NotAllowed(f"a {caller.role} may not merge complaints")
    row = await queries.visible_row(caller, complaint_id)
    rules.check(caller, Action.MERGE, queries.facts(row))
    target = await queries.load(into_id)
    if target is None:
        raise BadInput("into", f"no complaint with id {into_id}")
    rules.check_merge_target(complaint_id, into_id, Status(target["status"]))
    into_no = tracking_no(target["id"], target["created_at"])
    before = Status(row["status"])
    at = now()
    async with write_transaction(current_engine()):
        won = (
            await C.update(
                {
                    C.status: Status.MERGED,
                    C.merged_into: into_id,
                    C.updated_at: at,
                    # It is no longer waiting for the unit: its answer clock is void.
                    C.sla_due_at: None,
                    C.sla_reminder_at: None,
                    C.sla_escalate_at: None,
                }
            )
            .where((C.id == complaint_id) & (C.status == before))
            .returning(C.id)
        )
        if not won:
            raise rules.TransitionError("the complaint moved meanwhile; reload and retry")
        # Holds the target's row until commit: a release of it either waits and
        # then finds this complaint among its followers, or went first and this
        # merge is refused here.
        held = (
            await C.update({C.updated_at: at})
            .where((C.id == into_id) & C.status.is_in(list(rules.MERGEABLE)))
            .returning(C.id)
        )
        if not held:
            raise rules.TransitionError(f"complaint {into_no} moved meanwhile; reload and retry")
        # Complaints that followed this one now follow its target.
        await C.update({C.merged_into: into_id}).where(
            (C.merged_into == complaint_id) & (C.status == Status.MERGED)
        )
        await audit.record(
            audit.event(
                complaint_id,
                Action.MERGE,
                user,
                before,
                Status.MERGED,
                at,
                {"into": into_id, "into_tracking_no": into_no, "unit_id": row["unit"]},
            )
        )
        await outbox.enqueue(list(rules.notices_for(Action.MERGE, Status.MERGED)), _ref(row), at)
    await signals.announce(_changed(row, Status.MERGED, Action.MERGE))
    return await queries.detail(caller, await queries.load(complaint_id))


async def release_followers(
    user: CurrentUser, followed: dict, answer: str | None, at: datetime
) -> list[signals.ComplaintChanged]:
    """Inside the release of `followed`: release every complaint merged into it
    with the same answer. Returns the changes to announce after the commit."""
    followers = await C.select(C.id, C.created_at, C.title, C.reporter, C.unit).where(
        (C.merged_into == followed["id"]) & (C.status == Status.MERGED)
    )
    if not followers:
        return []
    ids = [f["id"] for f in followers]
    await C.update({C.status: Status.RELEASED, C.released_at: at, C.updated_at: at}).where(
        C.id.is_in(ids) & (C.status == Status.MERGED)
    )
    if answer is not None:
        await ComplaintMessage.insert(
            *(
                ComplaintMessage(
                    complaint=i,
                    author=user.id,
                    author_role=user.role,
                    kind="answer",
                    body=answer,
                    visible_to_reporter=True,
                    created_at=at,
                )
                for i in ids
            )
        )
    followed_no = tracking_no(followed["id"], followed["created_at"])
    await audit.record(
        *(
            audit.event(
                f["id"],
                Action.RELEASE,
                user,
                Status.MERGED,
                Status.RELEASED,
                at,
                {"unit_id": f["unit"], "with": followed["id"], "with_tracking_no": followed_no},
            )
            for f in followers
        )
    )
    for f in followers:
        await outbox.enqueue([rules.RELEASED_WITH], _ref(f), at)
    return [_changed(f, Status.RELEASED, Action.RELEASE) for f in followers]
