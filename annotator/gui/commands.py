"""Every change a user makes is one of these ``QUndoCommand``s.

``redo`` and ``undo`` open the command's document first (so undoing an edit made in another
document shows it), then call the store's forward or inverse operation, which commits before it
returns, and only then tell the window that the change is saved. A command whose first ``redo``
fails marks itself obsolete, so the undo stack never holds a change that is not on disk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from annotator.core.model import Span, Status
from annotator.gui.plain import quoted

if TYPE_CHECKING:
    from annotator.gui.window import MainWindow


class DocumentCommand(QUndoCommand):
    def __init__(self, window: MainWindow, doc_id: str, text: str):
        super().__init__(text)
        self.window = window
        self.doc_id = doc_id
        self.annotator = window.annotator
        self.layer = window.layer  # the annotator's own layer, or gold in review mode

    def redo(self) -> None:
        self._run(self.forward, self.text(), undone=False)

    def undo(self) -> None:
        self._run(self.backward, f"undo {self.text()}", undone=True)

    def _run(self, step, what: str, *, undone: bool) -> None:
        self.window.show_document(self.doc_id)
        try:
            if self.window.store.busy:
                raise RuntimeError("an import is running; try again when it is done")
            if self.self_contained(undone):
                step()  # one write that commits (or rolls back) on its own: no transaction around it
            else:
                with self.window.store.transaction():
                    step()
        except Exception as err:  # noqa: BLE001 - any failure to write means: not saved
            # Rolled back, so the database is as it was; the stack drops the command so that
            # its position never claims a change that is not on disk.
            self.setObsolete(True)
            self.window.report_failure(what, err)
            return
        delta = self.delta(undone=undone)
        # What the step did to the document's row in the list (one's own layer: gold is listed apart).
        row = None if delta is None or self.layer.is_gold else (len(delta[1]) - len(delta[0]), self.status_set(undone))
        self.window.after_change(self.doc_id, self.focus_span(undone=undone), delta, row=row)

    def forward(self) -> None:
        raise NotImplementedError

    def self_contained(self, undone: bool) -> bool:
        """Whether the step is one store call that commits on its own (atomic by itself): then it
        is not wrapped in a transaction, which costs a team database two more round trips."""
        return False

    def backward(self) -> None:
        raise NotImplementedError

    def focus_span(self, undone: bool = False) -> int | None:
        return None

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]] | None:
        """(spans removed, spans added) by the step just taken; None if no span changed."""
        return None

    def status_set(self, undone: bool) -> str | None:
        """The layer's status on the document as the step just taken set it; None if it left it."""
        return None


class AddSpan(DocumentCommand):
    """Create a span in the current layer; a document's first span starts its status."""

    def __init__(self, window: MainWindow, doc_id: str, start: int, end: int, label: str, text: str,
                 proposed_by: list[str] | None = None):
        super().__init__(window, doc_id, f"label «{quoted(text)}» as {label}")
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


class DeleteSpan(DocumentCommand):
    def __init__(self, window: MainWindow, span: Span):
        super().__init__(window, span.doc_id, f"delete {span.label} «{quoted(span.text)}»")
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


class UpdateSpan(DocumentCommand):
    """Relabel, resize or annotate a span: ``changes`` are keyword arguments of the layer's update."""

    def __init__(self, window: MainWindow, span: Span, description: str, **changes):
        super().__init__(window, span.doc_id, description)
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


class ToggleTheme(DocumentCommand):
    def __init__(self, window: MainWindow, doc_id: str, theme: str, on: bool, proposed_by: list[str] | None = None):
        super().__init__(window, doc_id, f"{'tick' if on else 'untick'} theme {theme}")
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


class SetStatus(DocumentCommand):
    def __init__(self, window: MainWindow, doc_id: str, status: str):
        super().__init__(window, doc_id, f"mark {status.replace('_', ' ')}")
        self.status = status
        self.before = self.layer.status(doc_id)

    def forward(self) -> None:
        self.layer.set_status(self.doc_id, self.status)

    def backward(self) -> None:
        self.layer.set_status(self.doc_id, self.before)


class RejectUnit(DocumentCommand):
    """The reviewer rejects every proposal in a unit; gold gets nothing from it."""

    def __init__(self, window: MainWindow, doc_id: str, versions: list):
        super().__init__(window, doc_id, f"reject {len(versions)} proposal{'s' * (len(versions) != 1)}")
        self.versions = versions
        self.inserted: list = []
        self.previous_status: str | None = None

    def forward(self) -> None:
        store = self.window.store
        self.inserted = [v for v in self.versions if store.reject_proposal(
            self.doc_id, v.start, v.end, v.label, proposed_by=v.annotators, decided_by=self.layer.reviewer)]
        if not self.inserted:
            raise ValueError("those proposals are rejected already")
        self.previous_status = self.layer.started(self.doc_id)

    def backward(self) -> None:
        for v in self.inserted:  # only the rejections this command made
            self.window.store.unreject_proposal(self.doc_id, v.start, v.end, v.label)
        self.layer.unstart(self.doc_id, self.previous_status)


class RejectSuggestion(DocumentCommand):
    """Reject another layer's span offered as a suggestion; it stays rejected for this annotator."""

    def __init__(self, window: MainWindow, suggestion: Span):
        super().__init__(window, suggestion.doc_id, f"reject {suggestion.annotator}'s {suggestion.label} "
                                                    f"«{quoted(suggestion.text)}»")
        self.suggestion = suggestion

    def forward(self) -> None:
        if not self.window.store.reject_suggestion(self.annotator, self.suggestion):
            raise ValueError("that suggestion was rejected already")

    def backward(self) -> None:
        self.window.store.unreject_suggestion(self.annotator, self.suggestion)


class AddSpansAcross(QUndoCommand):
    """Label many places at once, in any documents (annotate all occurrences): one transaction,
    one undo step. The open document's view and the list follow."""

    def __init__(self, window: MainWindow, spans: list[Span], text: str):
        super().__init__(text)
        self.window = window
        self.layer = window.layer
        self.spans = [s._replace(annotator=self.layer.name) for s in spans]
        self.added: list[Span] = []
        self.previous: dict[str, str | None] = {}

    def redo(self) -> None:
        store = self.window.store
        try:
            with store.transaction():
                self.added = []
                for span in self.spans:
                    span_id = self.layer.add(span._replace(id=None), None)
                    if span_id is not None:
                        self.added.append(span._replace(id=span_id))
                for doc_id in {s.doc_id for s in self.added}:
                    self.previous[doc_id] = self.layer.started(doc_id)
        except Exception as err:  # noqa: BLE001 - rolled back: not saved
            self.setObsolete(True)
            self.window.report_failure(self.text(), err)
            return
        self.window.after_bulk_change({s.doc_id for s in self.added}, added=len(self.added))

    def undo(self) -> None:
        store = self.window.store
        try:
            with store.transaction():
                for span in self.added:
                    self.layer.delete(span)
                for doc_id, status in self.previous.items():
                    self.layer.unstart(doc_id, status)
        except Exception as err:  # noqa: BLE001
            self.setObsolete(True)
            self.window.report_failure(f"undo {self.text()}", err)
            return
        self.window.after_bulk_change({s.doc_id for s in self.added})
