"""What the window lends its features (span menu, review, suggestions, learning, live updates, the label editor): the workspace, the views and a few UI services, as a Protocol.

A feature is typed against ``Host``, never against ``MainWindow``: it can be read without opening
window.py, and window.py imports the features without an import circle (tests/test_layers.py).
The window (annotator.gui.window.MainWindow) is the one implementation.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QLabel, QMenu, QStatusBar

from annotator.core.model import Document
from annotator.core.schema import Schema
from annotator.core.workspace import Workspace
from annotator.gui.article import ArticleView
from annotator.gui.doclist import DocumentListPanel
from annotator.gui.panels import ThemesPanel


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
    _closed: bool

    # The views and the other features a feature shows things in.
    view: ArticleView
    documents: DocumentListPanel
    themes_panel: ThemesPanel
    saved_label: QLabel
    suggestions: Any  # annotator.gui.suggestions.Suggestions
    learning: Any  # annotator.gui.learning.Learning
    review: Any  # annotator.gui.review.Review
    menu_actions: list[tuple[str, QAction]]
    label_actions: list[QAction]
    nudge_actions: list[QAction]
    delete_action: QAction
    note_action: QAction
    occurrences_action: QAction
    everywhere_action: QAction

    # UI services.
    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)
    def findChild(self, kind: type, name: str = "") -> Any: ...  # noqa: N802
    def resizeDocks(self, docks: list, sizes: list[int], orientation: Any) -> None: ...  # noqa: N802
    def height(self) -> int: ...
    def _action(self, menu: QMenu, text: str, slot: Any, shortcut: Any = None, **kinds: Any) -> QAction: ...
    def open_document(self, doc_id: str) -> None: ...
    def apply_label(self, label: str) -> None: ...
    def snap_span(self) -> None: ...
    def report_failure(self, what: str, err: Exception) -> None: ...
    def refresh_live(self) -> None: ...
    def schema_changed(self) -> None: ...
    def _apply_schema(self) -> None: ...
    def _show_annotator(self) -> None: ...
    def give_article_room(self) -> None: ...

