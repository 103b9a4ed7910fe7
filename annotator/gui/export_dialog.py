"""File → Export: the command line's export choices in a dialog."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from annotator.core.exporting import FORMATS, ExportOptions
from annotator.core.model import Status
from annotator.storage import Store

FORMAT_NAMES = {"jsonl": "annotator JSONL", "doccano": "doccano JSONL", "spacy": "spaCy / Prodigy JSONL",
                "bio": "BIO tokens JSONL"}


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None, store: Store, annotator: str):
        super().__init__(parent)
        self.setWindowTitle("Export annotations")
        self.format = QComboBox()
        for name in FORMATS:
            self.format.addItem(FORMAT_NAMES[name], name)
        self.layer = QComboBox()
        self.layer.addItem("Every annotator's layer", None)
        for name in store.annotators():
            self.layer.addItem(f"Only {name}", name)
        self.layer.addItem("Gold (adjudicated)", "__gold__")
        self.layer.setCurrentIndex(max(0, self.layer.findData(annotator)))
        self.status = QComboBox()
        self.status.addItem("Any status", None)
        for status in Status:
            self.status.addItem(f"Only {status.value.replace('_', ' ')}", status.value)
        self.lang = QComboBox()
        self.lang.addItem("Every language", None)
        for lang in store.languages():
            self.lang.addItem(lang, lang)
        self.path = QLineEdit("annotations.jsonl")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("Annotations", self.layer)
        form.addRow("Status", self.status)
        form.addRow("Language", self.lang)
        form.addRow("File", row)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), "JSON Lines (*.jsonl)")
        if path:
            self.path.setText(path)

    def options(self) -> ExportOptions:
        layer = self.layer.currentData()
        status = self.status.currentData()
        return ExportOptions(format=self.format.currentData(), annotator=None if layer in (None, "__gold__") else layer,
                             gold=layer == "__gold__", status=Status(status) if status else None,
                             lang=self.lang.currentData())
