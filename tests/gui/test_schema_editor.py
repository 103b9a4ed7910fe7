"""Labels and themes edited in the window: rename (spans follow), recolour, hotkeys without
clashes, reorder, add, remove only what is unused, guidelines; each one undoable and saved."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from annotator.gui.schema_editor import SchemaEditor
from tests.gui.conftest import key
from tests.helpers import DAEGU_SEED


def editor(qtbot, window) -> SchemaEditor:
    dialog = SchemaEditor(window)
    qtbot.addWidget(dialog)
    return dialog


def names(window, kind="labels"):
    schema = window.store.schema()
    return [item.name for item in (schema.labels if kind == "labels" else schema.themes)]


def test_rename_a_label_by_typing_in_its_cell_and_the_spans_follow(qtbot, window):
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    dialog = editor(qtbot, window)
    table = dialog.tables["labels"]
    row = names(window).index("ORG")
    dialog.show()
    table.setCurrentCell(row, 0)
    table.editItem(table.item(row, 0))
    cell = table.findChild(QLineEdit)
    cell.selectAll()
    qtbot.keyClicks(cell, "ORGANISATION")
    qtbot.keyClick(cell, Qt.Key_Return)  # the table commits the cell queued, as it does for a person
    qtbot.waitUntil(lambda: "ORGANISATION" in names(window))
    assert "ORG" not in names(window)
    assert [s.label for s in window.store.spans(DAEGU_SEED, "tester")] == ["ORGANISATION"]
    assert [s.label for s in window.view.spans] == ["ORGANISATION"]  # the article follows
    assert any(a.text().startswith("ORGANISATION") for a in window.label_actions)
    window.undo_action.trigger()
    assert "ORG" in names(window) and [s.label for s in window.store.spans(DAEGU_SEED, "tester")] == ["ORG"]
    assert table.item(row, 0).text() == "ORG"  # the editor shows the undo


def test_hotkeys_refuse_a_key_in_use_and_the_new_key_labels(qtbot, window):
    window.open_document(DAEGU_SEED)
    dialog = editor(qtbot, window)
    org = names(window).index("ORG")
    assert not dialog.set_hotkey("labels", org, "p")  # PER's
    assert "is PER's key" in dialog.message.text()
    assert dialog.set_hotkey("labels", org, "k")
    window.view.select(0, 2)
    key(qtbot, window, "k")
    assert [s.label for s in window.store.spans(DAEGU_SEED, "tester")] == ["ORG"]


def test_recolour_reorder_add_and_remove(qtbot, window):
    window.open_document(DAEGU_SEED)
    dialog = editor(qtbot, window)
    assert dialog.recolour("labels", 0, "#123456")
    assert window.store.schema().labels[0].colour == "#123456" and window.colours["PER"] == "#123456"
    first, second = names(window)[:2]
    assert dialog.move("labels", 0, +1) and names(window)[:2] == [second, first]
    assert dialog.add("themes") and names(window, "themes")[-1] == "NEW1"
    assert dialog.remove("themes", len(names(window, "themes")) - 1) and "NEW1" not in names(window, "themes")
    window.view.select(0, 2)
    key(qtbot, window, "o")
    org = names(window).index("ORG")
    assert not dialog.remove("labels", org) and "is used 1 time" in dialog.message.text()
    for _ in range(3):  # the span (a document command), the removal, the addition
        window.undo_action.trigger()
    assert names(window)[:2] == [second, first] and window.store.schema().labels[1].colour == "#123456"
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert names(window)[:2] == [first, second] and window.store.schema().labels[0].colour != "#123456"


def test_guidelines_edited_in_the_window(qtbot, window):
    dialog = editor(qtbot, window)
    dialog.guidelines.setPlainText("Mark «مشهد» without the comma.")
    assert dialog.save_guidelines()
    assert window.store.schema().guidelines == "Mark «مشهد» without the comma."
    assert "\u2068«مشهد»\u2069" in window.guidelines.toPlainText()
    window.undo_action.trigger()
    assert window.store.schema().guidelines != "Mark «مشهد» without the comma."
