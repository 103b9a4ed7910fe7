"""View → Progress: the figures of `annotator progress` and the plots of `annotator report`, in a
window of their own a lead keeps open beside the article and refreshes (issue 24).

A view: it reads the store through core (``progress.compute``) and knows no window; the menu
(``gui/menus.py``) opens it. Numbers are written as the command line writes them
(``progress.annotator_cells``), and Export report… writes the same HTML as `annotator report`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.core import progress
from annotator.core.bidi import is_rtl, isolate
from annotator.core.report_html import report_title, write
from annotator.gui.charts import BarChart, ScatterChart

MEMBER_NOTE = ("On a team database a member sees only their own work queue: the others' Assigned "
               "shows — here (a lead or the owner sees every queue).")


def done_per_day(figures: progress.Progress) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    """Days (categories) and, per annotator, the layers they marked done that day."""
    days = list(figures.done_per_day)
    return days, [(p.name, [float(figures.done_per_day[day].get(p.name, 0)) for day in days])
                  for p in figures.annotators]


def time_against_agreement(figures: progress.Progress) -> list[tuple[float, float]]:
    """Per document two or more finished: active minutes (all annotators), pooled pairwise F1."""
    return [(p.active_minutes, p.f1) for p in figures.documents if p.f1 is not None]


def label_agreement(figures: progress.Progress) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    names = [lab.name for lab in figures.labels]
    return names, [("against the others", [lab.f1_others for lab in figures.labels]),
                   ("against gold", [lab.f1_gold for lab in figures.labels])]


def _table(headings: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headings))
    table.setHorizontalHeaderLabels(headings)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeToContents)  # compact: a Persian name stays near its figures
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(60)
    for c in range(1, len(headings)):
        table.horizontalHeaderItem(c).setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    """The first cell is a name (data: isolated, and flush against its own start edge, so a Persian
    name sits right); the others are figures, right-aligned as in the terminal and the report."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(isolate(text) if c == 0 else text)
            item.setData(Qt.UserRole, text)
            if c == 0:
                side = Qt.AlignRight if is_rtl(text) else Qt.AlignLeft
                item.setTextAlignment(side | Qt.AlignVCenter | Qt.AlignAbsolute)
                item.setToolTip(isolate(text))
            else:
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            table.setItem(r, c, item)


class ProgressDialog(QDialog):
    """Since (empty: all time), K, Refresh and Export report… over the corpus line, the two tables
    and the three plots. ``reason`` turns a database error into the one line shown."""

    def __init__(self, parent: QWidget | None, store, *, reason: Callable[[BaseException], str] = str):
        super().__init__(parent)
        self.store = store
        self.reason = reason
        self.figures: progress.Progress | None = None
        self.setWindowTitle("Progress")
        self.setProperty("documentWork", False)  # time spent here is no document's (gui/activity.py)
        self.setWindowFlag(Qt.WindowMinMaxButtonsHint, True)
        self.resize(1000, 650)

        self.since = QLineEdit()
        self.since.setPlaceholderText("all time (or YYYY-MM-DD)")
        self.since.setToolTip("A UTC date (YYYY-MM-DD) or an ISO time: only layers whose status changed then "
                              "or later, and active time of sessions begun then. Empty: all time.")
        self.since.setFixedWidth(200)
        self.since.returnPressed.connect(self.refresh)
        self.k = QSpinBox()
        self.k.setRange(1, 999)
        self.k.setValue(2)
        self.k.setToolTip("A document is finished when at least K annotators marked it done.")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("&Export report…")
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(self._export)
        controls = QHBoxLayout()
        for text, widget in (("&Since", self.since), ("&K", self.k)):
            label = QLabel(text)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
        controls.addWidget(self.refresh_button)
        controls.addStretch(1)
        controls.addWidget(self.export_button)

        self.corpus = QLabel()
        self.corpus.setTextFormat(Qt.PlainText)
        self.message = QLabel()  # a failure, in one line; or a member's note
        self.message.setTextFormat(Qt.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        self.annotators = _table(progress.ANNOTATOR_HEADINGS)
        self.labels = _table(progress.LABEL_HEADINGS)
        self.done_chart = BarChart("Documents done per day per annotator")
        self.time_chart = ScatterChart("Active time per document against agreement",
                                       "active minutes per document (all annotators)", "span F1")
        self.label_chart = BarChart("Agreement per label (span F1)", maximum=1.0, digits=2)
        for chart in (self.done_chart, self.time_chart, self.label_chart):
            chart.setMinimumSize(300, 200)

        figures = QWidget()
        grid = QVBoxLayout(figures)
        grid.addWidget(self.annotators, 3)
        grid.addWidget(self.labels, 2)
        plots = QWidget()
        layout = QGridLayout(plots)
        layout.addWidget(self.done_chart, 0, 0, 1, 2)
        layout.addWidget(self.time_chart, 1, 0)
        layout.addWidget(self.label_chart, 1, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(figures, "&Tables")
        self.tabs.addTab(plots, "&Plots")

        main = QVBoxLayout(self)
        main.addLayout(controls)
        main.addWidget(self.corpus)
        main.addWidget(self.message)
        main.addWidget(self.tabs, 1)

    def refresh(self) -> bool:
        """Compute the figures again with the Since and K shown; False (and one line said, the
        figures shown left as they were) when Since is not a date or the database fails."""
        text = self.since.text().strip()
        try:
            since = progress.parse_since(text) if text else None
        except ValueError as err:
            return self._fail(f"Since: {err}")
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            figures = progress.compute(self.store, since, k=self.k.value())
        except Exception as err:  # noqa: BLE001 - a database error, said in one line, never a traceback
            return self._fail(f"Could not count the progress: {self.reason(err)}")
        finally:
            QApplication.restoreOverrideCursor()
        self.show_figures(figures)
        return True

    def show_figures(self, figures: progress.Progress) -> None:
        self.figures = figures
        _fill(self.annotators, [progress.annotator_cells(p) for p in figures.annotators])
        _fill(self.labels, [progress.label_cells(lab) for lab in figures.labels])
        self.corpus.setText(progress.corpus_line(figures.corpus)
                            + (f" (since {figures.since})" if figures.since else " (all time)"))
        self.done_chart.set_data(*done_per_day(figures))
        self.time_chart.set_points(time_against_agreement(figures))
        self.label_chart.set_data(*label_agreement(figures))
        role = getattr(self.store, "role", None)
        self._say(MEMBER_NOTE if role not in (None, "owner", "lead") else "", error=False)

    def _fail(self, line: str) -> bool:
        self._say(line, error=True)
        return False

    def _say(self, line: str, *, error: bool) -> None:
        self.message.setText(line)
        self.message.setStyleSheet("color: #c92a2a;" if error else "")
        self.message.setVisible(bool(line))

    def export_report(self, path: str | Path) -> bool:
        """Write `annotator report`'s HTML of the figures shown (their Since and K) to ``path``."""
        if self.figures is None and not self.refresh():
            return False
        try:
            write(Path(path), self.figures, title=report_title(getattr(self.store, "path", None)))
        except OSError as err:
            return self._fail(f"cannot write {path}: {err.strerror or err}")
        self._say(f"Wrote {path}", error=False)
        return True

    def _export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the progress report", "report.html", "HTML (*.html)")
        if path:
            self.export_report(path)
