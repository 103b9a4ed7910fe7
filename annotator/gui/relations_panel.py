"""The Relations panel (issue 25): the open document's relations in the layer shown, one row each
(type with its colour, the from span's text, the to span's text, each an isolated bidi run), with
signals for what the person did; the room annotator.gui.relating acts on them. A table model, so
that 2,000 relations are shown at once (rows are drawn as they scroll into view)."""

from __future__ import annotations

import bisect

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QVBoxLayout, QWidget

from annotator.core.model import Relation, Span
from annotator.gui.panels import row_table, swatch
from annotator.gui.plain import alignment, isolate


def _short(text: str, most: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[:most - 1] + "…"


class RelationsModel(QAbstractTableModel):
    TITLES = ("Type", "From", "To")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.relations: list[Relation] = []
        self.spans: dict[int, Span] = {}
        self.colours: dict[str, str] = {}
        self._icons: dict[str, Any] = {}

    def set_relations(self, relations: list[Relation], spans: dict[int, Span], colours: dict[str, str]) -> None:
        self.beginResetModel()
        self.relations, self.spans, self.colours = list(relations), spans, colours
        self._icons = {}
        self.endResetModel()

    def change(self, removed: set[int], added: list[Relation], spans: dict[int, Span]) -> None:
        """Rows gone (relations' ids) and new rows (``spans``: their ends), each new one where its
        id puts it (the order they were made); the other rows stay as they are."""
        for row in sorted((n for n, r in enumerate(self.relations) if r.id in removed), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.relations[row]
            self.endRemoveRows()
        self.spans.update(spans)
        for relation in added:
            row = bisect.bisect([r.id for r in self.relations], relation.id)
            self.beginInsertRows(QModelIndex(), row, row)
            self.relations.insert(row, relation)
            self.endInsertRows()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802,B008 (Qt's names)
        return 0 if parent.isValid() else len(self.relations)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else 3

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.TITLES[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        relation = self.relations[index.row()]
        column = index.column()
        if column == 0:
            if role == Qt.DisplayRole:
                return relation.label
            if role == Qt.DecorationRole:
                colour = self.colours.get(relation.label, "#5C6B7A")
                if colour not in self._icons:
                    self._icons[colour] = swatch(colour)
                return self._icons[colour]
            return None
        span = self.spans.get(relation.from_id if column == 1 else relation.to_id)
        text = _short(span.text) if span is not None else "?"
        if role == Qt.DisplayRole:
            return isolate(text)
        if role == Qt.TextAlignmentRole:
            return alignment(text)
        if role == Qt.ToolTipRole and span is not None:
            return f"{span.label} {span.start}–{span.end}"
        return None


class RelationsPanel(QWidget):
    relation_selected = Signal(int)  # relation id
    delete_requested = Signal(int)  # relation id (the Delete key on a row)
    menu_requested = Signal(int, object)  # relation id, global position

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("relations-panel")
        self.model = RelationsModel(self)
        self.table = row_table(self.model, "relations-table")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Interactive)
        header.resizeSection(0, 140)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.Stretch)
        self.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu_at)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.table.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        self._quiet = False

    @property
    def relations(self) -> list[Relation]:
        return self.model.relations

    def row_count(self) -> int:
        return self.model.rowCount()

    def text(self, row: int, column: int) -> str:
        return self.model.data(self.model.index(row, column))

    def set_relations(self, relations: list[Relation], spans: dict[int, Span], colours: dict[str, str]) -> None:
        """Show ``relations`` (``spans``: the layer's spans by id; ``colours``: a type's colour)."""
        self._quiet = True
        selected = self.selected_id()
        self.model.set_relations(relations, spans, colours)
        self.show_selected(selected)
        self._quiet = False

    def change(self, removed: set[int], added: list[Relation], spans: dict[int, Span]) -> None:
        """Some relations gone (by id), some new (``spans``: their ends by id)."""
        self._quiet = True
        selected = self.selected_id()
        self.model.change(removed, added, spans)
        self.show_selected(selected if selected not in removed else None)
        self._quiet = False

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.relations[rows[0].row()].id if rows and rows[0].row() < len(self.relations) else None

    def show_selected(self, relation_id: int | None) -> None:
        row = next((i for i, r in enumerate(self.relations) if r.id == relation_id), None)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        else:
            self.table.clearSelection()

    def _selected(self) -> None:
        relation_id = self.selected_id()
        if not self._quiet and relation_id is not None:
            self.relation_selected.emit(relation_id)

    def _menu_at(self, pos) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.table.selectRow(index.row())
            self.menu_requested.emit(self.relations[index.row()].id, self.table.viewport().mapToGlobal(pos))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override: the Delete key on a row)
        if event.type() == event.Type.KeyPress and event.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            relation_id = self.selected_id()
            if relation_id is not None:
                self.delete_requested.emit(relation_id)
                return True
        return super().eventFilter(watched, event)
