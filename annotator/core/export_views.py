"""The tokens and sentences of the document being exported, for the token formats, and the check
of every span against the text it claims (annotator.core.exporting writes; this reads).

A document of one block (annotator.core.blocks) is tokenized once for all its layers; a longer
one a block at a time for each layer, so memory holds a block, not the document. A long
document's spans are checked against the block they start in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from annotator.core.blocks import BlockTooLong
from annotator.core.errors import AnnotatorError
from annotator.core.export_formats import Layer
from annotator.core.token_view import DocTokens, TokenStats, doc_token_blocks
from annotator.core.tokens import Token
from annotator.storage import Store


class ExportError(AnnotatorError):
    """The data would not export exactly, or the options ask for nothing; nothing claims it did."""


def check(layer: Layer) -> None:
    text = layer.doc.text
    if text is None:
        return  # a long document's spans are checked block by block (Views.blocks)
    for span in layer.spans:
        if not (0 <= span.start < span.end <= len(text)) or text[span.start:span.end] != span.text:
            raise ExportError(
                f"document {layer.doc.id!r}, {layer.annotator or 'no annotator'}: span [{span.start}, {span.end}) "
                f"{span.label} says {span.text!r} but the text there is {text[span.start:span.end]!r}")


class Views:
    """Tokens and sentences of the document being exported, shared by its layers: a document of
    one block (annotator.core.blocks) is kept for its next layer; a longer one is tokenized again
    for each, a block at a time, so that memory holds a block, not the document."""

    def __init__(self, store: Store, stats: TokenStats, *, chars: bool = False, max_tokens: int | None = None,
                 split: bool = False):
        self.store = store
        self.stats = stats
        self.chars, self.max_tokens, self.split = chars, max_tokens, split
        self._key: tuple[str, int] | None = None
        self._blocks: list[tuple[int, DocTokens]] | None = None
        self._counted: tuple[str, int] | None = None  # the document whose --max-tokens pieces were counted

    def blocks(self, layer: Layer) -> Iterable[tuple[int, DocTokens]]:
        made = self._made(layer)
        return made if layer.doc.text is not None else _checked(layer, iter(made))

    def _made(self, layer: Layer) -> Iterable[tuple[int, DocTokens]]:
        key = (layer.doc.id, len(layer.keep))
        if self._blocks is not None and self._key == key:
            return self._blocks
        counted, self._counted = self._counted == key, key
        pieces = [layer.doc.text] if layer.doc.text is not None else self.store.text_pieces(layer.doc.id)
        made = _told(layer, doc_token_blocks(pieces, layer.keep, chars=self.chars, max_tokens=self.max_tokens,
                                             split=self.split, stats=None if counted else self.stats))
        first = list(itertools.islice(made, 2))
        if len(first) < 2:
            self._key, self._blocks = key, first
            return first
        self._key, self._blocks = None, None
        return itertools.chain(first, made)

    def of(self, layer: Layer) -> DocTokens:
        """The whole document's tokens and sentences (the formats that hold a document at once)."""
        return joined(self.blocks(layer))


def _told(layer: Layer, blocks: Iterator[tuple[int, DocTokens]]) -> Iterator[tuple[int, DocTokens]]:
    """A stretch too long to tokenize a block at a time, said in one line with what to do."""
    try:
        yield from blocks
    except BlockTooLong as err:
        raise ExportError(f"document {layer.doc.id!r}: {err}, which the token formats would hold in memory "
                          "at once; split the document (its file) at its paragraphs and import it again") from None


def _checked(layer: Layer, blocks: Iterator[tuple[int, DocTokens]]) -> Iterator[tuple[int, DocTokens]]:
    """The blocks of a document read a piece at a time, each of the layer's spans checked against
    the block it starts in (as :func:`check` does against the whole text), and the text's end."""
    spans = sorted(layer.spans, key=lambda s: s.start)
    at, end = 0, 0
    for offset, view in blocks:
        end = offset + len(view.text)
        while at < len(spans) and spans[at].start < end:
            span = spans[at]
            there = view.text[span.start - offset:span.end - offset]
            if span.end > end or there != span.text:
                raise ExportError(
                    f"document {layer.doc.id!r}, {layer.annotator or 'no annotator'}: span [{span.start}, {span.end}) "
                    f"{span.label} says {span.text!r} but the text there is {there!r}")
            at += 1
        yield offset, view
    if at < len(spans):
        span = spans[at]
        raise ExportError(f"document {layer.doc.id!r}, {layer.annotator or 'no annotator'}: span [{span.start}, "
                          f"{span.end}) {span.label} says {span.text!r} but the text ends at {end}")


def joined(blocks: Iterable[tuple[int, DocTokens]]) -> DocTokens:
    """One view of a document from its blocks' views."""
    texts, tokens, sentences = [], [], []
    for offset, view in blocks:
        base = len(tokens)
        texts.append(view.text)
        tokens += [Token(t.start + offset, t.end + offset) for t in view.tokens] if offset else view.tokens
        sentences += [(a + base, b + base) for a, b in view.sentences] if base else view.sentences
    return DocTokens("".join(texts), tokens, sentences)
