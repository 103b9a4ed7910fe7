"""The Relations panel (issue 25): the open document's relations in the layer shown, one row each
(type with its colour, the from span's text, the to span's text, each an isolated bidi run), with
signals for what the person did; the room annotator.gui.relating acts on them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from annotator.core.model import Relation, Span
from annotator.gui.panels import swatch
from annotator.gui.plain import alignment, isolate


def _short(text: str, most: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[:most - 1] + "…"


class RelationsPanel(QWidget):
    relation_selected = Signal(int)  # relation id
    delete_requested = Signal(int)  # relation id (the Delete key on a row)
    menu_requested = Signal(int, object)  # relation id, global position

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("relations-panel")
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("relations-table")
        self.table.setHorizontalHeaderLabels(["Type", "From", "To"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        for column in (1, 2):
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.Stretch)
        self.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu_at)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        self.relations: list[Relation] = []
        self._quiet = False

    def set_relations(self, relations: list[Relation], spans: dict[int, Span], colours: dict[str, str]) -> None:
        """Show ``relations`` (``spans``: the layer's spans by id; ``colours``: a type's colour)."""
        self._quiet = True
        selected = self.selected_id()
        self.relations = list(relations)
        self.table.setRowCount(len(self.relations))
        for row, relation in enumerate(self.relations):
            kind = QTableWidgetItem(swatch(colours.get(relation.label, "#5C6B7A")), relation.label)
            kind.setData(Qt.UserRole, relation.id)
            self.table.setItem(row, 0, kind)
            for column, span_id in ((1, relation.from_id), (2, relation.to_id)):
                span = spans.get(span_id)
                text = _short(span.text) if span is not None else f"span {span_id}"
                item = QTableWidgetItem(isolate(text))
                item.setTextAlignment(Qt.AlignmentFlag(alignment(text)))
                if span is not None:
                    item.setToolTip(f"{span.label} {span.start}–{span.end}")
                self.table.setItem(row, column, item)
        self.show_selected(selected)
        self._quiet = False

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.relations[rows[0].row()].id if rows and rows[0].row() < len(self.relations) else None

    def show_selected(self, relation_id: int | None) -> None:
        rows = [i for i, r in enumerate(self.relations) if r.id == relation_id]
        if rows:
            self.table.selectRow(rows[0])
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
