"""A tokenizer that keeps offsets, for the token-based exports (spaCy/Prodigy and BIO).

Tokens are runs of letters, digits and combining marks (a ZWNJ or ZWJ inside a run keeps it one
token, so Persian می‌شود stays whole), and single other characters (punctuation, symbols; an emoji
ZWJ sequence stays one token). White space separates tokens and is never one.

A span must fall on token edges to be expressed in tokens. Korean particles are glued to the noun
(대구시는, with the span on 대구시): the rule, by default, is to split the token at the span's
edge (대구시 + 는), and the export counts how many spans needed that.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

_WORD = "[^\\W_]|[\\u0300-\\u036f\\u0483-\\u0489\\u0591-\\u05bd\\u0610-\\u061a\\u064b-\\u065f\\u0670\\u06d6-\\u06ed\\u0e31\\u0e34-\\u0e3a]"
_EMOJI_TAIL = "[\\ufe0f\\U0001f3fb-\\U0001f3ff]"
_TOKEN = re.compile(
    f"(?:{_WORD})+(?:[\\u200c\\u200d](?:{_WORD})+)*"  # a word, joiners inside it
    f"|[^\\s](?:{_EMOJI_TAIL})*(?:\\u200d[^\\s](?:{_EMOJI_TAIL})*)*"  # anything else, one at a time
)


class Token(NamedTuple):
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    return [Token(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def split_at(tokens: list[Token], edges: set[int]) -> tuple[list[Token], int]:
    """Split tokens so that every offset in ``edges`` falls on a token edge; also returns how many
    edges fell inside a token."""
    starts = [t.start for t in tokens]
    inside: dict[int, list[int]] = {}
    for edge in edges:
        i = bisect.bisect_right(starts, edge) - 1
        if i >= 0 and tokens[i].start < edge < tokens[i].end:
            inside.setdefault(i, []).append(edge)
    if not inside:
        return tokens, 0
    out: list[Token] = []
    for i, token in enumerate(tokens):
        cuts = sorted(inside.get(i, ()))
        if not cuts:
            out.append(token)
            continue
        bounds = [token.start, *cuts, token.end]
        out.extend(Token(a, b) for a, b in zip(bounds, bounds[1:]))
    return out, sum(len(c) for c in inside.values())


def token_index(tokens: list[Token], start: int, end: int) -> tuple[int, int] | None:
    """(first, last) token of ``[start, end)``, inclusive, or None if it is not on token edges or
    covers no token (a span of white space only)."""
    starts = [t.start for t in tokens]
    first = bisect.bisect_left(starts, start)
    if first == len(tokens) or tokens[first].start != start:
        return None
    last = bisect.bisect_right(starts, end - 1) - 1
    if last < first or tokens[last].end != end:
        return None
    return first, last
