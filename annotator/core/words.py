"""Word boundaries for "snap to words", in Persian and Korean.

A word is a run of letters, digits and combining marks. ZWNJ (and ZWJ) inside a run keeps it one
word, so Persian می‌شود or سامانه‌های snaps as a whole. Korean particles are glued to their noun
(대구시는), so snapping takes the whole eojeol; the annotator then trims the end by one character
(see :func:`nudge`) to keep the particle out.
"""

from __future__ import annotations

import unicodedata

_JOINERS = {"\u200c", "\u200d"}


def is_word_char(ch: str) -> bool:
    if ch in _JOINERS:
        return True
    category = unicodedata.category(ch)
    return category[0] in "LNM"


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow ``[start, end)`` to whole words; a selection of only spaces or punctuation is kept."""
    if start >= end:
        return start, end
    s, e = start, end
    # Trim outer non-word characters first, then grow to the word edges.
    while s < e and not is_word_char(text[s]):
        s += 1
    while e > s and not is_word_char(text[e - 1]):
        e -= 1
    if s == e:
        return start, end
    while s > 0 and is_word_char(text[s - 1]):
        s -= 1
    while e < len(text) and is_word_char(text[e]):
        e += 1
    # A joiner never starts or ends a word.
    while s < e and text[s] in _JOINERS:
        s += 1
    while e > s and text[e - 1] in _JOINERS:
        e -= 1
    return s, e


def word_at(text: str, offset: int) -> tuple[int, int]:
    """The word around ``offset`` (for a double click), or an empty range outside words."""
    if offset < len(text) and is_word_char(text[offset]):
        return snap(text, offset, offset + 1)
    if offset > 0 and is_word_char(text[offset - 1]):
        return snap(text, offset - 1, offset)
    return offset, offset


def nudge(text: str, start: int, end: int, edge: str, delta: int) -> tuple[int, int]:
    """Move the ``edge`` ("start" or "end") of ``[start, end)`` by ``delta`` characters, keeping
    at least one character and staying inside the text."""
    if edge == "start":
        start = min(max(0, start + delta), end - 1)
    elif edge == "end":
        end = max(min(len(text), end + delta), start + 1)
    else:
        raise ValueError(f"edge must be 'start' or 'end', not {edge!r}")
    return start, end
