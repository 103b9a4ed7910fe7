"""Text rules: normalisation with exact span remapping, script detection, search folding.

Offsets everywhere in annotator are Python code points over the stored text, which is NFC with LF
line ends; ``text[start:end]`` is the span. This module is the only place that changes text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ZWNJ = "\u200c"
ZWJ = "\u200d"


def normalize(text: str) -> str:
    """The stored form of ``text``: CRLF and CR become LF, then NFC."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def is_normalized(text: str) -> bool:
    return "\r" not in text and unicodedata.is_normalized("NFC", text)


# Runs that normalise independently: whitespace never composes with its neighbours, so a
# boundary before or after a whitespace character is a boundary of the normalised text too.
_CHUNKS = re.compile(r"\r\n|\s|\S+")


class OffsetMap:
    """Maps code-point offsets in a raw text to offsets in ``normalize(raw)``.

    A boundary that falls inside something normalisation merges (a Hangul syllable written as
    separate jamo, a letter and its combining mark, CR LF) cannot be kept; a span's start then
    moves left and its end right, so that the span covers the normalised form of all it covered.
    """

    def __init__(self, raw: str):
        self.raw = raw
        self._identity = is_normalized(raw)
        self.text = raw if self._identity else normalize(raw)
        self._raw_starts: list[int] = []
        self._norm_starts: list[int] = []
        self._chunks: list[str] = []
        if not self._identity:
            norm_pos = 0
            for match in _CHUNKS.finditer(raw):
                chunk = match.group()
                self._raw_starts.append(match.start())
                self._norm_starts.append(norm_pos)
                self._chunks.append(chunk)
                norm_pos += len(normalize(chunk))

    def _map(self, offset: int, *, expand_right: bool) -> int:
        if self._identity or offset == 0:
            return offset
        if offset >= len(self.raw):
            return len(self.text)
        i = bisect.bisect_right(self._raw_starts, offset) - 1
        chunk, k = self._chunks[i], offset - self._raw_starts[i]
        whole = normalize(chunk)
        step = 1 if expand_right else -1
        while 0 < k < len(chunk):
            head = normalize(chunk[:k])
            if head + normalize(chunk[k:]) == whole:
                return self._norm_starts[i] + len(head)
            k += step
        return self._norm_starts[i] + (len(whole) if k else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The normalised ``(start, end)`` of the raw span ``[start, end)``."""
        return self._map(start, expand_right=False), self._map(end, expand_right=True)


# --- scripts and languages -------------------------------------------------------------------

_RTL_LANGS = {"fa", "ar", "ur", "he", "ps", "ckb", "yi", "dv", "sd", "ug"}
# Runs, not single letters: a run of letters is one match, and removing the runs counts their
# letters (len before minus len after) without a Python call per letter.
_SCRIPTS = {
    "arabic": re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]+"),
    "hangul": re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]+"),
    "hebrew": re.compile("[\u05d0-\u05ea]+"),
}
_LETTER = re.compile(r"[^\W\d_]+")
_PERSIAN = re.compile("[پچژگکی]")
_ARABIC_ONLY = re.compile("[يكةى]")


@dataclass(frozen=True)
class Language:
    code: str
    direction: str  # "rtl" or "ltr"


def _letters(rx: re.Pattern[str], text: str) -> int:
    return len(text) - len(rx.sub("", text))


def detect_language(text: str, sample: int = 1000) -> Language:
    """Language and direction from the script most letters are in (Persian vs Arabic by letters).

    ``sample`` characters decide, taken in ten pieces spread evenly through the text, so that they
    stand for the whole of it: an English preamble before a Persian article does not outvote it.
    A thousand is some 150 words, plenty for a script's majority, and keeps detection cheap on a
    100,000-document import.
    """
    if len(text) <= sample:
        head = text
    else:
        piece, step = sample // 10, len(text) // 10
        head = "\n".join(text[i * step:i * step + piece] for i in range(10))
    return _language_of(head, _script_counts(head))


def _script_counts(head: str) -> dict[str, int]:
    """Letters per script, in _SCRIPTS order, then "other". Counting stops once the characters
    not yet counted could not outvote the leader: a later script could at most tie it, and a tie
    goes to the earlier one. (The "other" count is the slowest; most documents never need it.)"""
    counts: dict[str, int] = {}
    left = len(head)
    for name, rx in _SCRIPTS.items():
        counts[name] = _letters(rx, head)
        left -= counts[name]
        if max(counts.values()) >= left:
            return counts
    counts["other"] = _letters(_LETTER, head) - sum(counts.values())
    return counts


def _language_of(head: str, counts: dict[str, int]) -> Language:
    top = max(counts, key=counts.__getitem__)
    if counts[top] <= 0:
        return Language("und", "ltr")
    if top == "arabic":
        # annotator is for Persian: Arabic only when Arabic-only letters show and Persian ones don't.
        arabic = _ARABIC_ONLY.search(head) and not _PERSIAN.search(head)
        return Language("ar" if arabic else "fa", "rtl")
    if top == "hangul":
        return Language("ko", "ltr")
    if top == "hebrew":
        return Language("he", "rtl")
    return Language("und", "ltr")


def direction_of(lang: str, text: str) -> str:
    """``rtl`` or ``ltr`` for a declared language, falling back to the text's script."""
    base = lang.split("-")[0].lower()
    if base in _RTL_LANGS:
        return "rtl"
    if base in {"und", ""}:
        return detect_language(text).direction
    return "ltr"


def title_of(text: str, limit: int = 200) -> str:
    """The first non-empty line, stripped and cut to ``limit`` characters."""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


# --- folding for search ----------------------------------------------------------------------

_FOLD_DELETE = (
    [ZWNJ, ZWJ, "\u0640", "\u00ad", "\u200e", "\u200f", "\u061c", "\ufeff"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + [chr(c) for c in range(0x064B, 0x0660)]  # Arabic harakat
    + ["\u0670"]
)
_FOLD_MAP = {
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه",
    "أ": "ا", "إ": "ا", "ٱ": "ا", "آ": "ا", "ؤ": "و",
}
_FOLD_MAP.update({chr(0x06F0 + i): str(i) for i in range(10)})  # Persian digits
_FOLD_MAP.update({chr(0x0660 + i): str(i) for i in range(10)})  # Arabic-Indic digits
FOLD_TABLE = str.maketrans({**{c: None for c in _FOLD_DELETE}, **_FOLD_MAP})
_FOLD_REPLACE = {**{c: "" for c in _FOLD_DELETE}, **_FOLD_MAP}
_FOLDED = re.compile("[" + "".join(map(re.escape, _FOLD_REPLACE)) + "]")


def fold(text: str) -> str:
    """Search form: Arabic ي/ك as Persian ی/ک, no ZWNJ or harakat, Persian digits as ASCII, lower case.

    The same as ``text.translate(FOLD_TABLE).lower()``, but one ``replace`` per distinct character
    that folds: translate looks up every character in a dict, which dominated a large import. No
    replacement makes a character that folds again, so the order does not matter.
    """
    for ch in set(_FOLDED.findall(text)):
        text = text.replace(ch, _FOLD_REPLACE[ch])
    return text.lower()


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each folded character, the offset of the character it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = ch.translate(FOLD_TABLE).lower()
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


_H = "\uac00-\ud7a3"  # Hangul syllables
# One match per index token, in text order: at each syllable the pair it starts (or the syllable
# alone, when its run is one syllable long), and each stretch of other text whole. The lookahead
# captures the token and the match moves on by one syllable, so pairs overlap.
_INDEX_TOKENS = re.compile(f"(?=([{_H}]{{2}}|[^{_H}]+|(?<![{_H}])[{_H}]))(?:[{_H}]|[^{_H}]+)")


def index_form(text: str) -> str:
    """What the full-text index sees: folded text with each Hangul run as overlapping bigrams.

    Bigrams let a two-syllable query such as 대구 find 대구시는 and 남대구 alike; Korean particles
    are glued to nouns, so whole-word tokens would miss most mentions. A one-syllable run stays
    as it is. (One findall does it in C: a Python call per run was a third of an import's time.)
    """
    return " ".join(_INDEX_TOKENS.findall(fold(text)))


_TOKEN = re.compile(r"[^\W_]+")


def index_tokens(text: str) -> list[str]:
    """The index's tokens of a text (its index form split where SQLite's unicode61 tokenizer
    splits it): what a team database's search entry holds, and what a query is made of."""
    return _TOKEN.findall(index_form(text))


def search_terms(query: str) -> list[list[str]]:
    """Split a query into phrases of index tokens: bare words each, "quoted text" as one phrase.
    The query is NFC first, like stored text (a decomposed Korean query finds composed text)."""
    phrases: list[list[str]] = []
    parts = unicodedata.normalize("NFC", query).split('"')
    for i, part in enumerate(parts):
        words = [part] if i % 2 == 1 else part.split()
        for word in words:
            tokens = index_tokens(word)
            if tokens:
                phrases.append(tokens)
    return phrases


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression for ``query``, or None if it has nothing searchable.

    Each phrase's tokens must be adjacent, the last one matched as a prefix (so مشهد finds
    مشهدی and 2020 finds 2020년); phrases are combined with AND.
    """
    phrases = search_terms(query)
    if not phrases:
        return None
    return " AND ".join('"' + " ".join(tokens) + '" *' for tokens in phrases)


def _needles(query: str) -> list[str]:
    """The words and "quoted phrases" of a query, normalised and folded as stored text is."""
    parts = unicodedata.normalize("NFC", query).split('"')
    out = []
    for i, part in enumerate(parts):
        for needle in ([part.strip()] if i % 2 == 1 else part.split()):
            target = " ".join(fold(needle).split())
            if target:
                out.append(target)
    return out


_CHUNK = 65_536
_HANGUL_START = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def find_in(text: str, query: str) -> tuple[int, int] | None:
    """The first place in ``text`` (offsets into ``text``) where a phrase of ``query`` occurs,
    folded. The text is folded a chunk at a time and the search stops at the first chunk with a
    match, so a 200 MB article costs what its first match costs, not a per-character map of it all."""
    needles = _needles(query)
    if not needles:
        return None
    overlap = 4 * max(len(n) for n in needles) + 16  # folding drops characters (ZWNJ): keep enough of the seam
    start = 0
    while start < len(text):
        end = min(len(text), start + _CHUNK + overlap)
        chunk = text[start:end]
        lowered = chunk.lower()
        if not _FOLDED.search(chunk) and len(lowered) == len(chunk):
            # Nothing here folds but case: positions are the chunk's own (no per-character map).
            folded, origin = lowered, None
        else:
            folded, origin = fold_with_map(chunk)
        best: tuple[int, int] | None = None
        for target in needles:
            at = _find_word(folded, target, 0)
            if at < 0:
                continue
            found = (at, at + len(target)) if origin is None else (origin[at], origin[at + len(target) - 1] + 1)
            if best is None or found[0] < best[0]:
                best = found
        if best is not None:
            return start + best[0], start + best[1]
        start += _CHUNK
    return None


def find_all(text: str, query: str) -> list[tuple[int, int]]:
    """Every place in ``text`` where a word or "quoted phrase" of ``query`` occurs, folded as
    search folds (Arabic ي/ک as Persian, ZWNJ and harakat ignored), in text order."""
    folded, origin = fold_with_map(text)
    found: set[tuple[int, int]] = set()
    for target in _needles(query):
        at = _find_word(folded, target, 0)
        while at >= 0:
            found.add((origin[at], origin[at + len(target) - 1] + 1))
            at = _find_word(folded, target, at + 1)
    return sorted(found)


def _find_word(folded: str, target: str, start: int) -> int:
    """Where ``target`` occurs in ``folded`` from ``start`` as the index finds it: a Persian or
    Latin word as the start of a word (برگزاری in «به برگزاری», not inside خبرگزاری), Korean
    anywhere (syllable pairs: 대구 in 남대구)."""
    anywhere = bool(_HANGUL_START.match(target))
    at = folded.find(target, start)
    while at > 0 and not anywhere and (folded[at - 1].isalnum() or unicodedata.category(folded[at - 1])[0] == "M"):
        at = folded.find(target, at + 1)
    return at


@dataclass(frozen=True)
class Snippet:
    before: str
    match: str
    after: str


def snippet(text: str, query: str, width: int = 48) -> Snippet:
    """A one-line excerpt around the first match of ``query`` in ``text``."""
    found = find_in(text, query)
    if found is None:
        flat = " ".join(text[: width * 2].split())
        return Snippet("", "", flat)
    start, end = found
    lo, hi = max(0, start - width), min(len(text), end + width)
    flat = lambda s: re.sub(r"\s+", " ", s)  # noqa: E731
    before = ("…" if lo > 0 else "") + flat(text[lo:start]).lstrip()
    after = flat(text[end:hi]).rstrip() + ("…" if hi < len(text) else "")
    return Snippet(before, flat(text[start:end]), after)


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))


def escape_line_separators(line: str) -> str:
    """A JSON line with U+2028 and U+2029 escaped: readers that split lines on them (Python's own
    ``splitlines`` among them) would otherwise cut one record in two."""
    return line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def shown(value: object, most: int = 60) -> str:
    """A user's value quoted in a message, cut when long: a 10 MB label is not echoed whole."""
    text = repr(value)
    if len(text) <= most:
        return text
    return f"{text[:most - 1]}… ({len(str(value)):,} characters)"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 span``, ``2 spans``, ``0 spans``: a count with its noun in the number it takes
    (``plural`` for the irregular ones: counted(2, "status", "statuses"))."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
