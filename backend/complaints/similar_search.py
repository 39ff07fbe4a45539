"""GET /complaints/{id}/similar: which complaints are candidates, and the
answer built from the pure scores of similar.py.

Bounded work per request, whatever the size of the table:
- candidates are only the open complaints (received, routed, answered) and
  those released in the last RECENT_RELEASE_DAYS, newest first, at most
  MAX_CANDIDATES, and only those the caller may see (a PIC: its unit's);
  merged, closed and rejected ones never are;
- the candidate queries read ids and statuses only (the status and
  released_at indexes serve them). A complaint's title, body, category and
  place never change after submission, so this process keeps what it
  derived from them (its `Doc`) by id and reads them only for complaints it
  has not seen yet.

The candidate query is one function (`candidate_ids`): a full-text index
(tsvector on PostgreSQL, FTS5 on SQLite) can later pre-rank candidates there
without changing the scoring."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import timedelta

from backend.accounts.service import CurrentUser
from backend.common import clock
from backend.common.errors import Forbidden
from backend.common.roles import Caller, Role
from backend.complaints import queries, similar
from backend.complaints.lifecycle import Status
from backend.complaints.schemas import SimilarOut
from backend.complaints.tables import Complaint

C = Complaint
MAX_CANDIDATES = 2000
RECENT_RELEASE_DAYS = 30
OPEN_STATUSES = (Status.RECEIVED, Status.ROUTED, Status.ANSWERED)
# About ten times the candidate window: one process's working set.
DOC_CACHE_SIZE = 20_000
# SQLite's default limit on bound parameters is 999 on older builds.
_ID_CHUNK = 500


class PoolCache:
    """The last few candidate pools, by their ids: the IDF weights and norms are
    computed once for a triage page's run of questions."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, ...], similar.Pool] = OrderedDict()

    async def get(self, ids: list[int]) -> similar.Pool:
        key = tuple(ids)
        found = self._items.get(key)
        if found is None:
            found = similar.make_pool(await docs_for(ids))
            self._items[key] = found
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        self._items.move_to_end(key)
        return found

    def clear(self) -> None:
        self._items.clear()


class DocCache:
    """complaint id -> its Doc, least recently used dropped first."""

    def __init__(self, size: int = DOC_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[int, similar.Doc] = OrderedDict()

    def get(self, complaint_id: int) -> similar.Doc | None:
        found = self._items.get(complaint_id)
        if found is not None:
            self._items.move_to_end(complaint_id)
        return found

    def put(self, doc: similar.Doc) -> None:
        self._items[doc.id] = doc
        self._items.move_to_end(doc.id)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


DOCS = DocCache()
POOLS = PoolCache()


def doc_of(row: dict) -> similar.Doc:
    """The Doc of a row with id, title, body, category and location."""
    found = DOCS.get(row["id"])
    if found is None:
        found = similar.Doc(
            id=row["id"],
            terms=similar.terms(row["title"], row["body"]),
            category_id=row["category"],
            lat=row["location_lat"],
            lon=row["location_lon"],
        )
        DOCS.put(found)
    return found


async def docs_for(ids: list[int]) -> list[similar.Doc]:
    """The Docs of `ids`, in that order; only unseen complaints are read."""
    found: dict[int, similar.Doc] = {}
    missing: list[int] = []
    for complaint_id in ids:
        cached = DOCS.get(complaint_id)
        if cached is None:
            missing.append(complaint_id)
        else:
            found[complaint_id] = cached
    columns = (C.id, C.title, C.body, C.category, C.location_lat, C.location_lon)
    for start in range(0, len(missing), _ID_CHUNK):
        chunk = missing[start : start + _ID_CHUNK]
        for r in await C.select(*columns).where(C.id.is_in(chunk)):
            found[r["id"]] = doc_of(r)
    return [found[i] for i in ids if i in found]


async def candidate_ids(caller: Caller) -> list[int]:
    """The open and recently released complaints `caller` may see, newest first.

    Two queries, each served by an index (status; released_at), rather than one
    with an OR that would read every released complaint ever. The complaint asked
    about is left in (rank_in skips it), so consecutive questions share a pool."""
    since = clock.now() - timedelta(days=RECENT_RELEASE_DAYS)
    open_ = (
        C.select(C.id, C.status)
        .where(C.status.is_in([s.value for s in OPEN_STATUSES]))
        .order_by(C.id, ascending=False)
        .limit(MAX_CANDIDATES)
    )
    # Released ones are found by the range alone, bounded by the window: a status
    # condition or an ORDER BY id would tempt SQLite away from the released_at index.
    # Those released then and since closed, reopened or merged are dropped here.
    released = C.select(C.id, C.status, C.merged_into).where(C.released_at >= since)
    if caller.role == Role.PIC:
        open_ = open_.where(C.unit == caller.unit_id)
        released = released.where(C.unit == caller.unit_id)
    # Both at once: each waits on its own pooled connection.
    open_rows, released_rows = await asyncio.gather(open_.run(), released.run())
    ids = {r["id"] for r in open_rows if r["status"] in OPEN_STATUSES}
    # A follower released with the complaint it was merged into is that
    # complaint's duplicate, not a candidate of its own.
    ids.update(
        r["id"]
        for r in released_rows
        if r["status"] == Status.RELEASED and r["merged_into"] is None
    )
    return sorted(ids, reverse=True)[:MAX_CANDIDATES]


async def find_similar(user: CurrentUser, complaint_id: int, limit: int = 5) -> list[SimilarOut]:
    caller = user.caller
    if caller.role not in (Role.ADMIN, Role.PIC):
        raise Forbidden("only an admin or the unit's PIC may look for similar complaints")
    row = await queries.visible_row(caller, complaint_id)
    pool = await POOLS.get(await candidate_ids(caller))
    matches = similar.rank_in(doc_of(row), pool, limit=limit)
    if not matches:
        return []
    rows = await C.select(*queries.COLUMNS).where(C.id.is_in([m.id for m in matches]))
    by_id = {r["id"]: r for r in rows}
    kept = [m for m in matches if m.id in by_id]
    items = await queries.list_items(caller, [by_id[m.id] for m in kept])
    return [
        SimilarOut(
            complaint=item,
            score=m.score,
            reasons=list(m.reasons),
            distance_m=round(m.distance_m) if m.distance_m is not None else None,
        )
        for m, item in zip(kept, items, strict=True)
    ]
