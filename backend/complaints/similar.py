"""How alike two complaints are: pure scoring, no database.

A complaint becomes a `Doc`: the set of its content terms (stems from the
triage normaliser, function words dropped, plus a "problem" token for words
that name the same kind of trouble, so "berlubang" and "aspal rusak" meet),
its category and its location. `rank` scores candidates against one
complaint by

- text: cosine of binary TF-IDF vectors, the IDF taken over the candidates
  themselves (a word every open complaint uses says little);
- place: distance on the earth when both have a location;
- category: the same category.

The query that finds the candidates lives in similar_search.py."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from backend.triage.normalise import normalise

# Words that carry no problem: pronouns, particles, courtesy and filler. Matched
# after stemming, so they are written the way the normaliser leaves them.
_STOPWORD_TEXT = """
    yang dan di ke dari ini itu ada tidak tak belum sudah udah sangat sekali banget
    amat mohon tolong pak bu bapak ibu kami saya aku kita mereka dia beliau kalian
    untuk pada dengan karena agar supaya jadi juga lagi masih akan bisa dapat harap
    segera cepat atau tapi tetapi namun kalau jika sejak sampai hingga sekitar dekat
    depan belakang samping sebelah dalam luar atas bawah oleh bagi tentang seperti
    hari minggu bulan tahun kemarin sekarang tadi pagi siang sore malam
    sering selalu terus hanya cuma pun lah kah nya ya yg dgn utk tdk sdh blm gak
    nggak enggak ga tdk mas mbak kang teh warga desa kecamatan kabupaten cirebon kab
    kec rt rw no nomor jl gang blok dusun kampung laporan lapor keluh
    satu dua tiga lima enam tujuh delapan sembilan sepuluh sama semua banyak sehingga
    setelah beberapa hampir tiap buat bilang mulai
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

# Words that name the same problem in other words. Each maps to a shared token,
# added next to the word itself, so a paraphrase still shares something.
_PROBLEMS: dict[str, tuple[str, ...]] = {
    "jalan-rusak": ("lubang", "aspal", "amblas", "retak", "rusak", "kubang", "ambrol"),
    "penerangan": ("lampu", "pju", "gelap", "terang", "bohlam", "padam"),
    "sampah": ("sampah", "tumpuk", "tps", "bau", "busuk", "limbah", "buang"),
    "genangan": ("banjir", "genang", "luap", "rob"),
    "saluran": ("got", "selokan", "selo", "saluran", "drainase", "gorong", "sumbat", "mampet"),
    "air-bersih": ("pdam", "keran", "kran", "pipa", "keruh", "sumur"),
    "pohon": ("pohon", "tumbang", "dahan", "ranting", "roboh"),
    "layanan-sehat": ("puskesmas", "dokter", "bidan", "obat", "pasien", "perawat"),
    "dokumen": ("ktp", "kk", "akta", "dukcapil", "kartu", "blanko"),
    "bantuan": ("bansos", "bantuan", "bpnt", "pkh", "blt", "sembako"),
    "sekolah": ("sekolah", "guru", "murid", "siswa", "pungut", "seragam"),
    "listrik": ("listrik", "pln", "kabel", "tiang", "korslet"),
    "lalu-lintas": ("macet", "parkir", "angkot", "lalu", "lintas", "rambu"),
    "bising": ("bising", "berisik", "suara", "knalpot", "dangdut", "sound"),
}
_PROBLEM_OF: dict[str, str] = {
    word: "~" + problem for problem, words in _PROBLEMS.items() for word in words
}

# A place shared within this distance is a reason on its own.
PLACE_RADIUS_M = 300.0
# Beyond this, distance adds nothing.
PLACE_HORIZON_M = 1500.0
# The share of each signal in the score (they sum to 1).
TEXT_WEIGHT = 0.6
PLACE_WEIGHT = 0.25
CATEGORY_WEIGHT = 0.15
# A text similarity from here on is named as a reason.
TEXT_REASON_MIN = 0.2
# Below this a candidate is not offered at all: sharing only a category (or
# only a place) is not "the same problem".
SCORE_MIN = 0.3
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Doc:
    id: int
    terms: frozenset[str]
    category_id: int | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Match:
    id: int
    score: float
    reasons: tuple[str, ...]
    distance_m: float | None


def terms(title: str, body: str) -> frozenset[str]:
    """The content terms of a complaint's title and body."""
    found: set[str] = set()
    for word in normalise(f"{title}\n{body}"):
        if len(word) < 2 or word.isdigit() or word in STOPWORDS:
            continue
        found.add(word)
        problem = _PROBLEM_OF.get(word)
        if problem is not None:
            found.add(problem)
    return frozenset(found)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_m(a: Doc, b: Doc) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return haversine_m(a.lat, a.lon, b.lat, b.lon)


def place_closeness(metres: float | None) -> float:
    """1 within the place radius, falling to 0 at the horizon."""
    if metres is None:
        return 0.0
    if metres <= PLACE_RADIUS_M:
        return 1.0
    return max(0.0, 1.0 - (metres - PLACE_RADIUS_M) / (PLACE_HORIZON_M - PLACE_RADIUS_M))


