"""A document seen as tokens and sentences, and an annotation layer seen through them, for the
token-based exports (BIO, CoNLL, spaCy/Prodigy, spaCy DocBin).

Tokens and sentences come from the text alone (annotator.core.tokens), so two annotators' lines
for one document have the same tokens. Sentences never end inside a span of *any* layer on the
document (all annotators' and gold), so they are the same for every layer too. A span whose edge
still falls inside a token is not re-tokenized: it is left out of the token format and reported
with its document, annotator and text.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import regex

from annotator.core.blocks import blocks
from annotator.core.model import Span
from annotator.core.tokens import LINE_BREAK, Token, chunk, sentences, split_at, token_index, tokenize

_CLUSTER = regex.compile(r"\X")


@dataclass(frozen=True)
class Misaligned:
    """A span the token format cannot express: an edge falls inside a token."""

    doc_id: str
    annotator: str
    start: int
    end: int
    label: str
    text: str

    def describe(self, fmt: str = "") -> str:  # noqa: ARG002 (the same in every format)
        return (f"document {self.doc_id!r}, {self.annotator}: {self.label} [{self.start}, {self.end}) "
                f"{self.text!r} has an edge inside a token")


@dataclass(frozen=True)
class Overlap:
    """A span that overlaps a longer one of its layer: left out of a format that cannot nest, or
    written where the tool it goes to may drop it."""

    doc_id: str
    annotator: str
    span: Span
    other: Span  # the longer span it overlaps (kept)
    written: bool  # in the export (the target tool may drop it), or left out of it

    def describe(self, fmt: str = "") -> str:
        s, o = self.span, self.other
        left_out = "" if self.written else " (left out of doc.ents)" if fmt == "spacy-docbin" else " (left out)"
        return (f"document {self.doc_id!r}, {self.annotator}: {s.label} [{s.start}, {s.end}) {s.text!r} overlaps "
                f"{o.label} [{o.start}, {o.end}) {o.text!r}{left_out}")


LISTED = 1000  # overlaps kept for listing; beyond that they are only counted


@dataclass
class TokenStats:
    misaligned: list[Misaligned] = field(default_factory=list)
    dropped_overlaps: int = 0  # BIO: spans left out because they overlap a longer one
    skipped_spans: int = 0  # spans of white space only
    long_chunks: int = 0  # --max-tokens: pieces left longer because an entity is longer
    risky_overlaps: int = 0  # overlapping spans written where the target tool may drop them
    overlaps: list[Overlap] = field(default_factory=list)  # the first LISTED of both kinds, to list
    overlap_documents: set[str] = field(default_factory=set)  # the documents they are in

    def overlapping(self, doc_id: str, annotator: str | None, order: list[Span], ranges: list[tuple[int, int]],
                    kept: list[int], written: bool) -> None:
        """Count and note the spans of one layer that :func:`keep_longest` did not keep (``order``
        and ``ranges`` in its priority order), each with the kept span it overlaps."""
        if len(kept) == len(ranges):
            return
        kept_set = set(kept)
        by_start = sorted((ranges[i], i) for i in kept)
        starts = [r[0] for r, _ in by_start]
        for i, (start, end) in enumerate(ranges):
            if i in kept_set:
                continue
            if written:
                self.risky_overlaps += 1
            else:
                self.dropped_overlaps += 1
            self.overlap_documents.add(doc_id)
            if len(self.overlaps) < LISTED:
                j = bisect.bisect_left(starts, end) - 1  # kept ranges never overlap: this one reaches in
                self.overlaps.append(Overlap(doc_id, annotator or "no annotator", order[i],
                                             order[by_start[j][1]], written))


@dataclass
class DocTokens:
    """One document's tokens and its sentence (or chunk) ranges, shared by all its layers."""

    text: str
    tokens: list[Token]
    sentences: list[tuple[int, int]]  # (first token, last token exclusive)
    starts: list[int] = field(default_factory=list)  # each token's start, for finding spans' tokens

    def __post_init__(self) -> None:
        if not self.starts:
            self.starts = [t.start for t in self.tokens]


