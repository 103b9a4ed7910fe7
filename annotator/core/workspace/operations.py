"""Every edit a person makes, as an operation: a forward and a backward step on the store, and the
record of what each changed.

The workspace runs a step (``Workspace.apply``): inside one transaction unless the step is one
store call that commits on its own, and reports its ``Change``. An operation keeps the layer it
was made on (the annotator's own, or gold in review mode), so undoing it after a switch still
changes that layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from annotator.core.bidi import quoted
from annotator.core.model import Span, Status


class Workspace(Protocol):
    """What an operation is made on (annotator.core.workspace.workspace.Workspace)."""

    store: Any
    annotator: str

    @property
    def layer(self) -> Any: ...


@dataclass(frozen=True)
class Change:
    """What a step changed, so each view repaints only that. ``delta``: (spans removed, spans
    added), None if no span changed; ``row``: what the step did to the document's row in the list
    (spans added, the status set or None), None to read the row again; ``doc_ids``: the documents
    a step across documents changed (``doc_id`` is then None); ``schema``: the label schema a schema
    edit left, with what it ``renamed``; ``suggested``: code points ``(start, end)`` where the
    suggestions left to review may have changed though no span did (a rejection, or its undo)."""

    operation: Operation
    undone: bool
    doc_id: str | None
    focus_span: int | None = None
    delta: tuple[list[Span], list[Span]] | None = None
    row: tuple[int, str | None] | None = None
    doc_ids: frozenset[str] = field(default_factory=frozenset)
    added: int = 0
    schema: Any = None  # the label schema a schema edit left (annotator.core.schema.Schema)
    renamed: tuple[str, str, str] | None = None  # (kind, old name, new name) a schema edit renamed
    suggested: tuple[int, int] | None = None
    relations: bool = False  # the layer's relations on the document changed (relation_operations.py)
    relation_delta: tuple[list[Any], list[Any]] | None = None  # (relations removed, added), when only they changed


class Operation:
    """One document's edit. Subclasses give ``forward`` and ``backward`` and say what they changed."""

    def __init__(self, workspace: Workspace, doc_id: str | None, text: str):
        self.text = text
        self.doc_id = doc_id
        self.store = workspace.store
        self.annotator = workspace.annotator
        self.layer = workspace.layer  # the annotator's own layer, or gold in review mode

    def forward(self) -> None:
        raise NotImplementedError

    def backward(self) -> None:
        raise NotImplementedError

    def self_contained(self, undone: bool) -> bool:
        """Whether the step is one store call that commits on its own (atomic by itself): then it
        is not wrapped in a transaction, which costs a team database two more round trips."""
        return False

    def focus_span(self, undone: bool = False) -> int | None:
        return None

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]] | None:
        """(spans removed, spans added) by the step just taken; None if no span changed."""
        return None

    def status_set(self, undone: bool) -> str | None:
        """The layer's status on the document as the step just taken set it; None if it left it."""
        return None

    def change(self, undone: bool) -> Change:
        """The record of the step just taken."""
        delta = self.delta(undone=undone)
        # What the step did to the document's row in the list (one's own layer: gold is listed apart).
        row = None if delta is None or self.layer.is_gold else (len(delta[1]) - len(delta[0]), self.status_set(undone))
        return Change(self, undone, self.doc_id, self.focus_span(undone=undone), delta, row)


