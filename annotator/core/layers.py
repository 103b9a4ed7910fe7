"""A layer is what the window edits: an annotator's own annotations, or (in review mode) the gold
layer. Both offer the same operations, so one set of undo commands serves annotating and
adjudicating; the gold layer records provenance (who proposed a span, who decided, when).
"""

from __future__ import annotations

from typing import Any

from annotator.core.model import GOLD, Relation, Span, Status
from annotator.storage import Store


class AnnotatorLayer:
    """One annotator's spans, themes and document statuses."""

    is_gold = False

    def __init__(self, store: Store, annotator: str):
        self.store = store
        self.name = annotator

    def spans(self, doc_id: str) -> list[Span]:
        return self.store.spans(doc_id, self.name)

    def get(self, span_id: int) -> Span | None:
        span = self.store.get_span(span_id)
        return span if span is not None and span.annotator == self.name else None

    def add(self, span: Span, proposed_by: list[str] | None = None) -> int | None:
        return self.store.add_span(span._replace(annotator=self.name, id=None))

    def add_started(self, span: Span, proposed_by: list[str] | None = None) -> tuple[int | None, str | None]:
        """add() and started() at once, committed before it returns (one statement on a team
        database): (the new span's id or None, the status before if the span started the document)."""
        span_id, before = self.store.add_span_started(span._replace(annotator=self.name, id=None))
        return span_id, None if before is None else before.value

    def delete(self, span: Span) -> Any | None:
        """Delete ``span`` (only if it is this layer's, on its document); what restore() needs:
        the span and the relations its deletion took with it (issue 25)."""
        relations = self.store.relations_of_span(span.id) if span.id is not None else []
        gone = self.store.delete_span(span.id, doc_id=span.doc_id, annotator=self.name)
        return None if gone is None else (gone, relations)

    def restore(self, span: Span, saved: Any = None) -> None:
        """Put ``span`` back under its id, and the relations its deletion took whose other end is
        there (a span deleted after it comes back with its own undo)."""
        self.store.restore_span(span)
        relations = saved[1] if saved and isinstance(saved[1], list) else []
        for relation in relations:
            other = relation.to_id if relation.from_id == span.id else relation.from_id
            if self.store.get_span(other) is not None and self.store.get_relation(relation.id) is None:
                self.store.restore_relation(relation)

    def update(self, span_id: int, **changes: Any) -> Span:
        return self.store.update_span(span_id, **changes)

    # --- relations between its spans (issue 25) ---------------------------------------------

    def relations(self, doc_id: str) -> list[Relation]:
        return self.store.relations(doc_id, self.name)

    def add_relation(self, relation: Relation) -> int | None:
        """One statement, committed; the new relation's id, or None if it was there. With an
        ``id`` (redo), back under that id."""
        return self.store.add_relation(relation._replace(annotator=self.name))

    def delete_relation(self, relation: Relation) -> Any | None:
        """What restore_relation() needs, or None if it was not there (or not this layer's)."""
        return self.store.delete_relation(relation.id, doc_id=relation.doc_id, annotator=self.name)

    def restore_relation(self, relation: Relation, saved: Any = None) -> None:
        self.store.restore_relation(relation)

    def update_relation(self, relation_id: int, label: str) -> Relation:
        found = self.store.get_relation(relation_id)
        if found is None or found.annotator != self.name:
            raise ValueError("that relation is not there any more")
        return self.store.update_relation(relation_id, label=label)

    def themes(self, doc_id: str) -> list[str]:
        return self.store.doc_themes(doc_id, self.name)

    def rejected(self, doc_id: str) -> set[tuple[int, int, str]]:
        """(start, end, label) of the suggestions this annotator rejected on the document."""
        return self.store.rejected_places(doc_id, self.name)

    def set_theme(self, doc_id: str, theme: str, on: bool, proposed_by: list[str] | None = None) -> Any:
        """Tick or untick; returns what undo_theme() needs."""
        if on:
            return self.store.add_doc_theme(doc_id, self.name, theme)
        return self.store.remove_doc_theme(doc_id, self.name, theme)

    def undo_theme(self, doc_id: str, theme: str, on: bool, token: Any) -> None:
        if token:  # only what set_theme changed
            self.set_theme(doc_id, theme, not on)

    def status(self, doc_id: str) -> str:
        return self.store.status(doc_id, self.name).value

    def set_status(self, doc_id: str, status: str) -> None:
        self.store.set_status(doc_id, self.name, Status(status))

    def started(self, doc_id: str) -> str | None:
        """Note that work began on the document (new -> in progress); the status before, to undo."""
        before = self.status(doc_id)
        if before == Status.NEW.value:
            self.set_status(doc_id, Status.IN_PROGRESS.value)
            return before
        return None

    def unstart(self, doc_id: str, before: str | None) -> None:
        if before is not None:
            self.set_status(doc_id, before)


