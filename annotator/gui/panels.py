"""Side panels: label palette, themes, the document's spans, guidelines. All user text is plain."""

from __future__ import annotations

import bisect
import operator

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap, QRegion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import Span
from annotator.core.schema import Label, Schema
from annotator.gui.models import RowTableModel
from annotator.gui.plain import alignment, isolate, isolate_runs, tooltip


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
        # A narrow panel elides a long name ("G   GPE — geo-political en…") rather than scrolling sideways.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.ElideRight)

    SHOWN_ROWS = 12  # rows the panel asks room for; more labels than that scroll

    def set_labels(self, labels: tuple[Label, ...]) -> None:
        self.clear()
        for label in labels:
            key = (label.hotkey or " ").upper()
            item = QListWidgetItem(swatch(label.colour), f"{key}   {label.name} — {label.display}")
            item.setData(Qt.UserRole, label.name)
            item.setToolTip(tooltip(label.description))
            self.addItem(item)
        self.updateGeometry()

    def _rows_height(self, rows: int) -> int:
        row = self.sizeHintForRow(0) if self.count() else self.fontMetrics().height() + 4
        return row * rows + 2 * self.frameWidth() + 2

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override): room for every label, up to SHOWN_ROWS
        return QSize(super().sizeHint().width(), self._rows_height(min(max(self.count(), 1), self.SHOWN_ROWS)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override): every label in sight, up to SHOWN_ROWS
        return QSize(super().minimumSizeHint().width(), self._rows_height(min(max(self.count(), 1), self.SHOWN_ROWS)))


class ThemeBox(QCheckBox):
    """A theme's checkbox whose title is elided in a narrow panel rather than widening it."""

    def __init__(self, text: str, parent=None):
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)  # a checkbox's own policy never shrinks

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 6 * self.fontMetrics().averageCharWidth() + 2 * self.iconSize().width()),
                     hint.height())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        room = self.style().subElementRect(QStyle.SE_CheckBoxContents, option, self).width()
        if not option.icon.isNull():
            room -= option.iconSize.width() + 4
        option.text = self.fontMetrics().elidedText(option.text, Qt.ElideRight, max(room, 0))
        painter = QStylePainter(self)
        painter.drawControl(QStyle.CE_CheckBox, option)


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
        while self._layout.count():  # the boxes and the stretch below them (a stretch left behind
            item = self._layout.takeAt(0)  # pushed the boxes down on every schema edit)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.boxes = {}
        self.titles: dict[str, str] = {}
        for theme in themes:
            key = f"[{theme.hotkey}] " if theme.hotkey else ""
            self.titles[theme.name] = f"{key}{theme.display}"
            box = ThemeBox(self.titles[theme.name])
            box.setIcon(swatch(theme.colour))
            box.setFocusPolicy(Qt.NoFocus)
            box.setToolTip(tooltip(f"{self.titles[theme.name]}\n{theme.description}"))  # whole, if the box elides it
            box.clicked.connect(lambda checked, name=theme.name: self.theme_toggled.emit(name, checked))
            self._layout.addWidget(box)
            self.boxes[theme.name] = box
        self._layout.addStretch(1)

    def show_votes(self, votes: dict[str, list[str]] | None, annotators: int = 0) -> None:
        """In review mode, each theme shows who ticked it (``None`` goes back to plain titles)."""
        for name, box in self.boxes.items():
            base = self.titles[name]
            if votes is None:
                box.setText(base)
            else:
                voters = votes.get(name, [])
                box.setText(f"{base} — {len(voters)}/{annotators}" + (f" ({', '.join(voters)})" if voters else ""))

    def show_selected(self, names: list[str]) -> None:
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(name in names)
            box.blockSignals(False)

    def show_suggested(self, scores: dict[str, float]) -> None:
        """Themes the theme classifier suggests for the document, with its probability: ticking
        one is accepting it."""
        for name, box in self.boxes.items():
            base = self.titles[name]
            box.setText(f"{base} — suggested {scores[name]:.2f}" if name in scores else base)