class AddSpan(Operation):
    """Create a span in the current layer; a document's first span starts its status."""

    def __init__(self, workspace: Workspace, doc_id: str, start: int, end: int, label: str, text: str,
                 proposed_by: list[str] | None = None):
        super().__init__(workspace, doc_id, f"label «{quoted(text)}» as {label}")
        self.span = Span(doc_id, self.layer.name, start, end, label, text)
        self.proposed_by = proposed_by
        self.previous_status: str | None = None

    def self_contained(self, undone: bool) -> bool:
        return not undone and self.span.id is None  # the label key: add_started

    def forward(self) -> None:
        if self.span.id is None:
            span_id, self.previous_status = self.layer.add_started(self.span, self.proposed_by)
            if span_id is None:
                raise ValueError(f"{self.span.label} span on «{quoted(self.span.text)}» is already there")
            self.span = self.span._replace(id=span_id)
        else:  # redo after undo: the same span, under the same id
            self.layer.restore(self.span, (self.span, {"proposed_by": self.proposed_by or [],
                                                       "decided_by": getattr(self.layer, "reviewer", "")}))
            self.previous_status = self.layer.started(self.doc_id)

    def backward(self) -> None:
        if self.layer.delete(self.span) is None:
            raise ValueError("that span is not there any more")
        self.layer.unstart(self.doc_id, self.previous_status)

    def focus_span(self, undone: bool = False) -> int | None:
        return None if undone else self.span.id

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]]:
        return ([self.span], []) if undone else ([], [self.span])

    def status_set(self, undone: bool) -> str | None:
        if self.previous_status is None:  # the first span did not start the document
            return None
        return self.previous_status if undone else Status.IN_PROGRESS.value


class DeleteSpan(Operation):
    def __init__(self, workspace: Workspace, span: Span):
        super().__init__(workspace, span.doc_id, f"delete {span.label} «{quoted(span.text)}»")
        self.span = span
        self.saved = None

    def forward(self) -> None:
        self.saved = self.layer.delete(self.span)
        if self.saved is None:
            raise ValueError("that span is gone already")

    def backward(self) -> None:
        self.layer.restore(self.span, self.saved)  # under its old id, or an error

    def focus_span(self, undone: bool = False) -> int | None:
        return self.span.id if undone else None

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]]:
        return ([], [self.span]) if undone else ([self.span], [])


class UpdateSpan(Operation):
    """Relabel, resize or annotate a span: ``changes`` are keyword arguments of the layer's update."""

    def __init__(self, workspace: Workspace, span: Span, description: str, **changes):
        super().__init__(workspace, span.doc_id, description)
        self.span_id = span.id
        self.changes = changes
        self.before = {key: getattr(span, key) for key in changes}
        self.old_span = span
        self.new_span = span

    def _apply(self, changes: dict) -> None:
        current = self.layer.get(self.span_id)
        if current is None or current.doc_id != self.doc_id:
            raise ValueError("that span is not there any more")
        self.old_span = current
        self.new_span = self.layer.update(self.span_id, **changes)

    def forward(self) -> None:
        self._apply(self.changes)

    def backward(self) -> None:
        self._apply(self.before)

    def focus_span(self, undone: bool = False) -> int | None:
        return self.span_id

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]]:
        return [self.old_span], [self.new_span]


class ToggleTheme(Operation):
    def __init__(self, workspace: Workspace, doc_id: str, theme: str, on: bool, proposed_by: list[str] | None = None):
        super().__init__(workspace, doc_id, f"{'tick' if on else 'untick'} theme {theme}")
        self.theme = theme
        self.on = on
        self.proposed_by = proposed_by
        self.token = None
        self.previous_status: str | None = None

    def forward(self) -> None:
        self.token = self.layer.set_theme(self.doc_id, self.theme, self.on, self.proposed_by)
        self.previous_status = self.layer.started(self.doc_id)

    def backward(self) -> None:
        self.layer.undo_theme(self.doc_id, self.theme, self.on, self.token)
        self.layer.unstart(self.doc_id, self.previous_status)


class SetStatus(Operation):
    def __init__(self, workspace: Workspace, doc_id: str, status: str):
        super().__init__(workspace, doc_id, f"mark {status.replace('_', ' ')}")
        self.status = status
        self.before = self.layer.status(doc_id)

    def forward(self) -> None:
        self.layer.set_status(self.doc_id, self.status)

    def backward(self) -> None:
        self.layer.set_status(self.doc_id, self.before)


