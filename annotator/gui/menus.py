"""The window's menus and keys: every action a QAction in a menu (so the shortcut sheet lists it), the label and theme actions following the schema, and the label editor's entry."""

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

    def action(self, menu: QMenu, text: str, slot, shortcut=None, *, local: bool = False,
                checkable: bool = False, checked: bool = False) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        if checkable:
            action.setCheckable(True)
            action.setChecked(checked)
        action.triggered.connect(slot)
        if local:
            action.setShortcutContext(LOCAL)
            self.window.view.addAction(action)
            self.window.span_panel.table.addAction(action)
        else:
            self.window.addAction(action)
        menu.addAction(action)
        self.window.menu_actions.append((menu.title().replace("&", ""), action))
        return action

    def build(self) -> None:
        bar = self.window.menuBar()
        file = bar.addMenu("&File")
        self.action(file, "Import files…", self.window.files.import_files, "Ctrl+I")
        self.action(file, "Import folder…", self.window.files.import_folder, "Ctrl+Shift+I")
        self.action(file, "Export…", self.window.files.export_dialog, "Ctrl+E")
        self.action(file, "Merge another annotator's database…", self.window.files.merge_dialog)
        self.action(file, "Load the sample articles", self.window.files.load_samples)
        file.addSeparator()
        self.action(file, "Switch annotator…", self.window.switch_annotator, "Ctrl+Shift+A")
        file.addSeparator()
        self.action(file, "Quit", self.window.close, QKeySequence.Quit)

        edit = bar.addMenu("&Edit")
        undo = self.window.undo_stack.createUndoAction(self.window, "Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = self.window.undo_stack.createRedoAction(self.window, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (undo, redo):
            edit.addAction(action)
            self.window.addAction(action)
            self.window.menu_actions.append(("Edit", action))
        self.window.undo_action, self.window.redo_action = undo, redo
        # After the stack's own slot has run: the command just undone sits at index(), the one
        # just redone right before it.
        undo.triggered.connect(lambda: self.said("Undid", self.window.undo_stack.index()))
        redo.triggered.connect(lambda: self.said("Redid", self.window.undo_stack.index() - 1))
        edit.addSeparator()
        self.window.delete_action = self.action(edit, "Delete span", self.window.annotating.delete_span, [QKeySequence.Delete, "Backspace"],
                                          local=True)
        self.window.note_action = self.action(edit, "Note on span…", self.window.annotating.edit_note, "F2", local=True)
        self.window.nudge_actions = [
            self.action(edit, "Start one character earlier", lambda: self.window.annotating.nudge("start", -1), "[", local=True),
            self.action(edit, "Start one character later", lambda: self.window.annotating.nudge("start", +1), "]", local=True),
            self.action(edit, "End one character earlier", lambda: self.window.annotating.nudge("end", -1), ",", local=True),
            self.action(edit, "End one character later", lambda: self.window.annotating.nudge("end", +1), ".", local=True),
        ]
        self.action(edit, "Clear selection", self.window.clear_selection, "Escape", local=True)

        self.window.annotate_menu = bar.addMenu("&Annotate")
        self.window.occurrences_action = QAction("Label every occurrence in this document", self.window)
        self.window.occurrences_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.window.occurrences_action.triggered.connect(lambda: self.window.annotating.annotate_all(False))
        self.window.addAction(self.window.occurrences_action)
        self.window.everywhere_action = QAction("Label every occurrence in every document…", self.window)
        self.window.everywhere_action.triggered.connect(lambda: self.window.annotating.annotate_all(True))
        self.window.menu_actions += [("Annotate", self.window.occurrences_action), ("Annotate", self.window.everywhere_action)]
        self.window.schema_menu_action = QAction("Labels and themes…", self.window)
        self.window.schema_menu_action.triggered.connect(self.edit_schema)
        self.window.menu_actions.append(("Annotate", self.window.schema_menu_action))
        self.window.themes_menu = bar.addMenu("T&hemes")
        self.window.label_actions: list[QAction] = []
        self.window.theme_actions: dict[str, QAction] = {}

        self.window.suggestions.build_menu(bar.addMenu("&Suggestions"))
        self.window.review.build_menu(bar.addMenu("&Review"))
        toolbar = self.window.addToolBar("Mode")
        toolbar.setObjectName("toolbar-mode")
        toolbar.addAction(self.window.review.mode_action)

        navigate = bar.addMenu("&Navigate")
        self.action(navigate, "Next document", lambda: self.window.annotating.go(backwards=False), ["Ctrl+PgDown", "Alt+Down"])
        self.action(navigate, "Previous document", lambda: self.window.annotating.go(backwards=True), ["Ctrl+PgUp", "Alt+Up"])
        self.action(navigate, "Next unannotated document", self.window.annotating.next_unannotated, "Ctrl+U")
        self.action(navigate, "Next by what the model is least sure of", self.window.learning.least_sure, "Ctrl+Shift+U")
        self.action(navigate, "Mark done and go to the next", self.window.annotating.mark_done_and_next, ["Ctrl+Return", "Ctrl+Enter"])
        self.action(navigate, "Mark skipped and go to the next", self.window.annotating.mark_skipped_and_next, "Ctrl+K")
        self.action(navigate, "Mark in progress", lambda: self.window.annotating.set_status(Status.IN_PROGRESS), "Ctrl+Shift+K")
        navigate.addSeparator()
        self.action(navigate, "Search documents", self.window.search.focus_search, QKeySequence.Find)
        self.action(navigate, "Next match in the document", lambda: self.window.search.step_match(+1), "F3")
        self.action(navigate, "Previous match in the document", lambda: self.window.search.step_match(-1), "Shift+F3")
        self.action(navigate, "Back to the article", self.window.view.setFocus, "Ctrl+J")

        view = bar.addMenu("&View")
        self.action(view, "Zoom in", lambda: self.window.zoom(+1), ["Ctrl+=", "Ctrl++"])
        self.action(view, "Zoom out", lambda: self.window.zoom(-1), "Ctrl+-")
        self.action(view, "Actual size", lambda: self.window.zoom(0), "Ctrl+0")
        self.window.dark_action = self.action(view, "Dark palette", self.window.toggle_dark, "Ctrl+Shift+D",
                                        checkable=True, checked=self.window.theme == "dark")
        self.window.snap_action = self.action(view, "Snap to words", self.window.annotating.toggle_snap, "Alt+W",
                                        checkable=True, checked=self.window.snap_to_words)
        self.window.tags_action = self.action(view, "Label tags on highlights", self.window.toggle_tags, "Alt+T", checkable=True,
                                        checked=self.window.settings.value("view/tags", "true") in (True, "true"))
        view.addSeparator()
        panels = view.addMenu("Panels")
        for dock in self.window.findChildren(QDockWidget):
            panels.addAction(dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self.action(help_menu, "Keyboard shortcuts", self.window.show_shortcuts, "F1")

    def edit_schema(self) -> None:
        from annotator.gui.schema_editor import SchemaEditor

        self.window.schema_editor = SchemaEditor(self.window)
        self.window.schema_editor.exec()

    def schema_changed(self) -> None:
        """After a label or theme edit (or its undo): menus, keys, colours, panels and spans."""
        self.window.schema = self.window.store.schema()
        self.apply_schema()
        self.window.refresh_annotations()
        self.window.refresh_themes()
        self.window.status_line.show_selection()  # the selected span's label, by its new name
        self.window.saved_label.setText(f"Saved {time.strftime('%H:%M:%S')}")

    def apply_schema(self) -> None:
        """Label and theme actions follow the schema: one action per label, with its hotkey."""
        for action in self.window.label_actions + list(self.window.theme_actions.values()):
            self.window.view.removeAction(action)
            self.window.span_panel.table.removeAction(action)
            self.window.menu_actions = [(m, a) for m, a in self.window.menu_actions if a is not action]
        self.window.annotate_menu.clear()
        self.window.themes_menu.clear()
        self.window.label_actions = [
            self.action(self.window.annotate_menu, f"{label.name} — {label.display}",
                         lambda checked=False, name=label.name: self.window.annotating.apply_label(name),
                         label.hotkey.upper() if label.hotkey else None, local=True)
            for label in self.window.schema.labels
        ]
        self.window.theme_actions = {
            theme.name: self.action(self.window.themes_menu, theme.display,
                                     lambda checked=False, name=theme.name: self.window.annotating.toggle_theme(name),
                                     theme.hotkey.upper() if theme.hotkey else None, local=True,
                                     checkable=True)
            for theme in self.window.schema.themes
        }
        self.window.annotate_menu.addSeparator()
        self.window.annotate_menu.addAction(self.window.occurrences_action)
        self.window.annotate_menu.addAction(self.window.everywhere_action)
        self.window.annotate_menu.addSeparator()
        self.window.annotate_menu.addAction(self.window.schema_menu_action)
        self.window.palette_panel.set_labels(self.window.schema.labels)
        self.window.themes_panel.set_themes(self.window.schema.themes)
        self.window.guidelines.set_schema(self.window.schema)
        self.window.colours = {label.name: label.colour for label in self.window.schema.labels}

    def said(self, verb: str, index: int) -> None:
        if 0 <= index < self.window.undo_stack.count():
            self.window.statusBar().showMessage(f"{verb}: {self.window.undo_stack.text(index)}", 5000)
