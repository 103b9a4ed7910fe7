"""A label key repaints the lines its span changed, with the new span's tag, not the whole article."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import key
from tests.helpers import PERSIAN_SEED


class Paints(QObject):
    """The rectangles the article's viewport is asked to repaint."""

    def __init__(self):
        super().__init__()
        self.rects: list[QRect] = []

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Paint:
            self.rects.append(QRect(event.rect()))
        return False


def test_a_label_key_repaints_its_lines_and_draws_its_tag(qtbot, window):
    window.open_document(PERSIAN_SEED)
    view = window.view
    text = window.document.text
    start = text.index("مشهد")
    view.select(start, start + 4)
    QApplication.processEvents()
    paints = Paints()
    view.viewport().installEventFilter(paints)
    drawn: list[QRect] = []
    paint_tags = view._paint_tags

    def recording(area: QRect) -> None:  # the tags are drawn for the paragraphs in the area repainted
        drawn.append(QRect(area))
        paint_tags(area)

    view._paint_tags = recording
    try:
        key(qtbot, window, "g")
        QApplication.processEvents()
    finally:
        view.viewport().removeEventFilter(paints)
        del view._paint_tags
    [span] = [s for s in view.spans if s.start == start]
    assert paints.rects and all(r.height() < view.viewport().height() // 2 for r in paints.rects)
    cursor = view.textCursor()
    cursor.setPosition(view.index.to_utf16(span.start))
    where = view.cursorRect(cursor)
    assert any(r.intersects(where) for r in paints.rects)  # the new span's line is repainted ...
    assert any(area.intersects(where) for area in drawn)  # ... with its tag
    assert all(area.height() < view.viewport().height() // 2 for area in drawn)  # only the lines repainted
