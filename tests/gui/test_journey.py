"""The issue's "done when", as one journey: keyboard only, across two articles, quit, reopen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from annotator.core.model import Status
from annotator.core.project import open_project
from annotator.gui.app import create_app
from annotator.gui.window import MainWindow
from tests.helpers import DAEGU_SEED, PERSIAN_SEED


def press(qtbot, widget, key, modifier=Qt.NoModifier, times=1):
    for _ in range(times):
        qtbot.keyClick(widget, key, modifier)


def test_label_two_languages_by_keyboard_undo_redo_quit_and_reopen(qtbot, isolated_user: Path, tmp_path: Path):
    create_app()
    settings_path = str(tmp_path / "ui.ini")
    store = open_project()  # the default database: it opens on the seeds
    window = MainWindow(store, "tester", QSettings(settings_path, QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # a person types into the focused window
    view = window.view
    view.setFocus()
    assert window.document.id == PERSIAN_SEED  # the first article

    # Persian: caret to the start of the first line's "مدیرعامل" (0), select 8 letters, ROLE.
    press(qtbot, view, Qt.Key_Home, Qt.ControlModifier)
    press(qtbot, view, Qt.Key_Left, Qt.ShiftModifier, times=8)  # right-to-left: Left reads forward
    press(qtbot, view, Qt.Key_R)
    press(qtbot, view, Qt.Key_7)  # theme: international cooperation
    # On to the Korean article with the keyboard: next document twice.
    press(qtbot, view, Qt.Key_PageDown, Qt.ControlModifier, times=2)
    assert window.document.id == DAEGU_SEED
    text = window.document.text
    press(qtbot, view, Qt.Key_Home, Qt.ControlModifier)
    press(qtbot, view, Qt.Key_Down)  # second line: 대구시, 「2020스마트시티 ...
    start = view.caret()
    assert text[start:start + 3] == "대구시"
    press(qtbot, view, Qt.Key_Right, Qt.ShiftModifier, times=3)
    press(qtbot, view, Qt.Key_G)
    press(qtbot, view, Qt.Key_Return, Qt.ControlModifier)  # done, and on to the next
    assert window.store.status(DAEGU_SEED, "tester") is Status.DONE

    # Undo three times across both articles, then redo twice.
    press(qtbot, window, Qt.Key_Z, Qt.ControlModifier, times=3)
    assert window.document.id == PERSIAN_SEED  # the GPE and the status went; the theme went
    assert store.doc_themes(PERSIAN_SEED, "tester") == []
    assert store.spans(DAEGU_SEED, "tester") == []
    press(qtbot, window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier, times=2)
    assert window.document.id == DAEGU_SEED

    expected_persian = [(0, 8, "ROLE", "مدیرعامل")]
    expected_korean = [(start, start + 3, "GPE", "대구시")]
    window.close()
    store.close()

    store = open_project()
    again = MainWindow(store, "tester", QSettings(settings_path, QSettings.IniFormat))
    qtbot.addWidget(again)
    assert [(s.start, s.end, s.label, s.text) for s in store.spans(PERSIAN_SEED, "tester")] == expected_persian
    assert [(s.start, s.end, s.label, s.text) for s in store.spans(DAEGU_SEED, "tester")] == expected_korean
    assert store.doc_themes(PERSIAN_SEED, "tester") == ["international"]
    assert store.status(DAEGU_SEED, "tester") is Status.IN_PROGRESS  # "done" was undone, not redone
    assert again.document.id == DAEGU_SEED  # reopens where the annotator was
    again.close()
    store.close()
