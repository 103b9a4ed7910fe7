"""Small dialogs: the annotator's name, a span's note, the shortcut sheet, import progress."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from annotator.core.model import GOLD
from annotator.gui.plain import isolate
from PySide6.QtWidgets import (
    QDialog,
    QMessageBox,
    QDialogButtonBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def ask_annotator_name(parent: QWidget | None, default: str) -> str | None:
    """Ask who is annotating; None if cancelled."""
    name, ok = QInputDialog.getText(
        parent, "Who is annotating?",
        "Your annotator name. Each annotator sees and edits only their own annotations.", text=default)
    name = name.strip()
    if ok and name == GOLD:
        QMessageBox.warning(parent, "Annotator name", f"{GOLD!r} is reserved for the adjudicated layer.")
        return None
    return name if ok and name else None


class NoteDialog(QDialog):
    def __init__(self, parent: QWidget | None, span_text: str, note: str):
        super().__init__(parent)
        self.setWindowTitle("Note")
        label = QLabel(f"Note on: {isolate(span_text)}")
        label.setTextFormat(Qt.PlainText)
        label.setTextFormat(Qt.PlainText)
        label.setWordWrap(True)
        self.editor = QPlainTextEdit(note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.editor)
        layout.addWidget(buttons)

    def note(self) -> str:
        return self.editor.toPlainText().strip()


class ShortcutSheet(QDialog):
    """Every action with its shortcut, generated from the menus so it can never drift."""

    def __init__(self, parent: QWidget | None, rows: list[tuple[str, QAction]]):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 640)
        table = QTableWidget(0, 3)
        table.setObjectName("shortcut-table")
        table.setHorizontalHeaderLabels(["Menu", "Action", "Shortcut"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        shown = [(menu, action) for menu, action in rows if not action.shortcut().isEmpty()]
        table.setRowCount(len(shown))
        for row, (menu, action) in enumerate(shown):
            keys = ", ".join(k.toString(k.SequenceFormat.NativeText) for k in action.shortcuts())
            for column, text in enumerate((menu, action.text().replace("&", ""), keys)):
                table.setItem(row, column, QTableWidgetItem(text))
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
