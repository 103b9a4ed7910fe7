"""Right-click on a span (in the article or the span list) or on a selection: the span actions a
mouse user looks for, each the same QAction as its menu entry and key, so undo, the shortcut
sheet and the status bar treat them alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu

from annotator.core.model import Span
from annotator.gui.plain import isolate
from annotator.gui.panels import swatch

if TYPE_CHECKING:
    from annotator.gui.host import Host


def span_menu(window: Host, span: Span) -> QMenu:
    """Relabel, delete, note, label every occurrence, grow or shrink an edge, snap its edges, copy its text."""
    menu = QMenu(window)
    menu.setObjectName("span-menu")
    title = menu.addAction(f"{span.label}  «{isolate(_short(span.text))}»  {span.start}–{span.end}")
    title.setEnabled(False)
    menu.addSeparator()
    relabel = menu.addMenu("Relabel as")
    relabel.setObjectName("relabel-menu")
    for label, action in zip(window.schema.labels, window.label_actions):
        item = relabel.addAction(swatch(window.colours.get(label.name, "#868E96")), action.text())
        item.setShortcut(action.shortcut())
        item.setEnabled(label.name != span.label)
        item.triggered.connect(lambda checked=False, name=label.name: window.annotating.apply_label(name))
    menu.addAction(window.delete_action)
    menu.addAction(window.note_action)
    menu.addAction(window.occurrences_action)  # this span's text and label, everywhere it occurs
    relate = menu.addAction("Relate to…")
    relate.setObjectName("relate-span")
    relate.setShortcut(window.relating.start_action.shortcut())
    relate.triggered.connect(lambda checked=False, span_id=span.id: window.relating.start(span_id))
    menu.addAction(window.everywhere_action)
    menu.addSeparator()
    for action in window.nudge_actions:
        menu.addAction(action)
    snap = menu.addAction("Snap edges to words")
    snap.setObjectName("snap-span")
    snap.triggered.connect(window.annotating.snap_span)
    menu.addSeparator()
    copy = menu.addAction("Copy text")
    copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(span.text))
    return menu


def selection_menu(window: Host, text: str) -> QMenu:
    """On a text selection: label it as any label, or copy it."""
    menu = QMenu(window)
    menu.setObjectName("selection-menu")
    label_as = menu.addMenu("Label as")
    label_as.setObjectName("label-as-menu")
    for label, action in zip(window.schema.labels, window.label_actions):
        item = label_as.addAction(swatch(window.colours.get(label.name, "#868E96")), action.text())
        item.setShortcut(action.shortcut())
        item.triggered.connect(lambda checked=False, name=label.name: window.annotating.apply_label(name))
    copy = QAction("Copy text", menu)
    copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(text))
    menu.addAction(copy)
    return menu


def _short(text: str, most: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[:most - 1] + "…"
