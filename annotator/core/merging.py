"""Bringing another annotator's database file into this one (`annotator merge OTHER.db`).

The other file is only read. Documents are matched by id and text: a new id comes in; the same id
with the same text is the same document; the same id with another text is a conflict, reported,
and that document's annotations stay out. Annotation layers come in whole: spans and themes are
added (an identical one already here is not duplicated), a status is taken where this database
has none for that annotator, and a different status here is kept and reported. Labels, themes
and relation types the schema lacks come with the other file's colours. A layer's relations come
with its spans (their ends found by offsets and label here); gold's with gold's, a relation whose
end stayed out (a gold conflict) staying out too; the reviewer's rejections (of spans, themes and
relations) with them. Nothing here is ever overwritten; it is one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.adjudication import Overlaps, competes
from annotator.core.importing import carry_time
from annotator.core.text import counted
from annotator.core.model import GOLD, Relation, Status
from annotator.core.schema import colour_for, free_hotkey
from annotator.storage import DATABASE_ERRORS, Store, open_readonly


@dataclass
class MergeReport:
    documents_added: int = 0
    documents_matched: int = 0
    spans_added: int = 0
    spans_already: int = 0
    themes_added: int = 0
    statuses_set: int = 0
    gold_spans_added: int = 0
    relations_added: int = 0
    relations_already: int = 0
    annotators: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{counted(self.documents_added, 'document')} added, {self.documents_matched} matched, "
                 f"{counted(self.spans_added, 'span')} added ({self.spans_already} already here), "
                 f"{counted(self.themes_added, 'theme')}, {counted(self.statuses_set, 'status', 'statuses')}, "
                 f"{counted(self.gold_spans_added, 'gold span')}"
                 + (f", {counted(self.relations_added, 'relation')} ({self.relations_already} already here)"
                    if self.relations_added or self.relations_already else "") + "; "
                 f"annotators: {', '.join(self.annotators) or 'none'}"]
        if self.conflicts:
            lines.append(f"{counted(len(self.conflicts), 'conflict')}, kept as they were here:")
            lines += [f"  {c}" for c in self.conflicts]
        return "\n".join(lines)


def merge(store: Store, other_path: str | Path) -> MergeReport:
    other = open_readonly(other_path)
    report = MergeReport()
    try:
        with store.transaction():
            _schema(store, other)
            times = _times(other)
            for docs in other.document_pages():
                usable = []
                for doc in docs:
                    mine = store.document_hash(doc.id)
                    if mine is None:
                        store.insert_document(doc)
                        report.documents_added += 1
                        usable.append(doc.id)
                    elif mine == doc.text_hash:
                        report.documents_matched += 1
                        usable.append(doc.id)
                    else:
                        report.conflicts.append(f"document {doc.id!r}: another text under the same id; "
                                                "its annotations were not brought in")
                layers = other.layers(usable)
                relations = _other_relations(other, usable)
                for doc_id in usable:
                    for name, layer in layers.get(doc_id, {}).items():
                        _layer(store, report, doc_id, name, layer, relations.get(doc_id, {}).get(name, []))
                        if name != GOLD and times.get((name, doc_id)):
                            carry_time(store, name, doc_id, times[(name, doc_id)], "merge")
                gold = other.gold_layers(usable)
                for doc_id, entry in gold.items():
                    _gold(store, other, report, doc_id, entry)
    finally:
        other.close()
    return report


def _times(other: Store) -> dict[tuple[str, str], float]:
    """The other file's active time per layer (none from a file older than active time)."""
    try:
        return other.active_seconds()
    except DATABASE_ERRORS:
        return {}


def _other_relations(other: Store, doc_ids: list[str]) -> dict[str, dict[str, list[Relation]]]:
    """The other file's relations on these documents (none from a file older than relations)."""
    try:
        return other.relation_layers(doc_ids)
    except DATABASE_ERRORS:
        return {}


def _relations(report: MergeReport, relations: list[Relation], ids: dict[int, int], add) -> None:  # noqa: ANN001
    """Add the other file's ``relations`` with their ends' ids here (``ids``: theirs -> ours);
    one whose end did not come in stays out."""
    for relation in relations:
        if relation.from_id in ids and relation.to_id in ids:
            made = add(relation._replace(from_id=ids[relation.from_id], to_id=ids[relation.to_id], id=None))
            report.relations_added += made is not None
            report.relations_already += made is None


