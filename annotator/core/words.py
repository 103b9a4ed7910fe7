"""Word boundaries for "snap to words", in Persian and Korean.

A word is a run of letters, digits and combining marks. ZWNJ (and ZWJ) inside a run keeps it one
word, so Persian می‌شود or سامانه‌های snaps as a whole. A Korean noun's trailing particle or
ending (대구시는 → 대구시 + 는) is found by the same analysis the token exports use
(:func:`annotator.core.tokens.noun_end`, Kiwi), and snapping leaves it out wherever the selection
stops: before it, on it or after it.
"""

from __future__ import annotations

import unicodedata

from annotator.core.tokens import noun_end

_JOINERS = {"\u200c", "\u200d"}


def is_word_char(ch: str) -> bool:
    if ch in _JOINERS:
        return True
    category = unicodedata.category(ch)
    return category[0] in "LNM"


# Brackets and quotes a span keeps whole: one that opens inside it takes its closing partner along.
PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "〈": "〉"}
SYMMETRIC = ('"', "'")


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """What the label key stores for the selection ``[start, end)``: white space and punctuation
    trimmed at the edges, partial words grown to whole words (a ZWNJ keeps a Persian word whole),
    the trailing particle of a Korean noun in the last word left out (대구시는, 대구|시는 and
    대구시는| all give 대구시; a selection of the particle alone gives the particle), and brackets
    or quotes that open inside kept with their partner (콩그레스(SCEWC) keeps its ")"). A
    selection without a letter (an emoji, a symbol) loses only the white space at its edges."""
    if start >= end:
        return start, end
    s, e = start, end
    # A joiner at an edge is trimmed with the rest: what it joined to is outside the selection.
    while s < e and (not is_word_char(text[s]) or text[s] in _JOINERS):
        s += 1
    while e > s and (not is_word_char(text[e - 1]) or text[e - 1] in _JOINERS):
        e -= 1
    if s == e:  # no letter: a symbol or an emoji is kept, only the white space around it goes
        s, e = start, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        return (s, e) if s < e else (start, end)
    first = s  # the first letter selected
    while s > 0 and is_word_char(text[s - 1]):
        s -= 1
    last_word = e - 1
    while last_word > s and is_word_char(text[last_word - 1]):
        last_word -= 1
    while e < len(text) and is_word_char(text[e]):
        e += 1
    cut = noun_end(text[last_word:e])
    if cut is not None:
        if max(first, last_word) < last_word + cut:
            e = last_word + cut
        else:  # only the particle is selected: the particle, a token of its own
            s = last_word + cut
    # A joiner never starts or ends a word.
    while s < e and text[s] in _JOINERS:
        s += 1
    while e > s and text[e - 1] in _JOINERS:
        e -= 1
    return _balanced(text, s, e)


def _balanced(text: str, s: int, e: int) -> tuple[int, int]:
    for opener, closer in PAIRS.items():
        inside = text[s:e]
        opens, closes = inside.count(opener), inside.count(closer)
        while opens > closes and e < len(text) and text[e] == closer:
            e, closes = e + 1, closes + 1
        while closes > opens and s > 0 and text[s - 1] == opener:
            s, opens = s - 1, opens + 1
    for quote in SYMMETRIC:
        if text[s:e].count(quote) % 2:
            if e < len(text) and text[e] == quote:
                e += 1
            elif s > 0 and text[s - 1] == quote:
                s -= 1
    return s, e


def left_out(text: str, start: int, end: int) -> str:
    """The Korean particle or ending snapping left out right after ``[start, end)`` (what
    :func:`snap` gave), or "" when it left none out."""
    last_word = end
    while last_word > start and is_word_char(text[last_word - 1]):
        last_word -= 1
    word_end = end
    while word_end < len(text) and is_word_char(text[word_end]):
        word_end += 1
    if word_end > end and noun_end(text[last_word:word_end]) == end - last_word:
        return text[end:word_end]
    return ""


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
