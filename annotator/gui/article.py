"""The article view: the text with its spans highlighted, and the one place positions cross
between Qt (UTF-16) and annotator (code points)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextBlockFormat, QTextCharFormat, QTextCursor, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from annotator.core.model import Span
from annotator.core.text import detect_language
from annotator.core.utf16 import Utf16Index
from annotator.gui.theme import selected_background, span_background


@dataclass(frozen=True)
class Mark:
    """A span as the highlighter needs it, in UTF-16 positions."""

    start: int
    end: int
    colour: str
    span_id: int


class SpanHighlighter(QSyntaxHighlighter):
    """Paints spans as backgrounds; where spans nest or overlap, the inner one's colour fills
    and the outer one's colour underlines, so both stay visible."""

    def __init__(self, document, dark: bool = False):
        super().__init__(document)
        self.dark = dark
        self._by_block: dict[int, list[Mark]] = {}

    def set_marks(self, marks: list[Mark]) -> None:
        document = self.document()
        by_block: dict[int, list[Mark]] = {}
        for mark in marks:
            first = document.findBlock(mark.start).blockNumber()
            last = document.findBlock(max(mark.start, mark.end - 1)).blockNumber()
            for number in range(first, last + 1):
                by_block.setdefault(number, []).append(mark)
        old = self._by_block
        self._by_block = by_block
        # Re-highlight only the blocks whose marks changed: adding one span repaints one paragraph.
        changed = {n for n in set(old) | set(by_block) if old.get(n) != by_block.get(n)}
        for number in sorted(changed):
            block = document.findBlockByNumber(number)
            if block.isValid():
                self.rehighlightBlock(block)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        marks = self._by_block.get(self.currentBlock().blockNumber())
        if not marks:
            return
        base = self.currentBlock().position()
        length = len(text.encode("utf-16-le")) // 2
        cuts = sorted({0, length} | {min(max(m.start - base, 0), length) for m in marks}
                      | {min(max(m.end - base, 0), length) for m in marks})
        for a, b in zip(cuts, cuts[1:]):
            covering = [m for m in marks if m.start - base <= a and m.end - base >= b]
            if not covering or a == b:
                continue
            covering.sort(key=lambda m: m.end - m.start)  # innermost first
            fmt = QTextCharFormat()
            fmt.setBackground(span_background(covering[0].colour, self.dark))
            if len(covering) > 1:
                fmt.setUnderlineStyle(QTextCharFormat.SingleUnderline)
                fmt.setUnderlineColor(QColor(covering[-1].colour))
            self.setFormat(a, b - a, fmt)


