"""The main window, assembled (over 400 lines: it places a dozen panels and rooms, and shows what
each workspace change did in every view): the article in the middle, panels in docks, the rooms
wired to the workspace (annotator.core.workspace)."""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, QTimer, Qt, Signal
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMessageBox

from annotator.core.identity import remember_annotator
from annotator.core.model import Status
from annotator.core.recommend.live import LEARNED
from annotator.core.workspace import Change, Workspace
from annotator.gui.activity import Activity
from annotator.gui.annotating import Annotating
from annotator.gui.article import ArticleView
from annotator.gui.commands import UndoStackHistory
from annotator.gui.dialogs import ShortcutSheet, SwitchAnnotatorDialog
from annotator.gui.doclist import DocumentListPanel
from annotator.gui.docks import Docks
from annotator.gui.files import Files
from annotator.gui.fonts import article_font
from annotator.gui.learning import Learning, LearningPanel
from annotator.gui.live import Live, is_lost
from annotator.gui.menus import Menus
from annotator.gui.panels import GuidelinesPanel, LabelPalette, SpanListPanel, ThemesPanel
from annotator.gui.relating import Relating
from annotator.gui.review import Review
from annotator.gui.search import Search
from annotator.gui.status import StatusLine
from annotator.gui.suggestions import Suggestions
from annotator.gui.theme import apply_theme, is_dark
from annotator.storage import DATABASE_ERRORS, Store, explain

DEFAULT_POINT_SIZE = 14.0
# The panels' layout as saved on close; raised when the default layout changes, so that a layout
# saved by an older version (which crushed the article in a small window) is not restored.
LAYOUT_VERSION = 1


def _workspace(name: str) -> property:
    """A window attribute that is the workspace's ``name`` (read and set through)."""
    return property(lambda self: getattr(self.workspace, name),
                    lambda self, value: setattr(self.workspace, name, value))


