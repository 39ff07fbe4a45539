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


# SQLite: how many of the newest matches a first attempt looks at. FTS5 hands
# back every match of a common word (a prefix like "jemb" can match 1 in 8
# complaints), and SQLite builds that whole list before it takes a page of
# it; the newest WINDOW matches are enough for most pages (see `matching`).
WINDOW = 2000


def matching(text: str, window: bool = False, before: int | None = None) -> WhereRaw | None:
    """The condition "title or body contains these words", or None when the
    text holds no word at all (then there is nothing to filter on).

    `window=True` (SQLite) narrows the condition to the newest WINDOW
    matches. A page taken newest-first from them is exactly the page the
    full condition gives, as long as it comes back full: every match left out
    is older than all of them. The caller retries without the window when
    the page comes back short. `before`: the cursor, so the window is the
    newest matches of the page asked for."""
    found = words(text)
    if not found:
        return None
    prefix = not text[-1:].isspace()
    if Complaint._meta.db.engine_type == "postgres":
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


def windowed() -> bool:
    """Whether `matching(window=True)` narrows anything on this engine."""
    return Complaint._meta.db.engine_type != "postgres"
