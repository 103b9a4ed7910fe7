"""Side panels: label palette, themes, the document's spans, guidelines. All user text is plain."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Span
from annotator.core.schema import Label, Schema
from annotator.gui.plain import tooltip


def swatch(colour: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class LabelPalette(QListWidget):
    """Each entity label with its colour and hotkey; activating one applies it."""

    label_chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("label-palette")
        self.itemActivated.connect(lambda item: self.label_chosen.emit(item.data(Qt.UserRole)))
        self.itemClicked.connect(lambda item: self.label_chosen.emit(item.data(Qt.UserRole)))
        self.setFocusPolicy(Qt.NoFocus)  # keep the keyboard on the article

    def set_labels(self, labels: tuple[Label, ...]) -> None:
        self.clear()
        for label in labels:
            key = (label.hotkey or " ").upper()
            item = QListWidgetItem(swatch(label.colour), f"{key}   {label.name} — {label.display}")
            item.setData(Qt.UserRole, label.name)
            item.setToolTip(tooltip(label.description))
            self.addItem(item)


class ThemesPanel(QWidget):
    """A checkbox per theme; toggling one asks for a command (the window decides)."""

    theme_toggled = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("themes-panel")
        self.boxes: dict[str, QCheckBox] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)

    def set_themes(self, themes: tuple[Label, ...]) -> None:
        for box in self.boxes.values():
            box.deleteLater()
        self.boxes = {}
        for theme in themes:
            key = f"[{theme.hotkey}] " if theme.hotkey else ""
            box = QCheckBox(f"{key}{theme.display}")
            box.setIcon(swatch(theme.colour))
            box.setFocusPolicy(Qt.NoFocus)
            box.setToolTip(tooltip(theme.description))
            box.clicked.connect(lambda checked, name=theme.name: self.theme_toggled.emit(name, checked))
            self._layout.addWidget(box)
            self.boxes[theme.name] = box
        self._layout.addStretch(1)

    def show_selected(self, names: list[str]) -> None:
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(name in names)
            box.blockSignals(False)


class SpanListPanel(QWidget):
    """The document's spans in text order, with delete, relabel and note."""

    span_selected = Signal(int)
    delete_requested = Signal()
    note_requested = Signal()

    COLUMNS = ("Start", "End", "Label", "Text", "Note")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("span-list")
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("span-table")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        header.setSectionResizeMode(4, QHeaderView.Stretch)
        delete = QPushButton("Delete")
        delete.clicked.connect(self.delete_requested)
        note = QPushButton("Note…")
        note.clicked.connect(self.note_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(delete)
        buttons.addWidget(note)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._ids: list[int] = []
        self.table.itemSelectionChanged.connect(self._selected)

    def set_spans(self, spans: list[Span], schema: Schema) -> None:
        self.table.blockSignals(True)
        ordered = sorted(spans, key=lambda s: (s.start, s.end, s.label))
        self._ids = [s.id or 0 for s in ordered]
        self.table.setRowCount(len(ordered))
        for row, span in enumerate(ordered):
            label = schema.label(span.label)
            cells = [str(span.start), str(span.end), span.label, " ".join(span.text.split()), span.note or ""]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 2 and label is not None:
                    item.setIcon(swatch(label.colour))
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)

    def show_selected(self, span_id: int | None) -> None:
        self.table.blockSignals(True)
        if span_id in self._ids:
            row = self._ids.index(span_id)
            self.table.selectRow(row)
            self.table.scrollToItem(self.table.item(row, 0))
        else:
            self.table.clearSelection()
        self.table.blockSignals(False)

    def _selected(self) -> None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if rows:
            self.span_selected.emit(self._ids[min(rows)])


class GuidelinesPanel(QPlainTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("guidelines")
        self.setReadOnly(True)

    def set_schema(self, schema: Schema) -> None:
        self.setPlainText(schema.guidelines_text())