class GoldLayer:
    """The adjudicated layer; every write is recorded as decided by ``reviewer``."""

    is_gold = True
    NONE = "none"  # no gold status yet

    def __init__(self, store: Store, reviewer: str):
        self.store = store
        self.reviewer = reviewer
        self.name = GOLD

    def spans(self, doc_id: str) -> list[Span]:
        return self.store.gold_spans(doc_id)

    def rejected(self, doc_id: str) -> set[tuple[int, int, str]]:
        """(start, end, label) of the proposals the reviewer rejected from gold on the document."""
        return self.store.rejected_proposals(doc_id)

    def get(self, span_id: int) -> Span | None:
        found = self.store.get_gold_span(span_id)
        return found[0] if found else None

    def add(self, span: Span, proposed_by: list[str] | None = None) -> int | None:
        return self.store.add_gold_span(span._replace(annotator=GOLD, id=None), proposed_by=proposed_by or [],
                                        decided_by=self.reviewer)

    def add_started(self, span: Span, proposed_by: list[str] | None = None) -> tuple[int | None, str | None]:
        with self.store.transaction():
            span_id = self.add(span, proposed_by)
            return span_id, None if span_id is None else self.started(span.doc_id)

    def delete(self, span: Span) -> Any | None:
        """Delete a gold span: (span, provenance, its gold relations with theirs) for restore()."""
        found = self.store.get_gold_span(span.id)
        if found is None or found[0].doc_id != span.doc_id:
            return None
        relations = [self.store.get_gold_relation(r.id) for r in self.store.gold_relations_of_span(span.id)]
        gone = self.store.delete_gold_span(span.id)
        return None if gone is None else (*gone, [r for r in relations if r is not None])

    def restore(self, span: Span, saved: Any = None) -> None:
        provenance = saved[1] if saved else {"proposed_by": [], "decided_by": self.reviewer}
        self.store.restore_gold_span(span, provenance)
        for relation, decided in (saved[2] if saved and len(saved) > 2 else []):
            other = relation.to_id if relation.from_id == span.id else relation.from_id
            if self.store.get_gold_span(other) is not None and self.store.get_gold_relation(relation.id) is None:
                self.store.restore_gold_relation(relation, decided)

    def update(self, span_id: int, **changes: Any) -> Span:
        return self.store.update_gold_span(span_id, decided_by=self.reviewer, **changes)

    def relations(self, doc_id: str) -> list[Relation]:
        return self.store.gold_relations(doc_id)

    def add_relation(self, relation: Relation) -> int | None:
        relation = relation._replace(annotator=GOLD)
        if relation.id is not None:  # redo: back under its id
            self.store.restore_gold_relation(relation, {"proposed_by": [], "decided_by": self.reviewer})
            return relation.id
        return self.store.add_gold_relation(relation, proposed_by=[], decided_by=self.reviewer)

    def delete_relation(self, relation: Relation) -> Any | None:
        found = self.store.get_gold_relation(relation.id)
        if found is None or found[0].doc_id != relation.doc_id:
            return None
        return self.store.delete_gold_relation(relation.id)

    def restore_relation(self, relation: Relation, saved: Any = None) -> None:
        provenance = saved[1] if saved else {"proposed_by": [], "decided_by": self.reviewer}
        self.store.restore_gold_relation(relation, provenance)

    def update_relation(self, relation_id: int, label: str) -> Relation:
        if self.store.get_gold_relation(relation_id) is None:
            raise ValueError("that relation is not there any more")
        return self.store.update_gold_relation(relation_id, decided_by=self.reviewer, label=label)

    def themes(self, doc_id: str) -> list[str]:
        return self.store.gold_themes(doc_id)

    def set_theme(self, doc_id: str, theme: str, on: bool, proposed_by: list[str] | None = None) -> Any:
        """Tick a theme into gold (lifting a rejection), or untick it (recording the rejection, so
        auto-accept leaves it out); returns what undo_theme() needs to put things back exactly."""
        if on:
            was_rejected = self.store.unreject_gold_theme(doc_id, theme)
            added = self.store.add_gold_theme(doc_id, theme, proposed_by=proposed_by or [], decided_by=self.reviewer)
            return (was_rejected, added)
        removed = self.store.remove_gold_theme(doc_id, theme)
        rejected = self.store.reject_gold_theme(doc_id, theme, decided_by=self.reviewer)
        return (removed, rejected)

    def undo_theme(self, doc_id: str, theme: str, on: bool, token: Any) -> None:
        if on:
            was_rejected, added = token
            if added:
                self.store.remove_gold_theme(doc_id, theme)
            if was_rejected:
                self.store.reject_gold_theme(doc_id, theme, decided_by=self.reviewer)
        else:
            removed, rejected = token
            if rejected:
                self.store.unreject_gold_theme(doc_id, theme)
            if removed:
                self.store.add_gold_theme(doc_id, theme, **removed)

    def status(self, doc_id: str) -> str:
        return self.store.gold_status(doc_id) or self.NONE

    def set_status(self, doc_id: str, status: str) -> None:
        if status == self.NONE:
            self.store.clear_gold_status(doc_id)
        else:
            self.store.set_gold_status(doc_id, status, decided_by=self.reviewer)

    def started(self, doc_id: str) -> str | None:
        if self.store.gold_status(doc_id) is None:
            self.store.set_gold_status(doc_id, "in_progress", decided_by=self.reviewer)
            return self.NONE
        return None

    def unstart(self, doc_id: str, before: str | None) -> None:
        if before is not None:
            self.set_status(doc_id, before)
