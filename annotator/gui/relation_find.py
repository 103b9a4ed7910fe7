"""Relation mode's find field (issue 25): the other span found by typing its words.

In relation mode, ``/`` opens a small field at the status bar's end. Typing there (Persian and
Korean through the input method, as in any text field) moves the relation's target to the first
span after the source whose text holds what is typed (annotator.core.relations.spans_holding:
search's folding, so ي finds ی); Tab or Down goes to the next such span, Shift+Tab or Up back;
Enter keeps the target and gives the keys back to the article, where the type's key makes the
relation; Esc closes the field and relation mode goes on.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLineEdit


class SpanFinder(QLineEdit):
    """The field; it says what the person did and knows nothing of spans."""

    typed = Signal(str)  # the field's text after an edit
    step = Signal(int)  # +1: the next match, -1: the one before
    kept = Signal()  # Enter
    closed = Signal()  # Esc, or the focus gone elsewhere

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("relation-find")
        self.setPlaceholderText("the other span's words…")
        self.setClearButtonEnabled(False)
        self.setMaximumWidth(260)
        self.hide()
        self.textEdited.connect(self.typed)
        self.returnPressed.connect(self._keep)

    def open(self) -> None:
        self.clear()
        self.show()
        self.setFocus(Qt.OtherFocusReason)

    def _keep(self) -> None:
        self.hide()
        self.kept.emit()

    def event(self, event) -> bool:  # Tab and Shift+Tab reach event(), not keyPressEvent
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Tab, Qt.Key_Backtab):
            self.step.emit(-1 if event.key() == Qt.Key_Backtab or event.modifiers() & Qt.ShiftModifier else 1)
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key_Escape:
            self.hide()
            self.closed.emit()
        elif event.key() in (Qt.Key_Down, Qt.Key_Up):
            self.step.emit(1 if event.key() == Qt.Key_Down else -1)
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        if self.isVisible() and event.reason() != Qt.PopupFocusReason:
            self.hide()
            self.closed.emit()
