"""The records of each export format, built from one annotation layer (or, for Label Studio, one
document's layers). annotator.core.exporting chooses the layers, checks every span and writes
(over 400 lines: one short builder per format, each with its tool's conventions, all from the same
Layer and offset converter, which a split would pull apart).

Offsets: code points everywhere (annotator, Label Studio, Prodigy/spaCy, brat), except doccano,
whose editor counts UTF-16 code units; ``--offsets`` chooses another unit for doccano and
Label Studio. The token formats use annotator.core.token_view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from annotator.core.formats import LS_DOC_ID, LS_LAYER_KEY, LS_STATUS_KEY, MODEL
from annotator.core.model import GOLD, Document, Relation, Span
from annotator.core.schema import RelationType
from annotator.core.relations import relation_items
from annotator.core.offsets import OffsetError, Units
from annotator.core.token_view import (Aligned, DocTokens, TokenStats, align, bio_tags, keep_longest,
                                       non_overlapping)

FORMAT_VERSION = 1
LS_LABELS = "label"  # the control names of annotator's Label Studio export and labeling config
LS_THEMES = "theme"
LS_TEXT = "text"


@dataclass
class Layer:
    """One line's worth: a document and one annotation set on it (what every format is built from)."""

    doc: Document
    annotator: str | None
    status: str
    spans: list[Span]
    themes: list[str]
    updated_at: str
    provenance: list[dict[str, Any]] | None = None  # gold: per span
    keep: list[tuple[int, int]] = field(default_factory=list)  # every layer's spans on the document
    relations: list[Relation] = field(default_factory=list)  # between its spans (read for annotator's JSONL)
    relation_provenance: list[dict[str, Any]] | None = None  # gold: per relation


class OffsetsError(ValueError):
    """A span that cannot be written in the chosen unit (an edge inside a grapheme cluster)."""


def ordered(spans: list[Span]) -> list[Span]:
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))


def _converter(layer: Layer, unit: str) -> Any:
    doc = layer.doc
    if unit == "codepoints":
        return lambda offset: offset
    units = Units(doc.text, unit)

    def convert(offset: int) -> int:
        try:
            return units.from_code_point(offset)
        except OffsetError as err:
            spans = [s for s in layer.spans if offset in (s.start, s.end)]
            which = f" (span {spans[0].label} {spans[0].text!r} [{spans[0].start}, {spans[0].end}))" if spans else ""
            raise OffsetsError(f"document {doc.id!r}, {layer.annotator or 'no annotator'}: offset {err}{which}; "
                               "export in another unit (--offsets)") from None

    return convert


# --- annotator's own JSONL ---------------------------------------------------------------------


def jsonl_record(layer: Layer, active_seconds: float | None = None) -> dict[str, Any]:
    """Our own line: a document and one layer. ``active_seconds``, the layer's active time, goes in
    ``meta.active_seconds`` (left out when none was recorded, so such a line is as it always was)."""
    doc = layer.doc
    spans = []
    provenance = dict(zip((s.id for s in layer.spans), layer.provenance or []))
    # A line with relations gives each span an id by its place in the line (s0, s1, ...), which
    # the relations name: stable whatever the database's ids, so an export is the same each time.
    ids = {span.id: f"s{n}" for n, span in enumerate(ordered(layer.spans))} if layer.relations else {}
    for span in ordered(layer.spans):
        item: dict[str, Any] = {"id": ids[span.id]} if ids else {}
        item.update({"start": span.start, "end": span.end, "label": span.label, "text": span.text})
        if span.note:
            item["note"] = span.note
        if span.id in provenance:
            item.update(provenance[span.id])
        spans.append(item)
    return {
        "format": "annotator", "version": FORMAT_VERSION, "id": doc.id, "title": doc.title, "text": doc.text,
        "lang": doc.lang,
        "meta": {**doc.meta, "active_seconds": round(active_seconds, 1)} if active_seconds else doc.meta,
        "annotator": layer.annotator, "status": layer.status,
        "spans": spans, **({"relations": relation_items(layer.relations, ids, layer.relation_provenance)} if ids else {}),
        "themes": layer.themes, "updated_at": layer.updated_at or None,
    }



# --- doccano -----------------------------------------------------------------------------------


def without_overlaps(layer: Layer, stats: TokenStats, *, written: bool = False) -> list[Span]:
    """Of the layer's spans, those that overlap no longer one (the longer kept): the others are
    counted and noted in ``stats``, as left out, or ``written`` where the tool they go to keeps
    only one of overlapping spans (doccano's projects without overlap, Prodigy's ner_manual)."""
    order = sorted(layer.spans, key=lambda s: (-(s.end - s.start), s.start, s.label))
    ranges = [(s.start, s.end) for s in order]
    kept = keep_longest(ranges)
    stats.overlapping(layer.doc.id, layer.annotator, order, ranges, kept, written)
    return [order[i] for i in kept]


