"""The article's label tags: a tag over each highlight in a gap above its line, never over a
letter, each a button for its span, and a note's mark."""

from __future__ import annotations

import bisect
import math

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap, QPolygonF, QTextBlock, QTextLine
from PySide6.QtWidgets import QToolTip

from annotator.core.model import Span
from annotator.gui.plain import tooltip


class LabelTags:
    """Mixed into ArticleView (annotator.gui.article): sizes, places, paints and hit-tests the tags."""


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
        self._set_room(self._tag_height + 2 if self._show_tags else 0)  # and the arcs' band (article_arcs)

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
