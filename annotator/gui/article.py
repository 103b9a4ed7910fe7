"""The article view: the text with its spans highlighted, and the one place positions cross
between Qt (UTF-16) and annotator (code points)."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QTimer, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPixmap,
    QPolygonF,
    QSyntaxHighlighter,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextLine,
    QTextOption,
)
from PySide6.QtWidgets import QApplication, QPlainTextDocumentLayout, QPlainTextEdit, QTextEdit, QToolTip, QWidget

from annotator.core.model import Span
from annotator.core.text import detect_language
from annotator.core.utf16 import Utf16Index
from annotator.core.words import word_at
from annotator.gui.plain import tooltip
from annotator.gui.theme import selected_background, span_background


class Mark(NamedTuple):
    """A span as the highlighter needs it, in UTF-16 positions."""

    start: int
    end: int
    colour: str
    span_id: int


class Restyled(NamedTuple):
    """A paragraph highlighted again: its block number, the UTF-16 positions whose formats
    changed, and where its lines started before (to see that they did not move)."""

    block: int
    start: int
    end: int
    lines: tuple[int, ...]


def _line_starts(block: QTextBlock) -> tuple[int, ...]:
    layout = block.layout()
    return tuple(layout.lineAt(i).textStart() for i in range(layout.lineCount())) if layout is not None else ()


class SpanHighlighter(QSyntaxHighlighter):
    """Paints spans as backgrounds; where spans nest or overlap, the inner one's colour fills
    and the outer one's colour underlines, so both stay visible.

    Marks are kept per paragraph (block), so a change repaints only the paragraphs it touches:
    after a change it emits ``restyled`` with what changed in them, and the view repaints only
    the lines that changed.
    """

    # [Restyled, ...]: paragraphs just highlighted again, after a change of marks; and whether
    # lines moved (the document's height changed: everything below them is repainted)
    restyled = Signal(list, bool)

    def __init__(self, document, dark: bool = False):
        super().__init__(document)
        self.dark = dark
        self._by_block: dict[int, list[Mark]] = {}
        self._suggested: dict[int, list[Mark]] = {}  # another layer's spans, offered for review
        self._block_starts: list[int] = [0]
        self._formats: dict[tuple[str, str | None], QTextCharFormat] = {}

    def set_text(self, text: str, index: Utf16Index) -> None:
        """Learn where paragraphs start (UTF-16), before the document gets the text."""
        self._block_starts = [0] + [index.to_utf16(m.start()) + 1 for m in _NEWLINE.finditer(text)]

    def _blocks_of(self, mark: Mark) -> range:
        first = bisect.bisect_right(self._block_starts, mark.start) - 1
        last = bisect.bisect_right(self._block_starts, max(mark.start, mark.end - 1)) - 1
        return range(first, last + 1)

    def set_marks(self, marks: list[Mark], *, rehighlight: bool = True) -> None:
        """Replace all marks; with ``rehighlight`` False the caller is about to set the text,
        which highlights every paragraph once anyway."""
        by_block: dict[int, list[Mark]] = {}
        starts = self._block_starts
        for mark in marks:
            first = bisect.bisect_right(starts, mark.start) - 1
            if first + 1 < len(starts) and mark.end > starts[first + 1]:  # crosses a paragraph end
                for number in self._blocks_of(mark):
                    by_block.setdefault(number, []).append(mark)
            else:
                by_block.setdefault(first, []).append(mark)
        old, self._by_block = self._by_block, by_block
        if rehighlight:
            self._rehighlight({n for n in set(old) | set(by_block) if old.get(n) != by_block.get(n)})

    def change_marks(self, removed: list[int], added: list[Mark]) -> None:
        """Remove marks by span id and add others; repaints only the paragraphs touched."""
        touched: set[int] = set()
        changed: list[tuple[int, int]] = [(m.start, m.end) for m in added]
        if removed:
            gone = set(removed)
            for number, marks in list(self._by_block.items()):
                kept = [m for m in marks if m.span_id not in gone]
                if len(kept) != len(marks):
                    touched.add(number)
                    self._by_block[number] = kept
                    changed += [(m.start, m.end) for m in marks if m.span_id in gone]
        for mark in added:
            for number in self._blocks_of(mark):
                self._by_block.setdefault(number, []).append(mark)
                touched.add(number)
        self._rehighlight(touched, changed)

    def set_suggestions(self, marks: list[Mark]) -> None:
        """Show these as suggestions (a wavy underline in the label's colour, on a light tint); repaints what differs."""
        by_block: dict[int, list[Mark]] = {}
        for mark in marks:
            for number in self._blocks_of(mark):
                by_block.setdefault(number, []).append(mark)
        old, self._suggested = self._suggested, by_block
        touched = {n for n in set(old) | set(by_block) if old.get(n) != by_block.get(n)}
        before = {m for n in touched for m in old.get(n, ())}
        after = {m for n in touched for m in by_block.get(n, ())}
        self._rehighlight(touched, [(m.start, m.end) for m in before ^ after])

    def _rehighlight(self, numbers: set[int], changed: list[tuple[int, int]] | None = None) -> None:
        """Highlight these paragraphs again, and say what changed (``restyled``: the ``changed``
        UTF-16 ranges, else whole paragraphs) instead of letting Qt repaint the whole viewport:
        Qt marks a highlighted paragraph dirty together with the next one's first character,
        which QPlainTextDocumentLayout answers with an update of everything, and the view would
        repaint every paragraph and every label tag on screen for one new span."""
        if not numbers:
            return
        document = self.document()
        layout = document.documentLayout()
        size = layout.documentSize()
        done = []
        blocked = layout.blockSignals(True)
        layout.restyling = True
        try:
            for number in sorted(numbers):
                block = document.findBlockByNumber(number)
                if not block.isValid():
                    continue
                start, end = block.position(), block.position() + block.length()
                if changed:
                    inside = [(max(a, start), min(b, end)) for a, b in changed if a < end and b > start]
                    if inside:
                        start, end = min(a for a, _ in inside), max(b for _, b in inside)
                lines = _line_starts(block)
                self.rehighlightBlock(block)
                done.append(Restyled(number, start, end, lines))
        finally:
            layout.restyling = False
            layout.blockSignals(blocked)
        moved = layout.documentSize() != size
        if moved:  # a paragraph not laid out yet (counted as one line) was: the scroll bar learns its size
            layout.documentSizeChanged.emit(layout.documentSize())
        self.restyled.emit(done, moved)

    def _format(self, fill: str, underline: str | None) -> QTextCharFormat:
        key = (fill, underline)
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setBackground(span_background(fill, self.dark))
            if underline is not None:
                fmt.setUnderlineStyle(QTextCharFormat.SingleUnderline)
                fmt.setUnderlineColor(QColor(underline))
            self._formats[key] = fmt
        return fmt

    def set_dark(self, dark: bool) -> None:
        if dark != self.dark:
            self.dark = dark
            self._formats.clear()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        number = self.currentBlock().blockNumber()
        marks = self._by_block.get(number)
        self._highlight_spans(marks)
        suggested = self._suggested.get(number)
        if suggested:
            base, length = self.currentBlock().position(), self.currentBlock().length()
            # Formats change only at the edges of marks: between two edges one format holds, so
            # a suggestion is drawn a stretch at a time, not a character at a time.
            edges = sorted({min(max(edge - base, 0), length) for m in (*(marks or ()), *suggested)
                            for edge in (m.start, m.end)})
            for m in suggested:
                # Plainly visible: a wavy underline in the label's colour, and a light tint where no
                # span of the layer already colours the text.
                tint = QColor(m.colour)
                tint.setAlphaF(0.22 if self.dark else 0.16)
                start, end = max(m.start - base, 0), min(m.end - base, length)
                cuts = [start, *(edge for edge in edges if start < edge < end), end]
                for a, b in zip(cuts, cuts[1:]):
                    if a >= b:
                        continue
                    fmt = QTextCharFormat(self.format(a))
                    fmt.setUnderlineStyle(QTextCharFormat.WaveUnderline)
                    fmt.setUnderlineColor(QColor(m.colour))
                    if fmt.background().style() == Qt.NoBrush:
                        fmt.setBackground(tint)
                    self.setFormat(a, b - a, fmt)

    def _highlight_spans(self, marks: list[Mark] | None) -> None:
        if not marks:
            return
        base = self.currentBlock().position()
        ordered = sorted(marks, key=lambda m: (m.start, m.end))
        overlapping = any(b.start < a.end for a, b in zip(ordered, ordered[1:]))
        length = self.currentBlock().length()
        if not overlapping:  # the common case: one format per span, as a bare highlighter does
            for m in ordered:
                # A span running across paragraphs is clipped to this one on both sides.
                start, end = max(m.start - base, 0), min(m.end - base, length)
                self.setFormat(start, end - start, self._format(m.colour, None))
            return
        cuts = sorted({0, length} | {min(max(m.start - base, 0), length) for m in marks}
                      | {min(max(m.end - base, 0), length) for m in marks})
        for a, b in zip(cuts, cuts[1:]):
            covering = [m for m in ordered if m.start - base <= a and m.end - base >= b]
            if not covering or a == b:
                continue
            covering.sort(key=lambda m: m.end - m.start)  # innermost first
            outer = covering[-1].colour if len(covering) > 1 else None
            self.setFormat(a, b - a, self._format(covering[0].colour, outer))


class TagRoomLayout(QPlainTextDocumentLayout):
    """QPlainTextEdit's own layout, with a gap of ``gap`` pixels above each line of text: the label
    tags are drawn there (ArticleView._paint_tags), so a tag never covers a letter. (The plain
    layout ignores a paragraph's line height and margins, so the room is made here.)

    Qt lays a paragraph out lazily, its lines one under another from 0, and asks its size before
    anything is drawn or hit-tested there; that is when its lines are moved down. The caret,
    hit-testing and scrolling all read the lines where they then are. A paragraph laid out with
    another gap (tags turned on or off) is moved again the next time its size is asked."""

    def __init__(self, document: QTextDocument):
        super().__init__(document)
        self.gap = 0
        self.restyling = False  # set while the highlighter changes formats only (SpanHighlighter._rehighlight)

    def documentChanged(self, position: int, removed: int, added: int) -> None:  # noqa: N802 (Qt override)
        """A paragraph highlighted again says its characters changed twice over (Qt's
        markContentsDirty passes its length as removed and as added), which the plain layout reads
        as twice its length: the next paragraph, or several short ones, lost their layout too and
        were laid out again (shaped anew) for a key press that changed none of them. A change of
        formats throws away its own paragraph's lines only, laid out again when next drawn or
        asked for (as Qt's own path does it: lazily)."""
        if self.restyling and removed == added:
            document = self.document()
            block = document.findBlock(position)
            if block.isValid() and block == document.findBlock(position + added - 1):
                block.clearLayout()
                return
        super().documentChanged(position, removed, added)

    def blockBoundingRect(self, block: QTextBlock) -> QRectF:  # noqa: N802 (Qt override)
        rect = super().blockBoundingRect(block)  # lays the paragraph out if it is not
        layout = block.layout()
        if layout is None or layout.lineCount() == 0:
            return rect
        given = layout.lineAt(0).y()  # 0 just after Qt laid it out, else the gap it was given
        if given == self.gap:
            return rect
        for number in range(layout.lineCount()):
            line = layout.lineAt(number)
            line.setPosition(QPointF(line.x(), line.y() + (self.gap - given) * (number + 1)))
        return super().blockBoundingRect(block)


# Where QTextDocument starts a new block: LF, and the separators Qt treats the same way.
_NEWLINE = re.compile("[\n\u2029\ufdd0\ufdd1]")
_LTR_LETTER = re.compile("[A-Za-z\u00c0-\u024f\uac00-\ud7a3\u1100-\u11ff]")
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def _glyph_at(layout, line: QTextLine, x: float) -> tuple[int, int] | None:
    """The character of ``line`` whose drawn extent holds ``x``, as positions in its paragraph:
    the two characters beside the nearest boundary first, then the whole line. The extent is
    the one Qt selects and highlights (its glyph run's rectangle): ``cursorToX`` alone would not
    do, as the boundary where a Korean run ends inside a Persian line has two places."""
    first, last = line.textStart(), line.textStart() + line.textLength()

    def holds(position: int) -> tuple[int, int] | None:
        end = layout.nextCursorPosition(position)
        if not first <= position < end <= last:
            return None
        for run in line.glyphRuns(position, end - position):
            rect = run.boundingRect()
            if rect.left() <= x < rect.right():
                return position, end
        return None

    nearest = line.xToCursor(x)
    for position in (nearest, layout.previousCursorPosition(nearest)):
        found = holds(position)
        if found is not None:
            return found
    position = first
    while position < last:
        found = holds(position)
        if found is not None:
            return found
        position = layout.nextCursorPosition(position)
    return None


def _order(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


class ArticleView(QPlainTextEdit):
    """Read-only, selectable text. Emits offsets in code points only."""

    selection_changed = Signal(int, int)  # code-point start, end of the text selection
    span_clicked = Signal(int)  # span id
    menu_requested = Signal(int, object)  # code-point offset under the pointer, global position

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("article")
        document = QTextDocument(self)
        self._layout = TagRoomLayout(document)  # a line gap for the label tags
        document.setDocumentLayout(self._layout)
        self.setDocument(document)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        self.setLineWrapMode(QPlainTextEdit.WidgetWidth)
        self.setCenterOnScroll(False)
        self.document().setUndoRedoEnabled(False)
        self.document().setDocumentMargin(12)
        self.highlighter = SpanHighlighter(self.document())
        self.highlighter.restyled.connect(self._repaint_blocks)
        self.index = Utf16Index("")
        self.spans: list[Span] = []
        self.suggestions: list[Span] = []
        self._by_id: dict[int | None, Span] = {}
        self.colours: dict[str, str] = {}
        self._starts: list[int] = []
        self._selected: int | None = None
        self._flash = QTimer(self)
        self._flash.setInterval(120)
        self._flash.timeout.connect(self._flash_step)
        self._flash_left = 0
        self._press_pos: int | None = None
        self._press_char: tuple[int, int] | None = None  # UTF-16 span of the letter a drag started on
        self._press_point = QPoint()
        self._show_tags = True  # a label tag on each highlight (View → Label tags), in a gap above each line
        self._tag_font = QFont()
        self._tag_height = 0
        self._tag_pixmaps: dict[tuple[str, str, float], QPixmap] = {}
        self._tag_pressed: int | None = None  # the span whose tag the left button went down on
        self._size_tags()
        self.describe = None  # span -> tooltip text; set by the window
        self.matches: list[tuple[int, int]] = []  # search matches in the open document
        # What the label key will store for a selection (code points): the window's snap to words.
        # A drag shows exactly that while it goes on.
        self.snapper: Callable[[int, int], tuple[int, int]] = lambda start, end: (start, end)
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
        self._align_block(self.cursorForPosition(point).block())
        return self.index.to_code_point(self.cursorForPosition(point).position())

    def char_at(self, point) -> tuple[int, int] | None:
        """UTF-16 ``[start, end)`` of the character (grapheme cluster) drawn under ``point``, in
        either direction, or None where there is none (past a line's end, between paragraphs).
        A character is where Qt draws it, as wide as Qt highlights it when it is selected. Qt's
        own hit-testing gives the nearest boundary instead (a press on the left half of a Persian
        word's first, rightmost letter lands after it), and its "on character" mode is off by a
        few pixels in right-to-left text: a press on the ink of a narrow initial ب took the
        letter after it."""
        block = self.cursorForPosition(point).block()
        if not block.isValid():
            return None
        self._align_block(block)
        layout = block.layout()
        geometry = self.blockBoundingGeometry(block).translated(self.contentOffset())
        x, y = point.x() - geometry.left(), point.y() - geometry.top()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            if not line.y() <= y < line.y() + line.height():
                continue
            rect = line.naturalTextRect()
            if not rect.left() <= x < rect.right():
                return None
            found = _glyph_at(layout, line, x)
            return None if found is None else (block.position() + found[0], block.position() + found[1])
        return None

    def offset_under(self, point) -> int:
        """The code point a press at ``point`` is on: the character drawn there, else (past a
        line's end) the nearest boundary."""
        here = self.char_at(point)
        return self.index.to_code_point(here[0]) if here is not None else self.offset_at(point)

    # --- alignment: each paragraph flush to its own direction's start edge --------------------

    def _align_block(self, block: QTextBlock) -> None:
        """QPlainTextEdit lays every paragraph out with the document's one text option and ignores
        a paragraph's own alignment, so a right-to-left paragraph would be flush left. Alignment
        is applied when a laid-out line is drawn or hit-tested, so setting it on the paragraph's
        layout (after Qt laid it out) aligns it without laying it out again. A paragraph not laid
        out yet (just opened, or the width changed) is laid out here first: Qt would do it while
        drawing, with the document's option, and draw it flush left until the next full repaint."""
        layout = block.layout()
        if layout is None:
            return
        if layout.lineCount() == 0:
            self.blockBoundingRect(block)  # QPlainTextDocumentLayout lays the paragraph out
            if layout.lineCount() == 0:
                return
        wanted = (Qt.AlignRight if block.textDirection() == Qt.RightToLeft else Qt.AlignLeft) | Qt.AlignAbsolute
        option = layout.textOption()
        if option.alignment() != wanted:
            option.setAlignment(wanted)
            layout.setTextOption(option)

    def _align_visible(self) -> None:
        block = self.firstVisibleBlock()
        offset = self.contentOffset()
        bottom = self.viewport().height()
        while block.isValid():
            self._align_block(block)
            if self.blockBoundingGeometry(block).translated(offset).bottom() > bottom:
                break
            block = block.next()

    def _repaint_blocks(self, restyled: list[Restyled], moved: bool) -> None:
        """Repaint the lines whose highlighting changed where they are on screen (the whole
        paragraph if its lines moved), with a line's height above and below them: a label tag
        straddles the top of its span's first line, so the line above holds the top of the
        changed line's tags, and the changed line the top of the next line's."""
        if moved:
            self.viewport().update()
            return
        first = self.firstVisibleBlock().blockNumber()
        offset, viewport = self.contentOffset(), self.viewport()
        reach = self.fontMetrics().height()
        document = self.document()
        for change in restyled:
            if change.block < first:
                continue  # above the screen
            block = document.findBlockByNumber(change.block)
            if not block.isValid() or not block.isVisible():
                continue
            rect = self.blockBoundingGeometry(block).translated(offset)  # lays the paragraph out again
            if rect.top() > viewport.height():
                continue  # below it
            top, bottom = rect.top(), rect.bottom()
            layout = block.layout()
            if change.lines and _line_starts(block) == change.lines:  # the lines stayed: only those changed
                position = block.position()
                upper = layout.lineForTextPosition(max(0, change.start - position))
                lower = layout.lineForTextPosition(max(0, min(change.end - 1, position + block.length() - 2) - position))
                if upper.isValid() and lower.isValid():
                    top, bottom = rect.top() + upper.y(), rect.top() + lower.y() + lower.height()
            viewport.update(QRect(0, int(top) - reach, viewport.width(), int(bottom - top) + 2 * reach + 1))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._align_visible()
        super().paintEvent(event)
        if self.show_tags and self.spans:
            self._paint_tags(event.rect())

    # --- label tags: in a gap above each line, never over a letter -------------------------------

    @property
    def show_tags(self) -> bool:
        return self._show_tags

    @show_tags.setter
    def show_tags(self, on: bool) -> None:
        """Tags on makes a gap above each line for them; off closes it (the text moves, offsets do not)."""
        if on != self._show_tags:
            self._show_tags = on
            self._size_tags()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override: a zoom resizes the tags and their gap)
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:
            self._size_tags()

    def _size_tags(self) -> None:
        """The tag's font (half the article's size, bold) and the gap above each line: a tag's
        height and a pixel clear of the letters on each side."""
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.5))
        font.setBold(True)
        self._tag_font = font
        self._tag_height = QFontMetrics(font).capHeight() + 5
        self._tag_pixmaps.clear()
        gap = self._tag_height + 2 if self._show_tags else 0
        if gap != self._layout.gap:
            self._layout.gap = gap
            self._layout.documentSizeChanged.emit(self._layout.documentSize())  # the scroll range follows
            self.viewport().update()

    def _edge(self, block: QTextBlock, geometry: QRectF, position: int, *,
              start: bool) -> tuple[float, float, bool] | None:
        """Where the character at UTF-16 ``position`` of ``block`` (at ``geometry`` in the viewport)
        begins (``start``) or ends: x of that edge, the top of its line, and whether it runs right
        to left, whichever direction the character and its paragraph run."""
        layout = block.layout()
        inside = position - block.position()
        line = layout.lineForTextPosition(inside)
        if not line.isValid():
            return None
        lead, trail = line.cursorToX(inside, QTextLine.Leading)[0], line.cursorToX(inside, QTextLine.Trailing)[0]
        if lead != trail:  # within a run of one direction: the character's own edges
            rtl = trail < lead
            x = lead if start else trail
        else:  # where two directions meet, Qt gives the boundary for both edges: the glyphs say
            runs = layout.glyphRuns(inside, max(1, layout.nextCursorPosition(inside) - inside))
            if not runs:
                return None
            rtl = runs[0].isRightToLeft()
            box = runs[0].boundingRect()
            for run in runs[1:]:
                box = box.united(run.boundingRect())
            x = box.right() if rtl == start else box.left()
        return geometry.left() + x, geometry.top() + line.y(), rtl

    def _tag_pixmap(self, label: str, colour: str) -> QPixmap:
        """The tag for ``label``, drawn once per label, colour and screen: a key press repaints
        dozens of tags."""
        ratio = self.devicePixelRatioF()
        pixmap = self._tag_pixmaps.get((label, colour, ratio))
        if pixmap is None:
            metrics = QFontMetrics(self._tag_font)
            width, height = metrics.horizontalAdvance(label) + 6, self._tag_height
            pixmap = QPixmap(math.ceil(width * ratio), math.ceil(height * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.Antialiasing)
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawRoundedRect(QRectF(0, 0, width, height), 3, 3)
            painter.setPen(QColor("#FFFFFF"))
            painter.setFont(self._tag_font)
            painter.drawText(QPointF(3, (height + metrics.capHeight()) / 2), label)
            painter.end()
            self._tag_pixmaps[(label, colour, ratio)] = pixmap
        return pixmap

    def _paint_tags(self, area: QRect) -> None:
        """A small tag with the label at each span's start edge, in the gap above the line (right
        of a Persian word's first letter's right edge, left of a Korean one's), and a mark in the
        gap at the end of a span that has a note: colour is not the only cue, and no letter is
        covered. Only the paragraphs being repainted are looked at (a key press repaints one). A
        tag that would overlap one already drawn on its line moves along, in the reading direction."""
        painter = None
        offset, right = self.contentOffset(), self.viewport().width()
        block = self.firstVisibleBlock()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > area.bottom():
                break
            high = self.index.to_code_point(block.position() + block.length())
            first = bisect.bisect_left(self._starts, self.index.to_code_point(block.position()))
            last = bisect.bisect_left(self._starts, high)
            spans = self.spans[first:last]
            if geometry.bottom() < area.top():  # not repainted: only a note's mark in a later paragraph may be
                spans = [s for s in spans if s.note and s.end > high]
            if spans:
                if painter is None:
                    painter = QPainter(self.viewport())
                    painter.setRenderHint(QPainter.Antialiasing)
                self._align_block(block)
                self._paint_block_tags(painter, block, geometry, spans, right, area)
            if geometry.bottom() > area.bottom():
                break  # the next paragraph starts below the area: asking its place would lay it out
            block = block.next()
        if painter is not None:
            painter.end()

    def _paint_block_tags(self, painter: QPainter, block: QTextBlock, geometry: QRectF, spans: list[Span],
                          right: int, area: QRect) -> None:
        if geometry.bottom() < area.top():  # not repainted: only the note marks of spans ending below
            for span in spans:
                self._paint_note_mark(painter, span, QColor(self.colours.get(span.label, "#868E96")).darker(140))
            return
        if not (geometry.top() >= area.top() and geometry.bottom() <= area.bottom()):
            spans = self._on_lines_in(block, geometry, spans, area)  # a key repaints a line or two of a long paragraph
        for span, tag, pixmap in self._place_tags(block, geometry, spans, right):
            painter.drawPixmap(tag.topLeft(), pixmap)
            if span.note:
                self._paint_note_mark(painter, span, QColor(self.colours.get(span.label, "#868E96")).darker(140))

    def _on_lines_in(self, block: QTextBlock, geometry: QRectF, spans: list[Span], area: QRect) -> list[Span]:
        """The spans of ``block`` whose tag (in the gap above the line of their start) or note mark
        (above the line of their end) can fall in ``area``: whole lines, so that tags that move
        along to stay clear of each other still do."""
        layout = block.layout()
        if layout is None or layout.lineCount() < 2:
            return spans
        position, ranges = block.position(), []
        for number in range(layout.lineCount()):
            line = layout.lineAt(number)
            top = geometry.top() + line.y() - self._tag_height - 2
            if top <= area.bottom() and geometry.top() + line.y() + line.height() >= area.top():
                ranges.append((self.index.to_code_point(position + line.textStart()),
                               self.index.to_code_point(position + line.textStart() + line.textLength())))
        if not ranges:
            return []
        low, high = ranges[0][0], ranges[-1][1]
        return [s for s in spans if low <= s.start < high or (s.note and low < s.end <= high)]

    def _place_tags(self, block: QTextBlock, geometry: QRectF, spans: list[Span], right: int):
        """Each span's tag in ``block``: (span, its rectangle in the viewport, its pixmap)."""
        lines: dict[int, list[QRectF]] = {}  # the tags placed on each line, by the line's top
        for span in spans:
            edge = self._edge(block, geometry, self.index.to_utf16(span.start), start=True)
            if edge is None:
                continue
            x, top, rtl = edge
            pixmap = self._tag_pixmap(span.label, self.colours.get(span.label, "#868E96"))
            width = pixmap.deviceIndependentSize().width()
            tag = QRectF(round(x - width if rtl else x), top - 1 - self._tag_height, width, self._tag_height)
            placed = lines.setdefault(round(top), [])
            for _ in placed:
                other = next((o for o in placed if o.intersects(tag)), None)
                if other is None:
                    break
                tag.moveLeft(other.left() - width - 1 if rtl else other.right() + 1)
            tag.moveLeft(min(max(tag.left(), 0.0), right - width))
            placed.append(tag)
            yield span, tag, pixmap

    def tag_at(self, point: QPointF) -> Span | None:
        """The span whose label tag is under ``point`` (viewport coordinates), if any."""
        if not self._show_tags or not self.spans:
            return None
        offset = self.contentOffset()
        block = self.firstVisibleBlock()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > point.y():
                return None
            if geometry.bottom() >= point.y():
                first = bisect.bisect_left(self._starts, self.index.to_code_point(block.position()))
                last = bisect.bisect_left(self._starts,
                                          self.index.to_code_point(block.position() + block.length()))
                self._align_block(block)
                for span, tag, _ in self._place_tags(block, geometry, self.spans[first:last],
                                                     self.viewport().width()):
                    if tag.contains(point):
                        return span
                return None
            block = block.next()
        return None

    def viewportEvent(self, event) -> bool:  # noqa: N802 (Qt override: a label tag is a button for its span)
        """A click on a label tag selects its span (the press, moves and release are the tag's, not
        the text's: no text is selected); hovering one shows the span's tooltip."""
        kind = event.type()
        if kind == QEvent.ToolTip and self.describe is not None:
            span = self.tag_at(QPointF(event.pos()))
            if span is not None:
                QToolTip.showText(event.globalPos(), tooltip(self.describe(span)), self)
                return True
        elif kind in (QEvent.MouseButtonPress, QEvent.MouseButtonDblClick) and event.button() == Qt.LeftButton:
            span = self.tag_at(event.position())
            if span is not None:
                self._tag_pressed = span.id
                return True
        elif kind == QEvent.MouseMove and self._tag_pressed is not None:
            return True
        elif kind == QEvent.MouseButtonRelease and self._tag_pressed is not None:
            pressed, self._tag_pressed = self._tag_pressed, None
            span = self.tag_at(event.position())
            if span is not None and span.id == pressed:
                self.span_clicked.emit(pressed)
            return True
        return super().viewportEvent(event)

    def _paint_note_mark(self, painter: QPainter, span: Span, colour: QColor) -> None:
        """A small triangle in the gap above the span's last letter, at its end edge."""
        position = self.index.to_utf16(span.end - 1)
        block = self.document().findBlock(position)  # a span may end in a later paragraph
        if not block.isValid():
            return
        self._align_block(block)
        end = self._edge(block, self.blockBoundingGeometry(block).translated(self.contentOffset()), position,
                         start=False)
        if end is None:
            return
        tip, top, rtl = end
        size = min(self._tag_height, 7.0)
        back = size if rtl else -size  # back over the span, along the bottom of the gap
        painter.setPen(Qt.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([QPointF(tip, top - 1), QPointF(tip + back, top - 1),
                                       QPointF(tip, top - 1 - size)]))

    def cursorRect(self, cursor=None):  # noqa: N802 (Qt override: positions follow the alignment)
        if cursor is None:
            cursor = self.textCursor()
        self._align_block(cursor.block())
        return super().cursorRect(cursor)

    # --- content -----------------------------------------------------------------------------

    def show_text(self, text: str, direction: str, font: QFont, spans: list[Span],
                  colours: dict[str, str], dark: bool) -> None:
        """Show a document with its spans. The marks are in place before the text arrives, so
        every paragraph is laid out and highlighted once."""
        self._selected = None
        self.index = Utf16Index(text)
        self.colours = colours
        self.suggestions = []
        self.highlighter._suggested = {}
        self.highlighter.set_dark(dark)
        self.highlighter.set_text(text, self.index)
        self._store_spans(spans)
        self.highlighter.set_marks([self._mark(s) for s in self.spans], rehighlight=False)
        self.setFont(font)
        option = QTextOption(self.document().defaultTextOption())
        option.setTextDirection(Qt.RightToLeft if direction == "rtl" else Qt.LeftToRight)
        # A Persian word is never broken across lines (its halves would lose their joining); a
        # word wider than the line runs past it instead. Left-to-right text may break anywhere.
        option.setWrapMode(QTextOption.WordWrap if direction == "rtl" else QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.document().setDefaultTextOption(option)
        self.setPlainText(text)
        self._set_paragraph_directions(text, direction)
        self.matches = []
        self.setExtraSelections([])

    def _set_paragraph_directions(self, text: str, direction: str) -> None:
        """Each paragraph takes the direction of the script most of its letters are in (a Latin
        date line in a Persian article stays right-to-left if Persian letters outnumber it);
        paragraphs without letters follow the document. Only paragraphs holding letters of the
        other direction are looked at closely."""
        default = Qt.RightToLeft if direction == "rtl" else Qt.LeftToRight
        other = _LTR_LETTER if direction == "rtl" else _RTL_LETTER
        cursor = None
        for number, paragraph in enumerate(_NEWLINE.split(text)):
            if not other.search(paragraph):
                continue
            detected = detect_language(paragraph, sample=400)
            if detected.code == "und":
                continue
            wanted = Qt.RightToLeft if detected.direction == "rtl" else Qt.LeftToRight
            if wanted == default:
                continue
            if cursor is None:
                cursor = QTextCursor(self.document())
                cursor.beginEditBlock()
            block = self.document().findBlockByNumber(number)
            cursor.setPosition(block.position())
            fmt = QTextBlockFormat(block.blockFormat())
            fmt.setLayoutDirection(wanted)
            fmt.setAlignment(Qt.AlignLeft | Qt.AlignAbsolute if wanted == Qt.LeftToRight
                             else Qt.AlignRight | Qt.AlignAbsolute)
            cursor.setBlockFormat(fmt)
        if cursor is not None:
            cursor.endEditBlock()

    def _mark(self, span: Span) -> Mark:
        return Mark(*self.index.span_to_utf16(span.start, span.end), self.colours.get(span.label, "#868E96"),
                    span.id or 0)

    def _store_spans(self, spans: list[Span]) -> None:
        self.spans = sorted(spans, key=_order)
        self._starts = [s.start for s in self.spans]
        self._by_id = {s.id: s for s in self.spans}

    def set_spans(self, spans: list[Span], colours: dict[str, str], dark: bool) -> None:
        """Replace every span (another annotator, a palette change); repaints what differs."""
        self.colours = colours
        self.highlighter.set_dark(dark)
        self._store_spans(spans)
        self.highlighter.set_marks([self._mark(s) for s in self.spans])
        if self._selected not in self._by_id:
            self._selected = None
        self._paint_selected()
        if self._show_tags:
            self.viewport().update()  # a tag's label may change where no highlight does (a rename)

    def change_spans(self, removed: list[Span], added: list[Span]) -> None:
        """Apply one command's change: only the paragraphs it touches are repainted."""
        gone = {s.id for s in removed}
        for span in removed:
            old = self._by_id.pop(span.id, None)
            if old is not None:
                i = bisect.bisect_left(self.spans, _order(old), key=_order)
                while self.spans[i].id != old.id:
                    i += 1
                del self.spans[i]
                del self._starts[i]
        for span in added:
            i = bisect.bisect_left(self.spans, _order(span), key=_order)
            self.spans.insert(i, span)
            self._starts.insert(i, span.start)
            self._by_id[span.id] = span
        self.highlighter.change_marks([s.id for s in removed], [self._mark(s) for s in added])
        if self._selected in gone and self._selected not in self._by_id:
            self._selected = None
        self._paint_selected()

    def set_suggestions(self, suggestions: list[Span]) -> None:
        self.suggestions = suggestions
        self.highlighter.set_suggestions([self._mark(s) for s in suggestions])

    def spans_at(self, offset: int) -> list[Span]:
        """Spans covering code point ``offset``, innermost first."""
        hi = bisect.bisect_right(self._starts, offset)
        found = [s for s in self.spans[:hi] if s.start <= offset < s.end]
        return sorted(found, key=lambda s: (s.end - s.start, s.start))

    # --- the selected span -------------------------------------------------------------------

    @property
    def selected_span_id(self) -> int | None:
        return self._selected

    def span(self, span_id: int | None) -> Span | None:
        """The span with this id as the view shows it, or None."""
        return self._by_id.get(span_id) if span_id is not None else None

    def select_span(self, span_id: int | None, *, flash: bool = False, scroll: bool = True) -> None:
        self._selected = span_id
        span = self._by_id.get(span_id)
        if span is not None and scroll:
            cursor = self.textCursor()
            cursor.setPosition(self.index.to_utf16(span.start))
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
        self._paint_selected()
        if span is not None and flash:
            self._flash_left = 6
            self._flash.start()

    def set_matches(self, matches: list[tuple[int, int]]) -> None:
        """Search matches (code points) to mark in the text, under the selected span."""
        self.matches = matches
        self._paint_selected()

    def _match_selections(self) -> list:
        out = []
        for start, end in self.matches:
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            a, b = self.index.span_to_utf16(start, end)
            cursor.setPosition(a)
            cursor.setPosition(b, QTextCursor.KeepAnchor)
            selection.cursor = cursor
            fmt = QTextCharFormat()
            fmt.setBackground(QColor("#FFE066"))
            fmt.setForeground(QColor("#000000"))
            fmt.setFontUnderline(True)
            selection.format = fmt
            out.append(selection)
        return out

    def _paint_selected(self, visible: bool = True) -> None:
        span = self._by_id.get(self._selected)
        if span is None or not visible:
            self.setExtraSelections(self._match_selections())
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
        self.setExtraSelections([*self._match_selections(), selection])

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
        point = event.position().toPoint()
        self._press_pos = self.offset_under(point)
        plain = event.button() == Qt.LeftButton and not event.modifiers() & Qt.ShiftModifier
        self._press_char = self.char_at(point) if plain else None
        self._press_point = point
        super().mousePressEvent(event)

    def event(self, event) -> bool:  # noqa: D102 (Qt override: a span's tooltip)
        if event.type() == QEvent.ToolTip and self.describe is not None:
            point = self.viewport().mapFrom(self, event.pos())
            here = self.char_at(point)
            offset = self.index.to_code_point(here[0]) if here else -1
            covering = self.spans_at(offset) if here else []
            covering += [s for s in self.suggestions if s.start <= offset < s.end]  # suggestions, said as such
            if covering:
                QToolTip.showText(event.globalPos(), tooltip("\n\n".join(self.describe(s) for s in covering)), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt override: the window builds the menu)
        self.menu_requested.emit(self.offset_under(event.pos()), event.globalPos())

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._press_char = None  # Qt extends by words while the double-click drags
        super().mouseDoubleClickEvent(event)
        if event.button() == Qt.LeftButton:
            # annotator's word, not Qt's: Qt's takes the Persian comma along (ایتالیا،)
            start, end = word_at(self.index.text, self.offset_under(event.position().toPoint()))
            if start < end:
                self.select(start, end, ensure_visible=False)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().mouseMoveEvent(event)
        if self._press_char is None or not event.buttons() & Qt.LeftButton:
            return
        # A drag takes the letter it started on and the letter under the pointer, in both
        # directions: the anchor is the pressed letter's edge behind the drag.
        point = event.position().toPoint()
        if (point - self._press_point).manhattanLength() < QApplication.startDragDistance():
            return  # a click that jittered is still a click
        first, last = self._press_char
        here = self.char_at(point)
        if here is None:
            position = self.cursorForPosition(point).position()
            anchor = first if position >= first else last
        elif here[0] >= first:
            anchor, position = first, here[1]
        else:
            anchor, position = last, here[0]
        anchor, position = self._snapped(anchor, position)
        cursor = self.textCursor()
        if (cursor.anchor(), cursor.position()) != (anchor, position):
            cursor.setPosition(anchor)
            cursor.setPosition(position, QTextCursor.KeepAnchor)
            self.setTextCursor(cursor)

    def _snapped(self, anchor: int, position: int) -> tuple[int, int]:
        """The UTF-16 selection ``anchor``→``position`` as the label key will store it (snapped
        to words when snapping is on), still anchored on the side the drag started."""
        low, high = self.index.span_to_code_points(min(anchor, position), max(anchor, position))
        start, end = self.index.span_to_utf16(*self.snapper(low, high))
        return (start, end) if anchor <= position else (end, start)

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
