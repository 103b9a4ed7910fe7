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


def fitting_units(text: str, start: int, end: int, covered: str | None, *, exclude: str) -> list[str]:
    """The units, other than ``exclude``, in which ``[start, end)`` lands on character boundaries
    inside the text and, where the span says what it covers, covers exactly that."""
    out = []
    for unit in UNITS:
        if unit == exclude:
            continue
        units = Units(text, unit)
        try:
            a, b = units.to_code_point(start), units.to_code_point(end)
        except OffsetError:
            continue
        if a < b and (covered is None or text[a:b] == covered):
            out.append(unit)
    return out


# --- telling the unit a file was counted in ------------------------------------------------------

_ZWNJ = "\u200c"  # a cluster's last code point that a word (and so a span) may end before
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]")


def _cluster_starts(text: str) -> set[int]:
    return {m.start() for m in _CLUSTER.finditer(text)} | {len(text)}


def _splits(text: str, starts: set[int], position: int) -> bool:
    """Whether a span edge at ``position`` cuts a character of several code points (an emoji and
    its skin tone, a ZWJ family, a flag, a letter and its mark). A Persian word ends before its
    ZWNJ, which joins the letter's cluster: that edge is no cut."""
    return position not in starts and text[position] != _ZWNJ


def _on_edge(text: str, position: int) -> bool:
    """Whether ``position`` is at a word's edge: not between two letters, marks or digits."""
    if position in (0, len(text)):
        return True
    return not (_WORD.match(text[position - 1]) and _WORD.match(text[position]))


def _read(text: str, spans: list[tuple[int, int]], unit: str) -> list[tuple[int, int]] | None:
    units = Units(text, unit)
    try:
        out = [(units.to_code_point(a), units.to_code_point(b)) for a, b in spans]
    except OffsetError:
        return None
    return out if all(a < b for a, b in out) else None


def misread(text: str, spans: list[tuple[int, int]], unit: str, *, unit_chosen: bool) -> str | None:
    """Why spans counted in ``unit`` (no span text beside them) are not meant to be read in it, or
    None. Refused: an edge that cuts a character of several code points, whatever the unit; and,
    where ``unit`` is a tool's default rather than chosen, spans with two or more edges inside
    words when another unit puts every edge of every span on a word's edge. One edge inside a
    word is left alone: a Korean particle (서울 in 서울소방재난본부는) or a word's stem is a span
    of its own."""
    starts = _cluster_starts(text)
    mine = _read(text, spans, unit) or []
    others = {}
    for other in UNITS:
        read = _read(text, spans, other) if other != unit else None
        if read is not None and not any(_splits(text, starts, p) for span in read for p in span):
            others[other] = all(_on_edge(text, p) for span in read for p in span)
    fits = [u for u, edges in others.items() if edges] or list(others)
    hint = ("; " + " or ".join(f"--offsets {u}" for u in fits) + " would fit") if fits else ""
    for i, (a, b) in enumerate(mine, 1):
        cut = next((p for p in (a, b) if _splits(text, starts, p)), None)
        if cut is not None:
            cluster = _CLUSTER.search(text, max(s for s in starts if s <= cut)).group()
            return (f"span {i}: [{spans[i - 1][0]}, {spans[i - 1][1]}) read as {UNIT_NAMES[unit]} cuts the "
                    f"character {cluster!r} (one grapheme of {len(cluster)} code points){{counted}}{hint}")
    inside = sum(not _on_edge(text, p) for span in mine for p in span)
    edges = [u for u, edges in others.items() if edges]
    if not unit_chosen and inside >= 2 and edges:
        # Every unit that fits is named: on a line where two of them count alike (an emoji is one
        # code point and one grapheme), naming one would send a grapheme-mode file's reader to the
        # wrong one, to be refused again further down.
        return (f"{inside} span edges fall inside words when read as {UNIT_NAMES[unit]}{{counted}}, and read as "
                f"{' or as '.join(UNIT_NAMES[u] for u in edges)} every span starts and ends on a word's edge: "
                f"import with {' or '.join(f'--offsets {u}' for u in edges)} (or --offsets {unit} if the spans "
                f"are meant to cut words)")
    return None
