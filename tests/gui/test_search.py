"""Search as you type: the list follows the typing, a result opens on its match, the matches are
marked in the article, and F3 / Shift+F3 step through them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from annotator.core.text import find_all
from tests.helpers import DAEGU_SEED, PERSIAN_SEED


def test_find_all_folds_like_search():
    text = "مشهد و مشهدی، كتاب و کتاب، می\u200cشود و میشود"
    assert [text[a:b] for a, b in find_all(text, "مشهد")] == ["مشهد", "مشهد"]
    assert [text[a:b] for a, b in find_all(text, "کتاب")] == ["كتاب", "کتاب"]  # Arabic ك too
    assert [text[a:b] for a, b in find_all(text, "میشود")] == ["می\u200cشود", "میشود"]  # ZWNJ ignored
    assert find_all(text, '"و مشهدی"') == [(5, 12)]


def type_text(widget, text: str) -> None:
    """Type ``text`` a character at a time as key events carrying it (QTest's keyClicks takes
    ASCII only; Hangul and Persian arrive from an input method as text)."""
    for ch in text:
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.NoModifier, ch))


def test_typing_filters_the_list_and_opening_a_result_lands_on_the_match(qtbot, window):
    panel = window.documents
    type_text(panel.search, "대구")  # no Enter
    everything = panel.model.total()
    qtbot.waitUntil(lambda: panel.model.search_expression is not None, timeout=3000)
    listed = [panel.model.doc_id(i) for i in range(panel.model.total())]
    assert DAEGU_SEED in listed and len(listed) < everything and f"{len(listed)} matches" in panel.progress.text()
    row = panel.model.row_of(DAEGU_SEED)
    qtbot.mouseClick(panel.view.viewport(), Qt.LeftButton, pos=panel.view.visualRect(panel.model.index(row, 0)).center())
    assert window.document.id == DAEGU_SEED
    text = window.document.text
    matches = window.view.matches
    assert matches and all(text[a:b] == "대구" for a, b in matches)
    assert window.view.selection() == matches[0]
    qtbot.keyClick(window.view, Qt.Key_F3)
    assert window.view.selection() == matches[1]
    qtbot.keyClick(window.view, Qt.Key_F3, Qt.ShiftModifier)
    assert window.view.selection() == matches[0]
    qtbot.keyClick(window.view, Qt.Key_F3, Qt.ShiftModifier)  # wraps to the last
    assert window.view.selection() == matches[-1]
    panel.search.clear()
    assert window.view.matches == [] and panel.model.total() == everything


def test_matches_are_marked_in_the_article(qtbot, window):
    window.documents.search.setText("مشهد")
    window.documents.apply_filters()
    window.open_document(PERSIAN_SEED)
    marked = [(s.cursor.selectionStart(), s.cursor.selectionEnd()) for s in window.view.extraSelections()]
    assert len(marked) == len(find_all(window.document.text, "مشهد")) > 3
