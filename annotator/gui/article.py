"""The article view (over 400 lines: positions, selection, mouse and content share one widget's
state): the text with its spans highlighted, and the one place positions cross between Qt (UTF-16)
and annotator (code points). Its highlighting, tags and layout are in highlighting.py,
article_tags.py and article_layout.py."""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QRect, QTimer, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QPixmap,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QTextEdit, QToolTip, QWidget

from annotator.core.model import Span
from annotator.core.text import detect_language
from annotator.core.pages import Part, display_breaks, parts, shown_end, shown_text
from annotator.core.utf16 import PartIndex
from annotator.core.words import word_at
from annotator.gui.article_arcs import RelationArcs
from annotator.gui.article_layout import TagRoomLayout, glyph_at
from annotator.gui.article_parts import ArticleParts
from annotator.gui.article_tags import LabelTags
from annotator.gui.highlighting import NEWLINE, Mark, Restyled, SpanHighlighter, line_starts
from annotator.gui.plain import tooltip
from annotator.gui.theme import selected_background


# Letters of each writing direction: which paragraphs run against the document's direction.
_LTR_LETTER = re.compile("[A-Za-z\u00c0-\u024f\uac00-\ud7a3\u1100-\u11ff]")
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


# A span's place in text order: (start, end, label), by C code (a document can hold 10,000 spans).
_order = operator.itemgetter(2, 3, 4)


