"""A team database's search index (PostgreSQL's ``tsvector``): the entry a document's text gets
and the query a search expression becomes, from the same index tokens as SQLite's FTS5 index
(``core.text.index_tokens``), so both backends find the same documents."""

from __future__ import annotations

import re
import unicodedata

from annotator.core.text import index_tokens

_MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
_WORD = re.compile(r"[^\W_]+")
_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f]")
_MAX_LEXEME = 2046  # bytes: PostgreSQL refuses a longer lexeme
_MAX_VECTOR = 1_000_000  # bytes, under PostgreSQL's 1 MB for one tsvector


def _unaccented(tokens: list[str]) -> list[str]:
    """Latin letters without their accents, as SQLite's index (unicode61, remove_diacritics)
    keeps them: café is found by cafe on either backend. Other scripts are left as they are
    (core.text's folding has already taken Persian harakat off)."""
    out = []
    for token in tokens:
        if _ACCENTED.search(token):
            plain, base_latin = [], False
            for ch in unicodedata.normalize("NFD", token):
                if unicodedata.combining(ch):
                    if base_latin:
                        continue
                else:
                    base_latin = "LATIN" in unicodedata.name(ch, "")
                plain.append(ch)
            token = unicodedata.normalize("NFC", "".join(plain))
        out.append(token)
    return out


def _searchable(tokens: list[str]) -> list[str]:
    """Tokens as the team database's index holds them: Latin without accents, none too long."""
    tokens = _unaccented(tokens)
    return [t for t in tokens if len(t) * 4 <= _MAX_LEXEME or len(t.encode("utf-8")) <= _MAX_LEXEME]


def tsvector_of(text: str) -> str:
    """A document's search index entry: its index tokens with their positions, as a tsvector
    literal (PostgreSQL's own parser never sees the text).

    PostgreSQL's limits: it keeps a lexeme's first 256 positions and clamps positions past
    16383 (a phrase after those is not found in a long article, where SQLite finds it); a token
    over 2,046 bytes is left out; a document whose entry would pass 1 MB keeps its words without
    positions (found by words, not by phrases)."""
    tokens = index_tokens(text)
    if _ACCENTED.search(text) or (tokens and max(map(len, tokens)) * 4 > _MAX_LEXEME):  # both rare
        tokens = _searchable(tokens)
    entries: dict[str, str] = {}
    # A string per lexeme, grown in place: the cheapest form in Python (half the time of lists).
    for at, token in enumerate(tokens[:_MAX_POSITION], start=1):
        if token in entries:
            entries[token] += f",{at}"
        else:
            entries[token] = f"'{token}':{at}"
    for token in tokens[_MAX_POSITION:]:
        if token not in entries:
            entries[token] = f"'{token}':{_MAX_POSITION}"
    literal = " ".join(entries.values())
    if len(literal) > _MAX_VECTOR // 4 and _vector_size(entries) > _MAX_VECTOR:
        kept, size = [], 0
        for token in entries:  # words only, as many as fit
            size += len(token.encode("utf-8")) + 8
            if size > _MAX_VECTOR:
                break
            kept.append(f"'{token}'")
        literal = " ".join(kept)
    return literal


def _vector_size(entries: dict[str, str]) -> int:
    """About the bytes PostgreSQL stores for these lexemes and positions (at most 256 each)."""
    return sum(len(token.encode("utf-8")) + 8 + 2 * min(entry.count(",") + 1, 256) for token, entry in entries.items())


_PHRASE = re.compile(r'"([^"]*)"( ?\*)?')


def tsquery_of(expression: str) -> str:
    """The tsquery for a match expression (``core.text.match_expression``: quoted phrases of
    index tokens, the last one a prefix, joined by AND): adjacent tokens are ``<->``."""
    phrases = []
    for phrase, prefix in _PHRASE.findall(expression):
        tokens = _searchable(_WORD.findall(phrase.lower()))  # as FTS5 splits a phrase (match_expression's: tokens)
        if tokens:
            last = f"'{tokens[-1]}'" + (":*" if prefix else "")
            phrases.append(" <-> ".join([*(f"'{t}'" for t in tokens[:-1]), last]))
    if not phrases:
        return "'_'"  # matches nothing: no index token is an underscore
    return " & ".join(f"({p})" for p in phrases)
