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
from annotator.core.model import Relation, Span
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
        removed, added = self.delta()
        return Change(self, undone, self.doc_id, relations=True,
                      relation_delta=(added, removed) if undone else (removed, added))

    def delta(self) -> tuple[list[Relation], list[Relation]]:
        """The relations the step forward removed and added (undo swaps them)."""
        raise NotImplementedError


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
