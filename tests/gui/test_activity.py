"""The window's active time (issue 24): real key presses through Qt, a fake monotonic clock
(gui/activity.py's ``monotonic``), written through the store on a file and on a team database."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from annotator.gui import activity
from annotator.gui.window import MainWindow
from tests.gui.test_team import open_window, team_db  # noqa: F401 (fixtures)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(activity, "monotonic", fake)
    return fake


def _press(qtbot, window: MainWindow, clock: Clock, *times: float) -> None:
    for t in times:
        clock.now = 1000.0 + t
        # through the window's QWindow, as the platform delivers a key (to the focused article):
        # moves the caret, input, no edit
        window.view.setFocus()
        QTest.keyClick(window.windowHandle(), Qt.Key_Right)


def _seconds(window: MainWindow) -> float:
    return window.store.active_seconds(annotator="tester").get(("tester", window.document.id), 0.0)


def test_key_presses_count_the_time_between_them_and_not_an_idle_gap(qtbot, window, clock):
    _press(qtbot, window, clock, 0, 100, 230, 240)  # 100 s apart count; 130 s apart do not
    window.close()
    assert _seconds(window) == 110.0


def test_a_minimised_or_hidden_window_does_not_count(qtbot, window, clock):
    _press(qtbot, window, clock, 0, 10)
    clock.now = 1015.0
    window.showMinimized()
    QApplication.processEvents()
    window.showNormal()
    window.activateWindow()
    QApplication.processEvents()
    _press(qtbot, window, clock, 60, 70)  # 50 s after the last key, but minimised in between
    clock.now = 1075.0
    window.hide()
    _press(qtbot, window, clock, 90)
    window.close()
    assert _seconds(window) == 20.0


def test_the_application_left_does_not_count(qtbot, window, clock):
    _press(qtbot, window, clock, 0, 10)
    window.activity._state_changed(Qt.ApplicationState.ApplicationInactive)  # a locked screen
    _press(qtbot, window, clock, 40, 50)
    window.close()
    assert _seconds(window) == 20.0


def test_the_time_is_written_every_30_seconds_without_a_close(qtbot, window, clock):
    assert window.activity.timer.interval() == 30_000 and window.activity.timer.isActive()
    _press(qtbot, window, clock, 0, 20)
    window.activity.timer.timeout.emit()  # the 30 s timer fires; then the window is killed
    _press(qtbot, window, clock, 40)
    assert _seconds(window) == 20.0
    window.activity.timer.timeout.emit()
    assert _seconds(window) == 40.0


def test_two_windows_on_one_document_count_it_once(qtbot, window, clock, gui_store, tmp_path):
    second = MainWindow(gui_store, "tester", QSettings(str(tmp_path / "two.ini"), QSettings.IniFormat))
    qtbot.addWidget(second)
    second.show()
    second.open_document(window.document.id)
    for t in (0, 50, 100):
        _press(qtbot, window, clock, t)
        _press(qtbot, second, clock, t + 30)
    second.close()
    window.close()
    assert len(window.store.dump()["active_time"]) == 2  # a session each
    assert _seconds(window) == 130.0  # 0 to 130 s, not 100 + 100


def test_keys_in_a_dialog_about_the_document_count_and_in_the_progress_window_do_not(qtbot, window, clock):
    from PySide6.QtWidgets import QDialog, QLineEdit

    def keys_in(dialog, *times: float) -> None:
        dialog.show()
        dialog.activateWindow()
        QApplication.processEvents()
        assert QApplication.focusWindow() == dialog.windowHandle()
        for t in times:
            clock.now = 1000.0 + t
            QTest.keyClick(dialog.windowHandle(), Qt.Key_A)
        dialog.hide()

    _press(qtbot, window, clock, 0)
    note = QDialog(window)  # as a span's note is written: work on the document
    QLineEdit(note).setFocus()
    keys_in(note, 30, 60)
    window.menus.show_progress()  # View → Progress: figures about the whole project
    keys_in(window.menus.progress, 90, 180, 270, 360)
    window.activateWindow()
    _press(qtbot, window, clock, 400)
    window.close()
    assert _seconds(window) == 60.0  # 0 to 60 s; the Progress window's 5 minutes are no document's


def test_a_failed_write_is_kept_and_said_in_the_status_bar_not_a_dialog(qtbot, window, clock, monkeypatch):
    real = window.store.record_active_time

    def gone(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(window.store, "record_active_time", gone)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: pytest.fail("a dialog opened"))
    _press(qtbot, window, clock, 0, 25)
    window.activity.timer.timeout.emit()
    assert "Active time not saved yet" in window.statusBar().currentMessage()
    monkeypatch.setattr(window.store, "record_active_time", real)
    _press(qtbot, window, clock, 45)
    window.activity.timer.timeout.emit()
    assert _seconds(window) == 45.0 and window.activity.failing == ""


def test_another_document_opened_writes_the_first_ones_time(qtbot, window, clock):
    first = window.document.id
    _press(qtbot, window, clock, 0, 30)
    clock.now = 1040.0
    other = next(doc.id for docs in window.store.document_pages() for doc in docs if doc.id != first)
    window.open_document(other)  # 10 s after the last key: the person goes on there
    assert window.store.active_seconds(annotator="tester")[("tester", first)] == 40.0
    _press(qtbot, window, clock, 60)
    window.close()
    assert _seconds(window) == 20.0


def test_switching_annotator_writes_the_first_ones_time_in_their_session(qtbot, window, clock):
    doc = window.document.id
    _press(qtbot, window, clock, 0, 30)
    window.set_annotator("minji")
    _press(qtbot, window, clock, 40, 50)
    window.close()
    assert window.store.active_seconds() == {("minji", doc): 10.0, ("tester", doc): 30.0}


def test_on_a_team_database_each_member_records_only_their_own_time(qtbot, pg_cluster, team_db, open_window, clock):
    sara = open_window(pg_cluster.url("sara", team_db))
    minji = open_window(pg_cluster.url("minji", team_db), annotator="sara")  # minji's login, sara's layer
    _press(qtbot, sara, clock, 0, 40)
    _press(qtbot, minji, clock, 0, 40)  # minji looking at sara's layer: nobody's own time to write
    for win in (sara, minji):
        win.activity.timer.timeout.emit()
    assert "Active time" not in minji.statusBar().currentMessage()
    minji.set_annotator("minji")
    _press(qtbot, minji, clock, 50, 70)
    minji.close()
    sara.close()
    assert sara.store.active_seconds() == {("minji", "r"): 20.0, ("sara", "r"): 40.0}
