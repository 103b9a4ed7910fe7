"""The edits of relations between spans (issue 25), as operations like the span edits
(annotator.core.workspace.operations): make one, delete one, change its type, and relabel a span
together with the relations the new label would break (one undoable step).

Each is made on the layer of the workspace (an annotator's own, or gold in review mode) and
committed before the workspace says "changed"; the window checks the schema's end rule before it
makes one (annotator.core.relations), so what reaches here is what the person confirmed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from annotator.core.bidi import quoted
from annotator.core.model import GOLD, Relation, Span
from annotator.core.relation_review import RelationVersion, end_refused, gold_relation, place
from annotator.core.workspace.operations import Change, EditSchema, Operation, UpdateSpan, Workspace


def _short(text: str, most: int = 30) -> str:
    text = " ".join(text.split())
    return quoted(text if len(text) <= most else text[:most - 1] + "…")


class _RelationOperation(Operation):
    """A relation's edit: its change names no span and says the relations changed."""

    relation: Relation

    def focus_span(self, undone: bool = False) -> int | None:
        return None

    def change(self, undone: bool) -> Change:
        delta = self.delta()
        return Change(self, undone, self.doc_id, relations=True,
                      relation_delta=None if delta is None else (delta[1], delta[0]) if undone else delta)

    def delta(self) -> tuple[list[Relation], list[Relation]] | None:
        """The relations the step forward removed and added (undo swaps them); None: the views
        read the layer's relations again."""
        return None


class AddRelation(_RelationOperation):
    """A relation of type ``label`` from ``source`` to ``target`` (two spans of the layer on one
    document): one statement, committed; redo puts it back under the same id."""

    def __init__(self, workspace: Workspace, source: Span, target: Span, label: str):
        super().__init__(workspace, source.doc_id,
                         f"relate «{_short(source.text)}» {label} «{_short(target.text)}»")
        self.relation = Relation(source.doc_id, self.layer.name, source.id, target.id, label)

    def self_contained(self, undone: bool) -> bool:
        return not undone and not self.layer.is_gold  # one INSERT on an annotator's layer

    def forward(self) -> None:
        relation_id = self.layer.add_relation(self.relation)
        if relation_id is None:
            raise ValueError(f"that {self.relation.label} relation is there already")
        self.relation = self.relation._replace(id=relation_id)

    def backward(self) -> None:
        if self.layer.delete_relation(self.relation) is None:
            raise ValueError("that relation is not there any more")

    def delta(self) -> tuple[list[Relation], list[Relation]]:
        return [], [self.relation]


class DeleteRelation(_RelationOperation):
    def __init__(self, workspace: Workspace, relation: Relation, description: str = ""):
        super().__init__(workspace, relation.doc_id, description or f"delete {relation.label} relation")
        self.relation = relation
        self.saved: Any = None

    def self_contained(self, undone: bool) -> bool:
        return not undone and not self.layer.is_gold

    def forward(self) -> None:
        self.saved = self.layer.delete_relation(self.relation)
        if self.saved is None:
            raise ValueError("that relation is gone already")

    def backward(self) -> None:
        self.layer.restore_relation(self.relation, self.saved)

    def delta(self) -> tuple[list[Relation], list[Relation]]:
        return [self.relation], []


class ChangeRelationType(_RelationOperation):
    def __init__(self, workspace: Workspace, relation: Relation, label: str):
        super().__init__(workspace, relation.doc_id, f"change {relation.label} relation to {label}")
        self.relation = relation
        self.before, self.label = relation.label, label

    def self_contained(self, undone: bool) -> bool:
        return not self.layer.is_gold  # one UPDATE either way

    def forward(self) -> None:
        self.relation = self.layer.update_relation(self.relation.id, self.label)

    def backward(self) -> None:
        self.relation = self.layer.update_relation(self.relation.id, self.before)

    def delta(self) -> tuple[list[Relation], list[Relation]]:
        return [self.relation._replace(label=self.before)], [self.relation._replace(label=self.label)]


