"""Labels and themes edited in the window: rename (spans follow), recolour, hotkeys without
clashes, reorder, add, remove only what is unused, guidelines; each one undoable and saved."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QColorDialog, QLineEdit, QPushButton

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


def _shown(qtbot, window) -> SchemaEditor:
    """The editor as Annotate → Labels and themes… shows it: a window of its own, with the keys."""
    dialog = editor(qtbot, window)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _type_in_cell(qtbot, dialog, kind: str, row: int, column: int, text: str) -> None:
    table = dialog.tables[kind]
    table.setCurrentCell(row, column)
    table.editItem(table.item(row, column))
    cell = QApplication.focusWidget()  # the cell's editor (an earlier cell's may still linger)
    assert isinstance(cell, QLineEdit)
    cell.selectAll()
    qtbot.keyClicks(cell, text)
    qtbot.keyClick(cell, Qt.Key_Return)


def _button(dialog, text: str) -> QPushButton:
    return next(b for b in dialog.findChildren(QPushButton) if b.text() == text and b.isVisible())


def test_ctrl_z_in_the_editor_undoes_its_own_edits_and_stops_at_the_article(qtbot, window, monkeypatch):
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")  # a span made in the article before the editor opens
    dialog = _shown(qtbot, window)
    table = dialog.tables["labels"]
    org, gpe = names(window).index("ORG"), names(window).index("GPE")
    _type_in_cell(qtbot, dialog, "labels", org, 0, "ORGANISATION")
    qtbot.waitUntil(lambda: "ORGANISATION" in names(window))
    _type_in_cell(qtbot, dialog, "labels", gpe, 3, "k")
    qtbot.waitUntil(lambda: window.store.schema().label("GPE").hotkey == "k")
    qtbot.mouseClick(_button(dialog, "Add a label"), Qt.LeftButton)
    assert names(window)[-1] == "NEW1"
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor("#123456")))
    qtbot.mouseClick(_button(dialog, "Colour…"), Qt.LeftButton)  # the new label, still the current row
    assert window.store.schema().label("NEW1").colour == "#123456"
    qtbot.mouseClick(_button(dialog, "Remove"), Qt.LeftButton)
    assert "NEW1" not in names(window)

    table.setFocus()
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)  # the removal
    assert window.store.schema().label("NEW1").colour == "#123456" and "Undid: remove label NEW1" in dialog.message.text()
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)  # the colour
    assert window.store.schema().label("NEW1").colour != "#123456"
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)  # the addition
    assert "NEW1" not in names(window) and table.rowCount() == len(names(window))
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)  # the hotkey
    assert window.store.schema().label("GPE").hotkey == "g"
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)  # the rename: the span follows back
    assert "ORG" in names(window) and [s.label for s in window.store.spans(DAEGU_SEED, "tester")] == ["ORG"]
    assert table.item(org, 0).text() == "ORG" and not _button(dialog, "Undo").isEnabled()
    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier)  # the span is the article's: not undone from here
    assert [s.label for s in window.store.spans(DAEGU_SEED, "tester")] == ["ORG"]
    assert "Nothing to undo here; the step before is in the article" in dialog.message.text()

    qtbot.keyClick(table, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)  # redo the rename
    assert [s.label for s in window.store.spans(DAEGU_SEED, "tester")] == ["ORGANISATION"]
    qtbot.keyClick(table, Qt.Key_Y, Qt.ControlModifier)  # redo the hotkey
    assert window.store.schema().label("GPE").hotkey == "k"
    assert _button(dialog, "Redo").toolTip() == "Redo: add label NEW1"
    dialog.close()
    window.undo_action.trigger()  # the window's history holds the same steps
    assert window.store.schema().label("GPE").hotkey == "g"


def test_typing_in_a_cell_keeps_ctrl_z_for_the_cell(qtbot, window):
    dialog = _shown(qtbot, window)
    table = dialog.tables["labels"]
    table.setCurrentCell(0, 1)
    table.editItem(table.item(0, 1))
    cell = table.findChild(QLineEdit)
    before = cell.text()
    qtbot.keyClicks(cell, "xyz")
    qtbot.keyClick(cell, Qt.Key_Z, Qt.ControlModifier)
    assert cell.text() != before + "xyz" and window.store.schema().labels[0].title == before


def _tag_point(window, span):
    """A point of the viewport on ``span``'s label tag."""
    view = window.view
    for y in range(0, view.viewport().height(), 2):
        for x in range(0, view.viewport().width(), 3):
            if view.tag_at(QPointF(x, y)) == span:
                return QPoint(x, y)
    raise AssertionError(f"no tag drawn for {span}")


