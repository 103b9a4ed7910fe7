"""The window's panels on a laptop's screen: the article keeps most of the window, every label is in
sight, no panel or tab strip is shown for nothing, and an old saved layout does not come back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QTabBar

from annotator.gui.window import MainWindow
from tests.helpers import DAEGU_SEED

LAPTOPS = [(1000, 650), (1280, 720)]


def _settle(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.size().width() == width and _idle(window))


def _idle(window) -> bool:
    """The panels have given way after the last change (they do so once the layout settles)."""
    timer = getattr(window.docks, "_fit_timer", None)
    return timer is None or not timer.isActive()


def _article_share(window) -> tuple[float, float]:
    article = window.centralWidget().geometry()
    return article.width() / window.width(), article.height() / window.height()


def _shown_tab_bars(window) -> list[QTabBar]:
    """Tab strips a person sees: inside the window and on top where they are (Qt keeps spare
    tab bars, moved outside the window or under other widgets)."""
    shown = []
    for bar in window.findChildren(QTabBar):
        if not bar.isVisible() or not window.rect().intersects(bar.geometry()):
            continue
        top = window.childAt(bar.geometry().center())
        if top is bar or (top is not None and bar.isAncestorOf(top)):
            shown.append(bar)
    return shown


def _nothing_shown_empty(window) -> None:
    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    for bar in _shown_tab_bars(window):
        titles = [bar.tabText(i) for i in range(bar.count())]
        assert len(titles) >= 2, f"a tab strip for one panel: {titles}"
        hidden = [t for t in titles if docks[t].isHidden()]
        assert not hidden, f"tab strip {titles} names panels that are not shown: {hidden}"
    units = window.findChild(QDockWidget, "dock-units")
    assert units.isVisible() == window.review_mode  # the Units panel is empty outside review mode


def _every_label_in_sight(window) -> None:
    """Every label's row is in the Labels panel; every theme's box fits the Themes panel's width."""
    palette = window.palette_panel
    assert palette.count() == len(window.schema.labels) > 0
    viewport = palette.viewport().rect()
    for row in range(palette.count()):
        assert viewport.contains(palette.visualItemRect(palette.item(row))), f"label {row + 1} is out of sight"
    themes = window.themes_panel
    scroll = themes.parentWidget().parentWidget()  # the scroll area's viewport, then the scroll area
    assert not scroll.horizontalScrollBar().isVisible()
    for box in themes.boxes.values():
        assert box.geometry().right() < scroll.viewport().width(), f"«{box.text()}» runs past the panel"


@pytest.mark.parametrize("size", LAPTOPS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_on_a_laptop_the_article_keeps_most_of_the_window(qtbot, window, size):
    """At 1000×650 the article had 44% of the width, Labels showed four rows, and a "Spans | Units"
    tab strip lay over the span list."""
    window.open_document(DAEGU_SEED)
    _settle(qtbot, window, *size)
    width, height = _article_share(window)
    assert width >= 0.55 and height >= 0.55, (width, height)
    _every_label_in_sight(window)
    _nothing_shown_empty(window)
    assert window.findChild(QDockWidget, "dock-spans").isVisible()
    documents = window.documents.view  # the titles keep room to be read; a narrow list drops Lang for them
    assert documents.columnWidth(0) >= 50 and documents.isColumnHidden(1) == (window.documents.width() < 260)


@pytest.mark.parametrize("size", LAPTOPS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_in_review_mode_the_units_panel_shares_the_bottom_and_the_article_keeps_its_room(qtbot, window, size):
    _settle(qtbot, window, *size)
    qtbot.keyClick(window.view, Qt.Key_R, Qt.ControlModifier)
    assert window.review_mode
    qtbot.waitUntil(lambda: _idle(window))
    units = window.findChild(QDockWidget, "dock-units")
    assert units.isVisible() and window.rect().contains(units.geometry())
    assert units.height() >= units.minimumSizeHint().height()
    width, height = _article_share(window)
    assert width >= 0.55 and height >= 0.55, (width, height)
    _every_label_in_sight(window)
    _nothing_shown_empty(window)
    bars = [[bar.tabText(i) for i in range(bar.count())] for bar in _shown_tab_bars(window)]
    assert ["Spans", "Units", "Relations"] in bars
    qtbot.keyClick(window.view, Qt.Key_R, Qt.ControlModifier)  # and out again: the span list, no tabs
    qtbot.waitUntil(lambda: _idle(window))
    assert not window.review_mode and not units.isVisible()
    _nothing_shown_empty(window)


def test_a_window_closed_in_review_mode_opens_with_the_span_list(qtbot, window, gui_store, settings):
    qtbot.keyClick(window.view, Qt.Key_R, Qt.ControlModifier)
    assert window.findChild(QDockWidget, "dock-units").isVisible()
    window.close()
    again = MainWindow(gui_store, "tester", settings)
    qtbot.addWidget(again)
    _settle(qtbot, again, 1000, 650)
    assert not again.review_mode
    spans = again.findChild(QDockWidget, "dock-spans")
    assert spans.isVisible() and again.rect().contains(spans.geometry())
    _nothing_shown_empty(again)


def test_a_layout_saved_by_an_older_version_is_not_restored(qtbot, window, gui_store, settings):
    """A layout from before the panels gave way (saved without a version) would bring back a
    crushed article: the default layout comes instead. One saved now is kept."""
    labels = window.findChild(QDockWidget, "dock-labels")
    window.removeDockWidget(labels)  # as the old layout would: Labels gone, the right side wide
    window.addDockWidget(Qt.BottomDockWidgetArea, labels)
    settings.setValue("window/state", window.saveState())  # version 0, as before
    window._closed = True  # this window's close must not save over it
    window.close()
    again = MainWindow(gui_store, "tester", settings)
    qtbot.addWidget(again)
    _settle(qtbot, again, 1000, 650)
    assert again.dockWidgetArea(again.findChild(QDockWidget, "dock-labels")) == Qt.RightDockWidgetArea
    guidelines = again.findChild(QDockWidget, "dock-guidelines")
    guidelines.close()  # the user's own choice, saved on close with this version
    again.close()
    third = MainWindow(gui_store, "tester", settings)
    qtbot.addWidget(third)
    assert isinstance(settings.value("window/state"), QByteArray)
    assert third.findChild(QDockWidget, "dock-guidelines").isHidden()


def test_a_first_start_fits_the_screen(qtbot, gui_store, settings):
    """Found by a new user: a first start on a 1366×768 laptop opened at 1400×900, the status bar
    and the right-hand panels off the screen. With nothing saved, the window fits the screen's
    free area (offscreen, 800×800)."""
    from PySide6.QtGui import QGuiApplication

    window = MainWindow(gui_store, "tester", settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: _idle(window))
    room = QGuiApplication.primaryScreen().availableGeometry()
    assert room.width() < 1400 and room.height() < 900  # the screen is smaller than the old size
    assert window.frameGeometry().width() <= room.width() and window.frameGeometry().height() <= room.height()
    article = window.centralWidget().geometry()
    assert article.width() >= 0.5 * window.width()
