"""Positions in the article's layout: the room above each line for label tags (TagRoomLayout), and
which glyph a point is over (hit-testing)."""

from __future__ import annotations

import bisect

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTextBlock, QTextDocument, QTextLine
from PySide6.QtWidgets import QPlainTextDocumentLayout


class TagRoomLayout(QPlainTextDocumentLayout):
    """QPlainTextEdit's own layout, with a gap of ``gap`` pixels above each line of text: the label
    tags are drawn there (ArticleView._paint_tags), so a tag never covers a letter. (The plain
    layout ignores a paragraph's line height and margins, so the room is made here.)

    Qt lays a paragraph out lazily, its lines one under another from 0, and asks its size before
    anything is drawn or hit-tested there; that is when its lines are moved down. The caret,
    hit-testing and scrolling all read the lines where they then are. A paragraph laid out with
    another gap (tags turned on or off) is moved again the next time its size is asked.

    When the document has relations, a line holding an arc's end (``ends``) has a band of ``band``
    pixels more above its gap for the arcs (annotator.gui.article_arcs); other lines do not. Each
    paragraph's arrangement is recorded (where its first and last lines were put) so that one
    Qt laid out again (its lines back from 0) is told from one this layout moved under an older
    gap, band or set of ends: the first is moved from Qt's places, the second from its own."""

    def __init__(self, document: QTextDocument):
        super().__init__(document)
        self.gap = 0
        self.band = 0  # the relation arcs' band, above the gap of each line holding an arc's end
        self.ends: list[int] = []  # UTF-16 positions of the arcs' ends (sorted): their lines get the band
        self.generation = 0  # counts changes of gap, band and ends
        self._arranged: dict[int, tuple] = {}  # paragraph number -> (generation, first line's y, last's, count)
        self.restyling = False  # set while the highlighter changes formats only (SpanHighlighter._rehighlight)

    def set_room(self, gap: int, band: int, ends: list[int]) -> bool:
        """The gap above every line and the band above lines holding one of ``ends``; whether it changed."""
        if (gap, band, ends) == (self.gap, self.band, self.ends):
            return False
        self.gap, self.band, self.ends = gap, band, ends
        self.generation += 1
        return True

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
        self._arranged.clear()
        super().documentChanged(position, removed, added)

    def blockBoundingRect(self, block: QTextBlock) -> QRectF:  # noqa: N802 (Qt override)
        rect = super().blockBoundingRect(block)  # lays the paragraph out if it is not
        layout = block.layout()
        if layout is None or layout.lineCount() == 0:
            return rect
        number = block.blockNumber()
        if not (self.band and self.ends) and number not in self._arranged:  # no arcs: every line the same gap
            given = layout.lineAt(0).y()  # 0 just after Qt laid it out, else the gap it was given
            if given == self.gap:
                return rect
            for n in range(layout.lineCount()):
                line = layout.lineAt(n)
                line.setPosition(QPointF(line.x(), line.y() + (self.gap - given) * (n + 1)))
            return super().blockBoundingRect(block)
        count = layout.lineCount()
        first, last = layout.lineAt(0), layout.lineAt(count - 1)
        seen = self._arranged.get(number)
        if seen is not None and seen[1:4] == (first.y(), last.y(), count):
            if seen[0] == self.generation:
                return rect
            moved = seen[4]  # where this layout put the lines: taken off to find Qt's places
        else:  # laid out by Qt (its lines one under another from 0) or moved by the same gap each
            given = first.y()
            moved = [given * (n + 1) for n in range(count)]
        position = block.position()
        low = bisect.bisect_left(self.ends, position)
        high = bisect.bisect_left(self.ends, position + block.length())
        ends = self.ends[low:high] if self.band else []
        room, shifts = 0, []
        for n in range(count):
            line = layout.lineAt(n)
            start = position + line.textStart()
            room += self.gap
            if ends and (bisect.bisect_left(ends, start + line.textLength() + (n == count - 1)) >
                         bisect.bisect_left(ends, start)):
                room += self.band
            natural = line.y() - moved[n]
            line.setPosition(QPointF(line.x(), natural + room))
            shifts.append(room)
        if self.band and self.ends:
            self._arranged[number] = (self.generation, layout.lineAt(0).y(), layout.lineAt(count - 1).y(), count,
                                      shifts)
        else:  # arcs gone: the same gap above every line now, which the path above keeps
            self._arranged.pop(number, None)
        return super().blockBoundingRect(block)


def glyph_at(layout, line: QTextLine, x: float) -> tuple[int, int] | None:
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
