"""Label tags on highlights: drawn in a gap above the line, they never cover a letter (a tag on
대 made it read 내), in Korean and Persian, on both palettes; each sits at its span's start edge,
after an emoji too; the text moves when tags are turned off, the offsets do not."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPalette, QTextCursor

from annotator.core.workspace import operations
from annotator.gui.theme import is_dark
from tests.gui.conftest import EMOJI_DOC, drag, inside, key, utf16
from tests.helpers import DAEGU_SEED, PERSIAN_SEED

# Words to label in each document, with the label key: the document's first word, a name at the
# start of a line and in the middle of one, a Korean run inside a Persian paragraph, names after
# emoji and after a character outside the Basic Multilingual Plane.
WORDS = {
    DAEGU_SEED: [("기사", "o"), ("대구시", "g"), ("안남훈", "p"), ("엑스포", "e"), ("대구시청", "l")],
    PERSIAN_SEED: [("مدیرعامل", "r"), ("سازمان فاوا", "o"), ("مشهد", "g"), ("بخارست", "g"), ("رومانی", "l")],
    EMOJI_DOC: [("امروز", "d"), ("대구시", "g"), ("지난", "d"), ("مشهد", "g"), ("سمنان", "g")],
}


def _label_words(qtbot, window, doc_id: str) -> None:
    window.open_document(doc_id)
    text = window.document.text
    for word, hotkey in WORDS[doc_id]:
        start = text.index(word)
        window.view.select(start, start + len(word))
        key(qtbot, window, hotkey)
    qtbot.keyClick(window.view, Qt.Key_Escape)
    assert sorted((s.text, s.label) for s in window.store.spans(doc_id, "tester")) == sorted(
        (w, next(label.name for label in window.schema.labels if label.hotkey == k)) for w, k in WORDS[doc_id])
    second = next(s for s in window.view.spans if s.text == WORDS[doc_id][1][0])
    window.workspace.do(operations.UpdateSpan(window.workspace, second, "note", note="checked"))  # a note's mark too
    assert window.store.get_span(second.id).note == "checked"


class Pixels:
    """A grabbed image's pixels as 0xAARRGGBB numbers, row by row."""

    def __init__(self, image: QImage):
        image = image.convertToFormat(QImage.Format_RGB32)
        self.width, self.height = image.width(), image.height()
        data = memoryview(bytes(image.constBits())).cast("I")
        per_row = image.bytesPerLine() // 4
        self.rows = [data[y * per_row:y * per_row + self.width] for y in range(self.height)]


def _grab(view) -> Pixels:
    view.viewport().repaint()
    return Pixels(view.viewport().grab().toImage())


def _glyphs_and_tags(window) -> tuple[Pixels, Pixels]:
    """The article's letters alone (its spans taken away: no highlight, no tag), and the same
    text with its tags but without highlights. The layout is the same in both."""
    view = window.view
    spans, dark = list(view.spans), is_dark(view.palette())
    view.set_spans([], window.colours, dark)
    letters = _grab(view)
    view.set_spans(spans, window.colours, dark)
    view.highlighter.set_marks([])  # tags only: what differs from the letters alone is tag
    tags = _grab(view)
    view.set_spans(spans, window.colours, dark)
    return letters, tags


@pytest.mark.parametrize("palette", ["light", "dark"])
@pytest.mark.parametrize("doc_id", [DAEGU_SEED, PERSIAN_SEED, EMOJI_DOC], ids=["korean", "persian", "emoji"])
def test_no_tag_covers_a_letter_and_each_sits_at_its_spans_start(qtbot, window, doc_id, palette):
    view = window.view
    view.setCursorWidth(0)  # the caret is not a letter
    if palette == "dark":
        window.dark_action.trigger()
    try:
        _label_words(qtbot, window, doc_id)
        view.verticalScrollBar().setValue(0)
        letters, tags = _glyphs_and_tags(window)
        base = view.palette().color(QPalette.Base).rgb()
        covered = [(x, y) for y in range(letters.height) for x in range(letters.width)
                   if letters.rows[y][x] != base and tags.rows[y][x] != letters.rows[y][x]]
        assert not covered, f"{len(covered)} pixels of letters under tags, first at {covered[:3]}"
        text = window.document.text
        shown = 0
        for span in view.spans:
            cursor = QTextCursor(view.document())
            cursor.setPosition(utf16(text, span.start))
            line = view.cursorRect(cursor)
            if not view.viewport().rect().contains(line):
                continue
            shown += 1
            # Right above the middle of the span's first letter (found by Qt's hit-testing, with
            # positions counted independently of annotator's converter), in the gap: its tag.
            x = inside(window, span.start).x()
            gap = [y for y in range(max(line.top() - 16, 0), line.top()) if tags.rows[y][x] != letters.rows[y][x]]
            assert gap, f"no tag above the first letter of «{span.text}»"
        assert shown >= 3
    finally:
        if palette == "dark":
            window.dark_action.trigger()  # back to light for the other tests