class ArticleView(RelationArcs, LabelTags, ArticleParts, QPlainTextEdit):
    """Read-only, selectable text. Emits offsets in code points only (the whole document's, when
    it shows one part of a long one)."""

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
        self.index = PartIndex("")
        self.parts: list[Part] = [Part(0, 0)]
        self.part = 0  # the number of the part shown
        self._direction = "ltr"
        self._make_part_bar()
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
        self._emitted: tuple[int, int] | None = None  # the selection last said
        self.selectionChanged.connect(self._emit_selection)
        self.cursorPositionChanged.connect(self._emit_selection)  # "Position" follows the caret (keys, a new part)

    # --- positions: every conversion goes through self.index ---------------------------------

    def selection(self) -> tuple[int, int]:
        """The text selection in code points."""
        cursor = self.textCursor()
        return self.index.span_to_code_points(cursor.selectionStart(), cursor.selectionEnd())

    def select(self, start: int, end: int, *, ensure_visible: bool = True) -> None:
        """Select code points ``[start, end)`` (in the part holding ``start``, which shows the
        start of the next part too: a selection ends there)."""
        self._reach(start, end)
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
        offset = min(offset, len(self.index.text))
        self._reach(offset)
        cursor = self.textCursor()
        cursor.setPosition(self.index.to_utf16(offset))
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
            found = glyph_at(layout, line, x)
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
            if change.lines and line_starts(block) == change.lines:  # the lines stayed: only those changed
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
        if self.arcs:
            self._paint_arcs(event.rect())

    def cursorRect(self, cursor=None):  # noqa: N802 (Qt override: positions follow the alignment)
        if cursor is None:
            cursor = self.textCursor()
        self._align_block(cursor.block())
        return super().cursorRect(cursor)

    # --- content -----------------------------------------------------------------------------

    def show_text(self, text: str, direction: str, font: QFont, spans: list[Span],
                  colours: dict[str, str], dark: bool) -> None:
        """Show a document with its spans: its first part (core/pages.py), all of a short one."""
        self._selected = None
        self._emitted = None  # a new document's selection is said, even at the same offsets
        self.set_arcs([])  # the new document's relations come with set_arcs
        self.colours = colours
        self.suggestions = []
        self.highlighter._suggested = {}
        self.highlighter.set_dark(dark)
        self._store_spans(spans)
        self._direction = direction
        self.setFont(font)
        option = QTextOption(self.document().defaultTextOption())
        option.setTextDirection(Qt.RightToLeft if direction == "rtl" else Qt.LeftToRight)
        # A Persian word is never broken across lines (its halves would lose their joining); a
        # word wider than the line runs past it instead. Left-to-right text may break anywhere.
        option.setWrapMode(QTextOption.WordWrap if direction == "rtl" else QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.document().setDefaultTextOption(option)
        self.matches = []
        self.parts = parts(text)
        self.index = PartIndex(text, 0, 0)
        self._show_part(0)

    def _show_part(self, number: int) -> None:
        """Hold part ``number`` of the text, its long paragraphs broken where they have a space.
        The marks are in place before the text arrives, so every paragraph is laid out and
        highlighted once."""
        text, part = self.index.text, self.parts[number]
        self.part = number
        seen = Part(part.start, shown_end(text, part))  # and the start of the next part
        shown = shown_text(text, seen, display_breaks(text, seen.start, seen.end))
        self.index = PartIndex(text, part.start, part.start + len(shown))
        self.highlighter.set_text(shown, self.index)
        self.highlighter.set_marks([self._mark(s) for s in self.spans if self.shows(s.start, s.end)],
                                   rehighlight=False)
        self.highlighter.set_suggestions([self._mark(s) for s in self.suggestions if self.shows(s.start, s.end)],
                                         rehighlight=False)
        self._set_room()  # the arcs' ends in this part: their lines' band
        self.setPlainText(shown)
        self._set_paragraph_directions(shown, self._direction)
        self._paint_selected()
        self.part_bar.show_part(number, self.parts, len(text))
        self._place_part_bar()

    def _set_paragraph_directions(self, text: str, direction: str) -> None:
        """Each paragraph takes the direction of the script most of its letters are in (a Latin
        date line in a Persian article stays right-to-left if Persian letters outnumber it);
        paragraphs without letters follow the document. Only paragraphs holding letters of the
        other direction are looked at closely."""
        default = Qt.RightToLeft if direction == "rtl" else Qt.LeftToRight
        other = _LTR_LETTER if direction == "rtl" else _RTL_LETTER
        cursor = None
        for number, paragraph in enumerate(NEWLINE.split(text)):
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
        self.highlighter.set_marks([self._mark(s) for s in self.spans if self.shows(s.start, s.end)])
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
        self.highlighter.change_marks([s.id for s in removed],
                                      [self._mark(s) for s in added if self.shows(s.start, s.end)])
        if self._selected in gone and self._selected not in self._by_id:
            self._selected = None
        self._paint_selected()

    def set_suggestions(self, suggestions: list[Span]) -> None:
        self.suggestions = suggestions
        self.highlighter.set_suggestions([self._mark(s) for s in suggestions if self.shows(s.start, s.end)])

    def change_suggestions(self, low: int, high: int, fresh: list[Span]) -> None:
        """The suggestions inside code points ``[low, high)`` are now ``fresh``; repaints what differs there."""
        inside = [s for s in self.suggestions if low <= s.start and s.end <= high]
        if {(s.start, s.end, s.label) for s in inside} == {(s.start, s.end, s.label) for s in fresh}:
            return
        kept = [s for s in self.suggestions if not (low <= s.start and s.end <= high)]
        self.suggestions = sorted(kept + fresh, key=_order)
        self.highlighter.change_suggestions([self._mark(s) for s in inside if self.shows(s.start, s.end)],
                                            [self._mark(s) for s in fresh if self.shows(s.start, s.end)])

    def spans_within(self, low: int, high: int) -> list[Span]:
        """The spans inside code points ``[low, high)``."""
        first = bisect.bisect_left(self._starts, low)
        last = bisect.bisect_left(self._starts, high)
        return [s for s in self.spans[first:last] if s.end <= high]

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
            if not self.shows(span.start, span.end):  # a span a part shows (some of) is selected there
                self._reach(span.start, span.end)
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
            if not self.shows(start, end):
                continue
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
        if span is None or not visible or not self.shows(span.start, span.end):
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
        """Say where the selection (or the caret) is: once, though Qt says a drag's every step twice
        (the selection changed, and the caret moved)."""
        here = self.selection()
        if here != self._emitted:
            self._emitted = here
            self.selection_changed.emit(*here)

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
