"""Relations in the window (issue 25), by real key presses and clicks: relation mode from a span
(Ctrl+L or the span menu's "Relate to…"), the other span by arrows (visual order in Persian) or a
click, the type's key or a pick; refused end rules said in one line with nothing written; undo
and redo; a span deleted with its relations and brought back; a relabel that breaks a relation
asked first; the Relations panel; the arcs the article is given."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QDockWidget

from annotator.core.schema import RelationType
from annotator.core.workspace.operations import AddSpan
from tests.gui.conftest import inside
from tests.helpers import DAEGU_SEED, PERSIAN_SEED


def span(window, text: str, label: str, nth: int = 0):
    """Label the ``nth`` occurrence of ``text`` as ``label`` (one undoable step); the span."""
    doc = window.document.text
    start = -1
    for _ in range(nth + 1):
        start = doc.index(text, start + 1)
    change = window.workspace.do(AddSpan(window.workspace, window.document.id, start, start + len(text), label, text))
    return window.view.span(change.focus_span)


def press(qtbot, window, *keys) -> None:
    for k in keys:
        if isinstance(k, tuple):
            qtbot.keyClick(window.view, k[0], k[1])
        else:
            qtbot.keyClick(window.view, k)


def rows(window, annotator="tester"):
    return [(r.from_id, r.to_id, r.label) for r in window.store.relations(window.document.id, annotator)]


def persian(window):
    window.open_document(PERSIAN_SEED)
    role = span(window, "مدیرعامل", "ROLE")
    org = span(window, "سازمان فاوا", "ORG")
    gpe = span(window, "مشهد", "GPE")
    return role, org, gpe


def test_a_relation_by_keyboard_in_persian_moves_left_to_the_next_span(qtbot, window):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier))
    message = window.statusBar().currentMessage()
    assert message.startswith("Relation from «\u2068مدیرعامل\u2069»: move to the other span (arrows / Tab, or / and its words)")
    assert "(h, i, c, m), Esc cancels" in message
    press(qtbot, window, Qt.Key_Left)  # right to left: the next span is drawn to the left
    assert window.view.selected_span_id == org.id
    press(qtbot, window, "i")
    assert rows(window) == [(role.id, org.id, "role_in")]
    assert window.saved_label.text().startswith("Saved")
    assert [s.label for s in window.store.spans(PERSIAN_SEED, "tester")].count("ROLE") == 1  # "i" labelled nothing


def test_a_relation_by_keyboard_in_korean_moves_right(qtbot, window):
    window.open_document(DAEGU_SEED)
    city = span(window, "대구시", "GPE")
    expo = span(window, "스마트시티 엑스포 월드 콩그레스", "EVENT")
    window.select_span(city.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Right)
    assert window.view.selected_span_id == expo.id
    press(qtbot, window, "m")
    assert rows(window) == [(city.id, expo.id, "participates_in")]
    assert [r.label for r in window.relating.panel.relations] == ["participates_in"]


def test_a_refused_type_says_why_and_writes_nothing_and_esc_cancels(qtbot, window):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    before = window.store.dump()
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "h")  # holds_role: PER -> ROLE
    message = window.statusBar().currentMessage()
    assert message == "No relation made: a holds_role relation joins PER -> ROLE, not 'ROLE' -> 'ORG'"
    assert rows(window) == [] and window.store.dump() == before and window.undo_stack.count() == 3
    press(qtbot, window, "p")  # a label's key relabels nothing in relation mode
    assert window.statusBar().currentMessage() == "'p' is no relation type's key: h, i, c, m (Esc cancels)"
    assert window.store.dump() == before
    press(qtbot, window, Qt.Key_Escape)
    assert window.relating.source is None and window.statusBar().currentMessage() == "No relation made"
    press(qtbot, window, "h")  # out of relation mode: h is no key of the article
    assert rows(window) == []


def test_the_same_relation_again_says_so_and_keeps_saved(qtbot, window):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "i")
    before, steps = window.store.dump(), window.undo_stack.count()
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "i")  # the same one again
    message = window.statusBar().currentMessage()
    assert message == "No relation made: a role_in relation from «\u2068مدیرعامل\u2069» to «\u2068سازمان فاوا\u2069» is there already"
    assert window.saved_label.text().startswith("Saved")  # nothing failed: not "Not saved"
    assert window.store.dump() == before and window.undo_stack.count() == steps
    assert window.relating.source is not None  # relation mode goes on, as after a refused type
    press(qtbot, window, Qt.Key_Escape)


def test_relate_to_from_the_span_menu_then_a_click_and_a_pick(qtbot, window):
    role, org, gpe = persian(window)
    window._quiet_dialogs = True  # the menus are kept in last_menu, not run
    window.annotating.open_span_menu(org.id, None)
    relate = next(a for a in window.last_menu.actions() if a.text() == "Relate to…")
    relate.trigger()
    assert window.relating.source == org
    text = window.document.text
    qtbot.mouseClick(window.view.viewport(), Qt.LeftButton, pos=inside(window, text.index("مشهد") + 1))
    menu = window.last_menu
    assert menu.objectName() == "relation-type-menu"
    enabled = {a.objectName(): a.isEnabled() for a in menu.actions()}
    assert enabled == {"relation-type-holds_role": False, "relation-type-role_in": False,
                       "relation-type-located_in": True, "relation-type-participates_in": False}
    next(a for a in menu.actions() if a.objectName() == "relation-type-located_in").trigger()
    assert rows(window) == [(org.id, gpe.id, "located_in")]


def test_undo_and_redo_add_change_type_and_delete(qtbot, window):
    kinds = window.schema.relations + (RelationType("mentions", colour="#112233", hotkey="n", directed=False),)
    window.store.replace_schema(replace(window.schema, relations=kinds))  # a type with any ends
    window.menus.schema_changed()
    role, org, gpe = persian(window)
    window.select_span(org.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "c")
    first = window.store.relations(PERSIAN_SEED, "tester")[0]
    assert rows(window) == [(org.id, gpe.id, "located_in")]
    window.undo_action.trigger()
    assert rows(window) == [] and window.view.arcs == ()
    window.redo_action.trigger()
    assert rows(window) == [(org.id, gpe.id, "located_in")]
    assert window.store.relations(PERSIAN_SEED, "tester")[0].id == first.id  # under its own id
    # Change its type from the panel's menu: only the types whose rule its ends fit are offered.
    window._quiet_dialogs = True
    window.relating.open_menu(first.id, None)
    change = next(a for a in window.last_menu.actions() if a.text() == "Change type to").menu()
    assert [a.objectName() for a in change.actions() if a.isEnabled()] == ["relation-change-mentions"]
    next(a for a in change.actions() if a.objectName() == "relation-change-mentions").trigger()
    assert rows(window) == [(org.id, gpe.id, "mentions")]
    assert window.view.arcs[0].colour == "#112233" and window.view.arcs[0].directed is False
    window.undo_action.trigger()
    assert rows(window) == [(org.id, gpe.id, "located_in")]
    window.redo_action.trigger()
    assert rows(window) == [(org.id, gpe.id, "mentions")]
    # Delete with the Delete key in the panel, undo, redo.
    dock = window.findChild(QDockWidget, "dock-relations")
    dock.show()
    dock.raise_()
    panel = window.relating.panel
    table = panel.table
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key_Delete)
    assert rows(window) == [] and panel.row_count() == 0
    window.undo_action.trigger()
    assert rows(window) == [(org.id, gpe.id, "mentions")] and panel.row_count() == 1
    window.redo_action.trigger()
    assert rows(window) == []


def test_the_panel_lists_selects_and_its_menu_deletes(qtbot, window):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "i")
    panel = window.relating.panel
    assert panel.row_count() == 1
    assert [panel.text(0, c) for c in range(3)] == [
        "role_in", "\u2068مدیرعامل\u2069", "\u2068سازمان فاوا\u2069"]
    window.select_span(gpe.id)
    panel.table.selectRow(0)
    assert window.view.selected_span_id == role.id  # its from span
    window._quiet_dialogs = True
    window.relating.open_menu(panel.relations[0].id, None)
    assert [a.text() for a in window.last_menu.actions() if a.text()] == [
        "Go to the from span", "Go to the to span", "Change type to", "Delete relation"]
    next(a for a in window.last_menu.actions() if a.objectName() == "relation-delete").trigger()
    assert rows(window) == [] and panel.row_count() == 0


def test_deleting_a_span_takes_its_relations_and_undo_brings_both_back(qtbot, window):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "i")
    made = rows(window)
    window.select_span(org.id)
    press(qtbot, window, Qt.Key_Delete)
    assert rows(window) == [] and window.view.arcs == ()
    assert window.statusBar().currentMessage() == ("Deleted «\u2068سازمان فاوا\u2069» and its 1 relation "
                                                   "(Ctrl+Z brings them back)")
    window.undo_action.trigger()
    assert rows(window) == made and len(window.view.arcs) == 1


def test_a_relabel_that_breaks_a_relation_asks_and_deletes_it_in_one_step(qtbot, window, monkeypatch):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "i")
    made = rows(window)
    asked: list[str] = []
    monkeypatch.setattr(window.relating, "confirm", lambda q: asked.append(q) or False)
    window.select_span(org.id)
    press(qtbot, window, "p")  # ORG -> PER: role_in takes ROLE -> ORG|GPE
    assert len(asked) == 1 and "breaks 1 relation" in asked[0]
    assert window.store.get_span(org.id).label == "ORG" and rows(window) == made
    monkeypatch.setattr(window.relating, "confirm", lambda q: True)
    count = window.undo_stack.count()
    press(qtbot, window, "p")
    assert window.store.get_span(org.id).label == "PER" and rows(window) == []
    assert window.undo_stack.count() == count + 1
    window.undo_action.trigger()  # one step: the label and the relation
    assert window.store.get_span(org.id).label == "ORG" and rows(window) == made


def test_the_view_is_given_the_arcs_with_the_spans_offsets(qtbot, window, monkeypatch):
    role, org, gpe = persian(window)
    given: list = []
    monkeypatch.setattr(window.view, "set_arcs", lambda arcs: given.append(list(arcs)))
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "i")
    arc = given[-1][0]
    kind = window.schema.relation("role_in")
    assert (arc.from_start, arc.from_end, arc.to_start, arc.to_end) == (role.start, role.end, org.start, org.end)
    assert (arc.label, arc.colour, arc.directed) == ("role_in", kind.colour, kind.directed)
    window.open_document(DAEGU_SEED)
    assert given[-1] == []
    window.open_document(PERSIAN_SEED)
    assert [a.id for a in given[-1]] == [arc.id]


def test_review_mode_relates_gold_spans(qtbot, window):
    window.open_document(PERSIAN_SEED)
    window.review.set_mode(True)
    role, org, gpe = span(window, "مدیرعامل", "ROLE"), span(window, "سازمان فاوا", "ORG"), span(window, "مشهد", "GPE")
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "i")
    assert [(r.from_id, r.to_id, r.label) for r in window.store.gold_relations(PERSIAN_SEED)] == [
        (role.id, org.id, "role_in")]
    assert rows(window) == []  # the annotator's layer has none
    window.undo_action.trigger()
    assert window.store.gold_relations(PERSIAN_SEED) == []


def test_alt_drag_from_one_highlight_to_another_offers_the_types(qtbot, window):
    window.open_document(DAEGU_SEED)
    city = span(window, "대구시", "GPE")
    expo = span(window, "스마트시티 엑스포 월드 콩그레스", "EVENT")
    window._quiet_dialogs = True
    viewport = window.view.viewport()
    text = window.document.text
    start, end = inside(window, city.start + 1), inside(window, expo.start + 2)
    qtbot.mousePress(viewport, Qt.LeftButton, Qt.AltModifier, start)
    qtbot.mouseMove(viewport, end)
    qtbot.mouseRelease(viewport, Qt.LeftButton, Qt.AltModifier, end)
    menu = window.last_menu
    assert menu.objectName() == "relation-type-menu"
    assert [a.objectName() for a in menu.actions() if a.isEnabled()] == ["relation-type-participates_in"]
    next(a for a in menu.actions() if a.isEnabled()).trigger()
    assert rows(window) == [(city.id, expo.id, "participates_in")]
    assert window.view.selection()[0] == window.view.selection()[1]  # the drag selected no text
    assert text == window.document.text


def test_a_click_on_an_arc_shows_its_row_and_a_right_click_its_menu(qtbot, window, monkeypatch):
    role, org, gpe = persian(window)
    window.select_span(role.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Left, "i")
    [made] = window.store.relations(PERSIAN_SEED, "tester")
    spot = QPoint(40, 5)
    monkeypatch.setattr(window.view, "arc_at", lambda pos: made.id if pos == spot else None, raising=False)
    window.relating.panel.table.clearSelection()
    qtbot.mouseClick(window.view.viewport(), Qt.LeftButton, pos=spot)
    assert window.relating.panel.selected_id() == made.id
    assert window.statusBar().currentMessage() == (
        "role_in: «\u2068مدیرعامل\u2069» (ROLE) → «\u2068سازمان فاوا\u2069» (ORG)")
    window._quiet_dialogs = True
    viewport = window.view.viewport()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Mouse, spot, viewport.mapToGlobal(spot)))
    assert window.last_menu.objectName() == "relation-menu"
    next(a for a in window.last_menu.actions() if a.objectName() == "relation-delete").trigger()
    assert rows(window) == []


def test_an_arcs_tooltip_is_one_line_with_both_ends_whole(qtbot, window):
    """Qt wraps a rich-text tooltip to a squarish box, which broke a Persian name across lines
    (its words then in two bidi runs): the arc's tooltip keeps to one line, each end quoted."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QLabel, QToolTip

    window.resize(1200, 800)
    window.open_document(PERSIAN_SEED)
    person = span(window, "محمدجواد رجائیان", "PER")
    role = span(window, "مدیرعامل", "ROLE", 1)
    window.select_span(person.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier))
    window.relating.target = role
    press(qtbot, window, "h")
    assert [r[2] for r in rows(window)] == ["holds_role"]
    view, viewport = window.view, window.view.viewport()
    qtbot.waitUntil(lambda: any(d.label is not None for d in view.drawn_arcs()))
    spot = next(d for d in view.drawn_arcs() if d.label is not None).label.center().toPoint()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.ToolTip, spot, viewport.mapToGlobal(spot)))
    assert QToolTip.isVisible()
    assert QToolTip.text().count("مدیرعامل") == 1 and "holds_role" in QToolTip.text()
    label = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QLabel) and w.isVisible()
                 and w.metaObject().className() == "QTipLabel")
    line = label.fontMetrics().height()
    assert label.sizeHint().height() < 2 * line  # one line, not wrapped
    QToolTip.hideText()