def _tag_height(window, span) -> int:
    """The height of the tag right above the middle of ``span``'s first letter, in pixels."""
    view = window.view
    view.verticalScrollBar().setValue(0)
    letters, tags = _glyphs_and_tags(window)
    x = inside(window, span.start).x()
    cursor = QTextCursor(view.document())
    cursor.setPosition(utf16(window.document.text, span.start))
    top = view.cursorRect(cursor).top()
    rows = [y for y in range(max(top - 25, 0), top) if any(tags.rows[y][c] != letters.rows[y][c]
                                                             for c in range(x - 3, x + 4))]
    return rows[-1] - rows[0] + 1 if rows else 0


def test_zoomed_in_the_gap_and_tags_grow_together_and_still_cover_no_letter(qtbot, window):
    view = window.view
    view.setCursorWidth(0)
    _label_words(qtbot, window, DAEGU_SEED)
    span = next(s for s in view.spans if s.text == "대구시")
    small = _tag_height(window, span)
    for _ in range(4):
        qtbot.keyClick(view, Qt.Key_Equal, Qt.ControlModifier)
    assert window.point_size == 18.0
    assert _tag_height(window, span) > small > 0
    letters, tags = _glyphs_and_tags(window)
    base = view.palette().color(QPalette.Base).rgb()
    assert not [(x, y) for y in range(letters.height) for x in range(letters.width)
                if letters.rows[y][x] != base and tags.rows[y][x] != letters.rows[y][x]]


def test_turning_tags_off_closes_their_gap_and_a_drag_still_takes_its_letters(qtbot, window):
    """Alt+T: the lines close up; a drag then (and after turning tags back on) labels exactly the
    letters dragged over, after an emoji too."""
    window.open_document(EMOJI_DOC)
    view = window.view
    text = window.document.text
    first = view.document().firstBlock()
    spaced = view.blockBoundingRect(first).height()
    qtbot.keyClick(view, Qt.Key_T, Qt.AltModifier)
    assert not window.tags_action.isChecked() and window.settings.value("view/tags") == "false"
    assert view.blockBoundingRect(first).height() < spaced
    start = text.index("امروز")
    drag(qtbot, window, start, start + len("امروز"))
    key(qtbot, window, "d")
    qtbot.keyClick(view, Qt.Key_T, Qt.AltModifier)
    assert view.blockBoundingRect(first).height() == spaced
    start = text.index("대구시는")
    drag(qtbot, window, start, start + len("대구시는"))
    key(qtbot, window, "g")
    assert sorted((s.start, s.end, s.text) for s in window.store.spans(EMOJI_DOC, "tester")) == sorted(
        [(text.index("امروز"), text.index("امروز") + 5, "امروز"), (start, start + 3, "대구시")])  # snapped


def test_a_click_in_the_gap_above_a_line_is_not_a_letter(qtbot, window):
    """The room made for tags holds no letter: a press there starts no drag from a letter."""
    window.open_document(DAEGU_SEED)
    view = window.view
    cursor = QTextCursor(view.document())
    cursor.setPosition(utf16(window.document.text, window.document.text.index("대구시")))  # the second line
    line = view.cursorRect(cursor)
    assert view.char_at(QPoint(line.x() + 3, line.top() - 3)) is None
    assert view.char_at(QPoint(line.x() + 3, line.top() - 3 - view.fontMetrics().height())) is not None  # 기사
    assert view.char_at(QPoint(line.x() + 3, line.center().y())) is not None


def test_a_click_on_a_tag_selects_its_span_and_hovering_it_tells_the_span(qtbot, window):
    """The gap above a line holds the tags; a click there on 엑스포's tag selects 엑스포 (Qt alone
    would take the start of the line below, 대구시), and selects no text."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    view = window.view
    view.setCursorWidth(0)
    _label_words(qtbot, window, DAEGU_SEED)
    span = next(s for s in view.spans if s.text == "엑스포")
    view.verticalScrollBar().setValue(0)
    letters, tags = _glyphs_and_tags(window)
    x = inside(window, span.start).x()
    cursor = QTextCursor(view.document())
    cursor.setPosition(utf16(window.document.text, span.start))
    top = view.cursorRect(cursor).top()
    rows = [y for y in range(top - 25, top) if tags.rows[y][x] != letters.rows[y][x]]
    on_tag = QPoint(x, (rows[0] + rows[-1]) // 2)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=on_tag)
    assert view.selected_span_id == span.id
    start, end = view.selection()
    assert start == end
    assert window.span_panel.model.spans[window.span_panel.table.selectionModel().selectedRows()[0].row()] == span
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.ToolTip, on_tag, view.viewport().mapToGlobal(on_tag)))
    assert QToolTip.isVisible() and "«\u2068엑스포\u2069»" in QToolTip.text()
    QToolTip.hideText()