class AcceptRelation(_RelationOperation):
    """The reviewer takes a relation unit's version into gold with its proposers, and its ends
    along with it when gold lacks them (each with the annotators whose layers hold that span): one
    step, undone together. Refused, nothing written, when gold decided an end otherwise
    (annotator.core.relation_review.end_refused). Made on the gold layer only."""

    def __init__(self, workspace: Workspace, doc_id: str, version: RelationVersion, texts: dict):
        super().__init__(workspace, doc_id, f"accept {version.label} relation «{_short(texts[version.source])}» → "
                                            f"«{_short(texts[version.target])}»")
        self.version, self.texts = version, texts
        self.ends: list[Span] = []  # the gold spans this step added (its ends gold lacked)
        self.saved: Any = None  # after an undo: what redo restores
        self.ends_saved: list[Any] = []
        self.previous_status: str | None = None

    def forward(self) -> None:
        if not self.layer.is_gold:
            raise ValueError("relations are accepted into gold in review mode")
        if self.saved is not None:  # redo: the same spans and relation, under their ids
            for span, saved in zip(self.ends, self.ends_saved):
                self.layer.restore(span, saved)
            self.layer.restore_relation(self.relation, self.saved)
            self.previous_status = self.layer.started(self.doc_id)
            return
        gold = self.store.gold_spans(self.doc_id)
        rejected = self.store.rejected_proposals(self.doc_id)
        ids = {place(s): s.id for s in gold}
        self.ends = []
        for end in (self.version.source, self.version.target):
            if end in ids:
                continue
            why = end_refused(end, gold, rejected, self.texts[end])
            if why is not None:
                raise ValueError(f"not accepted: {why}")
            span = Span(self.doc_id, GOLD, end[0], end[1], end[2], self.texts[end])
            ids[end] = self.layer.add(span, self.store.proposers(self.doc_id, *end))
            self.ends.append(span._replace(id=ids[end]))
        relation = gold_relation(self.doc_id, self.version, ids)
        relation_id = self.store.add_gold_relation(relation, proposed_by=self.version.annotators,
                                                   decided_by=self.layer.reviewer)
        if relation_id is None:
            raise ValueError(f"that {self.version.label} relation is in gold already")
        self.relation = relation._replace(id=relation_id)
        self.previous_status = self.layer.started(self.doc_id)

    def backward(self) -> None:
        self.saved = self.layer.delete_relation(self.relation)
        if self.saved is None:
            raise ValueError("that relation is not in gold any more")
        self.ends_saved = [self.layer.delete(span) for span in self.ends]
        self.layer.unstart(self.doc_id, self.previous_status)

    def change(self, undone: bool) -> Change:
        delta = ((self.ends, []) if undone else ([], self.ends)) if self.ends else None
        return Change(self, undone, self.doc_id, delta=delta, relations=True)


class RejectRelationUnit(_RelationOperation):
    """The reviewer rejects every version of a relation unit; gold gets nothing from it, and
    auto-accept leaves it out. Undo lifts only the rejections this step made."""

    def __init__(self, workspace: Workspace, doc_id: str, versions: list[RelationVersion]):
        super().__init__(workspace, doc_id, f"reject {len(versions)} proposed relation{'s' * (len(versions) != 1)}")
        self.versions = versions
        self.inserted: list[RelationVersion] = []
        self.previous_status: str | None = None

    def forward(self) -> None:
        if not self.layer.is_gold:
            raise ValueError("relations are rejected from gold in review mode")
        self.inserted = [v for v in self.versions if self.store.reject_relation(
            self.doc_id, v.source, v.target, v.label, proposed_by=v.annotators, decided_by=self.layer.reviewer)]
        if not self.inserted:
            raise ValueError("those relations are rejected already")
        self.previous_status = self.layer.started(self.doc_id)

    def backward(self) -> None:
        for v in self.inserted:
            self.store.unreject_relation(self.doc_id, v.source, v.target, v.label)
        self.layer.unstart(self.doc_id, self.previous_status)


class RelabelBreaking(UpdateSpan):
    """Relabel a span and delete the relations its new label breaks (the person confirmed): one
    transaction, one undo step; undo relabels it back and restores them under their ids."""

    def __init__(self, workspace: Workspace, span: Span, label: str, broken: list[Relation]):
        super().__init__(workspace, span, f"relabel «{_short(span.text)}» as {label} "
                                          f"(and delete {len(broken)} relation{'s' * (len(broken) != 1)})",
                         label=label)
        self.broken = broken
        self.saved: list[Any] = []

    def forward(self) -> None:
        self.saved = []
        for relation in self.broken:
            saved = self.layer.delete_relation(relation)
            if saved is None:
                raise ValueError("a relation it breaks is not there any more")
            self.saved.append(saved)
        super().forward()

    def backward(self) -> None:
        super().backward()
        for relation, saved in zip(self.broken, self.saved):
            self.layer.restore_relation(relation, saved)

    def change(self, undone: bool) -> Change:
        return replace(super().change(undone), relations=True)


class DeleteRelationType(EditSchema):
    """Remove a relation type from the schema together with every relation of that type (every
    layer's and gold's; the person was told how many and confirmed): one transaction, one undo
    step in the label editor's history. Undo puts the type back where it was, then the relations
    under their own ids."""

    def __init__(self, workspace: Workspace, before: Any, after: Any, name: str, used: int):
        text = f"delete relation type {name}" + (f" (and {used} relation{'s' * (used != 1)})" if used else "")
        super().__init__(workspace, text, before, after)
        self.name = name
        self.taken: tuple[list[Relation], list[tuple[Relation, dict[str, Any]]]] = ([], [])

    def forward(self) -> None:
        self.taken = self.store.take_relations_of_type(self.name)
        self.store.replace_schema(self.after)

    def backward(self) -> None:
        self.store.replace_schema(self.before)
        own, gold = self.taken
        for relation in own:
            self.store.restore_relation(relation)
        for relation, provenance in gold:
            self.store.restore_gold_relation(relation, provenance)