def idf_weights(docs: Iterable[frozenset[str]]) -> tuple[Counter[str], int]:
    """Document frequencies and the number of documents, for `idf`."""
    df: Counter[str] = Counter()
    n = 0
    for d in docs:
        df.update(d)
        n += 1
    return df, n


def idf(term: str, df: Counter[str], n: int) -> float:
    # Smoothed, and never zero: a word in every document still counts a little.
    return math.log((n + 1) / (df.get(term, 0) + 1)) + 1.0


def squared_weights(df: Counter[str], n: int) -> dict[str, float]:
    """idf² of every term seen: a binary TF-IDF vector's squared components."""
    return {t: idf(t, df, n) ** 2 for t in df}


def cosine(
    a: frozenset[str], b: frozenset[str], w2: dict[str, float], norm_a: float, norm_b: float
) -> float:
    """Cosine of two binary TF-IDF vectors, given their norms."""
    shared = a & b
    if not shared or not norm_a or not norm_b:
        return 0.0
    return sum(w2[t] for t in shared) / (norm_a * norm_b)


# Degrees of latitude (and, at Cirebon's latitude, of longitude) that surely lie
# beyond the horizon: a cheap box test before the trigonometry.
_HORIZON_DEG = PLACE_HORIZON_M / 110_000 * 1.05


def _maybe_near(a: Doc, b: Doc) -> bool:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return False
    return abs(a.lat - b.lat) <= _HORIZON_DEG and abs(a.lon - b.lon) <= _HORIZON_DEG


def score_pair(query: Doc, other: Doc, pool: Pool, norm_q: float) -> Match:
    text = cosine(query.terms, other.terms, pool.w2, norm_q, pool.norms[other.id])
    metres = distance_m(query, other)
    place = place_closeness(metres)
    same_category = query.category_id is not None and query.category_id == other.category_id
    score = TEXT_WEIGHT * text + PLACE_WEIGHT * place + CATEGORY_WEIGHT * same_category
    reasons = []
    if text >= TEXT_REASON_MIN:
        reasons.append("text")
    if metres is not None and metres <= PLACE_RADIUS_M:
        reasons.append("place")
    if same_category:
        reasons.append("category")
    return Match(other.id, round(min(1.0, score), 4), tuple(reasons), metres)


# The rarer two thirds of a complaint's terms, but at least this many, must include a
# word a candidate shares for its text to be compared at all.
KEY_TERMS_MIN = 4


def key_terms(terms: frozenset[str], df: Counter[str]) -> frozenset[str]:
    """The rarer two thirds of `terms` among the candidates: what a duplicate shares."""
    if len(terms) <= KEY_TERMS_MIN:
        return terms
    by_rarity = sorted(terms, key=lambda t: (df.get(t, 0), t))
    return frozenset(by_rarity[: max(KEY_TERMS_MIN, (2 * len(terms) + 2) // 3)])


@dataclass(frozen=True, slots=True)
class Pool:
    """Candidates with their IDF weights and vector norms: computed once, and
    reusable while the candidates stay the same (the triage page asks about one
    card after another against the same open complaints)."""

    docs: tuple[Doc, ...]
    df: Counter[str]
    n: int
    w2: dict[str, float]
    norms: dict[int, float]


def make_pool(docs: Iterable[Doc]) -> Pool:
    docs = tuple(docs)
    df, n = idf_weights(d.terms for d in docs)
    w2 = squared_weights(df, n)
    norms = {d.id: math.sqrt(sum(w2[t] for t in d.terms)) for d in docs}
    return Pool(docs, df, n, w2, norms)


def rank_in(query: Doc, pool: Pool, limit: int = 5) -> list[Match]:
    """The best `limit` candidates of `pool` for `query`, best first; ties go to the
    newest (highest id). Candidates scoring below SCORE_MIN are left out. The query
    need not be in the pool; a word of its own the pool lacks weighs as the rarest."""
    unseen = idf("", Counter(), pool.n) ** 2
    norm_q = math.sqrt(sum(pool.w2.get(t, unseen) for t in query.terms))
    keys = key_terms(query.terms, pool.df)
    matches = []
    for other in pool.docs:
        if other.id == query.id:
            continue
        # Cheap rejections first: sharing none of the query's rarer words and no
        # place, a candidate is not scored (the category alone cannot reach SCORE_MIN).
        if keys.isdisjoint(other.terms) and not _maybe_near(query, other):
            continue
        m = score_pair(query, other, pool, norm_q)
        if m.score >= SCORE_MIN:
            matches.append(m)
    matches.sort(key=lambda m: (-m.score, -m.id))
    return matches[:limit]


def rank(query: Doc, candidates: Iterable[Doc], limit: int = 5) -> list[Match]:
    """rank_in over a pool made of `candidates` (and the query itself, whose own
    words count in the document frequencies)."""
    docs = list(candidates)
    if all(d.id != query.id for d in docs):
        docs.append(query)
    return rank_in(query, make_pool(docs), limit)
