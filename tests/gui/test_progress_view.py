"""View → Progress (issue 24): the figures of `annotator progress` and the report's plots in the
window, on a small project built through the store (three annotators and a Persian one, queues,
statuses, active time, gold); real key presses and mouse clicks."""

from __future__ import annotations

import sqlite3
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMenu

from annotator.core import progress
from annotator.core.model import Status
from annotator.core.report_html import render, report_title
from annotator.gui.charts import SERIES_COLOURS
from annotator.gui.progress_view import MEMBER_NOTE, ProgressDialog
from annotator.storage.common import now
from tests.core.test_progress import FA, KO, build, sp

SARA = "سارا"  # a Persian annotator


@pytest.fixture
def project(window):
    """The window on build()'s project, and سارا, who finished d1 with two spans."""
    store = window.store
    build(store)
    store.ensure_annotator(SARA)
    store.add_spans([sp("d1", SARA, "대구시", KO), sp("d1", SARA, "권혁원", FA)])
    store.set_status("d1", SARA, Status.DONE)
    return window


def opened(qtbot, window) -> ProgressDialog:
    """View → Progress… with the mouse: the menu bar's View, then the item."""
    bar = window.menuBar()
    [view] = [a for a in bar.actions() if a.text() == "&View"]
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.actionGeometry(view).center())
    menu: QMenu = view.menu()
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    [item] = [a for a in menu.actions() if a.text() == "Progress…"]
    qtbot.mouseClick(menu, Qt.LeftButton, pos=menu.actionGeometry(item).center())
    qtbot.waitUntil(lambda: window.menus.progress is not None and window.menus.progress.isVisible(), timeout=2000)
    return window.menus.progress