class SpanListModel(RowTableModel):
    """The open document's spans in text order. Cells are made on demand, and a command's change
    inserts or removes single rows, so a document with thousands of spans opens at once."""

    COLUMNS = ("Start", "End", "Label", "Text", "Note")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.spans: list[Span] = []
        self.colours: dict[str, str] = {}
        self._icons: dict[str, QIcon] = {}
        self._by_id: dict[int | None, Span] = {}
        # A row's values by column and role, made when first drawn (_columns): the view asks for
        # every visible cell again after each change, and a new span scrolls the table to its row.
        self._cells: dict[int | None, tuple] = {}

    _key = staticmethod(operator.itemgetter(2, 3, 4))  # (start, end, label): text order, by C code

    def set_spans(self, spans: list[Span], colours: dict[str, str]) -> None:
        self.beginResetModel()
        self.spans = sorted(spans, key=self._key)
        self._by_id = {s.id: s for s in self.spans}
        self._cells = {}
        self.colours = colours
        self.endResetModel()

    def change(self, removed: list[Span], added: list[Span]) -> None:
        for span in removed:
            row = self.row_of(span.id)
            if row is not None:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.spans[row]
                self._by_id.pop(span.id, None)
                self._cells.pop(span.id, None)
                self.endRemoveRows()
        for span in added:
            row = bisect.bisect_left(self.spans, self._key(span), key=self._key)
            self.beginInsertRows(QModelIndex(), row, row)
            self.spans.insert(row, span)
            self._by_id[span.id] = span
            self._cells.pop(span.id, None)
            self.endInsertRows()

    def row_of(self, span_id: int | None) -> int | None:
        span = self._by_id.get(span_id)
        if span is None:
            return None
        row = bisect.bisect_left(self.spans, self._key(span), key=self._key)
        while row < len(self.spans) and self.spans[row].id != span_id:  # spans with the same place and label
            row += 1
        return row if row < len(self.spans) else None

    def rows(self) -> list[Span]:
        return self.spans

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt override: asked many times a paint)
        return 0 if parent.isValid() else len(self.spans)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt override: asked many times a paint)
        return 0 if parent.isValid() else 5

    def _columns(self, span: Span) -> tuple[dict[int, object], ...]:
        """Each column's values by role for ``span``'s row, made when the row is first drawn:
        the view asks for every visible cell again after each change, seven roles a cell."""
        cells = self._cells.get(span.id)
        if cells is not None and cells[0] is span:
            return cells[1]
        colour = self.colours.get(span.label, "#868E96")
        icon = self._icons.get(colour)
        if icon is None:
            icon = self._icons[colour] = swatch(colour)
        note = span.note or ""
        # User text is isolated, so «۳ و ۴ دسامبر» keeps its order in a left-to-right table.
        columns = (
            {_DISPLAY: str(span.start)},
            {_DISPLAY: str(span.end)},
            {_DISPLAY: span.label, _DECORATION: icon},
            {_DISPLAY: isolate(" ".join(span.text.split())), _ALIGNMENT: alignment(span.text)},
            {_DISPLAY: isolate(" ".join(note.split())), _ALIGNMENT: alignment(note),
             **({_TOOLTIP: tooltip(note)} if note else {})},
        )
        self._cells[span.id] = (span, columns)
        return columns

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self.spans):
            return None
        return self._columns(self.spans[row])[index.column()].get(int(role))

    def multiData(self, index: QModelIndex, roles) -> None:  # noqa: N802 (Qt override)
        """Every role a cell is asked for, in one call: a view's delegate asks for seven or so per
        cell, and each call from Qt into Python costs more than the answer."""
        row = index.row()
        values = self._columns(self.spans[row])[index.column()] if index.isValid() and 0 <= row < len(self.spans) \
            else {}
        for item in roles:
            value = values.get(item.role())
            if value is None:
                item.clearData()
            else:
                item.setData(value)


_DISPLAY, _DECORATION, _TOOLTIP, _ALIGNMENT = (int(role) for role in (Qt.DisplayRole, Qt.DecorationRole,
                                                                      Qt.ToolTipRole, Qt.TextAlignmentRole))


class _TitlesHeader(QHeaderView):
    """The span list's column titles, which do not follow the selection: whole rows are selected,
    so every title would be highlighted whenever a span is, and Qt repainted the titles on every
    selection (each label key) to show it."""

    def __init__(self, parent=None):
        super().__init__(Qt.Horizontal, parent)
        self.setSectionsClickable(True)  # as a table's own header
        self.setHighlightSections(False)

    def visualRegionForSelection(self, selection) -> QRegion:  # noqa: N802 (Qt override)
        return QRegion()  # nothing here shows the selection

    def currentChanged(self, current, previous) -> None:  # noqa: N802 (Qt override)
        pass  # nor the current cell's column


def row_table(model, name: str) -> QTableView:
    """A read-only table of whole rows, one selected at a time, one text line high: the span
    list's and the relations panel's."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table


class SpanListPanel(QWidget):
    """The document's spans in text order, with delete, relabel and note (buttons, keys and a
    right-click menu)."""

    span_selected = Signal(int)
    delete_requested = Signal()
    note_requested = Signal()
    menu_requested = Signal(int, object)  # span id, global position: right-click on a row

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("span-list")
        self.model = SpanListModel(self)
        self.table = row_table(self.model, "span-table")
        self.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu_at)
        header = _TitlesHeader(self.table)
        self.table.setHorizontalHeader(header)
        # Opaque: a scroll (a label key scrolls to the new span's row) repaints the bar alone, not
        # the panel and the dock behind it.
        self.table.verticalScrollBar().setAutoFillBackground(True)
        for column, width in ((0, 64), (1, 64), (2, 96)):
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            header.resizeSection(column, width)
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
        self._quiet = False
        self.table.selectionModel().selectionChanged.connect(self._selected)

    def _menu_at(self, pos) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            span = self.model.spans[index.row()]
            self.span_selected.emit(span.id)
            self.menu_requested.emit(span.id, self.table.viewport().mapToGlobal(pos))

    def set_spans(self, spans: list[Span], colours: dict[str, str]) -> None:
        self._quiet = True
        self.model.set_spans(spans, colours)
        self._quiet = False

    def change(self, removed: list[Span], added: list[Span]) -> None:
        self._quiet = True
        self.model.change(removed, added)
        self._quiet = False

    def show_selected(self, span_id: int | None) -> None:
        self._quiet = True
        row = self.model.row_of(span_id) if span_id is not None else None
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        else:
            self.table.clearSelection()
        self._quiet = False

    def _selected(self) -> None:
        if self._quiet:
            return
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.span_selected.emit(self.model.spans[rows[0].row()].id)


class GuidelinesPanel(QPlainTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("guidelines")
        self.setReadOnly(True)

    def set_schema(self, schema: Schema) -> None:
        self.setPlainText(isolate_runs(schema.guidelines_text()))
