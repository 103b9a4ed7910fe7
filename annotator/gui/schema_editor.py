"""Annotate → Labels and themes…: add, rename (spans follow), recolour, change a hotkey (a key
already taken is refused), reorder, remove one nobody uses, and edit the guidelines; the relation
types on a tab of their own (annotator.gui.relation_types_editor). Every change is one undoable
step on the window's undo stack, saved when it is made.

The editor is modal, so it has undo and redo of its own (Ctrl+Z, Ctrl+Shift+Z or Ctrl+Y, and two
buttons): they take the window's history back and forth through the schema's steps, each saved as
it is undone or redone, and stop at a step made in the article (which the window undoes, after the
editor is closed: the article behind a modal editor is no place to change unseen)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QUndoCommand
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.core.schema import Label, Schema, colour_for, valid_name
from annotator.core.workspace import operations
from annotator.gui.commands import Step
from annotator.gui.relation_types_editor import RelationTypesTab
from annotator.gui.panels import swatch

if TYPE_CHECKING:
    from annotator.gui.host import Host

KINDS = {"labels": "label", "themes": "theme"}


def _is_schema_edit(command: QUndoCommand | None) -> bool:
    """Whether an undo stack's command is a label or theme edit (the workspace's EditSchema)."""
    return isinstance(command, Step) and isinstance(command.operation, operations.EditSchema)


class SchemaEditor(QDialog):
    def __init__(self, window: Host):
        super().__init__(window)
        self.window = window
        self.setWindowTitle("Labels and themes")
        self.resize(720, 460)
        self.tables: dict[str, QTableWidget] = {}
        self._guidelines_shown: str | None = None
        self.message = QLabel()
        self.message.setTextFormat(Qt.PlainText)
        self.message.setObjectName("schema-message")
        self.tabs = tabs = QTabWidget()
        for kind in KINDS:
            tabs.addTab(self._tab(kind), "Entity labels" if kind == "labels" else "Themes")
        self.relation_tab = RelationTypesTab(self)
        self.relation_table = self.relation_tab.table
        tabs.addTab(self.relation_tab, "Relation types")
        self.guidelines = QPlainTextEdit()
        self.guidelines.setObjectName("guidelines-editor")
        save = QPushButton("Save the guidelines")
        save.clicked.connect(self.save_guidelines)
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(self.guidelines)
        box.addWidget(save, 0, Qt.AlignRight)
        tabs.addTab(page, "Guidelines")
        close = QDialogButtonBox(QDialogButtonBox.Close)
        close.rejected.connect(self.reject)
        self.undo_button = close.addButton("Undo", QDialogButtonBox.ResetRole)
        self.redo_button = close.addButton("Redo", QDialogButtonBox.ResetRole)
        self.undo_button.setObjectName("schema-undo")
        self.redo_button.setObjectName("schema-redo")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        for button in (self.undo_button, self.redo_button):
            button.setAutoDefault(False)  # Enter in a cell commits the cell, never an undo
        for text, keys, slot in (("Undo", ["Ctrl+Z"], self.undo), ("Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], self.redo)):
            action = QAction(text, self)  # a cell being typed in keeps Ctrl+Z for its own text
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.triggered.connect(slot)
            self.addAction(action)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.fill()
        window.undo_stack.indexChanged.connect(self._undo_moved)

    def _undo_moved(self) -> None:
        if self.isVisible():  # undo and redo show here too, while it is open
            self.fill()

    # --- undo and redo, while the editor is open --------------------------------------------

    def _step(self, offset: int) -> QUndoCommand | None:
        stack = self.window.undo_stack
        index = stack.index() + offset
        return stack.command(index) if 0 <= index < stack.count() else None

    def undo(self) -> bool:
        """Ctrl+Z here: undo the last step if it is a label or theme edit (saved as it is undone)."""
        stack = self.window.undo_stack
        command = self._step(-1)
        if not _is_schema_edit(command):
            self.say("Nothing to undo here" + (f"; the step before is in the article ({stack.undoText()}): "
                                               "close this and press Ctrl+Z there" if command is not None else ""))
            return False
        text = command.text()
        stack.undo()
        self.say(f"Undid: {text}")
        self.window.statusBar().showMessage(f"Undid: {text}", 5000)
        return True

    def redo(self) -> bool:
        """Ctrl+Shift+Z / Ctrl+Y here: redo the next label or theme edit."""
        stack = self.window.undo_stack
        command = self._step(0)
        if not _is_schema_edit(command):
            self.say("Nothing to redo here" + (f"; the next step is in the article ({stack.redoText()})"
                                               if command is not None else ""))
            return False
        text = command.text()
        stack.redo()
        self.say(f"Redid: {text}")
        self.window.statusBar().showMessage(f"Redid: {text}", 5000)
        return True

    def _buttons(self) -> None:
        """The Undo and Redo buttons: enabled when there is a label or theme step to take, and
        naming it."""
        back, on = self._step(-1), self._step(0)
        for button, command, verb in ((self.undo_button, back, "Undo"), (self.redo_button, on, "Redo")):
            mine = _is_schema_edit(command)
            button.setEnabled(mine)
            button.setToolTip(f"{verb}: {command.text()}" if mine else "")

    def _tab(self, kind: str) -> QWidget:
        table = QTableWidget(0, 4)
        table.setObjectName(f"{kind}-table")
        table.setHorizontalHeaderLabels(["Name", "Title", "Colour", "Hotkey"])
        header = table.horizontalHeader()
        header.setSectionResizeMode(1, header.ResizeMode.Stretch)  # the title takes the room
        header.resizeSection(0, 140)
        header.resizeSection(2, 110)
        header.resizeSection(3, 70)
        table.setSelectionBehavior(QTableWidget.SelectRows)
        table.itemChanged.connect(lambda item, kind=kind: self._edited(kind, item))
        table.cellDoubleClicked.connect(lambda row, column, kind=kind: column == 2 and self.pick_colour(kind, row))
        self.tables[kind] = table
        buttons = QHBoxLayout()
        noun = KINDS[kind]
        for text, slot in ((f"Add a {noun}", lambda: self.add(kind)),
                           ("Remove", lambda: self.remove(kind, table.currentRow())),
                           ("Move up", lambda: self.move(kind, table.currentRow(), -1)),
                           ("Move down", lambda: self.move(kind, table.currentRow(), +1)),
                           ("Colour…", lambda: self.pick_colour(kind, table.currentRow()))):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(table)
        layout.addLayout(buttons)
        return page

    # --- showing ------------------------------------------------------------------------------

    def schema(self) -> Schema:
        return self.window.store.schema()

    def items(self, kind: str) -> tuple[Label, ...]:
        schema = self.schema()
        return schema.labels if kind == "labels" else schema.themes

    def fill(self) -> None:
        """Show the stored schema (after every change, and after undo or redo)."""
        for kind, table in self.tables.items():
            current = table.currentRow()
            table.blockSignals(True)
            items = self.items(kind)
            table.setRowCount(len(items))
            for row, item in enumerate(items):
                cells = [QTableWidgetItem(item.name), QTableWidgetItem(item.title or ""),
                         QTableWidgetItem(item.colour), QTableWidgetItem(item.hotkey or "")]
                cells[2].setIcon(swatch(item.colour))
                cells[2].setFlags(cells[2].flags() & ~Qt.ItemIsEditable)  # a colour is picked, not typed
                for column, cell in enumerate(cells):
                    table.setItem(row, column, cell)
            table.blockSignals(False)
            if 0 <= current < len(items):
                table.selectRow(current)
        self.relation_tab.fill(self.schema())
        stored = self.schema().guidelines
        if stored != self._guidelines_shown:  # else the text being typed (not saved yet) stays
            self.guidelines.setPlainText(stored)
            self._guidelines_shown = stored
        self._buttons()

    def say(self, text: str) -> None:
        self.message.setText(text)

    # --- changing -----------------------------------------------------------------------------

    def push(self, text: str, after: Schema, rename: tuple[str, str, str] | None = None) -> bool:
        return self.run(operations.EditSchema(self.window.workspace, text, self.schema(), after, rename))

    def run(self, operation: operations.EditSchema) -> bool:
        """Take a schema edit as one undoable step; say whether it was saved (a team database
        lets only its owner and leads change the schema: anyone else's edit is refused there)."""
        change = self.window.workspace.do(operation)
        self.fill()
        if change is None:  # the window's status bar has the reason
            self.say(self.window.statusBar().currentMessage() or f"Not saved: {operation.text}")
            return False
        self.say(f"Saved: {operation.text}")
        return True

    def _replace(self, kind: str, items: list[Label]) -> Schema:
        return dataclasses.replace(self.schema(), **{kind: tuple(items)})

    def _edited(self, kind: str, cell: QTableWidgetItem) -> None:
        row, column = cell.row(), cell.column()
        value = cell.text().strip()
        if column == 0:
            self.rename(kind, row, value)
        elif column == 1:
            self.retitle(kind, row, value)
        elif column == 3:
            self.set_hotkey(kind, row, value)

    def rename(self, kind: str, row: int, new: str) -> bool:
        items = list(self.items(kind))
        old = items[row].name
        if new == old:
            return False
        taken = {i.name for i in self.items("labels") + self.items("themes")} - {old}
        if not valid_name(new) or new in taken:
            self.say(f"Not renamed: {new!r} " + ("is taken" if new in taken else
                                                 "must be 1-64 characters without spaces or quotes"))
            self.fill()
            return False
        items[row] = dataclasses.replace(items[row], name=new)
        return self.push(f"rename {KINDS[kind]} {old} as {new}", self._replace(kind, items), (kind, old, new))

    def retitle(self, kind: str, row: int, title: str) -> bool:
        items = list(self.items(kind))
        if title == (items[row].title or ""):
            return False
        items[row] = dataclasses.replace(items[row], title=title)
        return self.push(f"retitle {items[row].name}", self._replace(kind, items))

    def set_hotkey(self, kind: str, row: int, key: str) -> bool:
        key = key.lower()
        items = list(self.items(kind))
        if key == (items[row].hotkey or ""):
            return False
        schema = self.schema()  # a relation type's key too: relation mode takes it
        owner = next((i.name for i in (*schema.labels, *schema.themes, *schema.relations)
                      if i.hotkey == key and i.name != items[row].name), None)
        if key and (owner or len(key) != 1 or not key.isalnum() or not key.isascii()):
            self.say(f"Not changed: {key!r} " + (f"is {owner}'s key" if owner else "is not a single letter or digit"))
            self.fill()
            return False
        items[row] = dataclasses.replace(items[row], hotkey=key or None)
        return self.push(f"key {key or 'none'} for {items[row].name}", self._replace(kind, items))

    def recolour(self, kind: str, row: int, colour: str) -> bool:
        items = list(self.items(kind))
        if colour.upper() == items[row].colour.upper():
            return False
        items[row] = dataclasses.replace(items[row], colour=colour.upper())
        return self.push(f"recolour {items[row].name}", self._replace(kind, items))

    def pick_colour(self, kind: str, row: int) -> None:
        if row < 0:
            return
        chosen = QColorDialog.getColor(QColor(self.items(kind)[row].colour), self, "Colour")
        if chosen.isValid():
            self.recolour(kind, row, chosen.name())

    def move(self, kind: str, row: int, step: int) -> bool:
        items = list(self.items(kind))
        target = row + step
        if not (0 <= row < len(items) and 0 <= target < len(items)):
            return False
        items[row], items[target] = items[target], items[row]
        self.tables[kind].selectRow(target)
        return self.push(f"move {items[target].name}", self._replace(kind, items))

    def add(self, kind: str) -> bool:
        items = list(self.items(kind))
        taken = {i.name for i in self.items("labels") + self.items("themes")}
        n = 1
        while f"NEW{n}" in taken:
            n += 1
        colour = colour_for([i.colour for i in self.items("labels")], [i.colour for i in self.items("themes")],
                            kind=kind)  # the farthest from every colour in use
        items.append(Label(name=f"NEW{n}", colour=colour))
        self.push(f"add {KINDS[kind]} NEW{n}", self._replace(kind, items))
        self.tables[kind].setCurrentCell(len(items) - 1, 0)
        return True

    def remove(self, kind: str, row: int) -> bool:
        items = list(self.items(kind))
        if not 0 <= row < len(items):
            return False
        used = self.window.store.label_usage(kind, items[row].name)
        if used:
            self.say(f"Not removed: {items[row].name} is used {used} time{'s' * (used != 1)}; "
                     "rename it, or delete those first")
            return False
        ends = [k.name for k in self.schema().relations if items[row].name in (*k.from_labels, *k.to_labels)]
        if kind == "labels" and ends:  # a type's end naming no label would be a schema file's error
            self.say(f"Not removed: {items[row].name} is an end of the relation type{'s' * (len(ends) > 1)} "
                     f"{', '.join(ends)}; change their From and To first")
            return False
        name = items.pop(row).name
        return self.push(f"remove {KINDS[kind]} {name}", self._replace(kind, items))

    def save_guidelines(self) -> bool:
        text = self.guidelines.toPlainText()
        if text == self.schema().guidelines:
            return False
        return self.push("edit the guidelines", dataclasses.replace(self.schema(), guidelines=text))