class ArticleView(QPlainTextEdit):
    """Read-only, selectable text. Emits offsets in code points only."""

    selection_changed = Signal(int, int)  # code-point start, end of the text selection
    span_clicked = Signal(int)  # span id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("article")
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.setLineWrapMode(QPlainTextEdit.WidgetWidth)
        self.setCenterOnScroll(False)
        self.document().setUndoRedoEnabled(False)
        self.document().setDocumentMargin(12)
        self.highlighter = SpanHighlighter(self.document())
        self.index = Utf16Index("")
        self.spans: list[Span] = []
        self.colours: dict[str, str] = {}
        self._starts: list[int] = []
        self._selected: int | None = None
        self._flash = QTimer(self)
        self._flash.setInterval(120)
        self._flash.timeout.connect(self._flash_step)
        self._flash_left = 0
        self._press_pos: int | None = None
        self.selectionChanged.connect(self._emit_selection)

    # --- positions: every conversion goes through self.index ---------------------------------

    def selection(self) -> tuple[int, int]:
        """The text selection in code points."""
        cursor = self.textCursor()
        return self.index.span_to_code_points(cursor.selectionStart(), cursor.selectionEnd())

    def select(self, start: int, end: int, *, ensure_visible: bool = True) -> None:
        """Select code points ``[start, end)``."""
        a, b = self.index.span_to_utf16(start, end)
        cursor = self.textCursor()
        cursor.setPosition(a)
        cursor.setPosition(b, QTextCursor.KeepAnchor)
        self.setTextCursor(cursor)
        if ensure_visible:
            self.ensureCursorVisible()

    def caret(self) -> int:
        return self.index.to_code_point(self.textCursor().position())

    def set_caret(self, offset: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(self.index.to_utf16(min(offset, len(self.index.text))))
        self.setTextCursor(cursor)

    def offset_at(self, point) -> int:
        return self.index.to_code_point(self.cursorForPosition(point).position())

    # --- content -----------------------------------------------------------------------------

    def show_text(self, text: str, direction: str, font: QFont) -> None:
        self._selected = None
        self.index = Utf16Index(text)
        self.highlighter.set_marks([])
        self.setFont(font)
        option = QTextOption(self.document().defaultTextOption())
        option.setTextDirection(Qt.RightToLeft if direction == "rtl" else Qt.LeftToRight)
        option.setWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.document().setDefaultTextOption(option)
        self.setPlainText(text)
        self._set_paragraph_directions(text, direction)
        self.setExtraSelections([])

    def _set_paragraph_directions(self, text: str, direction: str) -> None:
        """Each paragraph takes the direction of the script most of its letters are in (a Latin
        date line in a Persian article stays right-to-left if Persian letters outnumber it);
        paragraphs without letters follow the document."""
        default = Qt.RightToLeft if direction == "rtl" else Qt.LeftToRight
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        block = self.document().begin()
        for paragraph in text.split("\n"):
            detected = detect_language(paragraph, sample=400)
            if detected.code == "und":
                wanted = default
            else:
                wanted = Qt.RightToLeft if detected.direction == "rtl" else Qt.LeftToRight
            if wanted != default:
                cursor.setPosition(block.position())
                fmt = QTextBlockFormat(block.blockFormat())
                fmt.setLayoutDirection(wanted)
                fmt.setAlignment(Qt.AlignLeft | Qt.AlignAbsolute if wanted == Qt.LeftToRight
                                 else Qt.AlignRight | Qt.AlignAbsolute)
                cursor.setBlockFormat(fmt)
            block = block.next()
        cursor.endEditBlock()

    def set_spans(self, spans: list[Span], colours: dict[str, str], dark: bool) -> None:
        self.spans = sorted(spans, key=lambda s: (s.start, s.end, s.label))
        self.colours = colours
        self._starts = [s.start for s in self.spans]
        self.highlighter.dark = dark
        self.highlighter.set_marks([
            Mark(*self.index.span_to_utf16(s.start, s.end), colours.get(s.label, "#868E96"), s.id or 0)
            for s in self.spans
        ])
        if self._selected is not None and not any(s.id == self._selected for s in self.spans):
            self._selected = None
        self._paint_selected()

    def spans_at(self, offset: int) -> list[Span]:
        """Spans covering code point ``offset``, innermost first."""
        hi = bisect.bisect_right(self._starts, offset)
        found = [s for s in self.spans[:hi] if s.start <= offset < s.end]
        return sorted(found, key=lambda s: (s.end - s.start, s.start))

    # --- the selected span -------------------------------------------------------------------

    @property
    def selected_span_id(self) -> int | None:
        return self._selected

    def select_span(self, span_id: int | None, *, flash: bool = False, scroll: bool = True) -> None:
        self._selected = span_id
        span = next((s for s in self.spans if s.id == span_id), None)
        if span is not None and scroll:
            cursor = self.textCursor()
            cursor.setPosition(self.index.to_utf16(span.start))
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
        self._paint_selected()
        if span is not None and flash:
            self._flash_left = 6
            self._flash.start()

    def _paint_selected(self, visible: bool = True) -> None:
        span = next((s for s in self.spans if s.id == self._selected), None)
        if span is None or not visible:
            self.setExtraSelections([])
            return
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        a, b = self.index.span_to_utf16(span.start, span.end)
        cursor.setPosition(a)
        cursor.setPosition(b, QTextCursor.KeepAnchor)
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(selected_background(self.colours.get(span.label, "#868E96")))
        fmt.setForeground(QColor("#FFFFFF"))
        selection.format = fmt
        self.setExtraSelections([selection])

    def _flash_step(self) -> None:
        self._flash_left -= 1
        self._paint_selected(visible=self._flash_left % 2 == 0)
        if self._flash_left <= 0:
            self._flash.stop()
            self._paint_selected()

    # --- events ------------------------------------------------------------------------------

    def _emit_selection(self) -> None:
        self.selection_changed.emit(*self.selection())

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._press_pos = self.offset_at(event.position().toPoint())
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().mouseReleaseEvent(event)
        start, end = self.selection()
        if event.button() == Qt.LeftButton and start == end and self._press_pos is not None:
            covering = self.spans_at(self._press_pos)
            if covering:
                # Clicking again on the same place cycles through nested spans.
                ids = [s.id for s in covering]
                nxt = ids[(ids.index(self._selected) + 1) % len(ids)] if self._selected in ids else ids[0]
                self.span_clicked.emit(nxt)
            elif self._selected is not None:
                self.span_clicked.emit(-1)
