"""Rule-based triage of a complaint: which kind it is and which category it belongs to.

Runs on every submission, so everything is precomputed at import or in the matcher's
constructor and stems are memoised. The stemmer is deliberately light: it only has to map
the forms of one word onto the same key, and keywords go through the very same function,
so an imperfect stem costs nothing as long as it is consistent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

KINDS: tuple[str, ...] = ("keluhan", "pertanyaan", "informasi", "saran")

# Hyphens are kept inside a token so reduplication ("anak-anak") can be recognised before
# the token is split; everything else that is not a letter or digit separates tokens.
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Texting writes reduplication as a trailing 2: "anak2" = "anak-anak", "asal2an".
_REDUP_DIGIT_RE = re.compile(r"^([a-z]{2,})2([a-z]*)$")
# "parahhh", "tolonggg": three or more of a letter is emphasis, never spelling.
_ELONGATION_RE = re.compile(r"([a-z])\1{2,}")

# Abbreviations, texting spellings and Cirebon dialect words, mapped to standard words.
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    # places and administration
    "jl": ("jalan",),
    "jln": ("jalan",),
    "jaln": ("jalan",),
    "dalan": ("jalan",),
    "kec": ("kecamatan",),
    "kab": ("kabupaten",),
    "kel": ("kelurahan",),
    "ds": ("desa",),
    "dsn": ("dusun",),
    "pemkab": ("pemerintah", "kabupaten"),
    "pemdes": ("pemerintah", "desa"),
    "kades": ("kepala", "desa"),
    "pkm": ("puskesmas",),
    # "rs" in a complaint is nearly always a hospital; "rsud" stays distinct.
    "rs": ("rumah", "sakit"),
    "ambulance": ("ambulans",),
    "ektp": ("e", "ktp"),
    "ktpel": ("ktp", "el"),
    "sertipikat": ("sertifikat",),
    "sertif": ("sertifikat",),
    "ijin": ("izin",),
    "perijinan": ("perizinan",),
    "akte": ("akta",),
    "antre": ("antri",),
    "antrean": ("antrian",),
    "trafic": ("traffic",),
    # function words
    "yg": ("yang",),
    "dgn": ("dengan",),
    "dg": ("dengan",),
    "dng": ("dengan",),
    "utk": ("untuk",),
    "untk": ("untuk",),
    "krn": ("karena",),
    "krna": ("karena",),
    "karna": ("karena",),
    "tdk": ("tidak",),
    "tak": ("tidak",),
    "gak": ("tidak",),
    "ga": ("tidak",),
    "gk": ("tidak",),
    "nggak": ("tidak",),
    "ngga": ("tidak",),
    "enggak": ("tidak",),
    "engga": ("tidak",),
    "bli": ("tidak",),  # Cirebon dialect
    "ora": ("tidak",),  # Cirebon/Javanese
    "sdh": ("sudah",),
    "udh": ("sudah",),
    "udah": ("sudah",),
    "dah": ("sudah",),
    "wis": ("sudah",),
    "uwis": ("sudah",),
    "blm": ("belum",),
    "blum": ("belum",),
    "blom": ("belum",),
    "belom": ("belum",),
    "durung": ("belum",),
    "bgmn": ("bagaimana",),
    "bgm": ("bagaimana",),
    "gmn": ("bagaimana",),
    "gmna": ("bagaimana",),
    "gimana": ("bagaimana",),
    "kpn": ("kapan",),
    "brp": ("berapa",),
    "brapa": ("berapa",),
    "knp": ("kenapa",),
    "napa": ("kenapa",),
    "dmn": ("dimana",),
    "dmana": ("dimana",),
    "tlg": ("tolong",),
    "tolng": ("tolong",),
    "mhn": ("mohon",),
    "mksh": ("terima", "kasih"),
    "makasih": ("terima", "kasih"),
    "trims": ("terima", "kasih"),
    "trimakasih": ("terima", "kasih"),
    "terimakasih": ("terima", "kasih"),
    "tq": ("terima", "kasih"),
    "thx": ("terima", "kasih"),
    "sy": ("saya",),
    "sya": ("saya",),
    "gw": ("saya",),
    "gue": ("saya",),
    "kula": ("saya",),
    "bpk": ("bapak",),
    "pak": ("bapak",),
    "bu": ("ibu",),
    "ortu": ("orang", "tua"),
    "org": ("orang",),
    "rmh": ("rumah",),
    "bgt": ("banget",),
    "bngt": ("banget",),
    "bnyk": ("banyak",),
    "byk": ("banyak",),
    "skrg": ("sekarang",),
    "skrng": ("sekarang",),
    "tp": ("tapi",),
    "tpi": ("tapi",),
    "jg": ("juga",),
    "lg": ("lagi",),
    "sm": ("sama",),
    "ama": ("sama",),
    "dr": ("dari",),
    "dri": ("dari",),
    "kalo": ("kalau",),
    "klo": ("kalau",),
    "kl": ("kalau",),
    "bs": ("bisa",),
    "bsa": ("bisa",),
    "hrs": ("harus",),
    "msh": ("masih",),
    "masi": ("masih",),
    "sampe": ("sampai",),
    "aja": ("saja",),
    "aj": ("saja",),
    "kmrn": ("kemarin",),
    "kemaren": ("kemarin",),
    "sblm": ("sebelum",),
    "stlh": ("setelah",),
    "ttg": ("tentang",),
    "spt": ("seperti",),
    "pd": ("pada",),
    "dpt": ("dapat",),
    "dapet": ("dapat",),
    "tgl": ("tanggal",),
    "bln": ("bulan",),
    "thn": ("tahun",),
    "taun": ("tahun",),
    "hr": ("hari",),
    "mlm": ("malam",),
    "malem": ("malam",),
    "bbrp": ("beberapa",),
    "cepet": ("cepat",),
    "dtg": ("datang",),
    "pake": ("pakai",),
    "bikin": ("buat",),
    "nanya": ("tanya",),
    "nanyain": ("tanya",),
    "ngadu": ("adu",),
    "ngurus": ("urus",),
    "nunggu": ("tunggu",),
    "nunggak": ("tunggak",),
    "numpuk": ("tumpuk",),
    "nyampe": ("sampai",),
    "nyebrang": ("seberang",),
    "nyeberang": ("seberang",),
    "sebrang": ("seberang",),
    "banyu": ("air",),
}

# Roots that merely look affixed ("jalan" is not jal+an, "sekolah" is not seko+lah),
# plus question words whose shape must survive for classify_kind.
_PROTECTED: frozenset[str] = frozenset(
    {
        "jalan",
        "taman",
        "bulan",
        "hujan",
        "depan",
        "teman",
        "badan",
        "tahan",
        "pesan",
        "saran",
        "jangan",
        "tangan",
        "tuhan",
        "pekan",
        "sekolah",
        "masalah",
        "setelah",
        "sebelah",
        "langkah",
        "sedekah",
        "perintah",
        "pemerintah",
        "dinas",
        "didik",
        "distribusi",
        "diskusi",
        "disiplin",
        "disnaker",
        "melon",
        "dengan",
        "diskominfo",
        "distan",
        "digital",
        "diare",
        "dingin",
        "merah",
        "menit",
        "terima",
        "tertib",
        "terang",
        "ternak",
        "terminal",
        "teras",
        "bersih",
        "berita",
        "beritahu",
        "berkas",
        "berisik",
        "beranda",
        "penuh",
        "penting",
        "pendek",
        "pernah",
        "peduli",
        "pensiun",
        "perahu",
        "perangkat",
        "pecah",
        "ngeri",
        "keluarga",
        "bagaimana",
        "berapa",
        "kapan",
        "kenapa",
        "mengapa",
        "dimana",
        "kemana",
        "darimana",
        "siapa",
        "informasi",
    }
)

# Forms no affix rule gets right without a dictionary.
_EXCEPTIONS: dict[str, str] = {
    "menikah": "nikah",
    "menikahi": "nikah",
    "dinikahkan": "nikah",
    "meminta": "minta",
    "dimintai": "minta",
    "memasak": "masak",
    "memakan": "makan",
    "mengeluh": "keluh",
    "mengeluhkan": "keluh",
    "dikeluhkan": "keluh",
    "keluhan": "keluh",
    "mengirim": "kirim",
    "mengirimkan": "kirim",
    "bertanya": "tanya",
    "ditanya": "tanya",
    "ditanyakan": "tanya",
    "menanyakan": "tanya",
    "bekerja": "kerja",
    "pekerjaan": "kerja",
    "belajar": "ajar",
    "pelajar": "ajar",
    "pelajaran": "ajar",
    "pembelajaran": "ajar",
    "masukan": "masuk",
    "tindakan": "tindak",
    "tumpukan": "tumpuk",
    "tunggakan": "tunggak",
    "rujukan": "rujuk",
    "pengerukan": "keruk",
    "mengeruk": "keruk",
    # The scales, kept apart from "dipertimbangkan" (considered).
    "timbangan": "timbangan",
    # Kept apart from "biar" ("so that"), a marker of suggestions.
    "dibiarkan": "biarkan",
    "membiarkan": "biarkan",
    "dibiarin": "biarkan",
    # The nurse is a person, not the act: "jalan tidak dirawat" is no health complaint.
    "perawat": "perawat",
    "perawatan": "rawat",
    "perekaman": "rekam",
    "direkam": "rekam",
    "perusakan": "rusak",
    "pengemis": "kemis",
    "pemukiman": "mukim",
    "pemakaman": "makam",
    "mengemis": "kemis",
    "penyakit": "sakit",
    "kesehatan": "sehat",
    "ketinggian": "tinggi",
}

_STEM_MIN = 3
# Consonant clusters a native or loan root may start with; a prefix whose removal would
# leave any other cluster ("disdik" -> "sdik") was not a prefix.
_ONSETS: frozenset[str] = frozenset(
    {"bl", "br", "dr", "fl", "fr", "gl", "gr", "kh", "kl", "kr", "ng", "ny", "pl", "pr"}
    | {"sk", "sl", "sm", "sn", "sp", "st", "sw", "sy", "tr"}
)
_VOWELS = frozenset("aeiou")


def _onset_ok(stem: str) -> bool:
    if len(stem) < _STEM_MIN:
        return False
    if stem[0] in _VOWELS or stem[1] in _VOWELS:
        return True
    return stem[:2] in _ONSETS


def _nasal_prefix(w: str, nasal_base: str) -> str | None:
    """Undo the nasal assimilation of me-/pe- (mem-, men-, meng-, meny-)."""
    n = len(nasal_base)
    rest = w[n:]
    if not rest:
        return None
    if rest.startswith("ny") and len(rest) > 2 and rest[2] in _VOWELS:
        return "s" + rest[2:]
    if rest.startswith("ng"):
        return rest[2:] if len(rest) > 2 else None  # mengangkut, menggali
    if rest.startswith("n"):
        after = rest[1:]
        if after and after[0] in _VOWELS:
            return "t" + after  # menutup, penerangan
        if after and after[0] in "dcjstz":
            return after  # mendaftar, pencurian
        return None
    if rest.startswith("m"):
        after = rest[1:]
        if after.startswith("per"):
            return after[3:]  # memperbaiki
        if after and after[0] in _VOWELS:
            return "p" + after  # memotong, pemasangan
        if after and after[0] in "bfvp":
            return after  # membuang, pembuangan
        return None
    if rest[0] in "lrwy" or (nasal_base == "pe" and rest[0] in "tdkgj"):
        return rest  # melapor, merusak; petugas, pedagang, pegawai
    return None


def _strip_prefix(w: str, confix_an: bool) -> str | None:
    cand: str | None = None
    if w.startswith("di"):
        cand = w[2:]
    elif w.startswith(("ter", "ber", "per")):
        cand = w[3:]
    elif w.startswith("me"):
        cand = _nasal_prefix(w, "me")
    elif w.startswith("pe"):
        cand = _nasal_prefix(w, "pe")
    elif w.startswith("ke") and confix_an:
        # ke- on its own is rare; as the ke-...-an confix it is everywhere (kerusakan).
        cand = w[2:]
    elif w.startswith("nge") and len(w) > 3 and w[3] not in _VOWELS:
        cand = w[3:]  # colloquial nasal: ngecek, ngebut
    elif w.startswith("ng") and len(w) > 2 and w[2] in _VOWELS:
        cand = w[2:]  # colloquial nasal: ngurus, ngantri
    if cand is None or not _onset_ok(cand):
        return None
    return cand


# Prefixes that take the verbal suffixes -i and colloquial -in (ber- never does: "bertani").
_I_PREFIXES = ("me", "di", "ter", "per")
_IN_PREFIXES = ("di", "ng")
# Only these can follow another prefix (di+per+baik, ke+ter+lambat, pem+ber+daya); letting
# di-/me-/pe- stack too would eat roots such as "didik".
_INNER_PREFIXES = ("per", "ber", "ter")


def _strip_prefixes(w: str, confix_an: bool) -> str:
    stripped = _strip_prefix(w, confix_an)
    if stripped is None:
        return w
    w = stripped
    if w not in _PROTECTED and w.startswith(_INNER_PREFIXES):
        w = _strip_prefix(w, False) or w
    return w


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    if len(word) <= 4 or word in _PROTECTED or not word.isalpha():
        return word
    exception = _EXCEPTIONS.get(word)
    if exception is not None:
        return exception
    w = word
    for particle in ("lah", "kah", "pun"):
        if w.endswith(particle) and len(w) - 3 >= 4:
            w = w[:-3]
            break
    if w.endswith("nya") and len(w) - 3 >= _STEM_MIN and w not in _PROTECTED:
        w = w[:-3]
    if w in _PROTECTED:
        return w

    # pe-/ke- nouns take -an, so "perbaikan" is per+baik+an, not per+bai+kan.
    noun_like = w.startswith(("pe", "ke"))
    cand: str | None = None
    confix_an = False
    if w.endswith("kan") and not noun_like:
        cand = w[:-3]
    elif w.endswith("an"):
        cand = w[:-2]
        confix_an = True
    elif w.endswith("in") and w.startswith(_IN_PREFIXES):
        cand = w[:-2]  # colloquial -in: dibenerin, ngajuin
    elif w.endswith("i") and w.startswith(_I_PREFIXES):
        cand = w[:-1]
    if cand is None or len(cand) < _STEM_MIN:
        return _strip_prefixes(w, False)
    if cand in _PROTECTED:
        return cand
    stem = _strip_prefixes(cand, confix_an)
    # Many roots end in -i themselves (cari, curi, gali); a stem that would be left with
    # three letters after losing one was more likely such a root.
    if w.endswith("i") and not w.endswith("in") and len(stem) < 4:
        return _strip_prefixes(w, False)
    return stem


def _ascii_lower(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


def _words(text: str) -> list[str]:
    """Lower-cased words with abbreviations expanded, not yet stemmed."""
    out: list[str] = []
    previous = ""
    for raw in _TOKEN_RE.findall(_ascii_lower(text)):
        parts = raw.split("-")
        if len(parts) == 2 and parts[0] == parts[1]:
            parts = parts[:1]
        for part in parts:
            # Reduplication written with a space ("gorong gorong") is still one word.
            if part == previous:
                continue
            previous = part
            part = _ELONGATION_RE.sub(r"\1", part)
            m = _REDUP_DIGIT_RE.match(part)
            if m:
                part = m.group(1) + m.group(2)
            expansion = _ABBREVIATIONS.get(part)
            if expansion is None:
                out.append(part)
            else:
                out.extend(expansion)
    return out


def normalise(text: str) -> list[str]:
    """Tokens: lower-cased, punctuation stripped, common abbreviations expanded and simple
    Indonesian affixes stripped, so that "perbaikan", "diperbaiki" and "memperbaiki" share
    the stem "baik". Words of four letters or fewer are left alone."""
    return [_stem(w) for w in _words(text)]


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
    title_words = _words(title)
    body_words = _words(body)
    words = [*title_words, ".", *body_words]
    tokens = [_stem(w) for w in words]
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
        if tuple(_stem(w) for w in part[: len(_THANKS)]) == _THANKS:
            information += _THANKS_WEIGHT
            break
    for part in (title_words, body_words):
        if part and _stem(part[0]) in _GOOD_NEWS:
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
