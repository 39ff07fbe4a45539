"""GET /complaints/{id}/similar: which complaints are candidates, and the
answer built from the pure scores of similar.py.

Bounded work per request, whatever the size of the table:
- candidates are only the open complaints (received, routed, answered) and
  those released in the last RECENT_RELEASE_DAYS, newest first, at most
  MAX_CANDIDATES, and only those the caller may see (a PIC: its unit's);
  merged, closed and rejected ones never are;
- the first query reads ids, category and place only (the status and id
  indexes serve it); title and body are read only for the candidates whose
  terms this process has not seen yet. A complaint's title and body never
  change after submission, so the cached terms never go stale.

The candidate query is one function (`candidate_docs`): a full-text index
(tsvector on PostgreSQL, FTS5 on SQLite) can later pre-rank candidates there
without changing the scoring."""

from __future__ import annotations

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
# Terms of about ten times the candidate window: one process's working set.
TERMS_CACHE_SIZE = 20_000
# SQLite's default limit on bound parameters is 999 on older builds.
_ID_CHUNK = 500


class TermsCache:
    """complaint id -> its terms, least recently used dropped first."""

    def __init__(self, size: int = TERMS_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[int, frozenset[str]] = OrderedDict()

    def get(self, complaint_id: int) -> frozenset[str] | None:
        found = self._items.get(complaint_id)
        if found is not None:
            self._items.move_to_end(complaint_id)
        return found

    def put(self, complaint_id: int, value: frozenset[str]) -> None:
        self._items[complaint_id] = value
        self._items.move_to_end(complaint_id)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


TERMS = TermsCache()


def _doc(row: dict, terms: frozenset[str]) -> similar.Doc:
    return similar.Doc(
        id=row["id"],
        terms=terms,
        category_id=row["category"],
        lat=row["location_lat"],
        lon=row["location_lon"],
    )


async def _terms_for(ids: list[int]) -> dict[int, frozenset[str]]:
    found: dict[int, frozenset[str]] = {}
    missing: list[int] = []
    for complaint_id in ids:
        cached = TERMS.get(complaint_id)
        if cached is None:
            missing.append(complaint_id)
        else:
            found[complaint_id] = cached
    for start in range(0, len(missing), _ID_CHUNK):
        chunk = missing[start : start + _ID_CHUNK]
        for r in await C.select(C.id, C.title, C.body).where(C.id.is_in(chunk)):
            terms = similar.terms(r["title"], r["body"])
            TERMS.put(r["id"], terms)
            found[r["id"]] = terms
    return found


async def candidate_docs(caller: Caller, exclude_id: int) -> list[similar.Doc]:
    """The open and recently released complaints `caller` may see, newest first.

    Two queries, each served by an index (status; released_at), rather than one
    with an OR that would read every released complaint ever."""
    since = clock.now() - timedelta(days=RECENT_RELEASE_DAYS)
    meta = (C.id, C.status, C.category, C.location_lat, C.location_lon)
    open_ = C.select(*meta).where(C.status.is_in([s.value for s in OPEN_STATUSES]))
    # Released ones are found by the range alone, bounded by the window: a status
    # condition or an ORDER BY id would tempt SQLite away from the released_at index.
    # Those released then and since closed, reopened or merged are dropped here.
    released = C.select(*meta).where(C.released_at >= since)
    rows: list[dict] = []
    for query, wanted in (
        (open_.order_by(C.id, ascending=False).limit(MAX_CANDIDATES), OPEN_STATUSES),
        (released, (Status.RELEASED,)),
    ):
        query = query.where(C.id != exclude_id)
        if caller.role == Role.PIC:
            query = query.where(C.unit == caller.unit_id)
        rows.extend(r for r in await query if r["status"] in wanted)
    rows.sort(key=lambda r: r["id"], reverse=True)
    rows = rows[:MAX_CANDIDATES]
    terms = await _terms_for([r["id"] for r in rows])
    return [_doc(r, terms[r["id"]]) for r in rows if r["id"] in terms]


async def find_similar(user: CurrentUser, complaint_id: int, limit: int = 5) -> list[SimilarOut]:
    caller = user.caller
    if caller.role not in (Role.ADMIN, Role.PIC):
        raise Forbidden("only an admin or the unit's PIC may look for similar complaints")
    row = await queries.visible_row(caller, complaint_id)
    own_terms = TERMS.get(row["id"])
    if own_terms is None:
        own_terms = similar.terms(row["title"], row["body"])
        TERMS.put(row["id"], own_terms)
    matches = similar.rank(
        _doc(row, own_terms), await candidate_docs(caller, row["id"]), limit=limit
    )
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