class MainWindow(QMainWindow):
    saved = Signal(str)  # emitted after a change is committed to the database
    document_opened = Signal(str)

    def __init__(self, store: Store, annotator: str, settings: QSettings | None = None):
        super().__init__()
        self.workspace = Workspace(store, annotator)
        store.lock_wait = 2.0  # the window never freezes long for another writer: "Not saved", and try again
        self.settings = settings if settings is not None else QSettings()
        self._registered = self._register(annotator)
        self.schema = store.schema()
        self.undo_stack = QUndoStack(self)
        self.workspace.history = UndoStackHistory(self.undo_stack, self.workspace)
        self.workspace.events.connect("document_wanted", lambda doc_id: self.show_document(doc_id))
        self.workspace.events.connect("failed", lambda what, error: self.report_failure(what, error))
        self.workspace.events.connect("changed", self._changed)
        self.point_size = float(self.settings.value("view/zoom", DEFAULT_POINT_SIZE))
        self.theme = str(self.settings.value("view/theme", "light"))
        # On unless the annotator turned it off: a slightly long drag must not store a trailing space.
        self.snap_to_words = self.settings.value("annotate/snap", "true") in (True, "true")
        self.menu_actions: list[tuple[str, QAction]] = []
        self._closed = False
        self._quiet_dialogs = False  # tests and scripts: report in the status bar only

        self.docks = Docks(self)
        self.status_line = StatusLine(self)
        self.search = Search(self)
        self.view = ArticleView()
        self.setCentralWidget(self.view)
        self.documents = DocumentListPanel(store, annotator)
        self.palette_panel = LabelPalette()
        self.themes_panel = ThemesPanel()
        self.span_panel = SpanListPanel()
        self.guidelines = GuidelinesPanel()
        self.docks.dock("documents", "Documents", self.documents, Qt.LeftDockWidgetArea)
        self.docks.dock("labels", "Labels", self.palette_panel, Qt.RightDockWidgetArea)
        # The side panels run the window's full height (Labels and Themes fit a laptop's); the span
        # list sits under the article only.
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.docks.dock("themes", "Themes", self.docks.scrolling(self.themes_panel), Qt.RightDockWidgetArea)
        self.docks.dock("spans", "Spans", self.span_panel, Qt.BottomDockWidgetArea)
        guidelines_dock = self.docks.dock("guidelines", "Guidelines", self.guidelines, Qt.RightDockWidgetArea)
        self.tabifyDockWidget(self.findChild(QDockWidget, "dock-themes"), guidelines_dock)

        self.annotator_label = self.status_line.label("status-annotator")
        self.saved_label = self.status_line.label("status-saved")
        self.selection_label = self.status_line.label("status-selection")
        self.statusBar().addPermanentWidget(self.selection_label)
        self.statusBar().addPermanentWidget(self.saved_label)
        self.statusBar().addPermanentWidget(self.annotator_label)

        self.files = Files(self)
        self.annotating = Annotating(self)
        self.suggestions = Suggestions(self)
        self.learning = Learning(self)
        learning_panel = self.docks.scrolling(LearningPanel(self.learning))
        learning_dock = self.docks.dock("suggestions", "Suggestions", learning_panel, Qt.RightDockWidgetArea)
        self.review = Review(self)
        units_dock = self.docks.dock("units", "Units", self.review.panel, Qt.BottomDockWidgetArea)
        # Shown in review mode. Hidden before it joins the span list's tabs: hidden after, Qt left a
        # "Spans | Units" tab strip drawn over the span list, for a panel that was not there.
        units_dock.hide()
        self.tabifyDockWidget(self.findChild(QDockWidget, "dock-spans"), units_dock)
        self.tabifyDockWidget(guidelines_dock, learning_dock)
        self.relating = Relating(self)  # relations between spans: relation mode, the panel, the arcs
        relations_dock = self.docks.dock("relations", "Relations", self.relating.panel, Qt.BottomDockWidgetArea)
        self.tabifyDockWidget(self.findChild(QDockWidget, "dock-spans"), relations_dock)
        self.findChild(QDockWidget, "dock-spans").raise_()  # the span list in front of its tabs
        self.findChild(QDockWidget, "dock-themes").raise_()
        self.menus = Menus(self)
        self.menus.build()
        self.menus.apply_schema()
        self.view.selection_changed.connect(self.status_line.selection_changed)
        self.view.selection_changed.connect(lambda start, end: self.workspace.select(start, end,
                                                                                     self.view.selected_span_id))
        self.view.span_clicked.connect(self._span_clicked)
        self.span_panel.span_selected.connect(lambda span_id: self.select_span(span_id, flash=True))
        self.span_panel.delete_requested.connect(self.annotating.delete_span)
        self.span_panel.note_requested.connect(self.annotating.edit_note)
        self.span_panel.menu_requested.connect(lambda span_id, at: self.annotating.open_span_menu(span_id, at))
        self.view.describe = self.status_line.describe_span
        self.view.snapper = self.annotating.snapped
        self.view.show_tags = self.settings.value("view/tags", "true") in (True, "true")
        self.view.menu_requested.connect(self.annotating.open_article_menu)
        self.palette_panel.label_chosen.connect(self.annotating.apply_label)
        self.themes_panel.theme_toggled.connect(self.annotating.toggle_theme)
        self.documents.document_chosen.connect(self.open_document)
        self.documents.model.failed.connect(lambda err: self.database_failed("read the document list", err))
        self.documents.query_changed.connect(self.search.query_changed)
        self.documents.search_entered.connect(self.search.open_first_result)

        self.resize(self.docks.first_size())
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)  # a layout saved by an older version is not brought back
        units_dock.setVisible(self.review_mode)  # a window closed in review mode opens out of it
        if not self.review_mode:  # the span list in front of its tabs (a Units tab it was behind is gone)
            self.findChild(QDockWidget, "dock-spans").raise_()
        self.live = Live(self)  # what others save shows here; a lost team database is retried
        self.activity = Activity(self)  # active time per document, written every 30 s and on close
        self.document_opened.connect(self.activity.document_changed)
        self.status_line.show_annotator()
        self.saved_label.setText("All changes saved")
        first = (self.store.setting(f"last_document/{annotator}") or self.annotating.queue_start()
                 or self.store.neighbour(None, annotator))  # where they left off, or their queue's next
        if first and self.store.document_hash(first) is not None:
            self.open_document(first)
        else:
            self.view.setPlaceholderText("No documents yet: File → Import files… or Import folder… (Ctrl+I), "
                                         "or File → Load the sample articles")
            if self.store.count_documents() == 0:
                QTimer.singleShot(0, self.files.offer_samples)
        if self.learning.source is not None and self.suggestions.source == LEARNED:
            QTimer.singleShot(0, lambda: self.learning.retrain("the window opened"))  # suggestions as last time
        if self._registered is not None:
            self.statusBar().showMessage(self._registered, 15000)
        self.live.start()
        self.view.setFocus()

    def _register(self, annotator: str) -> str | None:
        """Make ``annotator`` known to the database; on a team database only its owner registers
        names, so another name than one's own is shown, and its edits are refused when made.
        Returns what to say, or None."""
        try:
            self.store.ensure_annotator(annotator)
        except DATABASE_ERRORS as err:
            return f"{annotator} is not a member here; edits to that layer will not be saved: {self._reason(err)}"
        if self.store.is_team and annotator != self.store.member:
            return (f"You are {self.store.member} in {self.store.path}: {annotator}'s layer is shown, and only "
                    "its owner's edits to it are saved")
        return None

    # --- the workspace ---------------------------------------------------------------------

    # What the window works on is the workspace's (annotator.core.workspace); these read it through.
    store = _workspace("store")
    annotator = _workspace("annotator")
    document = _workspace("document")
    review_mode = _workspace("review_mode")
    layer = property(lambda self: self.workspace.layer, doc="What edits change: one's own layer, or gold.")

    # --- documents ---------------------------------------------------------------------------

    def open_document(self, doc_id: str) -> None:
        try:
            self._open_document(doc_id)
        except DATABASE_ERRORS as err:  # a team database gone: said, retried; the view stays as it was
            self.database_failed("open the document", err)

    def _open_document(self, doc_id: str) -> None:
        doc = self.document
        if doc is None or doc.id != doc_id or self.store.document_hash(doc_id) != doc.text_hash:
            doc = self.store.get_document(doc_id)  # the open one again is not read again (a text can be 100 MB)
        if doc is None:
            return
        self._remember_position()
        changed = self.document is None or self.document.id != doc.id
        self.workspace.open(doc)
        if changed:
            self.statusBar().clearMessage()  # "Unit 18/18" belonged to the previous document
            self.annotating.queue_note(doc.id)
        spans = self.layer.spans(doc.id)
        self.view.show_text(doc.text, doc.direction, article_font(doc.direction, self.point_size),
                            spans, self.colours, is_dark(self.view.palette()))
        self.span_panel.set_spans(spans, self.colours)
        self.relating.opened()
        self.refresh_themes()
        self.suggestions.refresh()
        self.review.refresh()
        saved = self.store.setting(f"position/{self.annotator}/{doc.id}")
        self.view.set_caret(int(saved) if saved and saved.isdigit() else 0)
        self.view.ensureCursorVisible()
        self.status_line.show_selection()  # the position in this document, not the last one's
        self.selection_label.fit()  # room for this document's selections, not the widest of the last one's
        self.annotating.prepare_snap(doc.text)
        self.store.set_setting(f"last_document/{self.annotator}", doc.id)
        self.documents.show_current(doc.id)
        self.status_line.title()
        self.search.show_matches(jump=bool(self.search.query))  # a search result opens on its match
        self.document_opened.emit(doc.id)

    def show_document(self, doc_id: str) -> None:
        """Make ``doc_id`` the open document (used by undo and redo across documents)."""
        if self.document is None or self.document.id != doc_id:
            self.open_document(doc_id)

    def _remember_position(self) -> None:
        if self.document is not None and not self.live.lost:
            try:
                self.store.set_setting(f"position/{self.annotator}/{self.document.id}", str(self.view.caret()))
            except DATABASE_ERRORS:  # a reading aid, not data: never worth an error
                pass

    def refresh_annotations(self) -> None:
        """Re-read the open document's spans and themes (after a palette or schema change)."""
        if self.document is None:
            return
        spans = self.layer.spans(self.document.id)
        self.view.set_spans(spans, self.colours, is_dark(self.view.palette()))
        self.span_panel.set_spans(spans, self.colours)
        self.span_panel.show_selected(self.view.selected_span_id)
        self.relating.refresh()
        self.refresh_themes()
        self.suggestions.refresh()
        self.review.refresh()

    def refresh_live(self) -> None:
        """Someone else changed the open document (or may have): read again what the view shows
        of it, and change only what differs. The caret, the selection and the selected span stay;
        so does the undo history (a command whose span another removed says so when undone)."""
        if self.document is None:
            return
        spans = self.layer.spans(self.document.id)
        if set(spans) != set(self.view.spans):  # one's own layer (another window of one's own), or gold
            selected = self.view.selected_span_id
            self.view.set_spans(spans, self.colours, is_dark(self.view.palette()))
            self.span_panel.set_spans(spans, self.colours)
            self.span_panel.show_selected(selected if self.view.selected_span_id == selected else None)
        self.relating.refresh()  # another member's (or window's) relations, or those a span took with it
        self.refresh_themes()
        if not self.review_mode and self.suggestions.source:
            self.suggestions.refresh()
        self.review.refresh(live=True)

    def refresh_themes(self) -> None:
        if self.document is None:
            return
        self._show_themes(self.layer.themes(self.document.id))
        if not self.review_mode:
            self.themes_panel.show_votes(None)

    def _show_themes(self, themes) -> None:
        """Tick what the database has (remembered, for when it cannot be asked)."""
        self._themes_shown = list(themes)
        self.themes_panel.show_selected(self._themes_shown)
        for name, action in self.theme_actions.items():
            action.blockSignals(True)
            action.setChecked(name in self._themes_shown)
            action.blockSignals(False)

    def after_bulk_change(self, doc_ids: set[str], added: int = 0) -> None:
        """Many documents changed at once: the open one is read again, the list rows too."""
        if self.document is not None and self.document.id in doc_ids:
            self.refresh_annotations()
        for doc_id in doc_ids:
            self.documents.model.refresh(doc_id)
        self.documents.update_progress()
        self.learning.spans_made(added)
        self.saved_label.setText(f"Saved {time.strftime('%H:%M:%S')}")

    # --- selection -------------------------------------------------------------------------

    def select_span(self, span_id: int | None, *, flash: bool = False) -> None:
        self.view.select_span(span_id, flash=flash)
        self.span_panel.show_selected(span_id)
        self.status_line.show_selection()
        self.workspace.select(*self.view.selection(), self.view.selected_span_id)

    def clear_selection(self) -> None:
        cursor = self.view.textCursor()
        cursor.clearSelection()
        self.view.setTextCursor(cursor)
        self.select_span(None)

    def _span_clicked(self, span_id: int) -> None:
        self.select_span(span_id if span_id >= 0 else None)

    # --- saving, and saying so ---------------------------------------------------------------

    def _changed(self, change: Change) -> None:
        """The workspace committed a step: show what it changed (the schema, one document, or many)."""
        if change.schema is not None:
            if change.renamed and change.renamed[0] != "relations":  # learning knows labels and themes
                self.learning.renamed(change.renamed[1], change.renamed[2])  # learned suggestions follow too
            self.menus.schema_changed()
        elif change.doc_id is None:
            self.after_bulk_change(set(change.doc_ids), added=change.added)
        elif change.relations and change.delta is None:  # a relation's edit: the arcs and the panel
            self.relating.after_change(change.relation_delta)
            self.review.relations_changed()
            self.saved_label.setText(f"Saved {time.strftime('%H:%M:%S')}")
            self.saved.emit(change.doc_id)
        else:
            self.after_change(change.doc_id, change.focus_span, change.delta, row=change.row,
                              suggested=change.suggested)
            if change.relations:  # spans and relations at once (a relation accepted with its ends)
                self.relating.after_change()
                self.review.relations_changed()

    def after_change(self, doc_id: str, focus_span: int | None, delta=None, row=None, suggested=None) -> None:
        """A command committed: show exactly what it changed, then say it is saved. ``row``: what
        it did to the document's row in the list, (spans added, the status set or None), which
        the list then shows without reading the row again; None reads it again. ``suggested``:
        where the suggestions changed though no span did (Change.suggested)."""
        if time.monotonic() - self.files.last_backup > self.BACKUP_EVERY:
            self.files.take_backup()
        if delta is not None:
            removed, added = delta
            self.view.change_spans(removed, added)
            touched = [*removed, *added]
            if focus_span is None and touched and not any(self.view.shows(s.start, s.end) for s in touched):
                self.view.show_place(touched[0].start)  # an undo in another part of a long document: shown there
            self.span_panel.change(removed, added)
            self.relating.spans_changed(removed, added)  # a span deleted takes its relations
            self.learning.spans_made(len(added) if len(added) >= len(removed) else 0)  # a relabel counts; an undo not
        else:
            self.refresh_themes()
        for room in ([self.suggestions] if self.suggestions.source else []) + [self.review]:
            if delta is not None:  # only what the change touched, else what may have changed there
                room.change(*delta)
            elif suggested is not None:
                room.change_within(*suggested)
            else:
                room.refresh()
        if focus_span is not None:
            if self.view.span(focus_span) is None:  # else selecting it moves the caret, ending the text selection
                cursor = self.view.textCursor()
                cursor.clearSelection()
                self.view.setTextCursor(cursor)
            self.select_span(focus_span, flash=False)
        else:
            self.status_line.show_selection()  # a deleted span is no longer named there
        if row is None or not self.documents.model.edited(doc_id, row[0], None if row[1] is None else Status(row[1])):
            self.documents.model.refresh(doc_id)
        if delta is None:  # a span's change leaves "done / all" as it was (two counts over every document)
            self.documents.update_progress()
        self.saved_label.setText(f"Saved {time.strftime('%H:%M:%S')}")
        self.saved.emit(doc_id)

    def report_failure(self, what: str, err: Exception) -> None:
        """A change was not saved (rolled back): say why, and show the database as it is, so that
        nothing refused stays on screen. A lost team database is retried until it answers."""
        self.saved_label.setText("Not saved")
        message = f"Not saved: could not {what}: {self._reason(err)}"
        if is_lost(err):
            self.live.connection_lost(err)
            self._show_themes(getattr(self, "_themes_shown", []))  # a box just ticked: as last read
            self.saved_label.setText("Not saved · connection lost")
            self.statusBar().showMessage(f"{message} · trying to reconnect every {self.live.retry_timer.interval() // 1000} s",
                                         15000)
            return
        try:
            self.refresh_live()  # what was refused is not shown; what others did meanwhile is
        except DATABASE_ERRORS as again:
            if is_lost(again):
                self.live.connection_lost(again)
        except Exception:  # noqa: BLE001 - the message below matters more than a stale checkbox
            pass
        self.statusBar().showMessage(message, 10000)

    def database_failed(self, what: str, err: BaseException) -> None:
        """A read failed (the team database went away while reading): said in the status bar,
        never a traceback; a lost connection is retried."""
        if is_lost(err):
            self.live.connection_lost(err)
            return
        self.statusBar().showMessage(f"Could not {what}: {self._reason(err)}", 10000)

    # --- view --------------------------------------------------------------------------------

    def zoom(self, step: int) -> None:
        self.point_size = DEFAULT_POINT_SIZE if step == 0 else max(6.0, min(48.0, self.point_size + step))
        self.settings.setValue("view/zoom", self.point_size)
        if self.document is not None:
            self.view.setFont(article_font(self.document.direction, self.point_size))

    def toggle_dark(self) -> None:
        self.theme = "dark" if self.dark_action.isChecked() else "light"
        self.settings.setValue("view/theme", self.theme)
        apply_theme(QApplication.instance(), self.theme)
        self.refresh_annotations()

    def toggle_tags(self) -> None:
        self.view.show_tags = self.tags_action.isChecked()
        self.settings.setValue("view/tags", "true" if self.view.show_tags else "false")
        self.view.viewport().update()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.docks.give_article_room()

    def show_shortcuts(self) -> None:
        ShortcutSheet(self, self.menu_actions).exec()

    # --- annotators and imports --------------------------------------------------------------

    def switch_annotator(self) -> None:
        dialog = SwitchAnnotatorDialog(self, self.store.layer_counts(), self.annotator)
        if dialog.exec() and dialog.chosen and dialog.chosen != self.annotator:
            self.set_annotator(dialog.chosen)

    def set_annotator(self, name: str) -> None:
        self._remember_position()
        self.activity.annotator_changing()
        self.annotator = name
        registered = self._register(name)
        self._keep_annotator(name)
        self.undo_stack.clear()  # another annotator's layer: the history is not theirs to undo
        self.documents.set_annotator(name)
        self.status_line.show_annotator()
        if self.document is not None:
            doc_id, self.document = self.document.id, None
            self.open_document(doc_id)
        if registered is not None:
            self.statusBar().showMessage(registered, 15000)

    def _keep_annotator(self, name: str) -> None:
        """Who annotates this database is kept in it, where the command line reads it too (a
        team database's member is their login: switching there only shows another's layer)."""
        if not self.store.is_team and not self.store.readonly:
            remember_annotator(self.store, name)

    def _reason(self, err: BaseException) -> str:
        return explain(err, self.store.path) if isinstance(err, DATABASE_ERRORS) else str(err)

    def _error(self, title: str, message: str) -> None:
        box = QMessageBox(QMessageBox.Warning, title, message, QMessageBox.Ok, self)
        box.setTextFormat(Qt.PlainText)
        box.exec()

    # --- closing -----------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.activity.watch()  # the window's QWindow exists once shown: its input is active time

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if not self._closed:  # a second close (a test harness, a quit after close) has nothing to save
            self._closed = True
            self.live.stop()
            self.activity.close()
            self._remember_position()
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
            self.settings.sync()
            self.files.take_backup()
            self.learning.close()
        super().closeEvent(event)

    BACKUP_EVERY = 3600.0  # seconds between automatic backups while the window works

