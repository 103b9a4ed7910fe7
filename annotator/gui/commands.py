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

if TYPE_CHECKING:
    from annotator.gui.window import MainWindow


class DocumentCommand(QUndoCommand):
    def __init__(self, window: MainWindow, doc_id: str, text: str):
        super().__init__(text)
        self.window = window
        self.doc_id = doc_id
        self.annotator = window.annotator
        self._done_once = False

    def redo(self) -> None:
        self.window.show_document(self.doc_id)
        try:
            self.forward()
        except Exception as err:  # noqa: BLE001 - any failure to write means: not saved
            if not self._done_once:
                self.setObsolete(True)
            self.window.report_failure(self.text(), err)
            return
        self._done_once = True
        self.window.after_change(self.doc_id, self.focus_span(), self.delta(undone=False))

    def undo(self) -> None:
        self.window.show_document(self.doc_id)
        try:
            self.backward()
        except Exception as err:  # noqa: BLE001
            self.window.report_failure(f"Undo {self.text()}", err)
            return
        self.window.after_change(self.doc_id, self.focus_span(undone=True), self.delta(undone=True))

    def forward(self) -> None:
        raise NotImplementedError

    def backward(self) -> None:
        raise NotImplementedError

    def focus_span(self, undone: bool = False) -> int | None:
        return None

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]] | None:
        """(spans removed, spans added) by the step just taken; None if no span changed."""
        return None


class AddSpan(DocumentCommand):
    """Create a span; the document moves from new to in progress with its first span."""

    def __init__(self, window: MainWindow, doc_id: str, start: int, end: int, label: str, text: str):
        super().__init__(window, doc_id, f"label {text!r} as {label}")
        self.span = Span(doc_id, self.annotator, start, end, label, text)
        self.previous_status: Status | None = None

    def forward(self) -> None:
        store = self.window.store
        with store.transaction():
            span_id = store.add_span(self.span)
            if span_id is None:
                raise ValueError(f"{self.span.label} span on {self.span.text!r} is already there")
            self.span = self.span._replace(id=span_id)
            self.previous_status = store.status(self.doc_id, self.annotator)
            if self.previous_status is Status.NEW:
                store.set_status(self.doc_id, self.annotator, Status.IN_PROGRESS)

    def backward(self) -> None:
        store = self.window.store
        with store.transaction():
            store.delete_span(self.span.id)
            if self.previous_status is not None:
                store.set_status(self.doc_id, self.annotator, self.previous_status)

    def focus_span(self, undone: bool = False) -> int | None:
        return None if undone else self.span.id

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]]:
        return ([self.span], []) if undone else ([], [self.span])


class DeleteSpan(DocumentCommand):
    def __init__(self, window: MainWindow, span: Span):
        super().__init__(window, span.doc_id, f"delete {span.label} {span.text!r}")
        self.span = span

    def forward(self) -> None:
        if self.window.store.delete_span(self.span.id) is None:
            raise ValueError("that span is gone already")

    def backward(self) -> None:
        self.window.store.add_span(self.span)  # under its old id

    def focus_span(self, undone: bool = False) -> int | None:
        return self.span.id if undone else None

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]]:
        return ([], [self.span]) if undone else ([self.span], [])


class UpdateSpan(DocumentCommand):
    """Relabel, resize or annotate a span: ``changes`` are keyword arguments of Store.update_span."""

    def __init__(self, window: MainWindow, span: Span, description: str, **changes):
        super().__init__(window, span.doc_id, description)
        self.span_id = span.id
        self.changes = changes
        self.before = {key: getattr(span, key) for key in changes}
        self.old_span = span
        self.new_span = span

    def forward(self) -> None:
        self.old_span = self.window.store.get_span(self.span_id)
        self.new_span = self.window.store.update_span(self.span_id, **self.changes)

    def backward(self) -> None:
        self.old_span = self.window.store.get_span(self.span_id)
        self.new_span = self.window.store.update_span(self.span_id, **self.before)

    def focus_span(self, undone: bool = False) -> int | None:
        return self.span_id

    def delta(self, undone: bool) -> tuple[list[Span], list[Span]]:
        return [self.old_span], [self.new_span]


class ToggleTheme(DocumentCommand):
    def __init__(self, window: MainWindow, doc_id: str, theme: str, on: bool):
        super().__init__(window, doc_id, f"{'tick' if on else 'untick'} theme {theme}")
        self.theme = theme
        self.on = on

    def _set(self, on: bool) -> None:
        store = self.window.store
        if on:
            store.add_doc_theme(self.doc_id, self.annotator, self.theme)
        else:
            store.remove_doc_theme(self.doc_id, self.annotator, self.theme)

    def forward(self) -> None:
        self._set(self.on)

    def backward(self) -> None:
        self._set(not self.on)


class SetStatus(DocumentCommand):
    def __init__(self, window: MainWindow, doc_id: str, status: Status):
        super().__init__(window, doc_id, f"mark {status.value.replace('_', ' ')}")
        self.status = status
        self.before = window.store.status(doc_id, window.annotator)

    def forward(self) -> None:
        self.window.store.set_status(self.doc_id, self.annotator, self.status)

    def backward(self) -> None:
        self.window.store.set_status(self.doc_id, self.annotator, self.before)