def doc_tokens(text: str, keep: list[tuple[int, int]], *, chars: bool = False, max_tokens: int | None = None,
               split: bool = False, stats: TokenStats | None = None) -> DocTokens:
    """Tokens and sentences of ``text``; ``keep`` holds every layer's spans (no sentence or chunk
    ends inside one). With ``chars``, each character (grapheme cluster) is a token, spaces too
    (the KLUE-NER convention), and sentences are those of the word tokens. With ``split``, a
    token is cut at every edge of ``keep`` inside it (서울 | 소방재난본부), so that every span
    falls on token edges (the DocBin's ``doc.spans``)."""
    words = tokenize(text)
    if split:
        words, _ = split_at(words, {edge for span in keep for edge in _trimmed(text, *span)})
    ranges = sentences(text, words, keep)
    keep = sorted(keep)
    longest = max((e - s for s, e in keep), default=0)
    if max_tokens is not None and not chars:
        pieces = []
        for sentence in ranges:
            for piece in chunk(words, sentence, max_tokens, _within(keep, longest, words, sentence)):
                if piece[1] - piece[0] > max_tokens and stats is not None:
                    stats.long_chunks += 1
                pieces.append(piece)
        ranges = pieces
    if not chars:
        return DocTokens(text, words, ranges)
    tokens: list[Token] = []
    char_ranges = []
    for first, last in ranges:
        lo, hi = words[first].start, words[last - 1].end
        begin = len(tokens)
        tokens.extend(Token(m.start(), m.end()) for m in _CLUSTER.finditer(text, lo, hi)
                      if not LINE_BREAK.match(m.group()))
        if max_tokens is not None:
            for piece in chunk(tokens, (begin, len(tokens)), max_tokens,
                               _within(keep, longest, tokens, (begin, len(tokens)))):
                if piece[1] - piece[0] > max_tokens and stats is not None:
                    stats.long_chunks += 1
                char_ranges.append(piece)
        else:
            char_ranges.append((begin, len(tokens)))
    return DocTokens(text, tokens, char_ranges)


def _within(keep: list[tuple[int, int]], longest: int, tokens: list[Token],
            sentence: tuple[int, int]) -> list[tuple[int, int]]:
    """Of ``keep`` (sorted, none longer than ``longest``), the ranges that overlap the sentence:
    the only ones that can block a cut inside it (chunking each sentence against every span of
    the document made --max-tokens on a document of 10,000 spans take 40 s)."""
    lo, hi = sentence
    if hi <= lo or not keep:
        return []
    first, last = tokens[lo].start, tokens[hi - 1].end
    near = keep[bisect.bisect_left(keep, (first - longest, 0)):bisect.bisect_left(keep, (last, 0))]
    return [r for r in near if r[1] > first]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A span's edges without the white space at them (as :func:`trimmed` writes it)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def doc_token_blocks(pieces: Iterable[str], keep: list[tuple[int, int]], *, chars: bool = False,
                     max_tokens: int | None = None, split: bool = False, stats: TokenStats | None = None,
                     size: int | None = None) -> Iterator[tuple[int, DocTokens]]:
    """:func:`doc_tokens` a block at a time (annotator.core.blocks): (the block's offset in the
    document, its tokens and sentences with offsets in the block). Put together, the blocks'
    tokens and sentences are the document's."""
    keep = sorted(keep)
    starts = [s for s, _ in keep]
    for offset, text in blocks(pieces, keep, size=size):
        lo, hi = bisect.bisect_left(starts, offset), bisect.bisect_left(starts, offset + len(text))
        local = [(s - offset, e - offset) for s, e in keep[lo:hi]]
        yield offset, doc_tokens(text, local, chars=chars, max_tokens=max_tokens, split=split, stats=stats)


def trimmed(text: str, spans: list[Span], stats: TokenStats) -> list[Span]:
    """White space at a span's edges is left out (tokens never hold any); spans of white space
    only are dropped and counted."""
    out = []
    for span in sorted(spans, key=lambda s: (s.start, s.end, s.label)):
        start, end = span.start, span.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            stats.skipped_spans += 1
            continue
        out.append(span._replace(start=start, end=end, text=text[start:end]))
    return out


@dataclass(frozen=True)
class Aligned:
    span: Span
    first: int  # token index, inclusive
    last: int  # token index, inclusive


