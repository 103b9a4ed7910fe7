"""Adjudication: the annotators' spans on a document, grouped into units a reviewer decides.

A unit is a group of competing spans (across annotators): spans compete when they cover the same
characters, or share a label and overlap. Nested spans with different labels (a city inside an
organisation's name) do not compete: they are separate units, both of which may go to gold. A
unit's versions are the distinct (start, end, label) in it, each with the annotators who proposed
it. A unit is:

- ``agreed``: one version, proposed by every annotator of the document (at least two);
- ``agreed_by_some``: one version, proposed by k of n annotators (1 < k < n);
- ``proposed_by_one``: one version, proposed by a single annotator;
- ``label_conflict``: several versions on the same characters, with different labels;
- ``boundary_conflict``: several versions that cover different characters.

Auto-accept takes into gold every unit whose single version at least N annotators proposed
(N = all of the document's annotators unless given), and every theme that many ticked, with
provenance (who proposed it, who decided, when); then every relation unit (annotator.core.
relation_review) whose single version that many proposed, when both its ends are in gold (taken
in the same run, or before): an end gold lacks is the reviewer's to decide, not a relation's.
Annotators' own layers never change. A document still to review (:func:`next_to_review`, Ctrl+Enter's
next document) has an undecided span unit or relation unit.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from annotator.core.text import counted
from annotator.core.model import GOLD, Span
from annotator.core.relation_review import (AGREED, AGREED_BY_SOME, PROPOSED_BY_ONE, gold_pairs, gold_relation, place,
                                            relation_units, unit_decided, unit_rejected)
from annotator.storage import Store

LABEL_CONFLICT = "label_conflict"
BOUNDARY_CONFLICT = "boundary_conflict"
AUTO = "auto"  # the reviewer name auto-acceptance decides as, unless given


@dataclass
class Version:
    start: int
    end: int
    label: str
    text: str
    annotators: list[str]


@dataclass
class Unit:
    start: int
    end: int
    versions: list[Version]
    kind: str
    annotators: int  # how many annotators have a layer on the document

    @property
    def best(self) -> Version:
        return max(self.versions, key=lambda v: (len(v.annotators), -v.start, v.label))


def competes(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    """Two spans are alternatives to one another: same characters, or same label and overlapping."""
    same_place = a[0] == b[0] and a[1] == b[1]
    return same_place or (a[2] == b[2] and a[0] < b[1] and b[0] < a[1])


def units(layers: dict[str, list[Span]]) -> list[Unit]:
    """Group every annotator's spans on one document into units, in text order."""
    n = len(layers)
    spans = sorted((s for spans in layers.values() for s in spans), key=lambda s: (s.start, s.end, s.label))
    parent = list(range(len(spans)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    active: list[int] = []  # spans that may still overlap the next one (sorted by start)
    for i, span in enumerate(spans):
        active = [j for j in active if spans[j].end > span.start]
        for j in active:
            if competes((spans[j].start, spans[j].end, spans[j].label), (span.start, span.end, span.label)):
                parent[root(i)] = root(j)
        active.append(i)
    groups: dict[int, list[Span]] = {}
    for i, span in enumerate(spans):
        groups.setdefault(root(i), []).append(span)
    out = []
    for group in sorted(groups.values(), key=lambda g: (min(s.start for s in g), max(s.end for s in g))):
        versions: dict[tuple[int, int, str], Version] = {}
        for span in group:
            key = (span.start, span.end, span.label)
            version = versions.setdefault(key, Version(span.start, span.end, span.label, span.text, []))
            if span.annotator not in version.annotators:
                version.annotators.append(span.annotator)
        listed = sorted(versions.values(), key=lambda v: (v.start, v.end, v.label))
        if len(listed) > 1:
            same_place = len({(v.start, v.end) for v in listed}) == 1
            kind = LABEL_CONFLICT if same_place else BOUNDARY_CONFLICT
        else:
            k = len(listed[0].annotators)
            kind = PROPOSED_BY_ONE if k == 1 else AGREED if k == n else AGREED_BY_SOME
        out.append(Unit(min(s.start for s in group), max(s.end for s in group), listed, kind, n))
    return out


class Overlaps:
    """Spans by position: those overlapping a range in O(log n + what is near), where a list
    would be read whole for every unit (a long document's gold holds thousands: checking each
    unit against all of them was quadratic, minutes on a 1,000,000-character document)."""

    def __init__(self, spans: Iterable[Span]):
        self.spans = sorted(spans, key=lambda s: (s.start, s.end))
        self._starts = [s.start for s in self.spans]
        self._longest = max((s.end - s.start for s in self.spans), default=0)

    def overlapping(self, start: int, end: int) -> list[Span]:
        first = bisect.bisect_left(self._starts, start - self._longest)
        last = bisect.bisect_left(self._starts, end)
        return [s for s in self.spans[first:last] if s.end > start]


def decided_by_gold(unit: Unit, gold: Overlaps) -> bool:
    """Gold holds a span that is one of the unit's alternatives (accepted, or edited from one)."""
    return any(competes((g.start, g.end, g.label), (v.start, v.end, v.label))
               for g in gold.overlapping(unit.start, unit.end) for v in unit.versions)


@dataclass
class AutoReport:
    documents: int = 0
    spans: int = 0
    themes: int = 0
    relations: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        kinds = ", ".join(f"{kind.replace('_', ' ')} {n}" for kind, n in sorted(self.by_kind.items()))
        relations = f", {counted(self.relations, 'relation')}" if self.relations else ""
        return (f"{counted(self.spans, 'span')}{relations} and {counted(self.themes, 'theme')} accepted into gold on "
                f"{counted(self.documents, 'document')}"
                + (f" (units: {kinds})" if kinds else ""))


def auto_accept(store: Store, *, min_agree: int | None = None, reviewer: str = AUTO,
                annotators: Iterable[str] | None = None) -> AutoReport:
    """Accept into gold what enough annotators agree on (see the module's docstring); one
    transaction; running it again adds nothing."""
    if min_agree is not None and min_agree < 2:
        raise ValueError("--min-agree must be at least 2: one annotator alone is not agreement")
    wanted = set(annotators) if annotators is not None else None
    report = AutoReport()
    undirected = {kind.name for kind in store.schema().relations if not kind.directed}
    with store.transaction():
        for docs in store.document_pages():
            found = store.layers([doc.id for doc in docs])
            related = store.relation_layers([doc.id for doc in docs])
            for doc in docs:
                layers = {name: layer for name, layer in found.get(doc.id, {}).items()
                          if name not in (GOLD, "model") and layer["status"].value != "skipped"
                          and (wanted is None or name in wanted)}
                if len(layers) < 2 or store.gold_status(doc.id) == "adjudicated":
                    continue  # nothing to agree on, or the reviewer has finished this document
                need = min_agree if min_agree is not None else len(layers)
                gold = Overlaps(store.gold_spans(doc.id))
                rejected = store.rejected_proposals(doc.id)
                touched = False
                for unit in units({name: layer["spans"] for name, layer in layers.items()}):
                    report.by_kind[unit.kind] = report.by_kind.get(unit.kind, 0) + 1
                    if decided_by_gold(unit, gold) or all((v.start, v.end, v.label) in rejected for v in unit.versions):
                        continue  # the reviewer has decided this unit: never overridden
                    qualified = [v for v in unit.versions if len(v.annotators) >= need]
                    if len(qualified) != 1:
                        continue  # nothing agreed enough, or two versions at once: the reviewer decides
                    version = qualified[0]
                    span = Span(doc.id, GOLD, version.start, version.end, version.label, version.text)
                    if store.add_gold_span(span, proposed_by=version.annotators, decided_by=reviewer) is not None:
                        report.spans += 1
                        touched = True
                votes: dict[str, list[str]] = {}
                for name, layer in layers.items():
                    for theme in layer["themes"]:
                        votes.setdefault(theme, []).append(name)
                refused = store.rejected_gold_themes(doc.id)
                for theme, names in votes.items():
                    if theme in refused:
                        continue
                    if len(names) >= need and store.add_gold_theme(doc.id, theme, proposed_by=names,
                                                                   decided_by=reviewer):
                        report.themes += 1
                        touched = True
                if related.get(doc.id):
                    added = _accept_relations(store, doc.id, layers, related[doc.id], undirected, need, reviewer)
                    report.relations += added
                    touched = touched or added > 0
                if touched:
                    if store.gold_status(doc.id) != "adjudicated":
                        store.set_gold_status(doc.id, "in_progress", decided_by=reviewer)
                    report.documents += 1
    return report


def _accept_relations(store: Store, doc_id: str, layers: dict[str, dict], related: dict, undirected: set[str],
                      need: int, reviewer: str) -> int:
    """Auto-accept's relations on one document (see the module's docstring): how many went to gold."""
    found = relation_units({name: layer["spans"] for name, layer in layers.items()},
                           {name: related.get(name, []) for name in layers}, undirected)
    if not found:
        return 0
    gold = store.gold_spans(doc_id)
    ids = {place(s): s.id for s in gold}
    pairs = gold_pairs(gold, store.gold_relations(doc_id))
    rejected = store.rejected_relations(doc_id)
    added = 0
    for unit in found:
        qualified = [v for v in unit.versions if len(v.annotators) >= need]
        if unit_decided(unit, pairs) or unit_rejected(unit, rejected) or len(qualified) != 1:
            continue  # the reviewer decided it (never overridden), or nothing is agreed enough
        version = qualified[0]
        if version.source in ids and version.target in ids and store.add_gold_relation(
                gold_relation(doc_id, version, ids), proposed_by=version.annotators, decided_by=reviewer) is not None:
            added += 1
    return added


def reviewable_layers(layers: dict[str, dict]) -> dict[str, dict]:
    """The layers a reviewer adjudicates: not gold, not a model's, not skipped."""
    return {name: layer for name, layer in layers.items()
            if name not in (GOLD, "model") and getattr(layer["status"], "value", layer["status"]) != "skipped"}


def undecided_units(store: Store, doc_id: str, layers: dict[str, dict] | None = None, *,
                    related: dict | None = None, decided: Decided | None = None) -> int:
    """How many units of ``doc_id``, span units and relation units, the gold layer has neither
    taken nor rejected. ``layers``, ``related`` (the document's relations, ``{annotator:
    [Relation]}``) and ``decided`` (gold's relations and the rejected ones): what the caller has
    read already for a page of documents (:func:`next_to_review`); read here when not given."""
    if layers is None:
        layers = store.layers([doc_id]).get(doc_id, {})
    reviewable = reviewable_layers(layers)
    found = units({name: layer["spans"] for name, layer in reviewable.items()})
    open_spans = 0
    if found:
        gold = Overlaps(store.gold_spans(doc_id))
        rejected = store.rejected_proposals(doc_id)
        open_spans = sum(1 for unit in found if not decided_by_gold(unit, gold)
                         and not all((v.start, v.end, v.label) in rejected for v in unit.versions))
    if related is None:
        related = store.relation_layers([doc_id]).get(doc_id, {})
    if not any(related.get(name) for name in reviewable):
        return open_spans
    if decided is None:
        decided = Decided(store, [doc_id])
    return open_spans + undecided_relation_units(reviewable, related, decided.undirected,
                                                 decided.pairs.get(doc_id, set()), decided.rejected.get(doc_id, set()))


class Decided:
    """What decides the relation units of some documents, read in two queries whatever their
    number: gold's pairs of ends (``pairs``), the rejected relations (``rejected``), and the
    schema's undirected types."""

    def __init__(self, store: Store, doc_ids: list[str]):
        self.undirected = {kind.name for kind in store.schema().relations if not kind.directed}
        self.pairs = store.gold_relation_pairs(doc_ids)
        self.rejected = store.rejected_relation_sets(doc_ids)


def undecided_relation_units(layers: dict[str, dict], related: dict, undirected: set[str],
                             pairs: set, rejected: set) -> int:
    """How many relation units of a document (its reviewable ``layers`` and their ``related``
    relations) neither gold's ``pairs`` of ends decide nor ``rejected`` rejects whole."""
    found = relation_units({name: layer["spans"] for name, layer in layers.items()},
                           {name: related.get(name, []) for name in layers}, undirected)
    return sum(1 for unit in found if not unit_decided(unit, pairs) and not unit_rejected(unit, rejected))


def next_to_review(store: Store, after: str | None, *, page: int = 500) -> str | None:
    """The next document in list order after ``after`` (wrapping around) that is not adjudicated
    and still has undecided units, span or relation units; None when every document is decided.
    Walks ids a page at a time (layers, relations and gold states read per page, gold's relations
    and the rejected ones for the page's documents that have relations, each in one query), and
    stops at the first one found."""
    start = (store.seq_of(after) or 0) if after is not None else 0
    for low, until in ((start, None), (0, start)):  # after it, then from the top back to it
        seq = low
        while True:
            batch = store.ids_after(seq, page, until_seq=until)
            if not batch:
                break
            ids = [doc_id for _, doc_id in batch]
            adjudicated = {d for d, status in store.gold_statuses(ids).items() if status == "adjudicated"}
            layers = store.layers(ids)
            related = store.relation_layers(ids)
            decided = Decided(store, [d for d in ids if d in related]) if related else None
            for doc_id in ids:
                if doc_id != after and doc_id not in adjudicated and doc_id in layers \
                        and undecided_units(store, doc_id, layers[doc_id], related=related.get(doc_id, {}),
                                            decided=decided):
                    return doc_id
            seq = batch[-1][0]
    return None