class RejectUnit(Operation):
    """The reviewer rejects every proposal in a unit; gold gets nothing from it."""

    def __init__(self, workspace: Workspace, doc_id: str, versions: list):
        super().__init__(workspace, doc_id, f"reject {len(versions)} proposal{'s' * (len(versions) != 1)}")
        self.versions = versions
        self.inserted: list = []
        self.previous_status: str | None = None

    def forward(self) -> None:
        self.inserted = [v for v in self.versions if self.store.reject_proposal(
            self.doc_id, v.start, v.end, v.label, proposed_by=v.annotators, decided_by=self.layer.reviewer)]
        if not self.inserted:
            raise ValueError("those proposals are rejected already")
        self.previous_status = self.layer.started(self.doc_id)

    def backward(self) -> None:
        for v in self.inserted:  # only the rejections this operation made
            self.store.unreject_proposal(self.doc_id, v.start, v.end, v.label)
        self.layer.unstart(self.doc_id, self.previous_status)

    def change(self, undone: bool) -> Change:
        """No span changed; the unit's proposals did, between its versions' edges."""
        return replace(super().change(undone), suggested=(min(v.start for v in self.versions),
                                                          max(v.end for v in self.versions)))


class RejectSuggestion(Operation):
    """Reject another layer's span offered as a suggestion; it stays rejected for this annotator."""

    def __init__(self, workspace: Workspace, suggestion: Span):
        super().__init__(workspace, suggestion.doc_id, f"reject {suggestion.annotator}'s {suggestion.label} "
                                                       f"«{quoted(suggestion.text)}»")
        self.suggestion = suggestion

    def forward(self) -> None:
        if not self.store.reject_suggestion(self.annotator, self.suggestion):
            raise ValueError("that suggestion was rejected already")

    def backward(self) -> None:
        self.store.unreject_suggestion(self.annotator, self.suggestion)

    def change(self, undone: bool) -> Change:
        return Change(self, undone, self.doc_id, suggested=(self.suggestion.start, self.suggestion.end))


class AddSpansAcross(Operation):
    """Label many places at once, in any documents (annotate all occurrences): one transaction,
    one undo step. Its change names the documents it touched, not one."""

    def __init__(self, workspace: Workspace, spans: list[Span], text: str):
        super().__init__(workspace, None, text)
        self.spans = [s._replace(annotator=self.layer.name) for s in spans]
        self.added: list[Span] = []
        self.previous: dict[str, str | None] = {}

    def forward(self) -> None:
        self.added = []
        for span in self.spans:
            span_id = self.layer.add(span._replace(id=None), None)
            if span_id is not None:
                self.added.append(span._replace(id=span_id))
        for doc_id in {s.doc_id for s in self.added}:
            self.previous[doc_id] = self.layer.started(doc_id)

    def backward(self) -> None:
        for span in self.added:
            self.layer.delete(span)
        for doc_id, status in self.previous.items():
            self.layer.unstart(doc_id, status)

    def change(self, undone: bool) -> Change:
        return Change(self, undone, None, doc_ids=frozenset(s.doc_id for s in self.added),
                      added=0 if undone else len(self.added))


class EditSchema(Operation):
    """One change to the label schema: the schema before and after, and a rename if there was one
    (``(kind, old, new)``, kind ``labels``, ``themes`` or ``relations``: a rename moves the spans,
    themes or relations along; the rest is replace_schema)."""

    def __init__(self, workspace: Workspace, text: str, before: Any, after: Any,
                 rename: tuple[str, str, str] | None = None):
        super().__init__(workspace, None, text)
        if rename is not None and rename[0] == "labels":  # relation types name their ends' labels by value
            after = after.with_label_renamed(rename[1], rename[2])
        self.before, self.after, self.rename = before, after, rename

    def _renamed(self, undone: bool) -> tuple[str, str, str] | None:
        if self.rename is None or not undone:
            return self.rename
        kind, old, new = self.rename
        return kind, new, old

    def _step(self, schema: Any, rename: tuple[str, str, str] | None) -> None:
        if rename and rename[0] == "relations":  # a relation type: relations follow by foreign key
            self.store.rename_relation_type(*rename[1:])
        elif rename:
            self.store.rename_label(*rename)
        self.store.replace_schema(schema)

    def forward(self) -> None:
        self._step(self.after, self.rename)

    def backward(self) -> None:
        self._step(self.before, self._renamed(undone=True))

    def change(self, undone: bool) -> Change:
        return Change(self, undone, None, schema=self.before if undone else self.after,
                      renamed=self._renamed(undone))