def _gold(store: Store, other: Store, report: MergeReport, doc_id: str, entry: dict) -> None:
    """The other file's gold on a document, with its provenance; a span that competes with gold
    already here (the same characters, or the same label overlapping) stays out and is reported."""
    mine = Overlaps(store.gold_spans(doc_id))
    ids: dict[int, int] = {}  # their gold span ids -> ours
    for span, prov in entry["spans"]:
        near = mine.overlapping(span.start, span.end)
        rival = next((g for g in near if competes((g.start, g.end, g.label), (span.start, span.end, span.label))
                      and (g.start, g.end, g.label) != (span.start, span.end, span.label)), None)
        if rival is not None:
            report.conflicts.append(f"document {doc_id!r}, gold: {span.label} [{span.start}, {span.end}) there, "
                                    f"{rival.label} [{rival.start}, {rival.end}) here; kept this one")
            continue
        made = store.add_gold_span(span, proposed_by=prov["proposed_by"], decided_by=prov["decided_by"],
                                   decided_at=prov["decided_at"])
        report.gold_spans_added += made is not None
        ids[span.id] = made if made is not None else store.gold_span_ids([doc_id])[(doc_id, span.start, span.end,
                                                                                   span.label)]
    try:
        decided = other.gold_relation_layers([doc_id]).get(doc_id, [])
    except DATABASE_ERRORS:  # a file older than relations
        decided = []
    for relation, prov in decided:
        _relations(report, [relation], ids, lambda r, prov=prov: store.add_gold_relation(
            r, proposed_by=prov["proposed_by"], decided_by=prov["decided_by"], decided_at=prov["decided_at"]))
    try:
        refused = other.relation_rejections(doc_id)
    except DATABASE_ERRORS:  # a file older than relation rejections (m012)
        refused = []
    for rejection in refused:
        store.reject_relation(doc_id, rejection["from"], rejection["to"], rejection["label"],
                              proposed_by=rejection["proposed_by"], decided_by=rejection["decided_by"],
                              decided_at=rejection["decided_at"])
    for theme in entry["themes"]:
        store.add_gold_theme(doc_id, theme, **entry.get("theme_provenance", {}).get(
            theme, {"proposed_by": [], "decided_by": "merge"}))
    for rejection in other.gold_rejections(doc_id):
        if "theme" in rejection:
            store.reject_gold_theme(doc_id, rejection["theme"], decided_by=rejection["decided_by"],
                                    decided_at=rejection["decided_at"])
        else:
            store.reject_proposal(doc_id, rejection["start"], rejection["end"], rejection["label"],
                                  proposed_by=rejection["proposed_by"], decided_by=rejection["decided_by"],
                                  decided_at=rejection["decided_at"])
    here = store.gold_status(doc_id)
    there = entry["status"]
    status_prov = entry.get("status_provenance", {"decided_by": "merge", "decided_at": None})
    if here is None:
        store.set_gold_status(doc_id, there, **status_prov)
    elif here != there:
        report.conflicts.append(f"document {doc_id!r}, gold status {there} there, {here} here; kept this one")


def _schema(store: Store, other: Store) -> None:
    mine = store.schema()
    theirs = other.schema()
    keys = store.hotkeys()
    colours = {"labels": [item.colour for item in mine.labels], "themes": [item.colour for item in mine.themes]}
    for kind, items, have in (("labels", theirs.labels, mine.labels), ("themes", theirs.themes, mine.themes),
                              ("relations", theirs.relations, mine.relations)):
        names = {item.name for item in have}
        for item in items:
            if item.name in names:
                continue
            hotkey = item.hotkey if item.hotkey and item.hotkey not in keys else free_hotkey(keys)
            colour = item.colour
            if colour in colours["labels"] + colours["themes"]:
                colour = colour_for(colours["labels"], colours["themes"], kind=kind)
            if kind == "relations":  # its colour is its own: arcs, never a highlight among the labels'
                store.add_relation_type(item.__class__(**{**item.__dict__, "hotkey": hotkey}))
                if hotkey:
                    keys.add(hotkey)
                continue
            store.add_label(item.__class__(**{**item.__dict__, "hotkey": hotkey, "colour": colour}), kind)
            if hotkey:
                keys.add(hotkey)
            colours[kind].append(colour)


def _layer(store: Store, report: MergeReport, doc_id: str, name: str, layer: dict,
           relations: list[Relation]) -> None:
    if name == GOLD:
        return
    store.ensure_annotator(name)
    if name not in report.annotators:
        report.annotators.append(name)
    ids: dict[int, int] = {}  # their span ids -> ours, for the relations
    for span in layer["spans"]:
        made = store.add_span(span._replace(id=None))
        if made is None:
            report.spans_already += 1
            if relations:
                made = store.span_ids([doc_id], [name])[(doc_id, name, span.start, span.end, span.label)]
        else:
            report.spans_added += 1
        ids[span.id] = made
    _relations(report, relations, ids, store.add_relation)
    for theme in layer["themes"]:
        report.themes_added += store.add_doc_theme(doc_id, name, theme)
    status = layer["status"]
    mine = store.status(doc_id, name)
    if status is not Status.NEW and mine is Status.NEW:
        report.statuses_set += store.set_status(doc_id, name, status)
    elif status is not Status.NEW and mine is not status:
        report.conflicts.append(f"document {doc_id!r}, {name}: status {status.value} there, {mine.value} here; "
                                "kept this one")
