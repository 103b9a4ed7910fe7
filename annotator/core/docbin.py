"""spaCy DocBin export (``--format spacy-docbin``): a ``.spacy`` file that ``spacy train`` reads.

spaCy is an optional extra (``pip install 'annotator[spacy]'``); this module is imported only
for this format. Each annotation set becomes a ``Doc`` built from annotator's own tokens (so a
Korean particle is its own token, and no spaCy tokenizer, which for Korean would need mecab, is
involved), cut further at every span edge inside a token (annotator.core.token_view, ``split``),
with spaCy's ``Doc.char_span`` in strict mode placing every entity: a span that does not land
exactly is an error, never a silent loss. ``doc.ents`` holds the non-overlapping spans (the
longer of overlapping ones), ``doc.spans["sc"]`` every span (for spaCy's SpanCategorizer),
``doc.cats`` every theme of the schema (1.0 ticked, 0.0 not), and sentence starts are set.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy
import srsly
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from annotator.core.export_formats import Layer, spacy_tokens
from annotator.core.token_view import Aligned, DocTokens, TokenStats, align, non_overlapping

SPANS_KEY = "sc"
# spaCy's own nlp.max_length: a document longer than this many characters becomes one Doc per
# block of whole sentences (annotator.core.blocks, about 65,536 characters), each Doc's
# user_data naming its "part" (0, 1, ...) and the character "offset" where it starts; spaCy
# trains on Docs of sentences, and a Doc of a whole 100 MB article would neither fit in memory
# nor train.
SPLIT = 1_000_000


class DocBinError(ValueError):
    pass


class Writer:
    """Docs into a ``.spacy`` file, in memory bounded by a Doc: each Doc's token arrays go to a
    temporary file as it is added, and :meth:`save` writes exactly what spaCy's
    ``DocBin(store_user_data=True).to_bytes()`` would for the same Docs, streamed."""

    def __init__(self, themes: list[str]):
        self.vocab = Vocab()
        self.themes = themes
        self.bin = _StreamedBin()

    def add(self, layer: Layer, view: DocTokens, stats: TokenStats, aligned: list[Aligned] | None = None,
            part: tuple[int, int] | None = None) -> Doc:
        """One Doc of ``view``: the whole document, or with ``part`` (its number, and the offset
        of the view in the document) one part of a long one, ``aligned`` its spans there."""
        tokens = spacy_tokens(view)
        by_start = {t["start"]: t["id"] for t in tokens}
        starts = {by_start[view.tokens[first].start] for first, _ in view.sentences} | {0}
        # Given to Doc at once: setting is_sent_start token by token rescans the whole Doc each time.
        doc = Doc(self.vocab, words=[t["text"] for t in tokens], spaces=[t["ws"] for t in tokens],
                  sent_starts=[i in starts for i in range(len(tokens))])
        del tokens, by_start
        if aligned is None:
            aligned = align(layer.doc.id, layer.annotator, view, layer.spans, stats)
        offset = part[1] if part else 0
        kept = {id(item) for item in non_overlapping(list(aligned), stats, layer.doc.id, layer.annotator, offset)}
        ents, group = [], []
        for item in aligned:
            span = doc.char_span(item.span.start, item.span.end, label=item.span.label, alignment_mode="strict")
            if span is None:  # cannot happen after align(); say so rather than lose it
                raise DocBinError(f"document {layer.doc.id!r}: span [{item.span.start + offset}, "
                                  f"{item.span.end + offset}) does not fall on spaCy token edges")
            group.append(span)
            if id(item) in kept:
                ents.append(span)
        doc.ents = sorted(ents, key=lambda s: s.start)
        doc.spans[SPANS_KEY] = group
        doc.cats = {theme: 1.0 if theme in layer.themes else 0.0 for theme in self.themes}
        doc.user_data["id"] = layer.doc.id
        doc.user_data["lang"] = layer.doc.lang
        doc.user_data["annotator"] = layer.annotator
        if part is not None:
            doc.user_data["part"], doc.user_data["offset"] = part
        self.bin.add(doc)
        return doc

    def save(self, path: Path) -> None:
        self.bin.save(path)


def _bin_header(size: int) -> bytes:
    """msgpack's header of a bytes value of ``size`` bytes (bin 8, 16 or 32, as it packs one)."""
    if size < 1 << 8:
        return b"\xc4" + size.to_bytes(1, "big")
    if size < 1 << 16:
        return b"\xc5" + size.to_bytes(2, "big")
    return b"\xc6" + size.to_bytes(4, "big")


class _StreamedBin:
    """What DocBin keeps, but the token and space arrays in temporary files (compressed, they
    are most of it): :meth:`add` is DocBin's own add for each Doc, and :meth:`save` writes the
    message DocBin.to_bytes packs (msgpack, then zlib), a piece at a time."""

    def __init__(self) -> None:
        empty = DocBin(store_user_data=True)
        self.version, self.attrs = empty.version, empty.attrs
        self.arrays = {name: tempfile.TemporaryFile() for name in ("tokens", "spaces")}
        self.packers = {name: zlib.compressobj(1) for name in self.arrays}
        self.sizes = dict.fromkeys(self.arrays, 0)
        self.lengths: list[int] = []
        self.strings: set[str] = set()
        self.cats: list[dict] = []
        self.flags: list[dict] = []
        self.span_groups: list[bytes] = []
        self.user_data: list[bytes | None] = []

    def add(self, doc: Doc) -> None:
        one = DocBin(store_user_data=True)
        one.add(doc)
        for name, array in (("tokens", one.tokens[0]), ("spaces", one.spaces[0])):
            data = array.tobytes("C")
            self.sizes[name] += len(data)
            self.arrays[name].write(self.packers[name].compress(data))
        self.lengths.append(len(one.tokens[0]))
        self.strings |= one.strings
        self.cats += one.cats
        self.flags += one.flags
        self.span_groups += one.span_groups
        self.user_data += one.user_data

    def _array(self, name: str) -> Iterator[bytes]:
        handle = self.arrays[name]
        handle.write(self.packers[name].flush())
        handle.seek(0)
        unpack = zlib.decompressobj()
        while data := handle.read(1 << 20):
            yield unpack.decompress(data)
        yield unpack.flush()

    def save(self, path: Path) -> None:
        pack = srsly.msgpack_dumps
        parts: list[tuple[str, object]] = [
            ("version", self.version), ("attrs", self.attrs), ("tokens", None), ("spaces", None),
            ("lengths", numpy.asarray(self.lengths, dtype="int32").tobytes("C")), ("strings", sorted(self.strings)),
            ("cats", self.cats), ("flags", self.flags), ("span_groups", self.span_groups),
            ("user_data", self.user_data)]
        packer = zlib.compressobj()
        with path.open("wb") as out:
            out.write(packer.compress(bytes([0x80 | len(parts)])))  # a map of up to 15 entries
            for key, value in parts:
                out.write(packer.compress(pack(key)))
                if value is not None:
                    out.write(packer.compress(pack(value)))
                    continue
                out.write(packer.compress(_bin_header(self.sizes[key])))
                for data in self._array(key):
                    out.write(packer.compress(data))
            out.write(packer.flush())
        for handle in self.arrays.values():
            handle.close()


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
