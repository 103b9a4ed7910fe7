"""spaCy DocBin export (``--format spacy-docbin``): a ``.spacy`` file that ``spacy train`` reads.

spaCy is an optional extra (``pip install 'annotator[spacy]'``); this module is imported only
for this format. Each annotation set becomes a ``Doc`` built from annotator's own tokens (so a
Korean particle is its own token, and no spaCy tokenizer, which for Korean would need mecab, is
involved), with spaCy's ``Doc.char_span`` in strict mode placing every entity: a span that does
not land exactly is an error, never a silent loss. ``doc.ents`` holds the non-overlapping spans
(the longer of overlapping ones), ``doc.spans["sc"]`` all of them (for spaCy's SpanCategorizer),
``doc.cats`` every theme of the schema (1.0 ticked, 0.0 not), and sentence starts are set.
"""

from __future__ import annotations

from pathlib import Path

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from annotator.core.export_formats import Layer, spacy_tokens
from annotator.core.token_view import DocTokens, TokenStats, align, non_overlapping

SPANS_KEY = "sc"


class DocBinError(ValueError):
    pass


class Writer:
    def __init__(self, themes: list[str]):
        self.vocab = Vocab()
        self.themes = themes
        self.bin = DocBin(store_user_data=True)

    def add(self, layer: Layer, view: DocTokens, stats: TokenStats) -> Doc:
        tokens = spacy_tokens(view)
        by_start = {t["start"]: t["id"] for t in tokens}
        starts = {by_start[view.tokens[first].start] for first, _ in view.sentences} | {0}
        # Given to Doc at once: setting is_sent_start token by token rescans the whole Doc each time.
        doc = Doc(self.vocab, words=[t["text"] for t in tokens], spaces=[t["ws"] for t in tokens],
                  sent_starts=[i in starts for i in range(len(tokens))])
        aligned = align(layer.doc.id, layer.annotator, view, layer.spans, stats)
        kept = {id(item) for item in non_overlapping(list(aligned), TokenStats())}
        ents, group = [], []
        for item in aligned:
            span = doc.char_span(item.span.start, item.span.end, label=item.span.label, alignment_mode="strict")
            if span is None:  # cannot happen after align(); say so rather than lose it
                raise DocBinError(f"document {layer.doc.id!r}: span [{item.span.start}, {item.span.end}) does not "
                                  "fall on spaCy token edges")
            group.append(span)
            if id(item) in kept:
                ents.append(span)
        stats.dropped_overlaps += len(aligned) - len(ents)
        doc.ents = sorted(ents, key=lambda s: s.start)
        doc.spans[SPANS_KEY] = group
        doc.cats = {theme: 1.0 if theme in layer.themes else 0.0 for theme in self.themes}
        doc.user_data["id"] = layer.doc.id
        doc.user_data["lang"] = layer.doc.lang
        doc.user_data["annotator"] = layer.annotator
        self.bin.add(doc)
        return doc

    def save(self, path: Path) -> None:
        path.write_bytes(self.bin.to_bytes())


# --- the same tokens at inference ----------------------------------------------------------------


class Tokenizer:
    """annotator's tokenizer as a spaCy tokenizer, so a pipeline trained on annotator's exports
    sees the same tokens at inference: ``[nlp.tokenizer] @tokenizers = "annotator.Tokenizer.v1"``
    (registered through the ``spacy_tokenizers`` entry point). For Korean it also stands in for
    spaCy's own, which needs mecab."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        from annotator.core.tokens import tokenize

        tokens = spacy_tokens(DocTokens(text, tokenize(text), []))
        return Doc(self.vocab, words=[t["text"] for t in tokens], spaces=[t["ws"] for t in tokens])

    def pipe(self, texts, batch_size: int = 1000):  # noqa: ANN001, ARG002 (spaCy's signature)
        for text in texts:
            yield self(text)

    # Nothing to save: the rules are the code.
    def to_bytes(self, **kwargs) -> bytes:  # noqa: ANN003, ARG002
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> Tokenizer:  # noqa: ANN003, ARG002
        return self

    def to_disk(self, path, **kwargs) -> None:  # noqa: ANN001, ANN003, ARG002
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path, **kwargs) -> Tokenizer:  # noqa: ANN001, ANN003, ARG002
        return self


def create_tokenizer():  # noqa: ANN201 (spaCy's registry convention)
    def make(nlp):  # noqa: ANN001, ANN202
        return Tokenizer(nlp.vocab)

    return make


try:
    from spacy.util import registry

    registry.tokenizers.register("annotator.Tokenizer.v1", func=create_tokenizer)
except Exception:  # noqa: BLE001 (already registered through the entry point)
    pass
