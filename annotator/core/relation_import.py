"""An import's relations (issue 25): annotator's own JSONL lines may join their spans by ids
(annotator.core.records reads them), and INCEpTION's files by their relation layer (annotator.core.
inception and webanno_tsv, each relation with its own line in the file). Here each line's relations
are checked against the schema (the type exists, its ends' labels fit its rule), with the file and
line named, before anything of the line's page is written; then written once their spans have
ids. A relation already there is left as it is, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from annotator.core.errors import InputError
from annotator.core.model import GOLD, Relation
from annotator.core.records import Record
from annotator.core.relations import relation_problem
from annotator.core.schema import Schema
from annotator.core.text import OffsetMap
from annotator.storage import Store


def check_relations(rec: Record, schema: Schema) -> None:
    """Refuse the line (its file and line named) if a relation does not fit the schema."""
    for n, raw in enumerate(rec.relations, 1):
        one, other = rec.spans[raw.from_index], rec.spans[raw.to_index]
        why = relation_problem(schema, raw.label, one.label, other.label)
        if why is not None:
            raise rec.error(f"{raw.name or f'relation {n}'}: {why}", raw.line)


def _ends(rec: Record, mapping: OffsetMap, index: int) -> tuple[int, int, str]:
    raw = rec.spans[index]
    start, end = mapping.span(raw.start, raw.end)
    return start, end, raw.label


def _count(report: Any, added: int, there: int) -> None:
    report.relations_added += added
    report.relations_unchanged += there


def write_relations(store: Store, lines: list[tuple[Record, str, OffsetMap]], report: Any) -> None:
    """Write the relations of these lines (each with its layer and offset map), their spans
    written already; counted in ``report`` (an ImportReport): added, already there."""
    if not lines:
        return
    ids = store.span_ids(list(dict.fromkeys(rec.id for rec, _, _ in lines)),
                         list(dict.fromkeys(name for _, name, _ in lines)))
    relations = []
    for rec, annotator, mapping in lines:
        for raw in rec.relations:
            ends = [ids[(rec.id, annotator, *_ends(rec, mapping, i))] for i in (raw.from_index, raw.to_index)]
            relations.append(Relation(rec.id, annotator, ends[0], ends[1], raw.label, raw.note))
    added = store.add_relations(relations)
    _count(report, added, len(relations) - added)


def write_gold_relations(store: Store, rec: Record, mapping: OffsetMap, decider: str, report: Any) -> None:
    """Write a gold line's relations between its gold spans, with their provenance."""
    if not rec.relations:
        return
    ids = store.gold_span_ids([rec.id])
    added = 0
    for raw in rec.relations:
        ends = [ids[(rec.id, *_ends(rec, mapping, i))] for i in (raw.from_index, raw.to_index)]
        prov = raw.provenance or {}
        made = store.add_gold_relation(Relation(rec.id, GOLD, ends[0], ends[1], raw.label, raw.note),
                                       proposed_by=prov.get("proposed_by") or [],
                                       decided_by=prov.get("decided_by") or decider, decided_at=prov.get("decided_at"))
        added += made is not None
    _count(report, added, len(rec.relations) - added)