def cells(table) -> list[list[str]]:
    return [[table.item(r, c).data(Qt.UserRole) for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_the_menu_opens_it_with_the_same_figures_as_the_command_line(qtbot, project):
    dialog = opened(qtbot, project)
    assert not dialog.isModal()
    figures = progress.compute(project.store)
    assert dialog.figures == figures
    assert cells(dialog.annotators) == [progress.annotator_cells(p) for p in figures.annotators]
    assert cells(dialog.labels) == [progress.label_cells(lab) for lab in figures.labels]
    rows = {row[0]: row for row in cells(dialog.annotators)}
    # a, by hand (tests/core/test_progress.py): assigned 3 (overlap 2 over 4 documents, 3 annotators
    # in turn), done 2, skipped 1, 1100 s active, median (10 + 500/60) / 2 minutes
    assert rows["a"][1:9] == ["3", "2", "1", "0", "0.31", "9.2", "9.8", "0.71"]
    assert rows[SARA][1:3] == ["0", "1"] and rows[SARA][7] == "—"
    assert dialog.corpus.text() == progress.corpus_line(figures.corpus) + " (all time)"
    assert "finished by at least 2: 3; adjudicated: 1;" in dialog.corpus.text()  # d1, d2, d3; gold on d1
    assert [dialog.annotators.horizontalHeaderItem(c).text() for c in range(10)] == progress.ANNOTATOR_HEADINGS
    assert not dialog.message.isVisible()  # a file: no member's note


def test_persian_names_and_labels_show_whole_and_sit_right(qtbot, project):
    dialog = opened(qtbot, project)
    people = [dialog.annotators.item(r, 0) for r in range(dialog.annotators.rowCount())]
    [sara] = [item for item in people if item.data(Qt.UserRole) == SARA]
    assert sara.text() == f"\u2068{SARA}\u2069"  # isolated: its own direction inside the table
    assert sara.textAlignment() & Qt.AlignRight and sara.textAlignment() & Qt.AlignAbsolute
    [a] = [item for item in people if item.data(Qt.UserRole) == "a"]
    assert a.textAlignment() & Qt.AlignLeft
    labels = {dialog.labels.item(r, 0).data(Qt.UserRole): dialog.labels.item(r, 0) for r in range(dialog.labels.rowCount())}
    assert labels[FA].textAlignment() & Qt.AlignRight and labels[KO].textAlignment() & Qt.AlignLeft
    assert dialog.label_chart.categories == [lab.name for lab in dialog.figures.labels]
    assert SARA in [name for name, _ in dialog.done_chart.series]


def test_the_shortcut_opens_it_and_brings_it_back(qtbot, project):
    qtbot.keyClick(project.view, Qt.Key_P, Qt.ControlModifier | Qt.ShiftModifier)
    dialog = project.menus.progress
    assert dialog is not None and dialog.isVisible()
    dialog.close()
    project.store.set_status("d4", "c", Status.DONE)
    project.activateWindow()
    project.view.setFocus()
    qtbot.keyClick(project.view, Qt.Key_P, Qt.ControlModifier | Qt.ShiftModifier)
    assert project.menus.progress is dialog and dialog.isVisible()
    assert dialog.figures == progress.compute(project.store)  # refreshed on opening again
    assert {p.name: p.done for p in dialog.figures.annotators}["c"] == 3


def test_since_and_k_change_the_figures(qtbot, project):
    dialog = opened(qtbot, project)
    time.sleep(0.01)
    mid = now()
    project.store.set_status("d4", "c", Status.DONE)
    project.store.record_active_time("c", "d4", "s9", clock="m3", started_at=now(), ranges=[(100, 220)])
    qtbot.keyClicks(dialog.since, mid)
    qtbot.keyClick(dialog.since, Qt.Key_Return)
    assert dialog.figures == progress.compute(project.store, mid)
    rows = {row[0]: row for row in cells(dialog.annotators)}
    assert rows["c"][2:6] == ["1", "0", "0", "0.03"]  # done 1 (d4), 120 s since then
    assert rows["a"][2] == "0" and rows["a"][1] == "3"  # nothing since; the queue as it is now
    assert dialog.done_chart.series and "since" in dialog.corpus.text()
    dialog.since.clear()
    dialog.k.setValue(3)
    qtbot.mouseClick(dialog.refresh_button, Qt.LeftButton)
    assert dialog.figures == progress.compute(project.store, k=3)
    assert dialog.figures.corpus.finished_by_k == 1  # d1 (a, b, c, سارا); d2, d3 by two; d4 by c
    assert "all time" in dialog.corpus.text()


def test_a_date_that_is_not_one_says_so_and_keeps_the_figures(qtbot, project):
    dialog = opened(qtbot, project)
    before = cells(dialog.annotators)
    qtbot.keyClicks(dialog.since, "last week")
    qtbot.keyClick(dialog.since, Qt.Key_Return)
    assert dialog.message.isVisible()
    assert dialog.message.text() == "Since: 'last week' is not a date (YYYY-MM-DD) or an ISO time"
    assert cells(dialog.annotators) == before


def test_the_plots_draw_computes_figures(qtbot, project):
    dialog = opened(qtbot, project)
    figures = progress.compute(project.store)
    days = list(figures.done_per_day)
    assert dialog.done_chart.categories == days == [now()[:10]]
    assert {name: values for name, values in dialog.done_chart.series} == {
        p.name: [float(figures.done_per_day[d].get(p.name, 0)) for d in days] for p in figures.annotators}
    assert dict(dialog.done_chart.series)["b"] == [3.0]
    assert dialog.time_chart.points == [(p.active_minutes, p.f1) for p in figures.documents]
    assert len(dialog.time_chart.points) == 3  # d1, d2, d3: finished by two or more
    assert dialog.label_chart.series == [("against the others", [lab.f1_others for lab in figures.labels]),
                                         ("against gold", [lab.f1_gold for lab in figures.labels])]
    for chart in (dialog.done_chart, dialog.label_chart):  # the bars are drawn, in the first series' colour
        image = chart.image(600, 300)
        colours = {image.pixelColor(x, y).name() for x in range(0, 600, 2) for y in range(0, 300, 2)}
        assert QColor(SERIES_COLOURS[0]).name() in colours
    scatter = dialog.time_chart.image(600, 300)
    assert any(scatter.pixelColor(x, y).blue() > scatter.pixelColor(x, y).red() + 40
               for x in range(0, 600) for y in range(0, 300))  # the dots, in the first series' blue


def test_export_writes_the_reports_html(qtbot, project, tmp_path, monkeypatch):
    dialog = opened(qtbot, project)
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    monkeypatch.setattr("annotator.gui.progress_view.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(target), "HTML (*.html)"))
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    html = target.read_text(encoding="utf-8")
    assert html == render(progress.compute(project.store), title=report_title(project.store.path))
    assert f"<bdi>{SARA}</bdi>" in html and "<td>0.31</td>" in html
    assert dialog.message.text() == f"Wrote {target}"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_a_report_that_cannot_be_written_says_so_in_one_line(qtbot, project, tmp_path):
    dialog = opened(qtbot, project)
    target = tmp_path / "missing" / "report.html"
    assert not dialog.export_report(target)
    assert dialog.message.text().startswith(f"cannot write {target}: ") and "\n" not in dialog.message.text()


def test_a_database_error_is_one_line(qtbot, project, monkeypatch):
    dialog = opened(qtbot, project)
    before = cells(dialog.annotators)

    def fail(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(project.store, "progress_statuses", fail)
    qtbot.mouseClick(dialog.refresh_button, Qt.LeftButton)
    text = dialog.message.text()
    assert text.startswith("Could not count the progress: ") and "disk I/O error" in text
    assert "\n" not in text and "Traceback" not in text
    assert cells(dialog.annotators) == before
    assert QApplication.overrideCursor() is None  # the wait cursor is gone


def test_a_member_is_told_the_others_queues_are_hidden(qtbot, project, monkeypatch):
    monkeypatch.setattr(project.store, "role", "annotator", raising=False)
    dialog = opened(qtbot, project)
    assert dialog.message.isVisible() and dialog.message.text() == MEMBER_NOTE