def align(doc_id: str, annotator: str | None, view: DocTokens, spans: list[Span],
          stats: TokenStats) -> list[Aligned]:
    """The spans that fall on token edges, with their tokens; the others are reported."""
    out = []
    for span in trimmed(view.text, spans, stats):
        found = token_index(view.tokens, span.start, span.end, view.starts)
        if found is None:
            stats.misaligned.append(Misaligned(doc_id, annotator or "no annotator", span.start, span.end,
                                               span.label, span.text))
            continue
        out.append(Aligned(span, *found))
    return out


def non_overlapping(aligned: list[Aligned], stats: TokenStats, doc_id: str = "", annotator: str | None = None,
                    offset: int = 0) -> list[Aligned]:
    """BIO cannot nest: the longest spans first, any that overlaps one kept is left out (counted
    and noted in ``stats``, with offsets in the document: the block's ``offset`` added)."""
    order = sorted(aligned, key=lambda a: (-(a.span.end - a.span.start), a.span.start, a.span.label))
    ranges = [(a.first, a.last + 1) for a in order]
    kept = keep_longest(ranges)
    spans = [a.span._replace(start=a.span.start + offset, end=a.span.end + offset) if offset else a.span
             for a in order]
    stats.overlapping(doc_id, annotator, spans, ranges, kept, written=False)
    return sorted((order[i] for i in kept), key=lambda a: a.first)


BUCKET = 256  # KeptRanges holds its ranges in sorted buckets of BUCKET to 2 * BUCKET


class KeptRanges:
    """Half-open ranges that never overlap, sorted by start (so by end too), held in buckets of
    at most ``2 * BUCKET``, each sorted, found by bisecting the buckets' first starts: a range is
    looked up and inserted in O(log n + BUCKET), not moved along one list of every kept range
    (187,611 suggestions of one long document took 13 s that way)."""

    def __init__(self) -> None:
        self.firsts: list[int] = []  # each bucket's first start
        self.buckets: list[tuple[list[int], list[int]]] = []  # (starts, ends) of each bucket

    def add(self, start: int, end: int) -> bool:
        """Keep ``[start, end)`` unless it overlaps a kept range; whether it was kept."""
        firsts, buckets = self.firsts, self.buckets
        b = bisect.bisect_right(firsts, start) - 1  # the bucket holding the last kept start <= start
        if b >= 0:
            starts, ends = buckets[b]
            at = bisect.bisect_right(starts, start)
            if ends[at - 1] > start:  # the kept range starting at or before this one reaches into it
                return False
            following = starts[at] if at < len(starts) else firsts[b + 1] if b + 1 < len(firsts) else None
        else:
            b, at = 0, 0  # before every kept range
            following = firsts[0] if firsts else None
        if following is not None and following < end:  # the next kept range starts inside this one
            return False
        if not buckets:
            buckets.append(([], []))
            firsts.append(start)
        starts, ends = buckets[b]
        starts.insert(at, start)
        ends.insert(at, end)
        firsts[b] = starts[0]
        if len(starts) > 2 * BUCKET:  # split it in two
            buckets.insert(b + 1, (starts[BUCKET:], ends[BUCKET:]))
            firsts.insert(b + 1, starts[BUCKET])
            del starts[BUCKET:], ends[BUCKET:]
        return True


def keep_longest(ranges: list[tuple[int, int]]) -> list[int]:
    """Of half-open ``ranges`` in priority order, the indexes of those kept when each one that
    overlaps an earlier kept one is left out; O(n (log n + BUCKET)) (see :class:`KeptRanges`)."""
    kept = KeptRanges()
    return [i for i, (start, end) in enumerate(ranges) if kept.add(start, end)]


def bio_tags(view: DocTokens, kept: list[Aligned]) -> list[str]:
    """IOB2 tags for every token of the document."""
    tags = ["O"] * len(view.tokens)
    for item in kept:
        tags[item.first] = f"B-{item.span.label}"
        for i in range(item.first + 1, item.last + 1):
            tags[i] = f"I-{item.span.label}"
    return tags


def tag_names(labels: list[str]) -> list[str]:
    """The tag list of a BIO export, stable for a schema: O, then B- and I- of each label."""
    return ["O", *(f"{prefix}-{label}" for label in labels for prefix in ("B", "I"))]
