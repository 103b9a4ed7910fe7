"""Relation types edited in the label editor (issue 25), by real key presses and clicks, on a file
and on a team database: add (or the default four, on a database made before relations), rename
(the relations follow, and the arcs, the Relations panel and relation mode show the new name at
once), recolour, a hotkey a label has refused in one line, the ends and the direction, and delete:
a type relations use is deleted only when the person says yes to how many go with it. Each is one
undoable step, saved at once, and the database holds what the editor shows."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QPoint, QTimer, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QColorDialog, QLineEdit, QMessageBox, QPushButton

from annotator.core.model import GOLD, Relation, Span
from annotator.gui.schema_editor import SchemaEditor
from tests.gui.test_relating import press, span
from tests.gui.test_team import open_window, team_db  # noqa: F401 (fixtures)
from tests.helpers import DAEGU_SEED


def kinds(window) -> list[str]:
    return [kind.name for kind in window.store.schema().relations]


def labels_of(window, annotator="tester") -> list[str]:
    return [r.label for r in window.store.relations(DAEGU_SEED, annotator)]


def shown(qtbot, window) -> SchemaEditor:
    """The editor, opened and on its Relation types tab by a click on the tab."""
    dialog = SchemaEditor(window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    bar = dialog.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(2).center())
    assert dialog.tabs.currentWidget() is dialog.relation_tab
    return dialog


def type_in(qtbot, dialog, row: int, column: int, text: str) -> None:
    table = dialog.relation_table
    table.setCurrentCell(row, column)
    table.editItem(table.item(row, column))
    cell = QApplication.focusWidget()
    assert isinstance(cell, QLineEdit)
    cell.selectAll()
    qtbot.keyClicks(cell, text)
    qtbot.keyClick(cell, Qt.Key_Return)  # the table commits the cell queued, as it does for a person


def click(qtbot, dialog, text: str) -> None:
    button = next(b for b in dialog.findChildren(QPushButton) if b.text() == text and b.isVisible())
    qtbot.mouseClick(button, Qt.LeftButton)


def related(qtbot, window):
    """大구시 (GPE) participates_in the expo (EVENT), made by keys in relation mode."""
    window.open_document(DAEGU_SEED)
    city = span(window, "대구시", "GPE")
    expo = span(window, "스마트시티 엑스포 월드 콩그레스", "EVENT")
    window.select_span(city.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Right, "m")
    assert labels_of(window) == ["participates_in"]
    return city, expo


def answer(qtbot, button: QMessageBox.StandardButton, asked: list[str]) -> None:
    """Click ``button`` on the question the editor is about to ask (it is modal: asked on a timer)."""
    def click_it():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click_it)
            return
        asked.append(box.text())
        qtbot.mouseClick(box.button(button), Qt.LeftButton)
    QTimer.singleShot(0, click_it)


def test_a_rename_takes_the_relations_along_shows_at_once_and_is_undone(qtbot, window, monkeypatch):
    related(qtbot, window)
    dialog = shown(qtbot, window)
    row = kinds(window).index("participates_in")
    type_in(qtbot, dialog, row, 0, "EVENT")  # a label's name: brat's annotation.conf could not tell them apart
    qtbot.waitUntil(lambda: "Not renamed: 'EVENT' is a label's name" in dialog.message.text())
    assert kinds(window)[row] == "participates_in"
    type_in(qtbot, dialog, row, 0, "takes_part_in")
    qtbot.waitUntil(lambda: "takes_part_in" in kinds(window))
    assert "participates_in" not in kinds(window) and labels_of(window) == ["takes_part_in"]
    assert [a.label for a in window.view.arcs] == ["takes_part_in"]  # the arcs, at once
    assert [r.label for r in window.relating.panel.relations] == ["takes_part_in"]  # the Relations panel
    assert "takes_part_in" in window.guidelines.toPlainText()
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor("#123456")))
    click(qtbot, dialog, "Colour…")  # the renamed type, still the current row
    assert window.store.schema().relation("takes_part_in").colour == "#123456"
    assert [a.colour for a in window.view.arcs] == ["#123456"]
    assert window.relating.panel.model.colours["takes_part_in"] == "#123456"

    table = dialog.relation_table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)  # the colour
    assert window.store.schema().relation("takes_part_in").colour != "#123456"
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)  # the rename: the relation follows back
    assert "Undid: rename relation type participates_in as takes_part_in" in dialog.message.text()
    assert kinds(window)[row] == "participates_in" and labels_of(window) == ["participates_in"]
    assert [a.label for a in window.view.arcs] == ["participates_in"] and table.item(row, 0).text() == "participates_in"
    qtbot.keyClick(table, Qt.Key_Y, Qt.ControlModifier)  # and redone
    assert labels_of(window) == ["takes_part_in"]


def test_a_key_a_label_has_is_refused_and_a_new_key_works_in_relation_mode(qtbot, window):
    city, expo = related(qtbot, window)
    press(qtbot, window, (Qt.Key_Z, Qt.ControlModifier))  # no relation yet
    assert labels_of(window) == []
    dialog = shown(qtbot, window)
    row = kinds(window).index("participates_in")
    type_in(qtbot, dialog, row, 3, "o")
    qtbot.waitUntil(lambda: "Not changed" in dialog.message.text())
    assert dialog.message.text() == "Not changed: 'o' is ORG's key"
    assert window.store.schema().relation("participates_in").hotkey == "m" and dialog.relation_table.item(row, 3).text() == "m"
    type_in(qtbot, dialog, row, 3, "h")  # holds_role's
    qtbot.waitUntil(lambda: "holds_role's key" in dialog.message.text())
    type_in(qtbot, dialog, row, 3, "k")
    qtbot.waitUntil(lambda: window.store.schema().relation("participates_in").hotkey == "k")
    dialog.close()
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    window.select_span(city.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier))
    assert "(h, i, c, k)" in window.statusBar().currentMessage()  # relation mode names the new key
    press(qtbot, window, Qt.Key_Right, "k")
    assert labels_of(window) == ["participates_in"]


def test_add_a_type_and_edit_its_ends_direction_and_description(qtbot, window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "exec", lambda box: pytest.fail(f"asked: {box.text()}"))
    dialog = shown(qtbot, window)
    click(qtbot, dialog, "Add a relation type")
    assert kinds(window)[-1] == "relation1"
    row = len(kinds(window)) - 1
    type_in(qtbot, dialog, row, 1, "works for")
    qtbot.waitUntil(lambda: window.store.schema().relation("relation1").title == "works for")
    type_in(qtbot, dialog, row, 5, "PER|XYZ")
    qtbot.waitUntil(lambda: "Not changed" in dialog.message.text())
    assert dialog.message.text() == "Not changed: from names 'XYZ', which is not a label of this schema"
    type_in(qtbot, dialog, row, 5, "PER")
    qtbot.waitUntil(lambda: window.store.schema().relation("relation1").from_labels == ("PER",))
    type_in(qtbot, dialog, row, 6, "ORG, GPE")
    qtbot.waitUntil(lambda: window.store.schema().relation("relation1").to_labels == ("ORG", "GPE"))
    type_in(qtbot, dialog, row, 7, "a person employed by an organisation")
    qtbot.waitUntil(lambda: window.store.schema().relation("relation1").description == "a person employed by an organisation")
    table = dialog.relation_table
    table.setCurrentCell(row, 4)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key_Space)  # the Directed box, unticked
    qtbot.waitUntil(lambda: not window.store.schema().relation("relation1").directed)
    kind = window.store.schema().relation("relation1")
    assert (kind.from_labels, kind.to_labels, kind.rule()) == (("PER",), ("ORG", "GPE"), "PER -- ORG|GPE")
    assert table.item(row, 6).text() == "ORG|GPE" and table.item(row, 4).checkState() == Qt.Unchecked
    click(qtbot, dialog, "Delete")  # nobody uses it: no question
    assert "relation1" not in kinds(window)
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)
    assert window.store.schema().relation("relation1") == kind


def test_deleting_a_type_relations_use_asks_how_many_go_and_undo_brings_them_back(qtbot, window):
    city, expo = related(qtbot, window)
    store = window.store
    mine = store.relations(DAEGU_SEED, "tester")
    gold = [store.add_gold_span(Span(DAEGU_SEED, GOLD, s.start, s.end, s.label, s.text), proposed_by=["tester"],
                                decided_by="tester") for s in (city, expo)]
    gold_id = store.add_gold_relation(Relation(DAEGU_SEED, GOLD, *gold, "participates_in"), proposed_by=["tester"],
                                      decided_by="tester")
    before_gold = store.get_gold_relation(gold_id)
    dialog = shown(qtbot, window)
    row = kinds(window).index("participates_in")
    dialog.relation_table.selectRow(row)
    asked: list[str] = []
    answer(qtbot, QMessageBox.No, asked)
    click(qtbot, dialog, "Delete")
    assert asked == ["2 relations of type participates_in (every annotator's and gold's) will be deleted with it. "
                     "Delete participates_in? Undo (Ctrl+Z) brings them back."]
    assert "participates_in" in kinds(window) and labels_of(window) == ["participates_in"]
    assert dialog.message.text() == "Not deleted: participates_in"

    answer(qtbot, QMessageBox.Yes, asked)
    click(qtbot, dialog, "Delete")
    assert "participates_in" not in kinds(window)
    assert store.relations(DAEGU_SEED, "tester") == [] and store.gold_relations(DAEGU_SEED) == []
    assert window.view.arcs == () and window.relating.panel.row_count() == 0
    assert dialog.message.text() == "Saved: delete relation type participates_in (and 2 relations)"

    table = dialog.relation_table
    dialog.activateWindow()  # back from the question
    qtbot.waitUntil(dialog.isActiveWindow)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)
    assert dialog.message.text() == "Undid: delete relation type participates_in (and 2 relations)"
    assert kinds(window)[row] == "participates_in"  # where it was, with the relations under their ids
    assert store.relations(DAEGU_SEED, "tester") == mine
    restored = store.get_gold_relation(gold_id)
    assert restored[0] == before_gold[0] and restored[1]["proposed_by"] == ["tester"]
    assert [a.label for a in window.view.arcs] == ["participates_in"] and window.relating.panel.row_count() == 1
    qtbot.keyClick(table, Qt.Key_Y, Qt.ControlModifier)
    assert "participates_in" not in kinds(window) and store.relations(DAEGU_SEED, "tester") == []
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)
    assert store.relations(DAEGU_SEED, "tester") == mine


def test_a_database_made_before_relations_gets_its_types_from_the_editor(qtbot, window):
    store = window.store
    store.replace_schema(dataclasses.replace(store.schema(), relations=()))  # what the m011 upgrade leaves
    window.schema = store.schema()
    window.open_document(DAEGU_SEED)
    city = span(window, "대구시", "GPE")
    window.select_span(city.id)
    press(qtbot, window, (Qt.Key_L, Qt.ControlModifier))
    assert window.statusBar().currentMessage() == ("The schema has no relation types yet: add them in Annotate → "
                                                   "Labels and themes…, Relation types (one click adds the default four)")
    dialog = shown(qtbot, window)
    assert dialog.relation_tab.note.text().startswith("This database has no relation types yet")
    click(qtbot, dialog, "Add the default types")
    assert kinds(window) == ["holds_role", "role_in", "located_in", "participates_in"]
    assert window.store.schema().relation("role_in").to_labels == ("ORG", "GPE")
    assert not dialog.relation_tab.defaults_button.isVisible()
    qtbot.keyClick(dialog.relation_table, Qt.Key_Z, Qt.ControlModifier)
    assert kinds(window) == [] and dialog.relation_tab.defaults_button.isVisible()


def test_on_a_team_database_only_a_lead_changes_relation_types(qtbot, pg_cluster, team_db, open_window):
    from annotator.storage import team
    from tests.gui.test_relating_team import label
    from tests.gui.test_team import focus, plain

    with pg_cluster.connect(database=team_db) as owner:
        team.add_member(owner, "reza", lead=True)
    sara = open_window(pg_cluster.url("sara", team_db))
    city = label(sara, "대구시", "GPE")
    label(sara, "스마트시티 엑스포", "EVENT")
    focus(qtbot, sara)
    sara.select_span(city.id)
    press(qtbot, sara, (Qt.Key_L, Qt.ControlModifier), Qt.Key_Right, "m")
    assert [r.label for r in sara.store.relations("r", "sara")] == ["participates_in"]
    steps = sara.undo_stack.count()
    dialog = shown(qtbot, sara)
    row = kinds(sara).index("participates_in")
    type_in(qtbot, dialog, row, 0, "takes_part_in")
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Not saved"))
    message = plain(dialog.message.text())
    assert message.startswith("Not saved: could not rename relation type participates_in as takes_part_in: "
                              "refused by the team database") and "\n" not in message
    assert "participates_in" in kinds(sara) and dialog.relation_table.item(row, 0).text() == "participates_in"
    assert sara.undo_stack.count() == steps
    dialog.close()

    reza = open_window(pg_cluster.url("reza", team_db))
    dialog = shown(qtbot, reza)
    type_in(qtbot, dialog, row, 0, "takes_part_in")
    qtbot.waitUntil(lambda: "takes_part_in" in kinds(reza))
    assert [r.label for r in reza.store.relations("r", "sara")] == ["takes_part_in"]  # sara's relation follows
    qtbot.waitUntil(lambda: [a.label for a in sara.view.arcs] == ["takes_part_in"], timeout=3000)  # live
    dialog.relation_table.selectRow(row)
    click(qtbot, dialog, "Delete")  # sara's relation is hers to delete: refused before asking
    assert dialog.message.text() == ("Not deleted: takes_part_in is used in sara's layer; they delete those "
                                     "relations first, or the owner deletes the type")
    assert "takes_part_in" in kinds(reza) and [r.label for r in reza.store.relations("r", "sara")] == ["takes_part_in"]
    # and were it asked, the database would refuse it anyway: nothing deleted
    reza.store.relation_type_usage = lambda name: {"reza": 1}
    asked: list[str] = []
    answer(qtbot, QMessageBox.Yes, asked)
    click(qtbot, dialog, "Delete")
    assert plain(dialog.message.text()).startswith("Not saved: could not delete relation type takes_part_in (and 1 "
                                                   "relation): some takes_part_in relations are in layers this member "
                                                   "may not change (sara)")
    assert "takes_part_in" in kinds(reza) and [r.label for r in reza.store.relations("r", "sara")] == ["takes_part_in"]


def test_a_click_on_a_rows_directed_box_makes_it_the_row_the_buttons_act_on(qtbot, window, monkeypatch):
    """Qt's delegate takes a press on a check box without selecting its row: the Delete and
    Colour… buttons then acted on the row selected before (a person who ticked participates_in's
    box and pressed Delete was asked about holds_role)."""
    asked = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or QMessageBox.No)
    dialog = shown(qtbot, window)
    table = dialog.relation_table
    table.setCurrentCell(0, 0)
    row = kinds(window).index("participates_in")
    rect = table.visualItemRect(table.item(row, 4))
    box = rect.topLeft() + QPoint(10, rect.height() // 2)  # the check box, at the cell's start
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=box)
    qtbot.waitUntil(lambda: not window.store.schema().relation("participates_in").directed)
    assert table.currentRow() == row
    click(qtbot, dialog, "Delete")  # nobody uses it: deleted without a question
    assert asked == [] and "participates_in" not in kinds(window) and "holds_role" in kinds(window)


def test_narrowing_a_used_types_ends_so_its_relations_break_is_refused(qtbot, window):
    """A From or To (or Directed ticked back on) that the stored relations would break is refused
    in one line, as `schema load` refuses it: the database's own export could not be imported
    again. A rule they still fit is taken."""
    related(qtbot, window)  # 대구시 (GPE) participates_in the expo
    dialog = shown(qtbot, window)
    row = kinds(window).index("participates_in")
    before = window.store.dump()
    type_in(qtbot, dialog, row, 5, "PER|ORG")
    qtbot.waitUntil(lambda: "Not changed" in dialog.message.text())
    assert dialog.message.text() == ("Not changed: 1 relation of type participates_in joins GPE -> EVENT, which its "
                                     "rule PER|ORG -> EVENT would not allow (tester's): change or delete them first")
    assert window.store.dump() == before and dialog.relation_table.item(row, 5).text() == "PER|ORG|GPE"
    type_in(qtbot, dialog, row, 5, "GPE")
    qtbot.waitUntil(lambda: window.store.schema().relation("participates_in").from_labels == ("GPE",))
