"""The label editor's Relation types tab (issue 25): add a relation type (or, to a database made
before relations, the default four at once), rename it (its relations follow), change its title,
colour, hotkey (a key a label, theme or other type has is refused), direction, the labels allowed
at each end and its description, and delete it: a type relations use is deleted only after the
person is told how many relations go with it and says yes. Every change is one step on the
window's undo stack, saved when it is made, as the labels' (annotator.gui.schema_editor); undo of
a deletion brings the relations back under their own ids."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import GOLD
from annotator.core.relations import broken_by
from annotator.core.resources import default_schema_path
from annotator.core.schema import RelationType, Schema, colour_for, load_schema_file, valid_name
from annotator.core.text import counted
from annotator.core.workspace.operations import EditSchema
from annotator.core.workspace.relation_operations import DeleteRelationType
from annotator.gui.panels import swatch

if TYPE_CHECKING:
    from annotator.gui.host import Host


class Editor(Protocol):
    """What the tab uses of the label editor (annotator.gui.schema_editor.SchemaEditor, which
    imports this module)."""

    window: Host

    def schema(self) -> Schema: ...
    def say(self, text: str) -> None: ...
    def fill(self) -> None: ...
    def push(self, text: str, after: Schema, rename: tuple[str, str, str] | None = None) -> bool: ...
    def run(self, operation: EditSchema) -> bool: ...

COLUMNS = ("Name", "Title", "Colour", "Hotkey", "Directed", "From", "To", "Description")
NAME, TITLE, COLOUR, HOTKEY, DIRECTED, FROM, TO, DESCRIPTION = range(len(COLUMNS))

NONE_YET = ("This database has no relation types yet (it was made before relations): add one with "
            "\"Add a relation type\", or the default four (holds_role, role_in, located_in, "
            "participates_in) with \"Add the default types\".")
HOW = ("Type in a cell to change it. From and To are the labels allowed at each end, PER|ORG "
       "(empty: any label); a rename takes the relations along; Delete says how many relations go "
       "with a type and asks first. Ctrl+Z undoes.")


def ends_text(labels: tuple[str, ...]) -> str:
    return "|".join(labels)


class RelationTypesTab(QWidget):
    def __init__(self, editor: Editor):
        super().__init__()
        self.editor = editor
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("relation-types-table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.Stretch)
        for column, width in ((NAME, 120), (TITLE, 120), (COLOUR, 100), (HOTKEY, 60), (DIRECTED, 70),
                              (FROM, 110), (TO, 110)):
            header.resizeSection(column, width)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.itemChanged.connect(self._edited)
        self.table.cellDoubleClicked.connect(lambda row, column: column == COLOUR and self.pick_colour(row))
        buttons = QHBoxLayout()
        self.defaults_button = QPushButton("Add the default types")
        for text, slot in (("Add a relation type", self.add),
                           ("Delete", lambda: self.delete(self.table.currentRow())),
                           ("Colour…", lambda: self.pick_colour(self.table.currentRow()))):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        self.defaults_button.clicked.connect(self.add_defaults)
        buttons.addWidget(self.defaults_button)
        buttons.addStretch(1)
        self.note = QLabel()
        self.note.setObjectName("relation-types-note")
        self.note.setTextFormat(Qt.PlainText)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.note)

    # --- showing ------------------------------------------------------------------------------

    def kinds(self) -> tuple[RelationType, ...]:
        return self.editor.schema().relations

    def fill(self, schema: Schema) -> None:
        kinds = schema.relations
        current = self.table.currentRow()
        self.table.blockSignals(True)
        self.table.setRowCount(len(kinds))
        for row, kind in enumerate(kinds):
            cells = [QTableWidgetItem(text) for text in (kind.name, kind.title, kind.colour, kind.hotkey or "", "",
                                                         ends_text(kind.from_labels), ends_text(kind.to_labels),
                                                         kind.description)]
            cells[COLOUR].setIcon(swatch(kind.colour))
            cells[COLOUR].setFlags(cells[COLOUR].flags() & ~Qt.ItemIsEditable)  # a colour is picked, not typed
            cells[DIRECTED].setFlags((cells[DIRECTED].flags() | Qt.ItemIsUserCheckable) & ~Qt.ItemIsEditable)
            cells[DIRECTED].setCheckState(Qt.Checked if kind.directed else Qt.Unchecked)
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        self.table.blockSignals(False)
        if 0 <= current < len(kinds):
            self.table.selectRow(current)
        self.defaults_button.setVisible(not kinds)
        self.note.setText(HOW if kinds else NONE_YET)

    # --- changing -----------------------------------------------------------------------------

    def _with(self, kinds: list[RelationType]) -> Schema:
        return dataclasses.replace(self.editor.schema(), relations=tuple(kinds))

    def _refused(self, text: str) -> bool:
        self.editor.say(text)
        self.editor.fill()
        return False

    def _edited(self, cell: QTableWidgetItem) -> None:
        row, column = cell.row(), cell.column()
        if column == DIRECTED:
            # Qt's delegate takes a click on the box without selecting its row: the buttons act on
            # the current row, so the row ticked becomes it (fill() keeps it selected)
            self.table.setCurrentCell(row, column)
            self.set_directed(row, cell.checkState() == Qt.Checked)
            return
        value = cell.text().strip()
        setter = {NAME: self.rename, TITLE: self.retitle, HOTKEY: self.set_hotkey,
                  FROM: lambda r, v: self.set_ends(r, "from", v), TO: lambda r, v: self.set_ends(r, "to", v),
                  DESCRIPTION: self.describe}.get(column)
        if setter is not None:
            setter(row, value)

    def _change(self, row: int, text: str, **fields) -> bool:
        kinds = list(self.kinds())
        if not 0 <= row < len(kinds):
            return False
        changed = dataclasses.replace(kinds[row], **fields)
        if changed == kinds[row]:
            return False
        kinds[row] = changed
        after = self._with(kinds)
        if (changed.from_labels, changed.to_labels, changed.directed) != (
                self.kinds()[row].from_labels, self.kinds()[row].to_labels, self.kinds()[row].directed):
            why = broken_by(after, self.editor.window.store.relation_end_labels())
            if why is not None:  # relations the new rule would not allow: they go first
                return self._refused(f"Not changed: {why}")
        return self.editor.push(text, after)

    def rename(self, row: int, new: str) -> bool:
        kinds = list(self.kinds())
        old = kinds[row].name
        if new == old:
            return False
        taken = {k.name for k in kinds} - {old}
        labels = {label.name for label in self.editor.schema().labels}
        if not valid_name(new) or new in taken or new in labels:
            return self._refused(f"Not renamed: {new!r} " + (
                "is another relation type's name" if new in taken else "is a label's name" if new in labels else
                "must be 1-64 characters without spaces or quotes"))
        kinds[row] = dataclasses.replace(kinds[row], name=new)
        return self.editor.push(f"rename relation type {old} as {new}", self._with(kinds), ("relations", old, new))

    def retitle(self, row: int, title: str) -> bool:
        return self._change(row, f"retitle relation type {self.kinds()[row].name}", title=title)

    def describe(self, row: int, text: str) -> bool:
        return self._change(row, f"describe relation type {self.kinds()[row].name}", description=text)

    def set_directed(self, row: int, directed: bool) -> bool:
        name = self.kinds()[row].name
        return self._change(row, f"make {name} {'directed' if directed else 'undirected'}", directed=directed)

    def set_hotkey(self, row: int, key: str) -> bool:
        key = key.lower()
        schema = self.editor.schema()
        name = schema.relations[row].name
        owner = next((item.name for item in (*schema.labels, *schema.themes, *schema.relations)
                      if item.hotkey == key and item.name != name), None)
        if key and (owner or len(key) != 1 or not key.isalnum() or not key.isascii()):
            return self._refused(f"Not changed: {key!r} " + (f"is {owner}'s key" if owner
                                                             else "is not a single letter or digit"))
        return self._change(row, f"key {key or 'none'} for {name}", hotkey=key or None)

    def set_ends(self, row: int, which: str, text: str) -> bool:
        """``which`` end's labels, typed as ``PER|ORG`` (commas or spaces do too; empty: any)."""
        names = tuple(dict.fromkeys(n for n in re.split(r"[|,\s]+", text) if n))
        if names == ("any",):
            names = ()
        labels = {label.name for label in self.editor.schema().labels}
        unknown = [n for n in names if n not in labels]
        if unknown:
            return self._refused(f"Not changed: {which} names {unknown[0]!r}, which is not a label of this schema")
        field = "from_labels" if which == "from" else "to_labels"
        name = self.kinds()[row].name
        return self._change(row, f"{which} {ends_text(names) or 'any'} for {name}", **{field: names})

    def recolour(self, row: int, colour: str) -> bool:
        return self._change(row, f"recolour relation type {self.kinds()[row].name}", colour=colour.upper())

    def pick_colour(self, row: int) -> None:
        if not 0 <= row < len(self.kinds()):
            return
        chosen = QColorDialog.getColor(QColor(self.kinds()[row].colour), self, "Colour")
        if chosen.isValid():
            self.recolour(row, chosen.name())

    def add(self) -> bool:
        schema = self.editor.schema()
        taken = {k.name for k in schema.relations}
        n = 1
        while f"relation{n}" in taken:
            n += 1
        colour = colour_for([i.colour for i in (*schema.labels, *schema.relations)], [t.colour for t in schema.themes],
                            kind="relations")
        kinds = [*schema.relations, RelationType(name=f"relation{n}", colour=colour)]
        added = self.editor.push(f"add relation type relation{n}", self._with(kinds))
        self.table.setCurrentCell(len(kinds) - 1, NAME)
        return added

    def add_defaults(self) -> bool:
        """The default schema's relation types the stored one lacks, in one step: their ends keep
        only labels this schema has (a type whose end would be left with none is not added), and a
        hotkey already taken is left out."""
        schema = self.editor.schema()
        labels = {label.name for label in schema.labels}
        keys = {i.hotkey for i in (*schema.labels, *schema.themes, *schema.relations) if i.hotkey}
        names = {k.name for k in schema.relations}
        added = []
        for kind in load_schema_file(default_schema_path()).relations:
            ends = [tuple(n for n in end if n in labels) for end in (kind.from_labels, kind.to_labels)]
            if kind.name in names or any(old and not new for old, new in zip((kind.from_labels, kind.to_labels), ends)):
                continue
            hotkey = kind.hotkey if kind.hotkey not in keys else None
            keys.add(hotkey)
            added.append(dataclasses.replace(kind, from_labels=ends[0], to_labels=ends[1], hotkey=hotkey))
        if not added:
            return self._refused("Nothing added: the default relation types' ends name labels this schema lacks")
        return self.editor.push(f"add {counted(len(added), 'default relation type')}",
                                 self._with([*schema.relations, *added]))

    def delete(self, row: int) -> bool:
        """Delete the type; if relations use it, say how many go with it and ask first."""
        kinds = list(self.kinds())
        if not 0 <= row < len(kinds):
            return False
        name = kinds.pop(row).name
        store = self.editor.window.store
        layers = store.relation_type_usage(name)
        used = sum(layers.values())
        if store.role not in (None, "owner"):  # a lead deletes their own layer's and gold's (a file: any)
            theirs = sorted(layer for layer in layers if layer not in (store.member, GOLD))
            if theirs:
                return self._refused(f"Not deleted: {name} is used in {', '.join(theirs)}'s layer"
                                     f"{'s' * (len(theirs) > 1)}; they delete those relations first, "
                                     "or the owner deletes the type")
        if used and not self.confirm(f"{counted(used, 'relation')} of type {name} (every annotator's and gold's) "
                                     f"will be deleted with it. Delete {name}? Undo (Ctrl+Z) brings them back."):
            self.editor.say(f"Not deleted: {name}")
            return False
        before = self.editor.schema()
        return self.editor.run(DeleteRelationType(self.editor.window.workspace, before, self._with(kinds), name, used))

    def confirm(self, question: str) -> bool:
        box = QMessageBox(QMessageBox.Question, "Delete a relation type", question,
                          QMessageBox.Yes | QMessageBox.No, self)
        box.setDefaultButton(QMessageBox.No)
        return box.exec() == QMessageBox.Yes
