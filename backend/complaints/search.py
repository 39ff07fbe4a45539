"""Full-text search of complaints: the words a user typed, as a condition on
the complaint table that the engine's text index answers.

Every word must occur; the last one also matches as a prefix, so results
follow the user while they type ("jalan rus" finds "jalan rusak"), unless
the text ends with a space: then the last word is complete.
PostgreSQL matches the stored `search_vector` (the `indonesian`
configuration, so "perbaikan" also finds "diperbaiki"); SQLite matches its
FTS5 table (unicode61 tokens without diacritics; no stemmer). Both are kept
in the same transaction as the row (see the migration that creates them).
Role scoping stays with the caller's query: this only narrows it.
"""

from __future__ import annotations

import re

from piccolo.query import WhereRaw

from backend.complaints.tables import Complaint

# Letters and digits only: every operator of either query language (quotes,
# &, |, !, :, *, parentheses, NEAR, column filters) is dropped, so whatever a
# user types is a list of words and never a syntax error.
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text.replace("_", " "))]


def _pg_query(found: list[str], prefix: bool) -> str:
    *whole, last = found
    return " & ".join([*whole, f"{last}:*" if prefix else last])


def _fts5_query(found: list[str], prefix: bool) -> str:
    *whole, last = found
    # Quoted, so words like AND/OR/NOT are words; the last one as a prefix.
    return " ".join([*(f'"{w}"' for w in whole), f'"{last}"*' if prefix else f'"{last}"'])


# How far a first attempt looks (see `matching`). SQLite: FTS5 hands back
# every match of a common word (a prefix like "jemb" can match 1 in 8
# complaints) and SQLite builds that whole list before taking a page of it.
# PostgreSQL: the newest WINDOW complaints bound the planner's id-index walk.
WINDOW = 2000


def matching(
    text: str, window: bool = False, before: int | None = None, everything: bool = False
) -> WhereRaw | None:
    """The condition "title or body contains these words", or None when the
    text holds no word at all (then there is nothing to filter on).

    `window=True` narrows the condition to the newest WINDOW matches
    (SQLite) or to the WINDOW newest complaints (PostgreSQL), below `before`
    (the cursor; on PostgreSQL one past the newest id without one). A page
    taken newest-first from them is exactly the page the full condition
    gives, as long as it comes back full: every match left out is older than
    all of them. The caller retries without the window when the page comes
    back short.

    `everything=True` (PostgreSQL, the retry): the matches' ids are collected
    from the GIN index first (an InitPlan), then paged. Left to itself, the
    planner walks the id index backwards testing every row whenever it
    guesses a word is common, and a rare word then reads the whole table
    (0.4-5 s at 1M complaints). The windowed first try is bounded either way;
    a word that did not fill a page there is sparse, so collecting all its
    matches is cheap."""
    found = words(text)
    if not found:
        return None
    prefix = not text[-1:].isspace()
    if Complaint._meta.db.engine_type == "postgres":
        if window:
            return WhereRaw(
                "complaint.search_vector @@ to_tsquery('indonesian', {}) "
                f"AND complaint.id >= {int(before) - WINDOW}",
                _pg_query(found, prefix),
            )
        if everything:
            return WhereRaw(
                "complaint.id = ANY(ARRAY(SELECT id FROM complaint WHERE search_vector @@ "
                "to_tsquery('indonesian', {})))",
                _pg_query(found, prefix),
            )
        return WhereRaw(
            "complaint.search_vector @@ to_tsquery('indonesian', {})", _pg_query(found, prefix)
        )
    if not window:
        return WhereRaw(
            "complaint.id IN (SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH {})",
            _fts5_query(found, prefix),
        )
    below = f" AND rowid < {int(before)}" if before is not None else ""
    return WhereRaw(
        "complaint.id IN (SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH {}"
        f"{below} ORDER BY rowid DESC LIMIT {WINDOW})",
        _fts5_query(found, prefix),
    )
