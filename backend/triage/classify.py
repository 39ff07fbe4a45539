"""Rule-based triage of a complaint: which kind it is and which category it belongs to.

Runs on every submission, so everything is precomputed at import or in the matcher's
constructor; the text goes through normalise.py first. Pure: imports nothing of the
app, so organisation (the category matcher) and complaints (the kind) both use it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from backend.triage.normalise import normalise, split_words, stem


class Kind(enum.StrEnum):
    """The four kinds of submission the contract knows."""

    KELUHAN = "keluhan"
    PERTANYAAN = "pertanyaan"
    INFORMASI = "informasi"
    SARAN = "saran"


KINDS: tuple[str, ...] = tuple(kind.value for kind in Kind)

# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class CategoryRule:
    id: int
    code: str
    keywords: tuple[str, ...]


# A title is the citizen's own summary, so a keyword there says more than one in passing.
_TITLE_WEIGHT = 2


class CategoryMatcher:
    """Built once from the rules (keywords normalised once), reused for every complaint."""

    def __init__(self, rules: Iterable[CategoryRule]) -> None:
        self._rules: tuple[CategoryRule, ...] = tuple(rules)
        # first stem -> [(phrase stems, rule position)], longest phrase first
        index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for pos, rule in enumerate(self._rules):
            seen: set[tuple[str, ...]] = set()
            for keyword in rule.keywords:
                phrase = tuple(normalise(keyword))
                if not phrase or phrase in seen:
                    continue
                seen.add(phrase)
                index.setdefault(phrase[0], []).append((phrase, pos))
        for entries in index.values():
            entries.sort(key=lambda e: (-len(e[0]), e[1]))
        self._index = index
        self._max_len = max((len(p) for es in index.values() for p, _ in es), default=1)

    def _spans(self, tokens: list[str]) -> list[tuple[int, int, int, tuple[str, ...]]]:
        spans: list[tuple[int, int, int, tuple[str, ...]]] = []
        n_tokens = len(tokens)
        for i, token in enumerate(tokens):
            entries = self._index.get(token)
            if not entries:
                continue
            for phrase, pos in entries:
                end = i + len(phrase)
                if end <= n_tokens and tuple(tokens[i:end]) == phrase:
                    spans.append((i, end, pos, phrase))
        if len(spans) < 2:
            return spans
        # A word inside a longer matched phrase is not separate evidence: "jalan" inside
        # "lampu jalan", "polisi" inside "polisi tidur". Only spans starting at most
        # max_len - 1 earlier can contain this one, so this stays linear in the text.
        longest_end: dict[int, int] = {}
        for start, end, _pos, _phrase in spans:
            if end > longest_end.get(start, -1):
                longest_end[start] = end
        max_len = self._max_len
        kept = []
        for span in spans:
            start, end = span[0], span[1]
            contained = False
            for other_start in range(max(0, start - max_len + 1), start + 1):
                other_end = longest_end.get(other_start, -1)
                if other_end >= end and other_end - other_start > end - start:
                    contained = True
                    break
            if not contained:
                kept.append(span)
        return kept

    def match(self, title: str, body: str) -> CategoryRule | None:
        """Best category by keyword hits; None when nothing matches.

        Each distinct keyword scores its length in words (a phrase is more specific than a
        word), counted once per field, with title hits weighted double. Ties go to the
        category whose first hit comes earliest, then to the lowest rule id."""
        # rule position -> phrase -> weight
        hits: dict[int, dict[tuple[str, ...], int]] = {}
        first_at: dict[int, int] = {}
        offset = 0
        for text, weight in ((title, _TITLE_WEIGHT), (body, 1)):
            tokens = normalise(text)
            seen_here: set[tuple[int, tuple[str, ...]]] = set()
            for start, _end, pos, phrase in self._spans(tokens):
                at = offset + start
                if pos not in first_at or at < first_at[pos]:
                    first_at[pos] = at
                if (pos, phrase) in seen_here:
                    continue
                seen_here.add((pos, phrase))
                per_rule = hits.setdefault(pos, {})
                per_rule[phrase] = per_rule.get(phrase, 0) + weight
            offset += len(tokens) + 1
        if not hits:
            return None

        def rank(pos: int) -> tuple[int, int, int]:
            score = sum(len(p) * w for p, w in hits[pos].items())
            return (-score, first_at[pos], self._rules[pos].id)

        return self._rules[min(hits, key=rank)]


# --------------------------------------------------------------------------------- kinds


def _phrases(*texts: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(normalise(t)) for t in texts)


_SignalTable = tuple[tuple[tuple[tuple[str, ...], ...], float], ...]

# (phrases, weight). Phrases are matched on stems, so inflections come for free.
_QUESTION_SIGNALS: _SignalTable = (
    (_phrases("tanya", "pertanyaan"), 3.0),
    (_phrases("mohon info", "minta info", "mohon informasi", "minta informasi"), 2.5),
    (_phrases("info dong", "ada info"), 2.0),
    (_phrases("bagaimana", "berapa", "kapan", "dimana", "di mana"), 1.0),
    (_phrases("kemana", "ke mana", "siapa", "apa saja", "apa"), 1.0),
    # "ada gak", "bisa tidak": the spoken yes/no question.
    (_phrases("ada tidak", "bisa tidak", "boleh tidak", "apa bisa", "apa boleh"), 1.0),
    (_phrases("syarat", "persyaratan", "cara", "prosedur", "biaya"), 1.0),
    # In a complaint "kenapa" is usually exasperation rather than a real question.
    (_phrases("kenapa", "mengapa"), 0.5),
)
_SUGGESTION_SIGNALS: _SignalTable = (
    (_phrases("saran", "usul", "sebaiknya", "alangkah baiknya", "ada baiknya"), 3.0),
    (_phrases("mohon dipertimbangkan", "tolong dipertimbangkan"), 3.0),
    (_phrases("bagaimana kalau", "lebih baik"), 2.0),
    (_phrases("diharapkan", "harapan saya", "semoga ke depan", "perlu", "seharusnya"), 1.0),
    (_phrases("agar", "supaya", "biar"), 0.5),
)
_INFORMATION_SIGNALS: _SignalTable = (
    (_phrases("sekedar info", "sekadar info", "info saja"), 3.5),
    (_phrases("info", "informasi", "kabar bahwa", "memberi kabar", "sekedar kabar"), 3.0),
    (_phrases("melaporkan bahwa", "laporan bahwa"), 1.5),
)
_COMPLAINT_SIGNALS: _SignalTable = (
    (_phrases("kecewa", "parah", "padahal", "capek", "resah", "keluh", "percuma"), 1.0),
    (_phrases("mohon ditindak", "tolong ditindak", "tidak adil", "bolak balik"), 1.0),
    (_phrases("apa tidak", "tidak ada tindak lanjut", "dibiarkan", "tidak pernah"), 1.0),
    (_phrases("rusak", "lubang", "bocor", "mampet", "tumpuk", "bau", "macet", "kotor"), 0.75),
    (_phrases("lama", "lambat", "susah", "sulit", "ribet", "jelek", "buruk", "jutek"), 0.75),
    (_phrases("bahaya", "takut", "rugi", "mahal", "langka", "liar", "sembarangan"), 0.75),
    (_phrases("pungli", "potong", "tolak", "tahan", "hilang", "curang", "keruh"), 0.75),
    (_phrases("tolong", "segera", "tidak", "belum"), 0.5),
)
# Complaints are the common case: with no other evidence a submission is a keluhan.
_COMPLAINT_PRIOR = 1.0
_QUESTION_MARK_WEIGHT = 1.5
# "Terima kasih" closes half of all complaints; only as an opening is it appreciation.
_THANKS = tuple(normalise("terima kasih"))
_THANKS_WEIGHT = 2.0
_GOOD_NEWS = frozenset(normalise("alhamdulillah syukur"))
_GOOD_NEWS_WEIGHT = 1.5
# Verbs of informing, matched unstemmed: the stem of "pemberitahuan" ("tidak ada
# pemberitahuan", a complaint) is the same as that of "memberitahukan".
_INFORM_VERBS: frozenset[str] = frozenset(
    {
        "memberitahukan",
        "memberitahu",
        "beritahukan",
        "menginformasikan",
        "menginfokan",
        "informasikan",
        "infokan",
        "mengabarkan",
        "kabarkan",
    }
)
_INFORM_VERB_WEIGHT = 3.0
# The stemmer drops -kah, so "apakah", "bisakah" are recognised before stemming; these
# words merely end so.
_NOT_KAH_PARTICLE: frozenset[str] = frozenset({"nikah", "langkah", "alangkah", "sedekah"})
_KAH_WEIGHT = 1.0
# Phrases that mean something other than their words: "bagaimana kalau" suggests rather
# than asks, "mohon info" asks rather than informs, "apa tidak" complains. Where such a
# phrase occurs, its words no longer count on their own anywhere in the text.
_SHADOWED: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {
    tuple(normalise("bagaimana kalau")): (tuple(normalise("bagaimana")),),
    tuple(normalise("apa tidak")): (tuple(normalise("apa")), tuple(normalise("tidak"))),
    tuple(normalise("mohon info")): (tuple(normalise("info")),),
    tuple(normalise("minta info")): (tuple(normalise("info")),),
    tuple(normalise("mohon informasi")): (tuple(normalise("informasi")),),
    tuple(normalise("minta informasi")): (tuple(normalise("informasi")),),
    tuple(normalise("info dong")): (tuple(normalise("info")),),
    tuple(normalise("ada info")): (tuple(normalise("info")),),
    tuple(normalise("sekedar info")): (tuple(normalise("info")),),
    tuple(normalise("sekadar info")): (tuple(normalise("info")),),
    tuple(normalise("info saja")): (tuple(normalise("info")),),
    tuple(normalise("tidak ada tindak lanjut")): (tuple(normalise("tidak")),),
    tuple(normalise("ada tidak")): (tuple(normalise("tidak")),),
    tuple(normalise("bisa tidak")): (tuple(normalise("tidak")),),
    tuple(normalise("boleh tidak")): (tuple(normalise("tidak")),),
}
_MAX_SIGNAL_LEN = max(
    len(p)
    for table in (_QUESTION_SIGNALS, _SUGGESTION_SIGNALS, _INFORMATION_SIGNALS, _COMPLAINT_SIGNALS)
    for phrases, _w in table
    for p in phrases
)


def _ngrams(tokens: list[str]) -> set[tuple[str, ...]]:
    grams: set[tuple[str, ...]] = set()
    n_tokens = len(tokens)
    for i in range(n_tokens):
        for n in range(1, min(_MAX_SIGNAL_LEN, n_tokens - i) + 1):
            grams.add(tuple(tokens[i : i + n]))
    return grams


def _score(table: _SignalTable, grams: set[tuple[str, ...]]) -> float:
    total = 0.0
    for phrases, weight in table:
        for phrase in phrases:
            if phrase in grams:
                total += weight
    return total


def classify_kind(title: str, body: str) -> str:
    """One of KINDS. Every signal counts once however often it recurs, and the kinds are
    weighed against each other, so a complaint that ends "kapan diperbaiki?" stays a
    keluhan when it carries more complaint evidence than question evidence."""
    title_words = split_words(title)
    body_words = split_words(body)
    words = [*title_words, ".", *body_words]
    tokens = [stem(w) for w in words]
    grams = _ngrams(tokens)
    for longer, shorter in _SHADOWED.items():
        if longer in grams:
            grams.difference_update(shorter)

    question = _score(_QUESTION_SIGNALS, grams)
    if any(w.endswith("kah") and len(w) > 5 and w not in _NOT_KAH_PARTICLE for w in words):
        question += _KAH_WEIGHT
    if "?" in title or "?" in body:
        question += _QUESTION_MARK_WEIGHT
    suggestion = _score(_SUGGESTION_SIGNALS, grams)
    information = _score(_INFORMATION_SIGNALS, grams)
    if any(w in _INFORM_VERBS for w in words):
        information += _INFORM_VERB_WEIGHT
    for part in (title_words, body_words):
        if tuple(stem(w) for w in part[: len(_THANKS)]) == _THANKS:
            information += _THANKS_WEIGHT
            break
    for part in (title_words, body_words):
        if part and stem(part[0]) in _GOOD_NEWS:
            information += _GOOD_NEWS_WEIGHT
            break
    complaint = _COMPLAINT_PRIOR + _score(_COMPLAINT_SIGNALS, grams)

    scores = {
        "keluhan": complaint,
        "pertanyaan": question,
        "informasi": information,
        "saran": suggestion,
    }
    # Strictly greater wins, so ties fall to the earlier kind in KINDS (keluhan first).
    best = KINDS[0]
    for kind in KINDS[1:]:
        if scores[kind] > scores[best]:
            best = kind
    return best