def doccano_record(layer: Layer, unit: str, layout: str, stats: TokenStats) -> dict[str, Any]:
    """Every line has the same fields, so doccano's importer (a pandas DataFrame) never fills a
    missing one with NaN: ``doc_id`` (doccano replaces ``id`` with its own), ``text``, the spans
    (``label`` for sequence labelling; ``entities`` and ``cats`` for spans plus categories),
    ``annotator`` ("" for none) and ``meta``; ``relations`` (a sequence-labelling project with
    relations, doccano's "JSONL(Relation)"): ``entities`` as objects with an ``id`` each, which the
    ``relations`` (``from_id``, ``to_id``, ``type``) name. Offsets in UTF-16 code units, as doccano's editor
    counts them. doccano holds one set of spans per example: a document with two layers becomes
    two examples (export one annotator per doccano project to avoid that)."""
    at = _converter(layer, unit)
    kept = without_overlaps(layer, stats, written=layout != "entities")  # "label": doccano may drop them
    spans = ordered(kept if layout == "entities" else layer.spans)
    record: dict[str, Any] = {"doc_id": layer.doc.id, "text": layer.doc.text}
    if layout == "relations":  # a sequence-labelling project with relations: entities by id
        ids = {span.id: n for n, span in enumerate(spans)}
        record["entities"] = [{"id": ids[s.id], "label": s.label, "start_offset": at(s.start),
                               "end_offset": at(s.end)} for s in spans]
        named = relation_items(layer.relations, {k: f"s{n}" for k, n in ids.items()})
        record["relations"] = [{"id": n, "from_id": int(item["from"][1:]), "to_id": int(item["to"][1:]),
                                "type": item["label"]} for n, item in enumerate(named)]
    else:
        record["entities" if layout == "entities" else "label"] = [[at(s.start), at(s.end), s.label] for s in spans]
    record["cats"] = list(layer.themes)
    record["annotator"] = layer.annotator or ""
    record["meta"] = layer.doc.meta
    return record


# --- Label Studio ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelStudioNames:
    """The control names a Label Studio project's labeling config gives: results must name them
    (``from_name``, ``to_name``), or Label Studio's editor cannot show them."""

    labels: str = LS_LABELS
    themes: str = LS_THEMES
    text: str = LS_TEXT  # the object control the results point to (to_name)
    data: str = LS_TEXT  # the task data field that control shows ($text)


def labelstudio_names(config: str) -> LabelStudioNames:
    """The names in a labeling config: the first Labels control, the Choices control and the text
    they point to. Raises ValueError when it has no Labels control."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(config)
    except ET.ParseError as err:
        raise ValueError(f"not a labeling config (XML): {err}") from None
    labels = next((e for e in root.iter() if e.tag in ("Labels", "HyperTextLabels")), None)
    if labels is None or not labels.get("name"):
        raise ValueError("the labeling config has no <Labels name=...> control")
    choices = next((e for e in root.iter() if e.tag == "Choices"), None)
    target = labels.get("toName") or LS_TEXT
    shown = next((e for e in root.iter() if e.get("name") == target and e.get("value", "").startswith("$")), None)
    if shown is None:
        raise ValueError(f"the labeling config has no object named {target!r} showing a data field ($...)")
    data = shown.get("value")[1:]
    if data in (LS_DOC_ID, "title", "lang", "meta"):
        raise ValueError(f"the text's data field ${data} is one annotator's export writes itself; rename it")
    return LabelStudioNames(labels.get("name"), choices.get("name") if choices is not None else LS_THEMES, target, data)


def _ls_results(layer: Layer, unit: str, prefix: str, names: LabelStudioNames,
                undirected: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Each result names annotator's layer (``annotator``): Label Studio keeps extra keys in a
    result, while it drops an annotation's meta and refuses unknown ``completed_by`` users. A
    span's note goes where Label Studio keeps a region's notes (``meta.text``). A relation is a
    result joining two regions' ids, ``direction`` "right" (or "bi" for the ``undirected`` types)."""
    at = _converter(layer, unit)
    results: list[dict[str, Any]] = []
    regions: dict[int | None, str] = {}
    for i, span in enumerate(ordered(layer.spans), 1):
        regions[span.id] = f"{prefix}{i}"
        item: dict[str, Any] = {"id": f"{prefix}{i}", "from_name": names.labels, "to_name": names.text,
                                "type": "labels", "origin": "manual" if prefix != "m" else "prediction",
                                "value": {"start": at(span.start), "end": at(span.end), "text": span.text,
                                          "labels": [span.label]}}
        if span.note:
            item["meta"] = {"text": [span.note]}
        results.append(item)
    for relation in layer.relations:  # between two regions, by their ids; a note as a region's
        item = {"from_id": regions[relation.from_id], "to_id": regions[relation.to_id], "type": "relation",
                "direction": "bi" if relation.label in undirected else "right", "labels": [relation.label]}
        if relation.note:
            item["meta"] = {"text": [relation.note]}
        results.append(item)
    if layer.themes:
        results.append({"id": f"{prefix}t", "from_name": names.themes, "to_name": names.text, "type": "choices",
                        "value": {"choices": list(layer.themes)}})
    if layer.annotator and layer.annotator != MODEL:
        for item in results:
            item[LS_LAYER_KEY] = layer.annotator
            if layer.status:  # gold in progress stays so through Label Studio
                item[LS_STATUS_KEY] = layer.status
    return results


