"""Word boundaries for "snap to words", in Persian and Korean.

A word is a run of letters, digits and combining marks. ZWNJ (and ZWJ) inside a run keeps it one
word, so Persian می‌شود or سامانه‌های snaps as a whole. Korean particles are glued to their noun
(대구시는): a selection that ends right before a particle keeps it out, and one that ends inside
the noun grows to the whole eojeol, which the annotator trims by one character (:func:`nudge`).
"""

from __future__ import annotations

import unicodedata

_JOINERS = {"\u200c", "\u200d"}


def is_word_char(ch: str) -> bool:
    if ch in _JOINERS:
        return True
    category = unicodedata.category(ch)
    return category[0] in "LNM"


# Korean particles (and the copula) that follow a noun: a selection that ends right before one
# keeps it out when it snaps (대구시|는). A rule list, so snapping in the window needs no
# morphological analyser; the token exports use one (annotator.core.tokens).
PARTICLES = frozenset("""
은 는 이 가 을 를 의 에 에서 에게 께 께서 한테 로 으로 와 과 랑 이랑 하고 도 만 까지 부터 보다 처럼 마다
조차 밖에 이나 나 이며 며 이다 다 에는 에서는 에도 에서도 으로는 로는 와는 과는 에게는 까지는 부터는 이라 라
이라는 라는 이란 란 에의 과의 와의 으로의 로의 이었다 였다 입니다 이고 고
""".split())
# Brackets and quotes a span keeps whole: one that opens inside it takes its closing partner along.
PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "〈": "〉"}
SYMMETRIC = ('"', "'")


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """What the label key stores for the selection ``[start, end)``: white space and punctuation
    trimmed at the edges, partial words grown to whole words (a ZWNJ keeps a Persian word whole),
    a Korean particle right after the selection left out, and brackets or quotes that open inside
    kept with their partner (콩그레스(SCEWC) keeps its ")"). A selection of only spaces or
    punctuation is kept as it is."""
    if start >= end:
        return start, end
    s, e = start, end
    while s < e and not is_word_char(text[s]):
        s += 1
    while e > s and not is_word_char(text[e - 1]):
        e -= 1
    if s == e:
        return start, end
    while s > 0 and is_word_char(text[s - 1]):
        s -= 1
    word_end = e
    while word_end < len(text) and is_word_char(text[word_end]):
        word_end += 1
    if not (word_end > e and _hangul(text[e - 1]) and text[e:word_end] in PARTICLES):
        e = word_end
    # A joiner never starts or ends a word.
    while s < e and text[s] in _JOINERS:
        s += 1
    while e > s and text[e - 1] in _JOINERS:
        e -= 1
    return _balanced(text, s, e)


def _hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


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
