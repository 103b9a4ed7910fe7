"""The workspace: what the window works on (store, annotator, layer, document, selection) and the
one place an edit is run.

Events (``workspace.events``), each named after what happened, with what changed:

- ``document_wanted(doc_id)``: an edit (or its undo) is about to change ``doc_id``; a view shows it
- ``document_opened(document)``: ``open`` made it the current document
- ``layer_switched(review)``: edits now go to gold (True) or to the annotator's own layer
- ``selection_changed(start, end, span_id)``
- ``span_added(span)``, ``span_removed(span)``: per span a step added or removed (a changed span
  is one removed and one added)
- ``changed(change)``: a step was committed; ``change`` is its ``Change`` record
- ``failed(what, error)``: a step was not saved (rolled back); nothing changed
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.layers import AnnotatorLayer, GoldLayer
from annotator.core.workspace.events import Events
from annotator.core.workspace.history import History

if TYPE_CHECKING:
    from annotator.core.model import Document
    from annotator.core.workspace.operations import Change, Operation
    from annotator.storage import Store


class Workspace:
    def __init__(self, store: Store, annotator: str):
        self.store = store
        self.annotator = annotator
        self.review_mode = False
        self.document: Document | None = None
        self.selection: tuple[int, int, int | None] = (0, 0, None)  # start, end, the selected span's id
        self.events = Events()
        # Where ``do`` sends an operation: this Qt-free history, or the window's undo stack.
        self.history = History(self.apply)

    @property
    def layer(self) -> AnnotatorLayer | GoldLayer:
        """What edits change: the annotator's own layer, or gold in review mode."""
        if self.review_mode:
            return GoldLayer(self.store, self.annotator)
        return AnnotatorLayer(self.store, self.annotator)

    def switch_layer(self, review: bool) -> None:
        self.review_mode = review
        self.events.emit("layer_switched", review=review)

    def open(self, document: Document) -> None:
        self.document = document
        self.events.emit("document_opened", document=document)

    def select(self, start: int, end: int, span_id: int | None = None) -> None:
        self.selection = (start, end, span_id)
        self.events.emit("selection_changed", start=start, end=end, span_id=span_id)

    def do(self, operation: Operation) -> Change | None:
        """Run ``operation`` as one undoable step (through ``history``); the change, or None if
        nothing was saved (``failed`` said why)."""
        return self.history.push(operation)

    def apply(self, operation: Operation, *, undone: bool = False) -> Change | None:
        """Take ``operation``'s forward step (its backward one if ``undone``), committed before this
        returns; then say what changed. Returns the change, or None if nothing was saved (rolled
        back; ``failed`` said why)."""
        what = f"undo {operation.text}" if undone else operation.text
        if operation.doc_id is not None:
            self.events.emit("document_wanted", doc_id=operation.doc_id)
        step = operation.backward if undone else operation.forward
        try:
            if operation.doc_id is not None and self.store.busy:
                raise RuntimeError("an import is running; try again when it is done")
            if operation.self_contained(undone):
                step()  # one write that commits (or rolls back) on its own: no transaction around it
            else:
                with self.store.transaction():
                    step()
        except Exception as err:  # noqa: BLE001 - any failure to write means: not saved
            self.events.emit("failed", what=what, error=err)
            return None
        change = operation.change(undone)
        if change.delta is not None:
            removed, added = change.delta
            for span in removed:
                self.events.emit("span_removed", span=span)
            for span in added:
                self.events.emit("span_added", span=span)
        self.events.emit("changed", change=change)
        return change
