"""The window's menus and keys: every action a QAction in a menu (so the shortcut sheet lists it),
the label and theme actions following the schema, and the label editor's entry."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from annotator.core.model import Status

if TYPE_CHECKING:
    from annotator.gui.host import Host

LOCAL = Qt.WidgetWithChildrenShortcut  # keys that type text elsewhere act only on the article and span list


class Menus:
    """Builds the menu bar from the rooms' slots; rebuilds the label and theme actions when the schema changes."""

    def __init__(self, window: Host):
        self.window = window
        self.progress = None  # View → Progress, once opened (progress_view.ProgressDialog)

    def action(self, menu: QMenu, text: str, slot, shortcut=None, *, local: bool = False,
               checkable: bool = False, checked: bool = False) -> QAction:
        w = self.window
        action = QAction(text, w)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        if checkable:
            action.setCheckable(True)
            action.setChecked(checked)
        action.triggered.connect(slot)
        if local:
            action.setShortcutContext(LOCAL)
            w.view.addAction(action)
            w.span_panel.table.addAction(action)
        else:
            w.addAction(action)
        menu.addAction(action)
        w.menu_actions.append((menu.title().replace("&", ""), action))
        return action

    def build(self) -> None:
        w = self.window
        bar = w.menuBar()
        file = bar.addMenu("&File")
        self.action(file, "Import files…", w.files.import_files, "Ctrl+I")
        self.action(file, "Import folder…", w.files.import_folder, "Ctrl+Shift+I")
        self.action(file, "Export…", w.files.export_dialog, "Ctrl+E")
        self.action(file, "Merge another annotator's database…", w.files.merge_dialog)
        self.action(file, "Load the sample articles", w.files.load_samples)
        file.addSeparator()
        self.action(file, "Switch annotator…", w.switch_annotator, "Ctrl+Shift+A")
        file.addSeparator()
        self.action(file, "Quit", w.close, QKeySequence.Quit)

        edit = bar.addMenu("&Edit")
        undo = w.undo_stack.createUndoAction(w, "Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = w.undo_stack.createRedoAction(w, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (undo, redo):
            edit.addAction(action)
            w.addAction(action)
            w.menu_actions.append(("Edit", action))
        w.undo_action, w.redo_action = undo, redo
        # After the stack's own slot has run: the command just undone sits at index(), the one
        # just redone right before it.
        undo.triggered.connect(lambda: self.said("Undid", w.undo_stack.index()))
        redo.triggered.connect(lambda: self.said("Redid", w.undo_stack.index() - 1))
        edit.addSeparator()
        w.delete_action = self.action(edit, "Delete span", w.annotating.delete_span, [QKeySequence.Delete, "Backspace"],
                                      local=True)
        w.note_action = self.action(edit, "Note on span…", w.annotating.edit_note, "F2", local=True)
        w.nudge_actions = [
            self.action(edit, "Start one character earlier", lambda: w.annotating.nudge("start", -1), "[", local=True),
            self.action(edit, "Start one character later", lambda: w.annotating.nudge("start", +1), "]", local=True),
            self.action(edit, "End one character earlier", lambda: w.annotating.nudge("end", -1), ",", local=True),
            self.action(edit, "End one character later", lambda: w.annotating.nudge("end", +1), ".", local=True),
        ]
        self.action(edit, "Clear selection", w.clear_selection, "Escape", local=True)
        edit.addSeparator()
        w.relating.build_actions(edit)

        w.annotate_menu = bar.addMenu("&Annotate")
        w.occurrences_action = QAction("Label every occurrence in this document", w)
        w.occurrences_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        w.occurrences_action.triggered.connect(lambda: w.annotating.annotate_all(False))
        w.addAction(w.occurrences_action)
        w.everywhere_action = QAction("Label every occurrence in every document…", w)
        w.everywhere_action.triggered.connect(lambda: w.annotating.annotate_all(True))
        w.menu_actions += [("Annotate", w.occurrences_action), ("Annotate", w.everywhere_action)]
        w.schema_menu_action = QAction("Labels and themes…", w)
        w.schema_menu_action.triggered.connect(self.edit_schema)
        w.menu_actions.append(("Annotate", w.schema_menu_action))
        w.themes_menu = bar.addMenu("T&hemes")
        w.label_actions: list[QAction] = []
        w.theme_actions: dict[str, QAction] = {}

        w.suggestions.build_menu(bar.addMenu("&Suggestions"))
        w.review.build_menu(bar.addMenu("&Review"))
        toolbar = w.addToolBar("Mode")
        toolbar.setObjectName("toolbar-mode")
        toolbar.addAction(w.review.mode_action)

        navigate = bar.addMenu("&Navigate")
        self.action(navigate, "Next document", lambda: w.annotating.go(backwards=False), ["Ctrl+PgDown", "Alt+Down"])
        self.action(navigate, "Previous document", lambda: w.annotating.go(backwards=True), ["Ctrl+PgUp", "Alt+Up"])
        self.action(navigate, "Next part of a long document", lambda: w.view.move_part(+1), "Alt+PgDown")
        self.action(navigate, "Previous part of a long document", lambda: w.view.move_part(-1), "Alt+PgUp")
        self.action(navigate, "Next unannotated document", w.annotating.next_unannotated, "Ctrl+U")
        self.action(navigate, "Next by what the model is least sure of", w.learning.least_sure, "Ctrl+Shift+U")
        self.action(navigate, "Mark done and go to the next", w.annotating.mark_done_and_next,
                    ["Ctrl+Return", "Ctrl+Enter"])
        self.action(navigate, "Mark skipped and go to the next", w.annotating.mark_skipped_and_next, "Ctrl+K")
        self.action(navigate, "Mark in progress", lambda: w.annotating.set_status(Status.IN_PROGRESS), "Ctrl+Shift+K")
        navigate.addSeparator()
        self.action(navigate, "Search documents", w.search.focus_search, QKeySequence.Find)
        self.action(navigate, "Next match in the document", lambda: w.search.step_match(+1), "F3")
        self.action(navigate, "Previous match in the document", lambda: w.search.step_match(-1), "Shift+F3")
        self.action(navigate, "Back to the article", w.view.setFocus, "Ctrl+J")

        view = bar.addMenu("&View")
        self.action(view, "Zoom in", lambda: w.zoom(+1), ["Ctrl+=", "Ctrl++"])
        self.action(view, "Zoom out", lambda: w.zoom(-1), "Ctrl+-")
        self.action(view, "Actual size", lambda: w.zoom(0), "Ctrl+0")
        w.dark_action = self.action(view, "Dark palette", w.toggle_dark, "Ctrl+Shift+D",
                                    checkable=True, checked=w.theme == "dark")
        w.snap_action = self.action(view, "Snap to words", w.annotating.toggle_snap, "Alt+W",
                                    checkable=True, checked=w.snap_to_words)
        w.tags_action = self.action(view, "Label tags on highlights", w.toggle_tags, "Alt+T", checkable=True,
                                    checked=w.settings.value("view/tags", "true") in (True, "true"))
        view.addSeparator()
        self.action(view, "Progress…", self.show_progress, "Ctrl+Shift+P")
        panels = view.addMenu("Panels")
        for dock in w.findChildren(QDockWidget):
            panels.addAction(dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self.action(help_menu, "Keyboard shortcuts", w.show_shortcuts, "F1")

    def edit_schema(self) -> None:
        w = self.window
        from annotator.gui.schema_editor import SchemaEditor

        w.schema_editor = SchemaEditor(w)
        w.schema_editor.exec()

    def show_progress(self) -> None:
        """View → Progress: a window of its own (not modal), kept while the window is open; opening
        it again brings it forward, refreshed if it was closed."""
        w = self.window
        from annotator.gui.progress_view import ProgressDialog

        if self.progress is None:
            self.progress = ProgressDialog(w, w.store, reason=w._reason)
        if not self.progress.isVisible():
            self.progress.show()
            self.progress.refresh()
        self.progress.raise_()
        self.progress.activateWindow()

    def schema_changed(self) -> None:
        """After a label or theme edit (or its undo): menus, keys, colours, panels and spans."""
        w = self.window
        w.schema = w.store.schema()
        self.apply_schema()
        w.refresh_annotations()
        w.refresh_themes()
        w.status_line.show_selection()  # the selected span's label, by its new name
        w.saved_label.setText(f"Saved {time.strftime('%H:%M:%S')}")

    def apply_schema(self) -> None:
        """Label and theme actions follow the schema: one action per label, with its hotkey."""
        w = self.window
        for action in w.label_actions + list(w.theme_actions.values()):
            w.view.removeAction(action)
            w.span_panel.table.removeAction(action)
            w.menu_actions = [(m, a) for m, a in w.menu_actions if a is not action]
        w.annotate_menu.clear()
        w.themes_menu.clear()
        w.label_actions = [
            self.action(w.annotate_menu, f"{label.name} — {label.display}",
                        lambda checked=False, name=label.name: w.annotating.apply_label(name),
                        label.hotkey.upper() if label.hotkey else None, local=True)
            for label in w.schema.labels
        ]
        w.theme_actions = {
            theme.name: self.action(w.themes_menu, theme.display,
                                    lambda checked=False, name=theme.name: w.annotating.toggle_theme(name),
                                    theme.hotkey.upper() if theme.hotkey else None, local=True,
                                    checkable=True)
            for theme in w.schema.themes
        }
        w.annotate_menu.addSeparator()
        w.annotate_menu.addAction(w.occurrences_action)
        w.annotate_menu.addAction(w.everywhere_action)
        w.annotate_menu.addSeparator()
        w.annotate_menu.addAction(w.schema_menu_action)
        w.palette_panel.set_labels(w.schema.labels)
        w.themes_panel.set_themes(w.schema.themes)
        w.guidelines.set_schema(w.schema)
        w.colours = {label.name: label.colour for label in w.schema.labels}

    def said(self, verb: str, index: int) -> None:
        w = self.window
        if 0 <= index < w.undo_stack.count():
            w.statusBar().showMessage(f"{verb}: {w.undo_stack.text(index)}", 5000)
