"""Positions in the article's layout: the room above each line for label tags (TagRoomLayout), and
which glyph a point is over (hit-testing)."""

from __future__ import annotations

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
