"""Offset units of other tools, converted to and from annotator's code points in one place.

annotator's offsets are Python code points, end-exclusive. Other tools count what their editors
count:

- ``codepoints``: Python string indices (Label Studio's editor, Prodigy, spaCy, brat, annotator).
- ``utf16``: UTF-16 code units, JavaScript string indices (doccano's editor by default, Qt). An
  emoji or a rare CJK ideograph (𠜎) is two.
- ``graphemes``: extended grapheme clusters, what a reader sees as one character (doccano in a
  project with grapheme mode). 👩‍👩‍👧 is one, and so is 🇮🇷, and ک plus a haraka.

A position that falls inside a character in the source unit (half of a surrogate pair) cannot be
converted: :class:`OffsetError` says so, and the importer names the file and line. Nothing in a
doccano file names its unit, so :func:`misread` also tells spans read in the wrong one (an edge
that cuts an emoji or a ZWJ family; edges inside words that another unit puts on word edges).
"""

from __future__ import annotations

import bisect
import unicodedata

import regex

from annotator.core.utf16 import Utf16Index

UNITS = ("codepoints", "utf16", "graphemes")
UNIT_NAMES = {"codepoints": "code points", "utf16": "UTF-16 code units", "graphemes": "grapheme clusters"}
_CLUSTER = regex.compile(r"\X")


class OffsetError(ValueError):
    """A position that is not on a character boundary in its unit, or past the end."""


class Units:
    """Converts positions in one unit over one text to code points and back."""

    def __init__(self, text: str, unit: str):
        if unit not in UNITS:
            raise ValueError(f"unknown offset unit {unit!r} (expected one of {', '.join(UNITS)})")
        self.text = text
        self.unit = unit
        self._utf16 = Utf16Index(text) if unit == "utf16" else None
        self._starts: list[int] | None = None  # graphemes: the code point where each cluster starts
        if unit == "graphemes":
            self._starts = [m.start() for m in _CLUSTER.finditer(text)]

    @property
    def length(self) -> int:
        """The text's length in this unit."""
        if self._utf16 is not None:
            return self._utf16.length_utf16
        if self._starts is not None:
            return len(self._starts)
        return len(self.text)

    def to_code_point(self, position: int) -> int:
        """The code point at ``position`` in this unit; refuses a position inside a character."""
        if position < 0 or position > self.length:
            raise OffsetError(f"{position} is outside the text ({self.length} {UNIT_NAMES[self.unit]})")
        if self._utf16 is not None:
            offset = self._utf16.to_code_point(position)
            if self._utf16.to_utf16(offset) != position:
                raise OffsetError(f"{position} falls inside a character (between the two halves of "
                                  f"{self.text[offset]!r} in UTF-16)")
            return offset
        if self._starts is not None:
            return self._starts[position] if position < len(self._starts) else len(self.text)
        return position

    def from_code_point(self, offset: int) -> int:
        """The position in this unit of code point ``offset``; refuses one inside a grapheme cluster."""
        if self._utf16 is not None:
            return self._utf16.to_utf16(offset)
        if self._starts is not None:
            if offset == len(self.text):
                return len(self._starts)
            i = bisect.bisect_left(self._starts, offset)
            if i == len(self._starts) or self._starts[i] != offset:
                raise OffsetError(f"{offset} falls inside a grapheme cluster")
            return i
        return offset


_ASTRAL = regex.compile("[\U00010000-\U0010FFFF]")
# Characters that can join a grapheme cluster of several code points (marks, joiners, Hangul jamo,
# CR before LF); only a text holding one is segmented to be sure.
_MAY_JOIN = regex.compile(r"[\p{Grapheme_Cluster_Break=Extend}\p{Grapheme_Cluster_Break=ZWJ}"
                          r"\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=Prepend}"
                          r"\p{Grapheme_Cluster_Break=L}\p{Grapheme_Cluster_Break=V}\p{Grapheme_Cluster_Break=T}\r]")


def unit_matters(text: str, end: int | None = None) -> bool:
    """Whether the units disagree anywhere in ``text[:end]``: an astral character (UTF-16 counts
    it twice) or a cluster of several code points (graphemes count it once)."""
    end = len(text) if end is None else end
    if _ASTRAL.search(text, 0, end):
        return True
    if not _MAY_JOIN.search(text, 0, end):
        return False
    return any(m.end() - m.start() > 1 for m in _CLUSTER.finditer(text, 0, end))


# --- telling the unit a file was counted in ------------------------------------------------------

_ZWNJ = "\u200c"  # a cluster's last code point that a word (and so a span) may end before
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]")
_WORDS = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_MARK = regex.compile(r"[\p{Mn}\p{Me}]")
# What makes a cluster an emoji sequence, which no tool's editor lets a span cut: a pictograph, a
# flag's regional indicator, a skin tone, VS16, the keycap mark, a tag sequence's tags.
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}"
                       r"\uFE0F\u20E3\U000E0020-\U000E007F]")


