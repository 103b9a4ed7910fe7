"""GUI fixtures: a real MainWindow on a temporary database, offscreen, with its own settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QTextCursor

from annotator.core.importing import import_paths
from annotator.core.project import open_project
from annotator.gui.app import create_app
from annotator.gui.window import MainWindow
from annotator.storage import Store
from tests.helpers import SEEDS, write

EMOJI_DOC = "emoji"
EMOJI_TEXT = "خبر 😀 👩\u200d💻 𠜎 امروز: 대구시는 지난 18일 발표했다. مشهد و سمنان"


@pytest.fixture
def gui_store(db_path: Path, tmp_path: Path) -> Store:
    store = open_project(db_path)
    extra = write(tmp_path / "extra.jsonl", "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in [
        {"id": EMOJI_DOC, "text": EMOJI_TEXT, "lang": "fa"},
        {"id": "html", "title": "<b>x</b>", "text": "<b>x</b> is not bold\nمتن"},
    ]))
    import_paths(store, [SEEDS, extra], annotator="tester")
    yield store
    store.close()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "ui.ini"), QSettings.IniFormat)


@pytest.fixture
def window(qtbot, gui_store: Store, settings: QSettings) -> MainWindow:
    create_app()
    win = MainWindow(gui_store, "tester", settings)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.view.setFocus()
    return win


def utf16(text: str, offset: int) -> int:
    """Qt's position of code point ``offset``, computed independently of the app's converter."""
    return len(text[:offset].encode("utf-16-le")) // 2


def point(window: MainWindow, offset: int) -> QPoint:
    """A point in the viewport that Qt's own hit-testing maps to the boundary before code point
    ``offset``: the middle of the pixels on that line that land there, as a person would click."""
    view = window.view
    position = utf16(window.document.text, offset)
    cursor = QTextCursor(view.document())
    cursor.setPosition(position)
    rect = view.cursorRect(cursor)
    y = rect.center().y()
    hits = [x for x in range(rect.x() - 40, rect.x() + 40)
            if view.cursorForPosition(QPoint(x, y)).position() == position]
    assert hits, f"no pixel maps to position {position}"
    return QPoint(hits[len(hits) // 2], y)


def inside(window: MainWindow, offset: int) -> QPoint:
    """A point on the middle of the letter at code point ``offset``, found with Qt's own
    nearest-boundary hit-testing: the middle of a letter is where the boundary before it turns
    into the boundary after it, in either direction and across a change of direction (a Korean
    run inside a Persian paragraph)."""
    view = window.view
    text = window.document.text
    before, after = utf16(text, offset), utf16(text, offset + 1)
    cursor = QTextCursor(view.document())
    cursor.setPosition(before)
    y = view.cursorRect(cursor).center().y()
    hits = [view.cursorForPosition(QPoint(x, y)).position() for x in range(view.viewport().width())]
    for x in range(len(hits) - 1):
        if {hits[x], hits[x + 1]} == {before, after}:
            return QPoint(x, y)
    raise AssertionError(f"no pixel on the letter at {offset}")


def ink(window: MainWindow, offset: int) -> tuple[list[int], int]:
    """The x of every whole pixel strictly between the two edges Qt draws the letter at code
    point ``offset`` between (``QTextLine.cursorToX`` of the boundaries before and after it), and
    the y of its line's middle: a press there is on the letter's ink."""
    view = window.view
    view.viewport().repaint()  # laid out and aligned as painted
    position = utf16(window.document.text, offset)
    block = view.document().findBlock(position)
    layout = block.layout()
    line = layout.lineForTextPosition(position - block.position())
    geometry = view.blockBoundingGeometry(block).translated(view.contentOffset())
    a = line.cursorToX(position - block.position())[0] + geometry.left()
    b = line.cursorToX(position + 1 - block.position())[0] + geometry.left()
    left, right = min(a, b), max(a, b)
    xs = [x for x in range(int(left), int(right) + 2) if left < x and x + 1 < right]
    assert xs, "a letter narrower than a pixel"
    return xs, round(geometry.top() + line.y() + line.height() / 2)


def drag(qtbot, window: MainWindow, start: int, end: int) -> None:
    """Select ``[start, end)`` with a real mouse drag from its first letter to its last, as a
    person does: pressing on the first letter and releasing on the last."""
    viewport = window.view.viewport()
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(utf16(window.document.text, start))
    window.view.setTextCursor(cursor)
    window.view.ensureCursorVisible()
    a, b = inside(window, start), inside(window, end - 1)
    qtbot.mousePress(viewport, Qt.LeftButton, pos=a)
    qtbot.mouseMove(viewport, pos=QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2))
    qtbot.mouseMove(viewport, pos=b)
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=b)


def key(qtbot, window: MainWindow, keys: str) -> None:
    for ch in keys:
        qtbot.keyClick(window.view, ch)