def _paint_spy(widget) -> list:
    """The regions of the paint events ``widget`` gets from now on."""
    painted: list = []

    class Spy(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 (Qt override)
            if event.type() == QEvent.Paint:
                painted.append(event.region().boundingRect())
            return False

    spy = Spy(widget)
    widget.installEventFilter(spy)
    return painted


def test_a_rename_shows_at_once_in_every_view(qtbot, window, request):
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    span = window.store.spans(DAEGU_SEED, "tester")[0]
    window.clear_selection()
    window.select_span(span.id)
    assert window.selection_label.text().startswith("ORG ")
    tag = _tag_point(window, span)
    request.addfinalizer(lambda flash=QApplication.cursorFlashTime(): QApplication.setCursorFlashTime(flash))
    QApplication.setCursorFlashTime(0)  # no caret blinking: what repaints is what the rename does
    dialog = _shown(qtbot, window)
    qtbot.wait(50)
    painted = _paint_spy(window.view.viewport())
    _type_in_cell(qtbot, dialog, "labels", names(window).index("ORG"), 0, "ORGANISATION")
    qtbot.waitUntil(lambda: "ORGANISATION" in names(window))
    # the article repaints the tag (found by a new user: the old name stayed until a scroll)
    qtbot.waitUntil(lambda: any(region.contains(tag) for region in painted))
    assert window.selection_label.text().startswith("ORGANISATION ")  # the status bar
    model = window.span_panel.model
    assert model.data(model.index(0, 2)) == "ORGANISATION"  # the span list
    assert [s.label for s in window.view.spans] == ["ORGANISATION"]  # what the article's tags draw
    palette = window.palette_panel
    assert any(palette.item(i).data(Qt.UserRole) == "ORGANISATION" for i in range(palette.count()))
    assert "ORGANISATION" in window.status_line.describe_span(window.view.spans[0])
    qtbot.keyClick(dialog.tables["labels"], Qt.Key_Z, Qt.ControlModifier)
    assert window.selection_label.text().startswith("ORG ") and model.data(model.index(0, 2)) == "ORG"


def test_unsaved_guidelines_survive_another_edit_and_its_undo(qtbot, window):
    dialog = _shown(qtbot, window)
    dialog.guidelines.setFocus()
    qtbot.keyClicks(dialog.guidelines, "Mark the city.")
    assert dialog.recolour("labels", 0, "#123456")
    qtbot.keyClick(dialog.tables["labels"], Qt.Key_Z, Qt.ControlModifier)
    assert dialog.guidelines.toPlainText().startswith("Mark the city.Mark the shortest span")


def test_a_label_added_in_the_editor_gets_the_colour_farthest_from_those_in_use(qtbot, window):
    from annotator.core import colours

    schema = window.store.schema()
    in_use = [label.colour for label in schema.labels], [theme.colour for theme in schema.themes]
    dialog = _shown(qtbot, window)
    qtbot.mouseClick(_button(dialog, "Add a label"), Qt.LeftButton)
    added = window.store.schema().label("NEW1").colour
    assert added == colours.farthest(*in_use)
    role = schema.label("ROLE").colour
    assert colours.ciede2000(colours.lab(colours.rgb(added)), colours.lab(colours.rgb(role))) > 13
    assert window.colours["NEW1"] == added  # the article and panels paint with it at once


def _darkest(widget) -> int:
    image = widget.grab().toImage()
    return min(image.pixelColor(x, y).lightness() for x in range(image.width()) for y in range(image.height()))


def test_an_undo_button_with_nothing_to_undo_looks_disabled_on_both_palettes(qtbot, window):
    from annotator.gui.theme import apply_theme

    dialog = _shown(qtbot, window)
    undo, close = _button(dialog, "Undo"), _button(dialog, "Close")
    assert not undo.isEnabled() and close.isEnabled()
    try:
        for name in ("light", "dark"):
            apply_theme(QApplication.instance(), name)
            enabled, disabled = _darkest(close), _darkest(undo)  # the text is a button's darkest pixels
            assert disabled > enabled + 40, name
    finally:
        apply_theme(QApplication.instance(), "light")


def test_the_themes_panel_stays_in_place_through_schema_edits(qtbot, window):
    panel = window.themes_panel
    first = next(iter(panel.boxes))
    QApplication.processEvents()
    top = panel.boxes[first].geometry().top()
    dialog = _shown(qtbot, window)
    for colour in ("#123456", "#654321", "#123456"):
        assert dialog.recolour("labels", 0, colour)
    QApplication.processEvents()
    assert panel.boxes[first].geometry().top() == top
    assert panel.layout().count() == len(panel.boxes) + 1  # the boxes and one stretch


def test_relation_types_are_shown_on_their_tab_and_follow_a_label_rename(qtbot, window):
    dialog = editor(qtbot, window)
    table = dialog.relation_table
    shown = [[table.item(r, c).text() for c in (0, 3, 5, 6)] for r in range(table.rowCount())]
    assert shown == [["holds_role", "h", "PER", "ROLE"], ["role_in", "i", "ROLE", "ORG|GPE"],
                     ["located_in", "c", "ORG|EVENT|LOC", "GPE|LOC"], ["participates_in", "m", "PER|ORG|GPE", "EVENT"]]
    assert dialog.rename("labels", names(window).index("ROLE"), "POSITION")
    assert table.item(0, 6).text() == "POSITION" and table.item(1, 5).text() == "POSITION"


def test_a_label_cannot_take_a_relation_types_key(qtbot, window):
    dialog = editor(qtbot, window)
    assert not dialog.set_hotkey("labels", names(window).index("ORG"), "h")  # holds_role's, in relation mode
    assert "is holds_role's key" in dialog.message.text() and window.store.schema().label("ORG").hotkey == "o"


def test_a_label_a_relation_types_end_names_is_not_removed(qtbot, window):
    dialog = editor(qtbot, window)
    assert not dialog.remove("labels", names(window).index("ROLE"))
    assert dialog.message.text() == ("Not removed: ROLE is an end of the relation types holds_role, role_in; "
                                     "change their From and To first")
    assert "ROLE" in names(window)