class _Text:
    """One text's clusters, and what an edge at a position cuts (computed once per text)."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [m.start() for m in _CLUSTER.finditer(text)]
        self.start_set = set(self.starts) | {len(text)}
        self._noun_edges: dict[tuple[int, int], int | None] = {}

    def cluster(self, position: int) -> str:
        """The cluster ``position`` falls in."""
        i = bisect.bisect_right(self.starts, position) - 1
        return _CLUSTER.match(self.text, self.starts[i]).group()

    def cuts(self, position: int) -> bool:
        """Whether a span edge at ``position`` cuts a character no tool's editor lets a span cut:
        inside an emoji sequence (a ZWJ family, a skin tone, a flag, a keycap) or inside a Hangul
        syllable of conjoining jamo. An edge before a combining mark that is no part of an emoji
        (the ezafe kasra in وزیرِ, a hamza above, a haraka) is an annotation of its own, and a
        Persian word ends before its ZWNJ: neither is a cut."""
        if position in self.start_set:
            return False
        char = self.text[position]
        if char == _ZWNJ:
            return False
        return not (_MARK.match(char) and not _EMOJI.search(self.cluster(position)))

    def on_edge(self, position: int) -> bool:
        """Whether ``position`` is at a word's edge: not between two letters, marks or digits; or
        before a combining mark or a ZWNJ; or where our tokenizer cuts a Korean particle off its noun
        (대구|와, also in NFD jamo). The last is looked up only for edges that are otherwise inside."""
        text = self.text
        if position in (0, len(text)):
            return True
        if not (_WORD.match(text[position - 1]) and _WORD.match(text[position])):
            return True
        if text[position] == _ZWNJ or (_MARK.match(text[position]) and not _MARK.match(text[position - 1])):
            return True
        return self._noun_edge(position)

    def _noun_edge(self, position: int) -> bool:
        begin = position
        while begin and _WORD.match(self.text[begin - 1]):
            begin -= 1
        word = _WORDS.match(self.text, begin)
        if word.end() - word.start() > 64:  # no Korean word is this long: no particle to look up
            return False
        key = word.span()
        if key not in self._noun_edges:
            from annotator.core.tokens import noun_end  # loads Kiwi on first use: only when asked

            nfc = unicodedata.normalize("NFC", word.group())
            cut = noun_end(nfc)
            self._noun_edges[key] = None
            if cut is not None:  # the code point of the word's raw text where the NFC cut falls
                for i in range(len(word.group()) + 1):
                    if len(unicodedata.normalize("NFC", word.group()[:i])) == cut and \
                            unicodedata.normalize("NFC", word.group()[i:]) == nfc[cut:]:
                        self._noun_edges[key] = word.start() + i
                        break
        return self._noun_edges[key] == position


def _read(text: _Text, spans: list[tuple[int, int]], unit: str,
          covered: list[str | None] | None = None) -> list[tuple[int, int]] | None:
    """``spans`` read in ``unit`` as code points, or None when that reading fails a check: an
    offset inside a character of the unit or past the end, an empty span, an edge that cuts a
    character, a span text that is not what it covers."""
    units = Units(text.text, unit)
    try:
        out = [(units.to_code_point(a), units.to_code_point(b)) for a, b in spans]
    except OffsetError:
        return None
    if not all(a < b for a, b in out) or any(text.cuts(p) for span in out for p in span):
        return None
    if covered and any(c is not None and text.text[a:b] != c for (a, b), c in zip(out, covered)):
        return None
    return out


def fitting_units(text: str, spans: list[tuple[int, int]], covered: list[str | None] | None = None, *,
                  exclude: str = "", prepared: _Text | None = None) -> list[str]:
    """The units, other than ``exclude``, whose reading of ``spans`` passes every check (see
    :func:`_read`): the one answer to "which --offsets would fit" that every message gives."""
    prepared = prepared or _Text(text)
    return [unit for unit in UNITS if unit != exclude and _read(prepared, spans, unit, covered) is not None]


def misread(text: str, spans: list[tuple[int, int]], unit: str, *, unit_chosen: bool,
            hint: bool = True) -> str | None:
    """Why spans counted in ``unit`` (no span text beside them) are not meant to be read in it, or
    None. Refused: an edge that cuts an emoji sequence or a Hangul syllable (see
    :meth:`_Text.cuts`), whatever the unit; and, where ``unit`` is a tool's default rather than
    chosen, spans with two or more edges inside words when another unit puts every edge of every
    span on a word's edge. One edge inside a word is left alone: a word's stem is a span of its
    own. ``hint``: name the --offsets that would fit (not for a file --offsets does not apply to)."""
    prepared = _Text(text)
    fits = fitting_units(text, spans, exclude=unit, prepared=prepared)
    edges = [u for u in fits if all(prepared.on_edge(p) for span in _read(prepared, spans, u) or [] for p in span)]
    named = edges or fits
    said = ("; " + " or ".join(f"--offsets {u}" for u in named) + " would fit") if named and hint else ""
    units = Units(text, unit)
    try:
        mine = [(units.to_code_point(a), units.to_code_point(b)) for a, b in spans]
    except OffsetError:
        return None  # the span checks name it, with the file and line
    for i, (a, b) in enumerate(mine, 1):
        cut = next((p for p in (a, b) if prepared.cuts(p)), None)
        if cut is not None:
            cluster = prepared.cluster(cut)
            return (f"span {i}: [{spans[i - 1][0]}, {spans[i - 1][1]}) read as {UNIT_NAMES[unit]} cuts the "
                    f"character {cluster!r} (one grapheme of {len(cluster)} code points){{counted}}{said}")
    if unit_chosen or not edges:
        return None
    inside = sum(not prepared.on_edge(p) for span in mine for p in span)
    if inside >= 2:
        # Every unit that fits is named: on a line where two of them count alike (an emoji is one
        # code point and one grapheme), naming one would send a grapheme-mode file's reader to the
        # wrong one, to be refused again further down.
        return (f"{inside} span edges fall inside words when read as {UNIT_NAMES[unit]}{{counted}}, and read as "
                f"{' or as '.join(UNIT_NAMES[u] for u in edges)} every span starts and ends on a word's edge: "
                f"import with {' or '.join(f'--offsets {u}' for u in edges)} (or --offsets {unit} if the spans "
                f"are meant to cut words)")
    return None
