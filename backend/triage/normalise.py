"""The text normaliser under both classifiers: lower-cased ASCII tokens,
abbreviations expanded, reduplication and elongation undone, each word
reduced to a light stem. Keywords and complaints go through the same
function, so an imperfect stem costs nothing as long as it is consistent."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from backend.triage.words import ABBREVIATIONS, PROTECTED, STEM_EXCEPTIONS

# Hyphens are kept inside a token so reduplication ("anak-anak") can be recognised before
# the token is split; everything else that is not a letter or digit separates tokens.
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Texting writes reduplication as a trailing 2: "anak2" = "anak-anak", "asal2an".
_REDUP_DIGIT_RE = re.compile(r"^([a-z]{2,})2([a-z]*)$")
# "parahhh", "tolonggg": three or more of a letter is emphasis, never spelling.
_ELONGATION_RE = re.compile(r"([a-z])\1{2,}")


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
    if w not in PROTECTED and w.startswith(_INNER_PREFIXES):
        w = _strip_prefix(w, False) or w
    return w


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if len(word) <= 4 or word in PROTECTED or not word.isalpha():
        return word
    exception = STEM_EXCEPTIONS.get(word)
    if exception is not None:
        return exception
    w = word
    for particle in ("lah", "kah", "pun"):
        if w.endswith(particle) and len(w) - 3 >= 4:
            w = w[:-3]
            break
    if w.endswith("nya") and len(w) - 3 >= _STEM_MIN and w not in PROTECTED:
        w = w[:-3]
    if w in PROTECTED:
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
    if cand in PROTECTED:
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


def split_words(text: str) -> list[str]:
    """Lower-cased words with abbreviations expanded, not yet stemmed."""
    return list(_split_words(text))


# A submission splits its title and its body twice (category, then kind).
@lru_cache(maxsize=256)
def _split_words(text: str) -> tuple[str, ...]:
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
            # Checked first: a sub() with a template string calls back into
            # Python's re module for every word, elongated or not.
            if _ELONGATION_RE.search(part):
                part = _ELONGATION_RE.sub(r"\1", part)
            m = _REDUP_DIGIT_RE.match(part)
            if m:
                part = m.group(1) + m.group(2)
            expansion = ABBREVIATIONS.get(part)
            if expansion is None:
                out.append(part)
            else:
                out.extend(expansion)
    return tuple(out)


def normalise(text: str) -> list[str]:
    """Tokens: lower-cased, punctuation stripped, common abbreviations expanded and simple
    Indonesian affixes stripped, so that "perbaikan", "diperbaiki" and "memperbaiki" share
    the stem "baik". Words of four letters or fewer are left alone."""
    return [stem(w) for w in split_words(text)]
