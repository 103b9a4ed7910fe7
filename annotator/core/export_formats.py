"""The records of each export format, built from one annotation layer (or, for Label Studio, one
document's layers). annotator.core.exporting chooses the layers, checks every span and writes.

Offsets: code points everywhere (annotator, Label Studio, Prodigy/spaCy, brat), except doccano,
whose editor counts UTF-16 code units; ``--offsets`` chooses another unit for doccano and
Label Studio. The token formats use annotator.core.token_view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotator.core.formats import LS_DOC_ID, MODEL
from annotator.core.model import GOLD, Document, Span
from annotator.core.offsets import OffsetError, Units
from annotator.core.token_view import DocTokens, TokenStats, align, bio_tags, non_overlapping

if TYPE_CHECKING:
    from annotator.core.exporting import Layer

FORMAT_VERSION = 1
LS_LABELS = "label"  # the control names of annotator's Label Studio export and labeling config
LS_THEMES = "theme"
LS_TEXT = "text"


class OffsetsError(ValueError):
    """A span that cannot be written in the chosen unit (an edge inside a grapheme cluster)."""


def ordered(spans: list[Span]) -> list[Span]:
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))


def _converter(doc: Document, unit: str) -> Any:
    if unit == "codepoints":
        return lambda offset: offset
    units = Units(doc.text, unit)

    def convert(offset: int) -> int:
        try:
            return units.from_code_point(offset)
        except OffsetError as err:
            raise OffsetsError(f"document {doc.id!r}: offset {err}; export in another unit (--offsets)") from None

    return convert


# --- annotator's own JSONL ---------------------------------------------------------------------


def jsonl_record(layer: Layer) -> dict[str, Any]:
    doc = layer.doc
    spans = []
    provenance = dict(zip((s.id for s in layer.spans), layer.provenance or []))
    for span in ordered(layer.spans):
        item: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label, "text": span.text}
        if span.note:
            item["note"] = span.note
        if span.id in provenance:
            item.update(provenance[span.id])
        spans.append(item)
    return {
        "format": "annotator", "version": FORMAT_VERSION, "id": doc.id, "title": doc.title, "text": doc.text,
        "lang": doc.lang, "meta": doc.meta, "annotator": layer.annotator, "status": layer.status,
        "spans": spans, "themes": layer.themes, "updated_at": layer.updated_at or None,
    }


# --- doccano -----------------------------------------------------------------------------------


def doccano_record(layer: Layer, unit: str, layout: str) -> dict[str, Any]:
    """Every line has the same fields, so doccano's importer (a pandas DataFrame) never fills a
    missing one with NaN: ``doc_id`` (doccano replaces ``id`` with its own), ``text``, the spans
    (``label`` for sequence labelling; ``entities`` and ``cats`` for spans plus categories),
    ``annotator`` ("" for none) and ``meta``. Offsets in UTF-16 code units, as doccano's editor
    counts them."""
    at = _converter(layer.doc, unit)
    triples = [[at(s.start), at(s.end), s.label] for s in ordered(layer.spans)]
    record: dict[str, Any] = {"doc_id": layer.doc.id, "text": layer.doc.text}
    if layout == "entities":
        record["entities"] = triples
    else:
        record["label"] = triples
    record["cats"] = list(layer.themes)
    record["annotator"] = layer.annotator or ""
    record["meta"] = layer.doc.meta
    return record


# --- Label Studio ------------------------------------------------------------------------------


def _ls_results(layer: Layer, unit: str, prefix: str) -> list[dict[str, Any]]:
    at = _converter(layer.doc, unit)
    results: list[dict[str, Any]] = []
    for i, span in enumerate(ordered(layer.spans), 1):
        results.append({"id": f"{prefix}{i}", "from_name": LS_LABELS, "to_name": LS_TEXT, "type": "labels",
                        "origin": "manual" if prefix != "m" else "prediction",
                        "value": {"start": at(span.start), "end": at(span.end), "text": span.text,
                                  "labels": [span.label]}})
    if layer.themes:
        results.append({"id": f"{prefix}t", "from_name": LS_THEMES, "to_name": LS_TEXT, "type": "choices",
                        "value": {"choices": list(layer.themes)}})
    return results


def labelstudio_task(layers: list[Layer], unit: str) -> dict[str, Any]:
    """One Label Studio task for a document: its id, title, language and meta in ``data`` (the
    import reads ``doc_id`` back), one annotation per annotator (the name in the annotation's
    ``meta``; gold as ground truth), and the model's layer as a prediction."""
    doc = layers[0].doc
    data = {LS_TEXT: doc.text, LS_DOC_ID: doc.id, "title": doc.title, "lang": doc.lang, "meta": doc.meta}
    annotations: list[dict[str, Any]] = []
    predictions: list[dict[str, Any]] = []
    for n, layer in enumerate(layers, 1):
        if layer.annotator is None:
            continue
        if layer.annotator == MODEL:
            predictions.append({"model_version": MODEL, "result": _ls_results(layer, unit, "m")})
            continue
        annotation: dict[str, Any] = {"result": _ls_results(layer, unit, f"a{n}-"),
                                      "meta": {"annotator": layer.annotator, "status": layer.status}}
        if layer.annotator == GOLD:
            annotation["ground_truth"] = True
        annotations.append(annotation)
    return {"data": data, "annotations": annotations, "predictions": predictions}