def labelstudio_task(layers: list[Layer], unit: str, names: LabelStudioNames = LabelStudioNames(),
                     undirected: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One Label Studio task for a document: its id, title, language and meta in ``data`` (the
    import reads ``doc_id`` back), one annotation per annotator (named in its results; gold as
    ground truth, the others explicitly not, since Label Studio takes a missing flag as true),
    and the model's layer as a prediction."""
    doc = layers[0].doc
    data = {names.data: doc.text, LS_DOC_ID: doc.id, "title": doc.title, "lang": doc.lang, "meta": doc.meta}
    annotations: list[dict[str, Any]] = []
    predictions: list[dict[str, Any]] = []
    for n, layer in enumerate(layers, 1):
        if layer.annotator is None:
            continue
        if layer.annotator == MODEL:
            predictions.append({"model_version": MODEL, "result": _ls_results(layer, unit, "m", names, undirected)})
            continue
        annotations.append({"result": _ls_results(layer, unit, f"a{n}-", names, undirected),
                            "ground_truth": layer.annotator == GOLD})
    return {"data": data, "annotations": annotations, "predictions": predictions}


def labelstudio_config(labels: list[tuple[str, str]], themes: list[str],
                       names: LabelStudioNames = LabelStudioNames(), relations: list[tuple[str, str]] = ()) -> str:
    """The labeling config that annotator's Label Studio export fits: a Labels control and a
    Choices control over the text, named as the export names them, and the schema's relation
    types as ``<Relations>`` (name, colour)."""
    def attr(value: str) -> str:
        return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

    lines = ["<View>", f'  <Labels name="{attr(names.labels)}" toName="{attr(names.text)}">']
    lines += [f'    <Label value="{attr(name)}" background="{attr(colour)}"/>' for name, colour in labels]
    lines += ["  </Labels>", f'  <Text name="{attr(names.text)}" value="${attr(names.data)}"/>',
              f'  <Choices name="{attr(names.themes)}" toName="{attr(names.text)}" choice="multiple">']
    lines += [f'    <Choice value="{attr(name)}"/>' for name in themes]
    lines += ["  </Choices>"]
    if relations:
        lines += ["  <Relations>", *(f'    <Relation value="{attr(name)}" background="{attr(colour)}"/>'
                                     for name, colour in relations), "  </Relations>"]
    lines += ["</View>", ""]
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
    aligned = align(layer.doc.id, layer.annotator, view, layer.spans, stats)
    without_overlaps(replace(layer, spans=[item.span for item in aligned]), stats, written=True)  # ner_manual
    for item in aligned:
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


Blocks = Iterable[tuple[int, DocTokens]]  # a document's tokens a block at a time (token_view.doc_token_blocks)


def in_blocks(layer: Layer, views: Blocks, stats: TokenStats
              ) -> Iterator[tuple[int, DocTokens, list[Aligned]]]:
    """Each block of the document with the layer's spans aligned to its tokens, offsets in the
    block (no span crosses a block: blocks never end inside a span). A span left out is reported
    with its offsets in the document."""
    spans = sorted(layer.spans, key=lambda s: s.start)
    at = 0
    for offset, view in views:
        end = offset + len(view.text)
        mine = []
        while at < len(spans) and spans[at].start < end:
            span = spans[at]
            mine.append(span._replace(start=span.start - offset, end=span.end - offset))
            at += 1
        before = len(stats.misaligned)
        aligned = align(layer.doc.id, layer.annotator, view, mine, stats)
        if offset:
            stats.misaligned[before:] = [replace(m, start=m.start + offset, end=m.end + offset)
                                         for m in stats.misaligned[before:]]
        yield offset, view, aligned


def tagged_sentences(layer: Layer, views: Blocks, stats: TokenStats) -> Iterator[TaggedSentence]:
    """The layer as IOB2 tags, one entry per sentence (or chunk), a block at a time."""
    k = 0
    for offset, view, aligned in in_blocks(layer, views, stats):
        tags = bio_tags(view, non_overlapping(aligned, stats, layer.doc.id, layer.annotator, offset))
        text = view.text
        for a, b in view.sentences:
            yield TaggedSentence(k, [text[t.start:t.end] for t in view.tokens[a:b]], tags[a:b])
            k += 1


def bio_records(layer: Layer, views: Blocks, stats: TokenStats) -> Iterator[dict[str, Any]]:
    for sentence in tagged_sentences(layer, views, stats):
        record: dict[str, Any] = {"id": f"{layer.doc.id}#{sentence.index}", "doc_id": layer.doc.id,
                                  "sentence": sentence.index, "tokens": sentence.tokens, "ner_tags": sentence.tags}
        if layer.annotator:
            record["annotator"] = layer.annotator
        yield record


# --- brat --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.-]+")


BRAT_NAME_BYTES = 150  # a name, its number and ".ann" stay far below a file system's 255 bytes


def brat_name(doc_id: str, taken: set[str]) -> str:
    """A file name for a document id: unsafe characters become _, a clash gets a number, and an id
    too long for a file name (a 300-letter Persian id is 600 bytes) keeps its start and gets a
    hash of the whole id, so that two long ids never share a name."""
    base = _UNSAFE.sub("_", doc_id).strip("._") or "document"
    if len(base.encode("utf-8")) > BRAT_NAME_BYTES:
        import hashlib

        short = base.encode("utf-8")[:BRAT_NAME_BYTES - 9].decode("utf-8", "ignore")
        base = f"{short}-{hashlib.sha256(doc_id.encode('utf-8')).hexdigest()[:8]}"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name.lower())
    return name


