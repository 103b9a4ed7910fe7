"""A long document in the article, one part at a time (core/pages.py says why and where parts are
cut): the bar above the text that says which part is shown and moves to the next or previous
one, and paging on from a part's end with Page Down or the wheel, as if the text went on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QTextCursor
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QToolButton, QWidget

from annotator.core.pages import Part, part_of


class PartBar(QWidget):
    """"Part 2 of 5 · offsets 200,000–399,994 of 1,000,000", between Previous and Next: offsets as
    the span list and the status bar count them (code points from 0, the end not included)."""

    move = Signal(int)  # -1: the previous part, +1: the next

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("part-bar")
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        self.previous = QToolButton(self)
        self.previous.setText("◀ Previous part")
        self.previous.setToolTip("The part before this one (Alt+PgUp, or Page Up at the top)")
        self.previous.clicked.connect(lambda: self.move.emit(-1))
        self.label = QLabel(self)
        self.label.setAlignment(Qt.AlignCenter)
        self.next = QToolButton(self)
        self.next.setText("Next part ▶")
        self.next.setToolTip("The part after this one (Alt+PgDown, or Page Down at the end)")
        self.next.clicked.connect(lambda: self.move.emit(+1))
        layout.addWidget(self.previous)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.next)
        # Always left to right, as the numbers read: "previous" on the left in a Persian document too.
        self.setLayoutDirection(Qt.LeftToRight)
        # The window's font, not the article's (which its parent passes down to it, zoomed): each
        # property set, so none is taken from the article.
        font = QFont(QApplication.font())
        font.setFamily(font.family())
        font.setPointSizeF(font.pointSizeF())
        font.setWeight(font.weight())
        font.setItalic(font.italic())
        self.setFont(font)
        self.hide()

    def show_part(self, number: int, parts: list[Part], length: int) -> None:
        part = parts[number]
        self.label.setText(f"Part {number + 1:,} of {len(parts):,} · offsets {part.start:,}–{part.end:,} of {length:,}")
        self.previous.setEnabled(number > 0)
        self.next.setEnabled(number + 1 < len(parts))
        self.setVisible(len(parts) > 1)


class ArticleParts:
    """Mixed into ArticleView (annotator.gui.article): which part of the document the view holds,
    and moving between parts. Every offset the view takes or gives stays the whole document's;
    asking for one in another part (a search match, a span in the list, a saved caret) shows
    that part first."""

    def _make_part_bar(self) -> None:
        self.part_bar = PartBar(self)
        self.part_bar.move.connect(self.move_part)

    @property
    def part_count(self) -> int:
        return len(self.parts)

    def move_part(self, step: int, *, at_end: bool = False) -> bool:
        """Show the part ``step`` away, from its top (its bottom with ``at_end``); False if there is none."""
        number = self.part + step
        if not 0 <= number < len(self.parts) or number == self.part:
            return False
        self._show_part(number)
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.End if at_end else QTextCursor.Start)
        self.setTextCursor(cursor)
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum() if at_end else 0)
        return True

    def show_place(self, offset: int) -> None:
        """Show where code point ``offset`` is, the caret there (an undone change in another part)."""
        self._reach(offset)
        self.set_caret(offset)
        self.ensureCursorVisible()

    def _reach(self, start: int, end: int | None = None) -> None:
        """Make sure code points ``[start, end)`` are shown (the part holding ``start`` if the
        one shown does not show them)."""
        end = start if end is None else end
        index = self.index
        if not (index.start <= start and end <= index.end and (start < index.end or start == len(index.text))):
            self._show_part(part_of(self.parts, start))

    def shows(self, start: int, end: int) -> bool:
        """Whether code points ``[start, end)`` show (some of them) in the part on screen (an
        empty range: where it stands)."""
        return start < self.index.end and end > self.index.start or self.index.start <= start == end <= self.index.end

    def _place_part_bar(self) -> None:
        height = self.part_bar.sizeHint().height() if self.part_bar.isVisibleTo(self) else 0
        self.setViewportMargins(0, height, 0, 0)
        rect = self.contentsRect()
        self.part_bar.setGeometry(rect.left(), rect.top(), rect.width(), height)

    def _at_end(self) -> bool:
        """Whether the part's last line is on screen (the scroll bar need not be at its maximum:
        QPlainTextEdit counts it in lines and may stop one short)."""
        bar = self.verticalScrollBar()
        if bar.value() == bar.maximum():
            return True
        end = QTextCursor(self.document())
        end.movePosition(QTextCursor.End)
        return self.cursorRect(end).bottom() <= self.viewport().height()

    def _at_top(self) -> bool:
        return self.verticalScrollBar().value() == self.verticalScrollBar().minimum()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override: Page Down at a part's end goes on)
        if event.modifiers() == Qt.NoModifier and len(self.parts) > 1:
            if event.key() == Qt.Key_PageDown and self._at_end() and self.move_part(+1):
                return
            if event.key() == Qt.Key_PageUp and self._at_top() and self.move_part(-1, at_end=True):
                return
        super().keyPressEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt override: the wheel at a part's end goes on)
        down = event.angleDelta().y() < 0
        if len(self.parts) > 1 and event.modifiers() == Qt.NoModifier and event.angleDelta().y():
            if down and self._at_end() and self.move_part(+1):
                return
            if not down and self._at_top() and self.move_part(-1, at_end=True):
                return
        super().wheelEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override: the bar stays above the text)
        super().resizeEvent(event)
        self._place_part_bar()