def labelstudio_config(labels: list[tuple[str, str]], themes: list[str]) -> str:
    """The labeling config that annotator's Label Studio export fits: a Labels control and a
    Choices control over the text, named as the export names them."""
    def attr(value: str) -> str:
        return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

    lines = ["<View>", f'  <Labels name="{LS_LABELS}" toName="{LS_TEXT}">']
    lines += [f'    <Label value="{attr(name)}" background="{attr(colour)}"/>' for name, colour in labels]
    lines += ["  </Labels>", f'  <Text name="{LS_TEXT}" value="${LS_TEXT}"/>',
              f'  <Choices name="{LS_THEMES}" toName="{LS_TEXT}" choice="multiple">']
    lines += [f'    <Choice value="{attr(name)}"/>' for name in themes]
    lines += ["  </Choices>", "</View>", ""]
    return "\n".join(lines)


# --- the token formats -------------------------------------------------------------------------


def spacy_tokens(view: DocTokens) -> list[dict[str, Any]]:
    """spaCy's convention: ``ws`` is one trailing space; any other white space is a token of its
    own, so the tokens and their ``ws`` flags give back the text exactly."""
    text = view.text
    tokens: list[dict[str, Any]] = []

    def gap(start: int, end: int) -> None:
        if start == end:
            return
        space = text[start:end]
        if tokens and space == " ":
            tokens[-1]["ws"] = True
            return
        body, ws = (space[:-1], True) if space.endswith(" ") and len(space) > 1 else (space, False)
        tokens.append({"text": body, "start": start, "end": start + len(body), "id": len(tokens), "ws": ws})

    position = 0
    for word in view.tokens:
        gap(position, word.start)
        tokens.append({"text": text[word.start:word.end], "start": word.start, "end": word.end,
                       "id": len(tokens), "ws": False})
        position = word.end
    gap(position, len(text))
    return tokens


def prodigy_record(layer: Layer, view: DocTokens, stats: TokenStats, themes: list[str]) -> dict[str, Any]:
    """A Prodigy task as ``ner_manual`` with choices saves it: tokens, spans with token indices
    (inclusive end), the themes offered as ``options`` and the ticked ones in ``accept``."""
    tokens = spacy_tokens(view)
    index = {t["start"]: t["id"] for t in tokens}
    spans = []
    for item in align(layer.doc.id, layer.annotator, view, layer.spans, stats):
        span = item.span
        spans.append({"start": span.start, "end": span.end, "label": span.label,
                      "token_start": index[view.tokens[item.first].start],
                      "token_end": index[view.tokens[item.last].start]})
    record: dict[str, Any] = {
        "text": layer.doc.text, "tokens": tokens, "spans": spans,
        "options": [{"id": name, "text": name} for name in themes], "accept": list(layer.themes),
        "answer": "accept", "meta": {"id": layer.doc.id, "lang": layer.doc.lang}, "_view_id": "ner_manual",
    }
    if layer.annotator:
        record["_annotator_id"] = layer.annotator
    return record


@dataclass
class TaggedSentence:
    index: int
    tokens: list[str]
    tags: list[str]


def tagged_sentences(layer: Layer, view: DocTokens, stats: TokenStats) -> list[TaggedSentence]:
    """The layer as IOB2 tags, one entry per sentence (or chunk)."""
    kept = non_overlapping(align(layer.doc.id, layer.annotator, view, layer.spans, stats), stats)
    tags = bio_tags(view, kept)
    text = view.text
    return [TaggedSentence(k, [text[t.start:t.end] for t in view.tokens[a:b]], tags[a:b])
            for k, (a, b) in enumerate(view.sentences)]


def bio_records(layer: Layer, view: DocTokens, stats: TokenStats) -> list[dict[str, Any]]:
    out = []
    for sentence in tagged_sentences(layer, view, stats):
        record: dict[str, Any] = {"id": f"{layer.doc.id}#{sentence.index}", "doc_id": layer.doc.id,
                                  "sentence": sentence.index, "tokens": sentence.tokens, "ner_tags": sentence.tags}
        if layer.annotator:
            record["annotator"] = layer.annotator
        out.append(record)
    return out


def conll_block(layer: Layer, view: DocTokens, stats: TokenStats) -> str:
    """CoNLL-2003 columns (token, POS, chunk, NER; the middle two unknown), a ``-DOCSTART-`` line
    per document and a blank line after each sentence."""
    lines = ["-DOCSTART- -X- -X- O", ""]
    for sentence in tagged_sentences(layer, view, stats):
        lines += [f"{token} -X- _ {tag}" for token, tag in zip(sentence.tokens, sentence.tags)]
        lines.append("")
    return "\n".join(lines) + "\n"


# --- brat --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.-]+")


def brat_name(doc_id: str, taken: set[str]) -> str:
    """A file name for a document id: unsafe characters become _, and a clash gets a number."""
    base = _UNSAFE.sub("_", doc_id).strip("._") or "document"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name.lower())
    return name


def brat_ann(layer: Layer) -> str:
    """brat standoff: ``T1<TAB>LABEL START END<TAB>text`` in code points (brat is Python); a span
    across a line break is written as fragments, and a note as ``AnnotatorNotes``."""
    text = layer.doc.text
    lines = []
    notes = 0
    for i, span in enumerate(ordered(layer.spans), 1):
        fragments = []
        position = span.start
        for piece in text[span.start:span.end].split("\n"):
            if piece:
                fragments.append((position, position + len(piece)))
            position += len(piece) + 1
        where = ";".join(f"{a} {b}" for a, b in fragments)
        lines.append(f"T{i}\t{span.label} {where}\t{' '.join(text[a:b] for a, b in fragments)}")
        if span.note:
            notes += 1
            note = " ".join(span.note.split())
            lines.append(f"#{notes}\tAnnotatorNotes T{i}\t{note}")
    return "\n".join(lines) + ("\n" if lines else "")


def brat_conf(labels: list[str]) -> str:
    return "\n".join(["[entities]", *labels, "", "[relations]", "", "[events]", "", "[attributes]", ""]) + "\n"
