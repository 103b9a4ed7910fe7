"""Right to left in the article: each paragraph flush to its own start edge, and a drag that
starts on a Persian word's first (rightmost) letter keeps that letter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from tests.gui.conftest import ink, inside, key, utf16
from tests.helpers import PERSIAN_SEED, write

MIXED = "مشهد در کنفرانس\n대구시는 발표했다\nسلام"


def _line_rect(window, paragraph: int):
    block = window.view.document().findBlockByNumber(paragraph)
    window.view.viewport().repaint()  # as painted
    line = block.layout().lineAt(0)
    geometry = window.view.blockBoundingGeometry(block).translated(window.view.contentOffset())
    return line.naturalTextRect().translated(geometry.topLeft()), window.view.viewport().width()


def test_each_paragraph_is_flush_to_its_own_start_edge(qtbot, window, tmp_path):
    from annotator.core.importing import import_paths

    import_paths(window.store, [write(tmp_path / "m.jsonl", '{"id": "mixed", "lang": "fa", "text": "%s"}\n'
                                      % MIXED.replace("\n", "\\n"))], annotator="tester")
    window.open_document("mixed")
    persian, width = _line_rect(window, 0)
    korean, _ = _line_rect(window, 1)
    last, _ = _line_rect(window, 2)
    margin = window.view.document().documentMargin()
    assert abs(persian.right() - (width - margin)) <= 2 and persian.left() > width / 2  # short: hugs the right
    assert abs(last.right() - (width - margin)) <= 2
    assert abs(korean.left() - margin) <= 2 and korean.right() < width / 2  # Korean: hugs the left


def test_a_wrapped_persian_paragraph_ends_flush_right_too(qtbot, window):
    window.open_document(PERSIAN_SEED)
    view = window.view
    block = view.document().firstBlock()
    view.viewport().repaint()
    layout = block.layout()
    assert layout.lineCount() > 1
    last = layout.lineAt(layout.lineCount() - 1).naturalTextRect()
    first = layout.lineAt(0).naturalTextRect()
    assert abs(last.right() - first.right()) <= 2  # ragged on the left, not the right



def _ink_right(image, y: int) -> int:
    """The rightmost dark pixel on row ``y`` of a grabbed viewport."""
    for x in range(image.width() - 1, -1, -1):
        if image.pixelColor(x, y).lightness() < 128:
            return x
    return -1


def test_a_wrapped_persian_paragraph_is_drawn_flush_right_after_the_window_is_resized(qtbot, window):
    """A new width makes Qt lay every paragraph out again while drawing: that first drawing must
    already be flush right (it was drawn flush left until something repainted the whole view)."""
    window.show()
    qtbot.waitExposed(window)
    window.open_document(PERSIAN_SEED)
    view = window.view
    view.setCursorWidth(0)  # the caret is not ink
    view.viewport().repaint()
    window.resize(window.width() + 300, window.height())
    image = view.viewport().grab().toImage()  # one drawing at the new width
    block = view.document().firstBlock()
    layout = block.layout()
    assert layout.lineCount() > 1
    top = view.blockBoundingGeometry(block).translated(view.contentOffset()).top()
    rows = [round(top + layout.lineAt(i).y() + layout.lineAt(i).height() / 2) for i in (0, layout.lineCount() - 1)]
    first, last = (_ink_right(image, y) for y in rows)
    assert first > image.width() / 2 and abs(first - last) <= 3  # both lines end at the right edge

def _pixel_on_far_half(window, offset: int) -> QPoint:
    """A pixel on the letter at ``offset`` that Qt's nearest-boundary hit-test maps to the
    position *after* the letter: for a Persian letter, its left half."""
    centre = inside(window, offset)
    after = utf16(window.document.text, offset + 1)
    for dx in (1, -1, 2, -2, 3, -3):
        p = QPoint(centre.x() + dx, centre.y())
        if window.view.cursorForPosition(p).position() == after:
            return p
    raise AssertionError("no pixel maps after the letter")


def test_a_drag_from_the_first_letters_left_half_keeps_the_letter(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("سازمان")
    press = _pixel_on_far_half(window, start)
    assert window.view.cursorForPosition(press).position() == utf16(text, start + 1)  # Qt alone drops س
    release = inside(window, start + len("سازمان") - 1)
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, pos=press)
    qtbot.mouseMove(viewport, pos=QPoint((press.x() + release.x()) // 2, press.y()))
    qtbot.mouseMove(viewport, pos=release)
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=release)
    assert window.view.selection() == (start, start + len("سازمان"))
    key(qtbot, window, "o")
    assert [s.text for s in window.store.spans(PERSIAN_SEED, "tester") if s.start == start] == ["سازمان"]


def test_a_backward_drag_from_the_last_letter_keeps_both_ends(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("سازمان")
    end = start + len("سازمان")
    press, release = inside(window, end - 1), inside(window, start)
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, pos=press)
    qtbot.mouseMove(viewport, pos=QPoint((press.x() + release.x()) // 2, press.y()))
    qtbot.mouseMove(viewport, pos=release)
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=release)
    assert window.view.selection() == (start, end)
    cursor: QTextCursor = window.view.textCursor()
    assert cursor.anchor() == utf16(text, end)  # the anchor stays where the drag began


def test_user_text_is_isolated_and_aligned_outside_the_article(qtbot, window):
    """«۳ و ۴ دسامبر» in the span list, the guidelines' «مشهد،» -> مشهد: each keeps its order."""
    from annotator.gui.plain import FSI, PDI

    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("۳ و ۴ دسامبر")
    window.view.select(start, start + len("۳ و ۴ دسامبر"))
    key(qtbot, window, "d")
    model = window.span_panel.model
    row = next(i for i, s in enumerate(model.spans) if s.start == start)
    assert model.data(model.index(row, 3)) == f"{FSI}۳ و ۴ دسامبر{PDI}"
    assert model.data(model.index(row, 3), Qt.TextAlignmentRole) & Qt.AlignRight
    guidelines = window.findChild(QPlainTextEdit, "guidelines").toPlainText()
    assert f"{FSI}«مشهد،»{PDI} -> {FSI}مشهد{PDI}" in guidelines
    assert f"Persian: {FSI}۳ و ۴ دسامبر{PDI}" in guidelines
    assert window.windowTitle().startswith(FSI)


