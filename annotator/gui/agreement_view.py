"""Review → Agreement: the figures of `annotator agreement`, as tables and charts, in the window;
relation F1 (issue 25) per pair and per type in a section of its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.agreement import compute
from annotator.gui.charts import BarChart, agreement_per_label, labels_per_annotator
from annotator.storage import Store


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.NoEditTriggers)
    _fill(table, rows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


class AgreementDialog(QDialog):
    """The figures of every layer; on a team database they follow what the members save while the
    dialog is open (the window's live poll calls :meth:`reload`)."""

    def __init__(self, parent: QWidget | None, store: Store):
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Agreement")
        self.setProperty("documentWork", False)  # time spent here is no document's (gui/activity.py)
        self.resize(1000, 760)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.PlainText)
        self.pairs = _table(["A", "B", "documents", "F1 exact", "F1 overlap", "theme kappa"], [])
        self.labels = _table(["label", "spans", "F1 exact", "F1 overlap"], [])
        self.finished = _table(["annotator", "spans", "documents done"], [])
        self.relations_summary = QLabel()
        self.relations_summary.setTextFormat(Qt.PlainText)
        self.relation_pairs = _table(["A", "B", "documents", "relations A", "relations B", "F1"], [])
        self.relation_types = _table(["relation type", "relations", "F1"], [])
        self.labels_chart = BarChart("Spans per label and annotator")
        self.agreement_chart = BarChart("Agreement per label", maximum=1.0, percent=True)
        self.reload()
        tables = QHBoxLayout()
        tables.addWidget(self.pairs)
        tables.addWidget(self.labels)
        tables.addWidget(self.finished)
        relations = QHBoxLayout()
        relations.addWidget(self.relation_pairs)
        relations.addWidget(self.relation_types)
        charts = QHBoxLayout()
        charts.addWidget(self.labels_chart)
        charts.addWidget(self.agreement_chart)
        save = QPushButton("Save charts as PNG…")
        save.clicked.connect(self._save)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(save, QDialogButtonBox.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(tables)
        layout.addWidget(self.relations_summary)
        layout.addLayout(relations)
        layout.addLayout(charts, 1)
        layout.addWidget(buttons)

    def reload(self) -> None:
        """Compute the figures again from the database and show them."""
        self.figures = compute(self.store)
        f = self.figures
        self.summary.setText(
            f"Annotators: {', '.join(f['annotators']) or 'none'}\n"
            f"Span F1 (micro over pairs): exact {_fmt(f['span_f1_exact'])}, by overlap {_fmt(f['span_f1_overlap'])}\n"
            f"Themes: Cohen's kappa (mean of pairs) {_fmt(f['theme_kappa'])}, Fleiss' kappa "
            f"{_fmt(f['theme_fleiss_kappa'])}, Krippendorff's alpha {_fmt(f['theme_krippendorff_alpha'])}")
        _fill(self.pairs, [[p["a"], p["b"], str(p["documents"]), _fmt(p["f1_exact"]), _fmt(p["f1_overlap"]),
                            _fmt(p["theme_kappa"])] for p in f["pairs"]])
        _fill(self.labels, [[label, str(row["spans"]), _fmt(row["f1_exact"]), _fmt(row["f1_overlap"])]
                            for label, row in f["per_label"].items()])
        _fill(self.finished, [[name, str(sum(counts.values())), str(len(f["finished"][name]))]
                              for name, counts in f["counts"].items()])
        r = f["relations"]
        self.relations_summary.setText(f"Relations (a match: both ends' spans and the type exact): F1 (micro over "
                                       f"pairs) {_fmt(r['f1'])}")
        _fill(self.relation_pairs, [[p["a"], p["b"], str(p["documents"]), str(p["relations_a"]),
                                     str(p["relations_b"]), _fmt(p["f1"])] for p in r["pairs"]])
        _fill(self.relation_types, [[kind, str(row["relations"]), _fmt(row["f1"])]
                                    for kind, row in r["per_type"].items()])
        self.labels_chart.set_data(*labels_per_annotator(f))
        self.agreement_chart.set_data(*agreement_per_label(f))

    def save_charts(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        return [self.labels_chart.save(folder / "labels-per-annotator.png"),
                self.agreement_chart.save(folder / "agreement-per-label.png")]

    def _save(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the charts in")
        if folder:
            self.save_charts(folder)
