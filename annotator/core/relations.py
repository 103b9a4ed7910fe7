"""Relations between spans (issue 25), free of storage and of Qt: whether a relation fits the
schema, and which relations a span's new label would break.

A relation joins two spans of one layer and document (:class:`annotator.core.model.Relation`);
the database refuses any other (see annotator.storage.relations_part). The rules here are the
schema's: the type exists, and the ends' labels are among those its ``from`` and ``to`` allow
(either way round for an undirected type). Each check answers with the reason in one line, or
None when the relation is fine, so that the window, an import and a merge word it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from annotator.core.model import Relation, Span
from annotator.core.schema import Schema
from annotator.core.text import fold, shown


def relation_problem(schema: Schema, kind: str, from_label: str, to_label: str) -> str | None:
    """Why a relation of type ``kind`` cannot join a span labelled ``from_label`` to one labelled
    ``to_label``, in one line; None if it can."""
    found = schema.relation(kind)
    if found is None:
        known = ", ".join(k.name for k in schema.relations) or "none"
        return f"relation type {shown(kind)} is not in the schema (its relation types: {known})"
    if found.allows(from_label, to_label):
        return None
    return (f"a {found.name} relation joins {found.rule()}, not {shown(from_label)} -> {shown(to_label)}")


def check_relation(schema: Schema, relation: Relation, spans: Mapping[int, Span]) -> str | None:
    """Why ``relation`` does not fit the schema or its layer, in one line; None if it does.
    ``spans``: the layer's spans on its document by id."""
    if relation.from_id == relation.to_id:
        return "a relation joins two different spans, not a span to itself"
    ends = [spans.get(relation.from_id), spans.get(relation.to_id)]
    for name, span, span_id in (("from", ends[0], relation.from_id), ("to", ends[1], relation.to_id)):
        if span is None:
            return f"its {name} span {span_id} is not a span of this document and layer"
        if span.doc_id != relation.doc_id or span.annotator != relation.annotator:
            return f"its {name} span {span_id} is in another document or layer"
    assert ends[0] is not None and ends[1] is not None
    return relation_problem(schema, relation.label, ends[0].label, ends[1].label)


def broken_by_relabel(schema: Schema, span: Span, new_label: str, relations: Iterable[Relation],
                      spans: Mapping[int, Span]) -> list[tuple[Relation, str]]:
    """The relations of ``span`` that its relabelling to ``new_label`` would break, each with why
    (what the window asks about before a relabel). ``relations``: the layer's relations on the
    document (or just the span's); ``spans``: the layer's spans by id."""
    broken = []
    for relation in relations:
        if span.id not in (relation.from_id, relation.to_id):
            continue
        other_id = relation.to_id if relation.from_id == span.id else relation.from_id
        other = spans.get(other_id)
        if other is None:
            continue
        labels = (new_label, other.label) if relation.from_id == span.id else (other.label, new_label)
        why = relation_problem(schema, relation.label, *labels)
        if why is not None:
            broken.append((relation, why))
    return broken


def relation_items(relations: list[Relation], ids: Mapping[int | None, str],
                   provenance: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """A layer's relations as annotator's JSONL line writes them: ends named by the spans' ids in
    the line (``ids``: a span's database id -> ``s0``, ``s1``, ... by its place), in the order of
    their ends' places, then type; gold's with their ``provenance`` (one per relation)."""
    given = dict(zip((r.id for r in relations), provenance or []))
    items = []
    for relation in relations:
        item: dict[str, Any] = {"from": ids[relation.from_id], "to": ids[relation.to_id], "label": relation.label}
        if relation.note:
            item["note"] = relation.note
        if relation.id in given:
            item.update(given[relation.id])
        items.append(item)
    return sorted(items, key=lambda item: (int(item["from"][1:]), int(item["to"][1:]), item["label"]))


def spans_holding(spans: Iterable[Span], query: str, after: Span | None = None) -> list[Span]:
    """The spans whose text holds ``query`` as search folds them (Arabic ي/ك as Persian ی/ک, no
    ZWNJ or harakat, case ignored), in reading order from the first after ``after`` (then from
    the document's start): what typing the other span's words finds in relation mode. ``after``
    itself is left out."""
    needle = fold(query.strip())
    if not needle:
        return []
    found = sorted((s for s in spans if needle in fold(s.text) and (after is None or s.id != after.id)),
                   key=lambda s: (s.start, s.end))
    if after is None:
        return found
    later = [s for s in found if (s.start, s.end) > (after.start, after.end)]
    return later + [s for s in found if (s.start, s.end) <= (after.start, after.end)]


def broken_by(schema: Schema, ends: Iterable[tuple[str, str, str, str, int]]) -> str | None:
    """Why ``schema`` cannot replace the stored one: stored relations whose ends' labels its rule
    for their type would not allow (``ends``: Store.relation_end_labels), in one line; None if
    every one still fits. A type the schema leaves out is kept while relations use it: not checked."""
    broken: dict[tuple[str, str, str], dict[str, int]] = {}
    for kind, from_label, to_label, layer, count in ends:
        found = schema.relation(kind)
        if found is not None and not found.allows(from_label, to_label):
            layers = broken.setdefault((kind, from_label, to_label), {})
            layers[layer] = layers.get(layer, 0) + count
    if not broken:
        return None
    (kind, from_label, to_label), layers = min(broken.items())
    found = schema.relation(kind)
    assert found is not None
    total = sum(layers.values())
    whose = " and ".join(f"{layer}'s" for layer in sorted(layers, key=lambda name: (name == "gold", name)))
    return (f"{total} relation{'s' * (total != 1)} of type {kind} join{'s' * (total == 1)} {from_label} -> "
            f"{to_label}, which its rule "
            f"{found.rule()} would not allow ({whose}): change or delete them first")

