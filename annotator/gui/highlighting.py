"""The article's highlighting: spans, suggestions and the selected span as character formats per
paragraph (a QSyntaxHighlighter), repainting only the paragraphs a change touches."""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextBlock, QTextCharFormat

from annotator.core.utf16 import PartIndex
from annotator.gui.theme import span_background


# Where QTextDocument starts a new block: LF, and the separators Qt treats the same way.
NEWLINE = re.compile("[\n\u2029\ufdd0\ufdd1]")


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


def line_starts(block: QTextBlock) -> tuple[int, ...]:
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

    def set_text(self, text: str, index: PartIndex) -> None:
        """Learn where paragraphs start (UTF-16), before the document gets ``text``: the part
        ``index`` converts for."""
        start = index.start
        self._block_starts = [0] + [index.to_utf16(start + m.start()) + 1 for m in NEWLINE.finditer(text)]

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

    def set_suggestions(self, marks: list[Mark], *, rehighlight: bool = True) -> None:
        """Show these as suggestions (a wavy underline in the label's colour, on a light tint);
        repaints what differs (nothing without ``rehighlight``: the text is about to be set)."""
        by_block: dict[int, list[Mark]] = {}
        for mark in marks:
            for number in self._blocks_of(mark):
                by_block.setdefault(number, []).append(mark)
        old, self._suggested = self._suggested, by_block
        if not rehighlight:
            return
        touched = {n for n in set(old) | set(by_block) if old.get(n) != by_block.get(n)}
        before = {m for n in touched for m in old.get(n, ())}
        after = {m for n in touched for m in by_block.get(n, ())}
        self._rehighlight(touched, [(m.start, m.end) for m in before ^ after])

    def change_suggestions(self, removed: list[Mark], added: list[Mark]) -> None:
        """Take some suggestions' marks away and add others; repaints only the paragraphs touched."""
        touched: set[int] = set()
        for mark in removed:
            for number in self._blocks_of(mark):
                marks = self._suggested.get(number, [])
                if mark in marks:
                    marks.remove(mark)
                    touched.add(number)
        for mark in added:
            for number in self._blocks_of(mark):
                self._suggested.setdefault(number, []).append(mark)
                touched.add(number)
        if touched:
            self._rehighlight(touched, [(m.start, m.end) for m in (*removed, *added)])

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
                lines = line_starts(block)
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
