"""Relation mode's keys beyond the arrows (issue 25): the other span found by typing its words
(``/``, then Persian or Korean text, Tab to the next match, Enter, the type's key), the mode
ended when the keys go to another pane; and a relation edit redraws only what it changed, the
arcs and the Relations panel left exactly as reading everything again would leave them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QApplication

from tests.gui.test_relating import persian, press, rows, span
from tests.helpers import DAEGU_SEED, PERSIAN_SEED


def type_into(qtbot, widget, text: str) -> None:
    """Persian as a keyboard layout sends it: key events carrying a character each (QTest's
    keyClicks takes Latin-1 only)."""
    for ch in text:
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.NoModifier, ch))


def compose(widget, text: str) -> None:
    """Hangul as an input method sends it: a preedit syllable, then the committed text."""
    QApplication.sendEvent(widget, QInputMethodEvent(text[-1], []))
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def test_slash_and_persian_words_find_the_other_span_then_the_type_key(qtbot, window):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), "/")
    finder = window.relating.finder
    assert finder.isVisible() and QApplication.focusWidget() is finder
    type_into(qtbot, finder, "مشه")  # «مشهد», the GPE: the ORG in between is passed over
    assert window.relating.target.id == gpe.id
    assert window.view.selected_span_id == gpe.id
    qtbot.keyClick(finder, Qt.Key_Return)
    assert not finder.isVisible() and QApplication.focusWidget() is window.view
    press(qtbot, window, "i")
    assert rows(window) == [(role.id, gpe.id, "role_in")]
    assert [s.label for s in window.store.spans(window.document.id, "tester")].count("ROLE") == 1  # no label key


def test_arabic_letters_typed_find_persian_ones_and_tab_goes_to_the_next_match(qtbot, window):
    window.open_document(DAEGU_SEED)
    city = span(window, "대구시", "GPE")
    first = span(window, "스마트시티", "EVENT")
    second = span(window, "스마트시티", "EVENT", nth=1)
    window.select_span(city.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), "/")
    finder = window.relating.finder
    compose(finder, "스마트")
    assert window.relating.target.id == first.id
    assert "1 of 2" in window.statusBar().currentMessage()
    qtbot.keyClick(finder, Qt.Key_Tab)
    assert window.relating.target.id == second.id
    qtbot.keyClick(finder, Qt.Key_Tab)  # round again
    assert window.relating.target.id == first.id
    compose(finder, "없는말")
    assert window.statusBar().currentMessage().startswith("No span holds")
    assert window.relating.target.id == first.id  # stays where it was
    qtbot.keyClick(finder, Qt.Key_Escape)  # the field closes; relation mode goes on
    assert window.relating.source is not None and QApplication.focusWidget() is window.view
    press(qtbot, window, "m")
    assert rows(window) == [(city.id, first.id, "participates_in")]


def test_folded_search_finds_persian_ye_typed_as_arabic_ye(qtbot, window):
    role, org, gpe = persian(window)
    window.select_span(gpe.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), "/")
    type_into(qtbot, window.relating.finder, "مدير")  # Arabic yeh (U+064A) for the Persian ی in «مدیرعامل»
    assert window.relating.target.id == role.id


def test_a_click_on_another_pane_ends_relation_mode(qtbot, window):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left)
    assert window.relating.source is not None
    window.activateWindow()
    window.span_panel.setFocus(Qt.MouseFocusReason)  # what a click on the span list does to the focus
    assert window.relating.source is None
    assert window.statusBar().currentMessage() == "No relation made: the keys went elsewhere"
    qtbot.keyClick(window.view, "i")  # back in the article: "i" is a label's key again, no relation
    assert rows(window) == []


def state(window):
    view, panel = window.view, window.relating.panel
    return (view.arcs, list(view._arc_places), list(view._arc_by_end), view._arc_ends,
            [(panel.text(r, 0), panel.text(r, 1), panel.text(r, 2)) for r in range(panel.row_count())],
            window.relating.relations)


def test_relation_edits_redraw_only_what_changed_and_leave_what_a_full_read_would(qtbot, window, monkeypatch):
    role, org, gpe = persian(window)
    person = span(window, "رجائیان", "PER")
    reads = []
    real = window.store.relations
    monkeypatch.setattr(window.store, "relations", lambda *a: reads.append(a) or real(*a))

    def check():
        got = state(window)
        window.relating.refresh()  # everything read again and placed again
        assert got == state(window)
        reads.clear()

    for source, key, move in ((role, "i", Qt.Key_Left), (person, "h", None), (org, "c", Qt.Key_Left)):
        window.select_span(source.id)
        press(qtbot, window, (Qt.Key_L, Qt.ControlModifier))
        if move is None:
            press(qtbot, window, "/")
            type_into(qtbot, window.relating.finder, "مدیرعامل")
            qtbot.keyClick(window.relating.finder, Qt.Key_Return)
        else:
            press(qtbot, window, move)
        press(qtbot, window, key)
        assert reads == []  # made by key: nothing read back from the database
        check()
    assert len(rows(window)) == 3
    reads.clear()
    window.relating.delete(window.relating.relations[1].id)
    assert reads == []
    check()
    press(qtbot, window, (Qt.Key_Z, Qt.ControlModifier))  # the deleted one back under its id, in its place
    assert reads == []
    check()
    assert len(window.relating.relations) == 3
    assert [r.id for r in window.relating.relations] == sorted(r.id for r in window.relating.relations)
    press(qtbot, window, (Qt.Key_Z, Qt.ControlModifier), (Qt.Key_Z, Qt.ControlModifier))  # the last two made
    check()
    window.redo_action.trigger()
    check()
    assert len(window.view.arcs) == len(rows(window)) == 2


def colour_pixels(window, colour: str) -> int:
    from PySide6.QtGui import QColor
    image = window.view.viewport().grab().toImage()
    want = QColor(colour)
    return sum(1 for y in range(0, image.height()) for x in range(0, image.width())
               if abs(image.pixelColor(x, y).red() - want.red()) < 8
               and abs(image.pixelColor(x, y).green() - want.green()) < 8
               and abs(image.pixelColor(x, y).blue() - want.blue()) < 8)


def test_the_selected_relation_s_arc_is_drawn_stressed_until_another_document_opens(qtbot, window):
    window.open_document(DAEGU_SEED)
    city = span(window, "대구시", "GPE")
    span(window, "스마트시티 엑스포 월드 콩그레스", "EVENT")
    window.select_span(city.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Right, "m")
    [relation] = window.relating.relations
    colour = next(k.colour for k in window.schema.relations if k.name == "participates_in")
    plain = colour_pixels(window, colour)
    assert plain > 0 and window.view.focused_arcs() == set()
    window.relating.panel.table.selectRow(0)  # the panel's row, as a click on it selects it
    assert window.view.focused_arcs() == {relation.id}
    stressed = colour_pixels(window, colour)
    assert stressed > plain * 1.5  # a thicker line and a filled label
    window.open_document(PERSIAN_SEED)
    assert window.view.focused_arcs() == set()


def test_a_change_of_no_arcs_leaves_the_arcs_as_they_are(qtbot, window):
    window.open_document(DAEGU_SEED)
    city = span(window, "대구시", "GPE")
    span(window, "스마트시티 엑스포 월드 콩그레스", "EVENT")
    window.select_span(city.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Right, "m")
    before = state(window)
    window.view.change_arcs(set(), [])  # an edit whose delta names no relation
    assert state(window) == before