def test_double_click_leaves_the_persian_comma_out(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("ایتالیا،")
    window.view.set_caret(start)
    window.view.ensureCursorVisible()
    qtbot.mouseDClick(window.view.viewport(), Qt.LeftButton, pos=inside(window, start + 2))
    assert window.view.selection() == (start, start + len("ایتالیا"))


def test_the_status_bar_shows_what_the_label_key_will_store(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index(" ایتالیا،")
    window.view.select(start, start + len(" ایتالیا،") + 1)  # a sloppy drag: space, comma and more
    label = window.selection_label.text()
    assert "«\u2068ایتالیا\u2069»" in label and f"{start + 1}–{start + 8}" in label
    key(qtbot, window, "g")
    assert [s.text for s in window.store.spans(PERSIAN_SEED, "tester") if s.start == start + 1] == ["ایتالیا"]


def test_a_narrow_article_never_breaks_a_persian_word_across_lines(qtbot, window):
    """In a narrow column Qt broke a Persian word that did not fit (مدی / رعا / مل), its halves
    drawn unjoined; a line now starts only where a word does."""
    window.open_document(PERSIAN_SEED)
    view = window.view
    view.setFixedWidth(100)  # narrower than its longest words, as in a 700-pixel window
    qtbot.waitUntil(lambda: view.viewport().width() <= 100)
    view.viewport().repaint()
    text = window.document.text
    breaks = 0
    block = view.document().firstBlock()
    while block.isValid() and block.blockNumber() < 3:
        layout = block.layout()
        for i in range(1, layout.lineCount()):
            at = block.position() + layout.lineAt(i).textStart()  # UTF-16 units, Persian is all BMP
            breaks += 1
            assert text[at - 1].isspace() or not text[at - 1].isalpha() or not text[at].isalpha(), \
                f"a word broken at {at}: {text[at - 8:at]}|{text[at:at + 8]}"
        block = block.next()
    assert breaks > 10


def _drag_from(qtbot, window, press: QPoint, release: QPoint) -> None:
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, pos=press)
    qtbot.mouseMove(viewport, pos=QPoint((press.x() + release.x()) // 2, press.y()))
    qtbot.mouseMove(viewport, pos=release)
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=release)


def _stored(window, start: int) -> list[str]:
    return [s.text for s in window.store.spans(window.document.id, "tester") if s.start == start]


@pytest.mark.parametrize("snapping", [False, True])
def test_a_drag_that_starts_on_the_ink_of_a_narrow_first_letter_takes_it(qtbot, window, snapping: bool):
    """The initial ب of برگزاری is 3-5 px wide: a press anywhere on it, dragging to the word's
    end (leftwards) or from the word's end back to it (rightwards), takes it; the selection shown
    is what the label key stores."""
    if not snapping:
        window.snap_action.trigger()
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("برگزاری")
    end = start + len("برگزاری")
    window.view.set_caret(start)
    window.view.ensureCursorVisible()
    xs, y = ink(window, start)
    last_x, last_y = ink(window, end - 1)
    last = QPoint(last_x[len(last_x) // 2], last_y)
    for x in xs:
        _drag_from(qtbot, window, QPoint(x, y), last)  # right to left, as the word is read
        assert window.view.selection() == (start, end), x
        window.view.set_caret(start)  # a press inside a selection would drag the selected text away
        _drag_from(qtbot, window, last, QPoint(x, y))  # and back
        assert window.view.selection() == (start, end), x
        window.view.set_caret(start)
    _drag_from(qtbot, window, QPoint(xs[0], y), last)  # from the letter's leftmost pixel
    key(qtbot, window, "l")
    assert _stored(window, start) == ["برگزاری"]


def test_with_snap_on_a_partial_drag_from_the_first_letter_shows_and_stores_the_word(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("برگزاری")
    window.view.set_caret(start)
    window.view.ensureCursorVisible()
    xs, y = ink(window, start)
    middle_x, middle_y = ink(window, start + 3)  # ز
    _drag_from(qtbot, window, QPoint(xs[0], y), QPoint(middle_x[len(middle_x) // 2], middle_y))
    assert window.view.selection() == (start, start + len("برگزاری"))  # the highlight: the whole word
    assert "«\u2068برگزاری\u2069»" in window.selection_label.text()
    key(qtbot, window, "l")
    assert _stored(window, start) == ["برگزاری"]


@pytest.mark.parametrize("backwards", [False, True])
def test_a_drag_from_the_ink_of_a_korean_letter_inside_a_persian_line(qtbot, window, backwards: bool):
    """Left-to-right Korean inside a right-to-left line, after emoji (UTF-16 ≠ code points):
    a press on 대's ink, to 시's, either way, gives 대구시 (snap off: exactly the letters)."""
    from tests.gui.conftest import EMOJI_DOC, EMOJI_TEXT

    window.snap_action.trigger()
    window.open_document(EMOJI_DOC)
    start = EMOJI_TEXT.index("대구시")
    first_xs, y = _ink_by_glyph(window, start)
    last_xs, _ = _ink_by_glyph(window, start + 2)
    press, release = QPoint(first_xs[0], y), QPoint(last_xs[-1], y)
    if backwards:
        press, release = release, press
    _drag_from(qtbot, window, press, release)
    assert window.view.selection() == (start, start + 3)
    key(qtbot, window, "g")
    assert _stored(window, start) == ["대구시"]


def _ink_by_glyph(window, offset: int) -> tuple[list[int], int]:
    """Like conftest's ink, from the letter's glyph run (where a direction changes, a boundary's
    ``cursorToX`` is on the other run's side)."""
    view = window.view
    view.viewport().repaint()
    position = utf16(window.document.text, offset)
    block = view.document().findBlock(position)
    line = block.layout().lineForTextPosition(position - block.position())
    geometry = view.blockBoundingGeometry(block).translated(view.contentOffset())
    rect = line.glyphRuns(position - block.position(), 1)[0].boundingRect().translated(geometry.topLeft())
    xs = [x for x in range(int(rect.left()), int(rect.right()) + 2) if rect.left() < x and x + 1 < rect.right()]
    return xs, round(geometry.top() + line.y() + line.height() / 2)
