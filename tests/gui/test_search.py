"""Search as you type: the list follows the typing, a result opens on its match, the matches are
marked in the article, and F3 / Shift+F3 step through them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from annotator.core.text import find_all
from tests.gui.conftest import EMOJI_DOC, EMOJI_TEXT
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


def _enter(qtbot, window, query: str) -> None:
    """Ctrl+F, type ``query``, Enter: as a person searches."""
    qtbot.keyClick(window.view, Qt.Key_F, Qt.ControlModifier)
    assert QApplication.focusWidget() is window.documents.search
    type_text(window.documents.search, query)
    qtbot.keyClick(window.documents.search, Qt.Key_Return)


def test_enter_in_the_search_box_opens_the_first_result_on_its_match_and_f3_steps_on(qtbot, window):
    window.open_document(PERSIAN_SEED)  # a document without 대구 is open, as it was for the user
    _enter(qtbot, window, "대구")
    panel = window.documents
    assert panel.model.doc_id(0) == DAEGU_SEED
    assert window.document.id == DAEGU_SEED
    matches = find_all(window.document.text, "대구")
    assert window.view.matches == matches and len(matches) > 2
    assert window.view.selection() == matches[0]
    assert window.view.textCursor().selectedText() == "대구"
    assert QApplication.focusWidget() is window.view  # the keys work in the article at once
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_F3)
    assert window.view.selection() == matches[1]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_F3, Qt.ShiftModifier)
    assert window.view.selection() == matches[0]

    _enter(qtbot, window, "سمنان")  # Ctrl+F selects the old query: typing replaces it
    assert panel.search.text() == "سمنان"
    first = panel.model.doc_id(0)
    assert first != DAEGU_SEED and window.document.id == first
    matches = find_all(window.document.text, "سمنان")
    assert window.view.selection() == matches[0] and window.view.textCursor().selectedText() == "سمنان"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_F3)
    assert window.view.selection() == matches[1]


def test_enter_lands_on_a_match_after_an_emoji(qtbot, window):
    """Code points before the match that are two UTF-16 units each (😀, 𠜎): the selection
    Qt shows is still exactly the match."""
    _enter(qtbot, window, '"مشهد و سمنان"')
    assert window.document.id == EMOJI_DOC
    start, end = find_all(EMOJI_TEXT, '"مشهد و سمنان"')[0]
    assert window.view.selection() == (start, end)
    assert window.view.textCursor().selectedText() == "مشهد و سمنان" == EMOJI_TEXT[start:end]


def test_f3_in_a_document_without_matches_opens_the_first_result(qtbot, window):
    window.open_document(PERSIAN_SEED)
    type_text(window.documents.search, "대구")
    window.documents.apply_filters()  # the list follows the typing; no Enter, no click
    window.view.setFocus()
    assert window.view.matches == []
    qtbot.keyClick(window.view, Qt.Key_F3)
    assert window.document.id == DAEGU_SEED
    assert window.view.selection() == find_all(window.document.text, "대구")[0]


def test_enter_on_a_search_nothing_matches_says_so_and_keeps_the_document(qtbot, window):
    window.open_document(PERSIAN_SEED)
    _enter(qtbot, window, "zqxjvw")
    assert window.document.id == PERSIAN_SEED
    message = window.statusBar().currentMessage()
    assert message.startswith("No document matches") and "zqxjvw" in message
