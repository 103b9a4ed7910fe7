"""Right-click on a span, in the article or the span list, or on a selection: every span action
is there, and each is one undoable step saved at once."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QTimer, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from tests.gui.conftest import drag, ink, inside, key
from tests.helpers import DAEGU_SEED, PERSIAN_SEED


def _choose(qtbot, *path: str) -> list[str]:
    """When the menu pops up, pick the entry whose text starts with each of ``path`` in turn (a
    submenu, then its entry), as a person would; returns the menu's entries for the test."""
    seen: list[str] = []

    def pick() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu), "no menu popped up"
        seen.extend(a.text() for a in menu.actions())
        for i, name in enumerate(path):
            action = next(a for a in menu.actions() if a.text().startswith(name))
            if action.menu() is not None and i < len(path) - 1:
                menu = action.menu()
                seen.extend(a.text() for a in menu.actions())
                continue
            QApplication.activePopupWidget().close()
            action.trigger()
            return

    QTimer.singleShot(50, pick)
    return seen


def right_click(qtbot, widget, pos) -> None:
    """A right-click: the button press and release, and the context-menu event that Qt derives
    from them when they come from the window system (QTest's events reach the widget directly)."""
    qtbot.mouseClick(widget, Qt.RightButton, pos=pos)
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Mouse, pos, widget.mapToGlobal(pos)))


def _span(window, text: str):
    return next(s for s in window.store.spans(PERSIAN_SEED, "tester") if s.text == text)


def test_right_click_a_span_in_the_article_to_relabel_it(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("رومانی")
    window.view.select(start, start + len("رومانی"))
    key(qtbot, window, "l")
    window.clear_selection()
    seen = _choose(qtbot, "Relabel as", "GPE")
    right_click(qtbot, window.view.viewport(), inside(window, start + 2))
    qtbot.waitUntil(lambda: _span(window, "رومانی").label == "GPE")
    assert any(t.startswith("LOC  «\u2068رومانی\u2069»") for t in seen)
    assert {"Relabel as", "Delete span", "Note on span…", "Snap edges to words", "Copy text"} <= set(seen)
    window.undo_action.trigger()
    assert _span(window, "رومانی").label == "LOC"


def test_right_click_a_row_of_the_span_list_to_delete(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("رومانی")
    window.view.select(start, start + len("رومانی"))
    key(qtbot, window, "l")
    table = window.span_panel.table
    rect = table.visualRect(window.span_panel.model.index(0, 3))
    _choose(qtbot, "Delete span")
    right_click(qtbot, table.viewport(), rect.center())
    qtbot.waitUntil(lambda: window.store.spans(PERSIAN_SEED, "tester") == [])


def test_right_click_a_selection_to_label_it_and_copy_a_span(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("محمدجواد رجائیان")
    window.view.select(start, start + len("محمدجواد رجائیان"))
    _choose(qtbot, "Label as", "PER")
    right_click(qtbot, window.view.viewport(), inside(window, start + 3))
    qtbot.waitUntil(lambda: [s.label for s in window.store.spans(PERSIAN_SEED, "tester")] == ["PER"])
    window.clear_selection()
    _choose(qtbot, "Copy text")
    right_click(qtbot, window.view.viewport(), inside(window, start + 3))
    qtbot.waitUntil(lambda: QApplication.clipboard().text() == "محمدجواد رجائیان")


def test_snap_edges_of_a_sloppy_span_from_its_menu(qtbot, window):
    window.snap_action.trigger()  # off, to make a sloppy span
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index(" رومانی ")
    window.view.select(start, start + len(" رومانی "))
    key(qtbot, window, "l")
    assert _span(window, " رومانی ")
    window.clear_selection()
    _choose(qtbot, "Snap edges to words")
    right_click(qtbot, window.view.viewport(), inside(window, start + 3))
    qtbot.waitUntil(lambda: [s.text for s in window.store.spans(PERSIAN_SEED, "tester")] == ["رومانی"])


def test_snap_edges_on_a_stored_korean_span_takes_the_particle_off_and_says_so(qtbot, window):
    window.snap_action.trigger()  # off, to store 대구시는 as it could be stored before
    window.open_document(DAEGU_SEED)
    text = window.document.text
    start = text.index("대구시는 지난")
    drag(qtbot, window, start, start + 4)
    key(qtbot, window, "g")
    assert [(s.start, s.end, s.text) for s in window.store.spans(DAEGU_SEED, "tester")] == [(start, start + 4, "대구시는")]
    window.snap_action.trigger()
    window.clear_selection()
    _choose(qtbot, "Snap edges to words")
    right_click(qtbot, window.view.viewport(), inside(window, start + 1))
    qtbot.waitUntil(lambda: [s.text for s in window.store.spans(DAEGU_SEED, "tester")] == ["대구시"])
    assert window.store.spans(DAEGU_SEED, "tester")[0].start == start
    assert window.statusBar().currentMessage() == "Snapped to «\u2068대구시\u2069» (particle «\u2068는\u2069» left out)"
    _choose(qtbot, "Snap edges to words")
    right_click(qtbot, window.view.viewport(), inside(window, start + 1))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "«\u2068대구시\u2069» is already on word edges")
    assert [s.text for s in window.store.spans(DAEGU_SEED, "tester")] == ["대구시"]


def test_a_right_click_on_the_ink_of_a_persian_span_s_last_letter_is_on_the_span(qtbot, window):
    """The last letter of برگزاری is its leftmost: Qt's nearest boundary for its left half is
    after the span, so the menu was not the span's."""
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("برگزاری")
    end = start + len("برگزاری")
    window.view.select(start, end)
    key(qtbot, window, "e")
    window.clear_selection()
    xs, y = ink(window, end - 1)
    seen = _choose(qtbot, "Relabel as", "LOC")
    right_click(qtbot, window.view.viewport(), QPoint(xs[0], y))  # the letter's leftmost pixel
    qtbot.waitUntil(lambda: [s.label for s in window.store.spans(PERSIAN_SEED, "tester")] == ["LOC"])
    assert any(t.startswith("EVENT  «\u2068برگزاری\u2069»") for t in seen)
