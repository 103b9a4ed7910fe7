"""Review of relations between spans (issue 25): the annotators' relations on a document grouped
into units a reviewer decides, as spans are (annotator.core.adjudication), and a relation put into
gold with its ends.

A relation's ends are known by their spans' places: (start, end, label), matched exactly, so two
annotators' relations are the same relation when their ends' spans have the same offsets and
labels and their types are the same (for an undirected type, either way round). A unit is every
relation between one pair of ends (either way round); its versions are the distinct (type, from,
to) in it, each with the annotators who proposed it. A unit is:

- ``agreed``: one version, proposed by every annotator of the document (at least two);
- ``agreed_by_some``: one version, proposed by k of n annotators (1 < k < n);
- ``proposed_by_one``: one version, proposed by a single annotator;
- ``type_conflict``: the same ends, several versions (different types, or one directed type in
  opposite directions).

A unit is decided when gold holds a relation between gold spans at its ends (either way round,
any type: the reviewer accepted one, or made or changed one there), or when every version of it
was rejected (``Store.reject_relation``, by its ends' places and type). Accepting a relation puts its
ends into gold along with it when they are not there (each with the annotators whose layers hold
that span as its proposers), unless gold decided an end otherwise: a gold span of another label on
those characters, or the end's span rejected; then nothing is written and the reason is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from annotator.core.model import GOLD, Relation, Span

# The kinds a span unit has too (annotator.core.adjudication, which imports this module), and one of its own.
AGREED = "agreed"
AGREED_BY_SOME = "agreed_by_some"
PROPOSED_BY_ONE = "proposed_by_one"
TYPE_CONFLICT = "type_conflict"

End = tuple[int, int, str]  # an end's span: start, end, label


@dataclass
class RelationVersion:
    label: str
    source: End
    target: End
    annotators: list[str]


@dataclass
class RelationUnit:
    ends: tuple[End, End]  # in text order
    texts: dict[End, str]  # each end's text
    versions: list[RelationVersion]
    kind: str
    annotators: int  # how many annotators have a layer on the document

    @property
    def best(self) -> RelationVersion:
        return max(self.versions, key=lambda v: (len(v.annotators), v.source, v.label))

    @property
    def start(self) -> int:
        return min(self.ends[0][0], self.ends[1][0])

    @property
    def end(self) -> int:
        return max(self.ends[0][1], self.ends[1][1])


def relation_key(label: str, source: End, target: End, undirected: Iterable[str] = ()) -> tuple[End, End, str]:
    """(from, to, type) as compared: an undirected type's ends in text order."""
    if label in undirected and target < source:
        source, target = target, source
    return source, target, label


def place(span: Span) -> End:
    return span.start, span.end, span.label


def layer_keys(spans: Iterable[Span], relations: Iterable[Relation],
               undirected: Iterable[str] = ()) -> list[tuple[End, End, str]]:
    """One layer's relations on a document as (from, to, type) by their ends' places."""
    undirected = set(undirected)
    by_id = {s.id: s for s in spans}
    out = []
    for r in relations:
        source, target = by_id.get(r.from_id), by_id.get(r.to_id)
        if source is not None and target is not None:
            out.append(relation_key(r.label, place(source), place(target), undirected))
    return out


def relation_units(layers: Mapping[str, Iterable[Span]], relations: Mapping[str, Iterable[Relation]],
                   undirected: Iterable[str] = ()) -> list[RelationUnit]:
    """Group every annotator's relations on one document into units, in their ends' text order.
    ``layers``: each annotator's spans (with ids); ``relations``: each one's relations."""
    undirected = set(undirected)
    n = len(layers)
    texts: dict[End, str] = {}
    groups: dict[tuple[End, End], dict[tuple[End, End, str], RelationVersion]] = {}
    for name in sorted(layers):
        spans = list(layers[name])
        texts.update((place(s), s.text) for s in spans)
        for source, target, label in layer_keys(spans, relations.get(name, ()), undirected):
            versions = groups.setdefault(tuple(sorted((source, target))), {})
            version = versions.setdefault((source, target, label), RelationVersion(label, source, target, []))
            if name not in version.annotators:
                version.annotators.append(name)
    out = []
    for ends, versions in sorted(groups.items()):
        listed = sorted(versions.values(), key=lambda v: (v.label, v.source, v.target))
        if len(listed) > 1:
            kind = TYPE_CONFLICT
        else:
            k = len(listed[0].annotators)
            kind = PROPOSED_BY_ONE if k == 1 else AGREED if k == n else AGREED_BY_SOME
        out.append(RelationUnit(ends, {end: texts[end] for end in ends}, listed, kind, n))
    return out


def gold_pairs(gold_spans: Iterable[Span], gold_relations: Iterable[Relation]) -> set[tuple[End, End]]:
    """The pairs of ends (in text order) gold holds a relation between."""
    by_id = {s.id: place(s) for s in gold_spans}
    return {tuple(sorted((by_id[r.from_id], by_id[r.to_id]))) for r in gold_relations
            if r.from_id in by_id and r.to_id in by_id}


def unit_decided(unit: RelationUnit, pairs: set[tuple[End, End]]) -> bool:
    return unit.ends in pairs


def unit_rejected(unit: RelationUnit, rejected: set[tuple[End, End, str]]) -> bool:
    """Every version of the unit was rejected (``rejected``: ``Store.rejected_relations``)."""
    return all((v.source, v.target, v.label) in rejected for v in unit.versions)


def end_refused(end: End, gold_spans: Iterable[Span], rejected: set[tuple[int, int, str]], text: str) -> str | None:
    """Why the span at ``end`` cannot go into gold with a relation (gold decided it otherwise), in
    one line; None when it is in gold or may go there."""
    here = [s for s in gold_spans if (s.start, s.end) == end[:2]  # what competes with it (adjudication.competes)
            or (s.label == end[2] and s.start < end[1] and end[0] < s.end)]
    if any(place(s) == end for s in here):
        return None
    if here:
        other = here[0]
        return f"gold has «{other.text}» as {other.label} there, not {end[2]}: accept the end's unit first"
    if end in rejected:
        return f"its end «{text}» ({end[2]}) was rejected from gold"
    return None


def gold_relation(doc_id: str, version: RelationVersion, ids: Mapping[End, int]) -> Relation:
    """The version as a relation between the gold spans ``ids`` gives for its ends."""
    return Relation(doc_id, GOLD, ids[version.source], ids[version.target], version.label)