def brat_ann(layer: Layer, stats: TokenStats) -> tuple[str, int]:
    """brat standoff: ``T1<TAB>LABEL START END<TAB>text`` in code points (brat is Python); a span
    across a line break is written as fragments, and a note as ``AnnotatorNotes``. The layer's
    relations follow as ``R1<TAB>TYPE Arg1:T1 Arg2:T3`` (the from end as Arg1), by their ends'
    places, then type. Returns the text and how many relations were left out because an end is
    a span of line breaks only, which brat cannot mark."""
    text = layer.doc.text
    lines = []
    notes: list[str] = []
    ids: dict[int | None, str] = {}
    for i, span in enumerate(ordered(layer.spans), 1):
        fragments = []
        position = span.start
        for piece in text[span.start:span.end].split("\n"):
            if piece:
                fragments.append((position, position + len(piece)))
            position += len(piece) + 1
        if not fragments:  # only line breaks: brat has nothing to mark
            stats.skipped_spans += 1
            continue
        ids[span.id] = f"T{i}"
        where = ";".join(f"{a} {b}" for a, b in fragments)
        lines.append(f"T{i}\t{span.label} {where}\t{' '.join(text[a:b] for a, b in fragments)}")
        if span.note:
            lines.append(f"#{len(notes) + 1}\tAnnotatorNotes T{i}\t{' '.join(span.note.split())}")
            notes.append(span.note)
    places = {span_id: int(name[1:]) for span_id, name in ids.items()}
    marked = [r for r in layer.relations if r.from_id in ids and r.to_id in ids]
    for n, relation in enumerate(sorted(marked, key=lambda r: (places[r.from_id], places[r.to_id], r.label)), 1):
        lines.append(f"R{n}\t{relation.label} Arg1:{ids[relation.from_id]} Arg2:{ids[relation.to_id]}")
        if relation.note:
            lines.append(f"#{len(notes) + 1}\tAnnotatorNotes R{n}\t{' '.join(relation.note.split())}")
            notes.append(relation.note)
    return "\n".join(lines) + ("\n" if lines else ""), len(layer.relations) - len(marked)


def brat_conf(labels: list[str], relations: Iterable[RelationType] = ()) -> str:
    """annotation.conf: the labels as entity types, and each relation type with the labels its
    ends allow (``Arg1:PER|ORG``; ``<ENTITY>``: any), an undirected one marked
    ``<REL-TYPE>:symmetric`` (brat's projectconfig reads ``<REL-TYPE>`` options split at ``-``).
    Spans may nest, cross and share their characters, as annotator's do: brat's ``<OVERLAP>``
    rule says so, without which brat's verifier calls a city inside an organisation an error."""
    rows = []
    for kind in relations:
        ends = ["|".join(labels_) or "<ENTITY>" for labels_ in (kind.from_labels, kind.to_labels)]
        rows.append(f"{kind.name}\tArg1:{ends[0]}, Arg2:{ends[1]}" + ("" if kind.directed else ", <REL-TYPE>:symmetric"))
    rows.append("<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>")
    return "\n".join(["[entities]", *labels, "", "[relations]", *rows, "", "[events]", "", "[attributes]", ""]) + "\n"
