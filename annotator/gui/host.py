"""What the window lends its features (span menu, review, suggestions, learning, live updates, the
label editor): the workspace, the views and a few UI services, as a Protocol.

A feature is typed against ``Host``, never against ``MainWindow``: it can be read without opening
window.py, and window.py imports the features without an import circle (tests/test_layers.py).
The window (annotator.gui.window.MainWindow) is the one implementation. A room may use what is
declared here and nothing else of the window (tests/gui/test_host.py checks).
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMenu, QMenuBar, QStatusBar, QWidget

from annotator.core.model import Document
from annotator.core.schema import Schema
from annotator.core.workspace import Workspace
from annotator.gui.article import ArticleView
from annotator.gui.doclist import DocumentListPanel
from annotator.gui.panels import GuidelinesPanel, LabelPalette, SpanListPanel, ThemesPanel


class Host(Protocol):
    # What is open, and where edits go (the workspace's, read through).
    workspace: Workspace
    store: Any
    annotator: str
    document: Document | None
    review_mode: bool
    layer: Any
    schema: Schema
    colours: dict[str, str]
    settings: QSettings
    undo_stack: QUndoStack
    snap_to_words: bool
    theme: str  # "light" or "dark"
    _closed: bool
    _quiet_dialogs: bool  # tests and scripts: report in the status bar only, open no dialog

    # The window's rooms (annotator.gui.<room>; typed Any here: each imports this module).
    annotating: Any  # annotating.Annotating: the label key, themes, statuses, span edits, right-click
    files: Any  # files.Files: import, merge, export, samples, backups
    menus: Any  # menus.Menus: menus and keys (menus.action makes one)
    docks: Any  # docks.Docks: the docks, and how they give way to the article
    status_line: Any  # status.StatusLine: what the status bar and the title say
    search: Any  # search.Search: the query and its matches
    suggestions: Any  # suggestions.Suggestions
    learning: Any  # learning.Learning
    review: Any  # review.Review
    activity: Any  # activity.Activity: active time
    relating: Any  # relating.Relating: relation mode, the Relations panel, the article's arcs
    schema_editor: Any  # schema_editor.SchemaEditor, while open

    # The views and panels.
    view: ArticleView
    documents: DocumentListPanel
    palette_panel: LabelPalette
    themes_panel: ThemesPanel
    span_panel: SpanListPanel
    guidelines: GuidelinesPanel
    saved_label: QLabel
    annotator_label: QLabel
    selection_label: QLabel
    last_menu: QMenu  # the right-click menu last shown (tests look at it)

    # The actions the menus made, which other rooms reuse (the span menu) or tick.
    menu_actions: list[tuple[str, QAction]]
    label_actions: list[QAction]
    theme_actions: dict[str, QAction]
    nudge_actions: list[QAction]
    delete_action: QAction
    note_action: QAction
    occurrences_action: QAction
    everywhere_action: QAction
    schema_menu_action: QAction
    undo_action: QAction
    redo_action: QAction
    dark_action: QAction
    snap_action: QAction
    tags_action: QAction
    annotate_menu: QMenu
    themes_menu: QMenu

    # What the window does for its rooms: open and show, and say what happened.
    def open_document(self, doc_id: str) -> None: ...
    def select_span(self, span_id: int | None, *, flash: bool = False) -> None: ...
    def clear_selection(self) -> None: ...
    def refresh_annotations(self) -> None: ...
    def refresh_themes(self) -> None: ...
    def refresh_live(self) -> None: ...
    def _show_themes(self, themes: list[str]) -> None: ...
    def report_failure(self, what: str, err: Exception) -> None: ...
    def database_failed(self, what: str, err: BaseException) -> None: ...
    def _reason(self, err: BaseException) -> str: ...
    def _error(self, title: str, message: str) -> None: ...
    def zoom(self, step: int) -> None: ...
    def toggle_dark(self) -> None: ...
    def toggle_tags(self) -> None: ...
    def show_shortcuts(self) -> None: ...
    def switch_annotator(self) -> None: ...

    # The QMainWindow the rooms place things in.
    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's names)
    def menuBar(self) -> QMenuBar: ...  # noqa: N802
    def addToolBar(self, title: str) -> Any: ...  # noqa: N802
    def addAction(self, action: QAction) -> None: ...  # noqa: N802
    def addDockWidget(self, area: Any, dock: QDockWidget) -> None: ...  # noqa: N802
    def dockWidgetArea(self, dock: QDockWidget) -> Any: ...  # noqa: N802
    def resizeDocks(self, docks: list, sizes: list[int], orientation: Any) -> None: ...  # noqa: N802
    def findChild(self, kind: type, name: str = "") -> Any: ...  # noqa: N802
    def findChildren(self, kind: type) -> list: ...  # noqa: N802
    def centralWidget(self) -> QWidget: ...  # noqa: N802
    def setWindowTitle(self, title: str) -> None: ...  # noqa: N802
    def activateWindow(self) -> None: ...  # noqa: N802
    def layout(self) -> Any: ...
    def rect(self) -> Any: ...
    def width(self) -> int: ...
    def height(self) -> int: ...
    def close(self) -> bool: ...

    def windowHandle(self) -> Any: ...  # noqa: N802  (its QWindow, once shown: active time hears it)
