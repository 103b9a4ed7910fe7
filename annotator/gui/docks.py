"""The window's docks and how they give way: the first size on a small screen, each panel in a
dock, and the article keeping most of a small window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, QTimer, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QWidget

if TYPE_CHECKING:
    from annotator.gui.host import Host

ARTICLE_WIDTH = 0.58  # the share of the window's width and height the article keeps when panels give way
ARTICLE_HEIGHT = 0.55


def _shrink(sizes: list[int], least: list[int], cut: float) -> list[int]:
    """``sizes`` made ``cut`` smaller in all, each by the same share of itself, none below its
    ``least``; what one cannot give, the others do."""
    sizes = list(sizes)
    while cut > 0.5:
        room = [i for i, (now, low) in enumerate(zip(sizes, least)) if now > low]
        if not room:
            break
        total = sum(sizes[i] for i in room)
        given = 0.0
        for i in room:
            step = min(cut * sizes[i] / total, sizes[i] - least[i])
            sizes[i] -= step
            given += step
        cut -= given
    return [int(size) for size in sizes]


class Docks:
    """Places the panels and, in a small window, narrows them for the article."""

    def __init__(self, window: Host):
        self.window = window

    @staticmethod
    def first_size() -> QSize:
        """1400×900, or less on a smaller screen: a first start on a laptop (1366×768) must not
        open with the status bar and the right-hand panels off the screen."""
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else QSize(1400, 900)
        return QSize(min(1400, int(room.width() * 0.95)), min(900, int(room.height() * 0.92)))

    def dock(self, name: str, title: str, widget: QWidget, area) -> QDockWidget:
        w = self.window
        dock = QDockWidget(title, w)
        dock.setObjectName(f"dock-{name}")  # restoreState finds docks by name
        dock.setWidget(widget)
        w.addDockWidget(area, dock)
        return dock

    @staticmethod
    def scrolling(panel: QWidget) -> QScrollArea:
        """``panel`` in a scroll area: it scrolls in a short dock rather than raising the window's
        minimum height, and follows the dock's width."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setFocusPolicy(Qt.NoFocus)  # a click on a theme's box leaves the keyboard on the article
        scroll.setWidget(panel)
        return scroll

    def give_article_room(self) -> None:
        """Panels give way to the article once the window's layout has settled (after a resize,
        a restored layout, review mode's Units panel)."""
        if not hasattr(self, "_fit_timer"):
            self._fit_timer = QTimer(self.window)
            self._fit_timer.setSingleShot(True)
            self._fit_timer.setInterval(0)
            self._fit_timer.timeout.connect(self._fit_panels)
        self._fit_timer.start()

    def _fit_panels(self) -> None:
        """In a small window the article keeps ARTICLE_WIDTH of the width and ARTICLE_HEIGHT of the
        height: side panels, then bottom ones, get narrower or shorter by the same share of their
        size, never below what they need. A larger window changes nothing."""
        w = self.window
        w.layout().activate()  # the geometry of what was just shown, resized or restored
        article = w.centralWidget().geometry()
        # What is on screen: a panel behind another's tab is "visible" too, but placed outside the window.
        shown = [d for d in w.findChildren(QDockWidget)
                 if d.isVisible() and not d.isFloating() and w.rect().intersects(d.geometry())]
        # One panel stands for each side: the panels on a side share its width.
        sides = list({w.dockWidgetArea(d): d for d in shown
                      if w.dockWidgetArea(d) in (Qt.LeftDockWidgetArea, Qt.RightDockWidgetArea)}.values())
        want = w.width() * ARTICLE_WIDTH
        if article.width() < want and sides:
            w.resizeDocks(sides, _shrink([d.width() for d in sides], [d.minimumSizeHint().width() for d in sides],
                                         want - article.width()), Qt.Horizontal)
        bottom = next((d for d in shown if w.dockWidgetArea(d) == Qt.BottomDockWidgetArea), None)
        want = w.height() * ARTICLE_HEIGHT
        if article.height() < want and bottom is not None:
            # The bottom area runs down to the status bar; its size counts the tab bar of tabbed panels.
            limit = w.statusBar().y() if w.statusBar().isVisible() else w.height()
            size = limit - bottom.y()
            least = bottom.minimumSizeHint().height() + size - bottom.height()
            w.resizeDocks([bottom], _shrink([size], [least], want - article.height()), Qt.Vertical)
        w.layout().activate()
