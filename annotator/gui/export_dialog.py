"""File → Export and File → Import: the command line's choices in dialogs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from annotator.core.errors import InputError
from annotator.core.exporting import FORMATS, ExportOptions
from annotator.core.peer_layers import parse_layer_map
from annotator.core.model import Status
from annotator.core.offsets import UNIT_NAMES, UNITS
from annotator.storage import Store

# name shown, default file name, save filter
FORMAT_FILES = {
    "jsonl": ("annotator JSONL", "annotations.jsonl", "JSON Lines (*.jsonl)"),
    "doccano": ("doccano JSONL (offsets in UTF-16, as doccano counts)", "doccano.jsonl", "JSON Lines (*.jsonl)"),
    "labelstudio": ("Label Studio tasks JSON", "label-studio-tasks.json", "JSON (*.json)"),
    "spacy": ("spaCy / Prodigy JSONL", "prodigy.jsonl", "JSON Lines (*.jsonl)"),
    "bio": ("BIO sentences JSONL (with a label list)", "bio.jsonl", "JSON Lines (*.jsonl)"),
    "conll": ("CoNLL-2003 IOB2 text", "annotations.conll", "CoNLL (*.conll *.txt)"),
    "conllu": ("CoNLL-U (spacing kept, for spacy convert)", "annotations.conllu", "CoNLL-U (*.conllu)"),
    "spacy-docbin": ("spaCy DocBin (.spacy, for spacy train)", "train.spacy", "spaCy DocBin (*.spacy)"),
    "brat": ("brat standoff folder", "brat", ""),
    "xmi": ("INCEpTION UIMA CAS XMI (.zip)", "inception-xmi.zip", "Zip (*.zip)"),
    "webanno": ("INCEpTION WebAnno TSV 3.3 (.zip)", "inception-tsv.zip", "Zip (*.zip)"),
}


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None, store: Store, annotator: str, folder: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export annotations")
        self.folder = Path(folder) if folder else Path.home()
        self.format = QComboBox()
        for name in FORMATS:
            self.format.addItem(FORMAT_FILES[name][0], name)
        self.layer = QComboBox()
        self.layer.addItem("Every annotator's layer", None)
        for name in store.annotators_with_layers():
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
        self.untouched = QCheckBox("Also documents nobody touched (as empty, i.e. \"no entities\")")
        self.path = QLineEdit(str(self.folder / FORMAT_FILES["jsonl"][1]))
        self.format.currentIndexChanged.connect(self._format_changed)
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
        form.addRow("", self.untouched)
        form.addRow("File", row)
        form.addRow(buttons)

    def _format_changed(self) -> None:
        """A new format names a file of its kind in the same folder."""
        current = Path(self.path.text()).expanduser()
        folder = current.parent if current.name else self.folder
        self.path.setText(str(folder / FORMAT_FILES[self.format.currentData()][1]))

    def _browse(self) -> None:
        fmt = self.format.currentData()
        if fmt == "brat":
            path = QFileDialog.getExistingDirectory(self, "Export to folder", str(Path(self.path.text()).parent))
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), FORMAT_FILES[fmt][2])
        if path:
            self.path.setText(path)

    def target(self) -> Path:
        """The chosen path, absolute (a bare name goes into the dialog's folder, not the process's)."""
        path = Path(self.path.text()).expanduser()
        return path if path.is_absolute() else self.folder / path

    def options(self) -> ExportOptions:
        layer = self.layer.currentData()
        status = self.status.currentData()
        return ExportOptions(format=self.format.currentData(), annotator=None if layer in (None, "__gold__") else layer,
                             gold=layer == "__gold__", status=Status(status) if status else None,
                             lang=self.lang.currentData(), include_untouched=self.untouched.isChecked())


class ImportOptionsDialog(QDialog):
    """After choosing files: how other tools' offsets are counted, Label Studio's text field, and
    which of a peer's layer names become whose (the command line's --layer-map)."""

    def __init__(self, parent: QWidget | None, paths: list[str]):
        super().__init__(parent)
        self.setWindowTitle("Import")
        self.offsets = QComboBox()
        self.offsets.addItem("As each tool's editor writes them (doccano: UTF-16; Label Studio, Prodigy: code points)",
                             None)
        for unit in UNITS:
            self.offsets.addItem(f"Always {UNIT_NAMES[unit]}", unit)
        self.text_field = QLineEdit()
        self.text_field.setPlaceholderText("text")
        self.layer_map = QLineEdit()
        self.layer_map.setPlaceholderText("news_ner-sara=sara, ls-1=minji")
        self.layer_map.setToolTip("A peer's layer name, =, the annotator it is: Prodigy's dataset-session names, "
                                  "Label Studio's ls-ID users. Comma-separated.")
        self.problem = QLabel()
        self.problem.setStyleSheet("font-weight: bold")  # the palette's own text colour: readable on both themes
        self.problem.hide()
        names = QLabel("\n".join(paths[:8]) + (f"\n… and {len(paths) - 8} more" if len(paths) > 8 else ""))
        names.setTextFormat(names.textFormat().PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Import")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Files", names)
        form.addRow("Span offsets", self.offsets)
        form.addRow("Label Studio text field", self.text_field)
        form.addRow("Rename layers", self.layer_map)
        form.addRow("", self.problem)
        form.addRow(buttons)

    def _layer_map(self) -> dict[str, str]:
        return parse_layer_map([item for item in self.layer_map.text().split(",") if item.strip()])

    def _accept(self) -> None:
        """A layer map that is not OLD=NEW pairs is said here, and the dialog stays open."""
        try:
            self._layer_map()
        except InputError as err:
            self.problem.setText("⚠ " + err.reason.replace("--layer-map", "Rename layers"))
            self.problem.show()
            self.layer_map.setFocus()
            return
        self.accept()

    def choices(self) -> dict[str, object]:
        return {"offsets": self.offsets.currentData(), "text_field": self.text_field.text().strip() or None,
                "layer_map": self._layer_map() or None}
