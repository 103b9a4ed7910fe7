"""Small dialogs: the annotator's name, a span's note, the shortcut sheet, import progress."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction

from annotator.core.model import GOLD
from annotator.core.schema import has_invisible
from annotator.gui.plain import isolate
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
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
        "Your annotator name, kept in this database (the command line's annotator whoami shows it).\n"
        "Each annotator sees and edits only their own annotations.", text=default)
    name = name.strip()
    if ok and name == GOLD:
        QMessageBox.warning(parent, "Annotator name", f"{GOLD!r} is reserved for the adjudicated layer.")
        return None
    return name if ok and name else None


class SwitchAnnotatorDialog(QDialog):
    """File → Switch annotator: the existing layers by name with what they hold; a new layer only
    by an explicit choice, so a typo never silently starts an empty one."""

    def __init__(self, parent: QWidget | None, counts: dict[str, tuple[int, int]], current: str):
        super().__init__(parent)
        self.setWindowTitle("Switch annotator")
        self.chosen: str | None = None
        self.list = QListWidget()
        self.list.setObjectName("annotator-list")
        for name, (spans, docs) in sorted(counts.items(), key=lambda kv: (kv[0] == GOLD, kv[0].casefold())):
            if name == GOLD:
                continue
            item = QListWidgetItem(f"{isolate(name)} — {spans} span{'s' * (spans != 1)} in {docs} "
                                   f"document{'s' * (docs != 1)}" + ("  (current)" if name == current else ""))
            item.setData(Qt.UserRole, name)
            self.list.addItem(item)
            if name == current:
                self.list.setCurrentItem(item)
        self.list.itemActivated.connect(lambda item: self._choose(item.data(Qt.UserRole)))
        self.new_name = QLineEdit()
        self.new_name.setObjectName("new-annotator")
        self.new_name.setPlaceholderText("a new annotator's name")
        self.create = QPushButton("Start a new layer")
        self.create.setEnabled(False)
        self.new_name.textChanged.connect(self._typed)
        self.create.clicked.connect(lambda: self._choose(self.new_name.text().strip()))
        self.known = set(counts)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Switch")
        buttons.accepted.connect(lambda: self._choose(self.list.currentItem().data(Qt.UserRole))
                                 if self.list.currentItem() else None)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.new_name)
        row.addWidget(self.create)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Annotators in this database:"))
        layout.addWidget(self.list)
        layout.addWidget(QLabel("Or a new one:"))
        layout.addLayout(row)
        layout.addWidget(buttons)

    def _typed(self, text: str) -> None:
        name = text.strip()
        self.create.setEnabled(bool(name) and name != GOLD and not has_invisible(name))
        self.create.setText("Switch to this annotator" if name in self.known else "Start a new layer")

    def _choose(self, name: str | None) -> None:
        if name:
            self.chosen = name
            self.accept()


class NoteDialog(QDialog):
    def __init__(self, parent: QWidget | None, span_text: str, note: str):
        super().__init__(parent)
        self.setWindowTitle("Note")
        label = QLabel(f"Note on: {isolate(span_text)}")
        label.setTextFormat(Qt.PlainText)
        label.setWordWrap(True)
        self.editor = QPlainTextEdit(note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setToolTip("Ctrl+Enter")
        self.editor.installEventFilter(self)  # Ctrl+Enter saves; Return alone is a new line in the note
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.editor)
        layout.addWidget(buttons)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if (watched is self.editor and event.type() == QEvent.KeyPress
                and event.key() in (Qt.Key_Return, Qt.Key_Enter) and event.modifiers() & Qt.ControlModifier):
            self.accept()
            return True
        return super().eventFilter(watched, event)

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
