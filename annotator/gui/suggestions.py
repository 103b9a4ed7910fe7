"""Reviewing another layer's spans (a model's pre-annotations) as suggestions.

The annotator picks whose spans to review (View → Suggestions from…). Pending ones are drawn with
a wavy underline; Shift+N goes to the next, Shift+A takes it into the annotator's own layer
(an ordinary span, undoable), Shift+X rejects it (remembered), and Ctrl+Alt+A / Ctrl+Alt+X do
all that are left in the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog

from annotator.core.model import Span
from annotator.core.recommend.live import LEARNED
from annotator.core.workspace import operations
from annotator.gui.plain import isolate

if TYPE_CHECKING:
    from annotator.gui.host import Host


class Suggestions:
    def __init__(self, window: Host):
        self.window = window
        source = window.settings.value("annotate/suggestions")
        self.source: str | None = str(source) if source else None

    def set_enabled(self, on: bool) -> None:
        """Off in review mode, where the underlined spans are the annotators' proposals instead."""
        for action in self.actions:
            action.setEnabled(on)

    def build_menu(self, menu) -> None:
        w = self.window
        first = len(w.menu_actions)
        w.menus.action(menu, "Learn from…", lambda: w.learning.ask_source())
        w.menus.action(menu, "Learn now", lambda: w.learning.retrain("asked for"), "Ctrl+Shift+R")
        w.menus.action(menu, "Suggestions from…", self.choose_source)
        w.menus.action(menu, "Hide suggestions", lambda: self.set_source(None))
        menu.addSeparator()
        # Window-wide, so they act after a click in the document list or a panel too; a text
        # field typing Shift+N gets its letter (a line edit takes the keys it types first).
        w.menus.action(menu, "Next suggestion", self.next, "Shift+N")
        w.menus.action(menu, "Accept suggestion", self.accept, "Shift+A")
        w.menus.action(menu, "Reject suggestion", self.reject, "Shift+X")
        w.menus.action(menu, "Accept all suggestions in this document", self.accept_all, "Ctrl+Alt+A")
        w.menus.action(menu, "Reject all suggestions in this document", self.reject_all, "Ctrl+Alt+X")
        w.menus.action(menu, "Accept all above a score…", self.ask_accept_above)
        self.actions = [a for _, a in w.menu_actions[first:]]

    def choose_source(self) -> None:
        w = self.window
        others = [name for name in w.store.annotators() if name != w.annotator]
        if not others:
            w.statusBar().showMessage("No other annotator's spans to review", 5000)
            return
        current = others.index(self.source) if self.source in others else 0
        name, ok = QInputDialog.getItem(w, "Suggestions", "Review the spans of:", others, current, False)
        if ok and name:
            self.set_source(name)

    def set_source(self, name: str | None) -> None:
        self.source = name
        self.window.settings.setValue("annotate/suggestions", name or "")
        self.refresh()

    def pending(self, within: tuple[int, int] | None = None) -> list[Span]:
        """The suggestions left to review in the open document (``within``: inside those code points)."""
        w = self.window
        if w.document is None or not self.source or self.source == w.annotator:
            return []
        if self.source == LEARNED:
            return w.learning.suggestions(w.document, within)
        return w.store.pending_suggestions(w.document.id, w.annotator, self.source, within)

    def change(self, removed: list[Span], added: list[Span]) -> None:
        """The annotator's spans changed: only suggestions with a changed span's offsets can have
        come or gone, so only those between the changed spans' edges are read again (a label key
        in a document with 10,000 suggestions costs what it costs in a short one)."""
        w = self.window
        touched = [*removed, *added]
        if w.review_mode or not touched or not self.source:
            return
        self.change_within(min(s.start for s in touched), max(s.end for s in touched))

    def change_within(self, low: int, high: int) -> None:
        """Read again the suggestions inside code points ``[low, high)`` (a rejection there, or its undo)."""
        if not self.window.review_mode and self.source:
            self.window.view.change_suggestions(low, high, self.pending((low, high)))

    def refresh(self) -> None:
        w = self.window
        if not w.review_mode:
            w.view.set_suggestions(self.pending())
            learned = self.source == LEARNED and w.document is not None
            w.themes_panel.show_suggested(dict(w.learning.themes(w.document)) if learned else {})

    def current(self) -> Span | None:
        """The suggestion the selection is on, else the one under the caret."""
        view = self.window.view
        start, end = view.selection()
        pending = view.suggestions
        exact = [s for s in pending if (s.start, s.end) == (start, end)]
        if exact:
            return exact[0]
        caret = view.caret()
        under = [s for s in pending if s.start <= caret < s.end]
        return min(under, key=lambda s: s.end - s.start) if under else None

    def next(self) -> None:
        w = self.window
        pending = w.view.suggestions
        if not pending:
            w.statusBar().showMessage("No suggestions left in this document", 4000)
            return
        start, _ = w.view.selection()
        here = start if w.view.selection()[1] > start else w.view.caret() - 1
        after = [s for s in pending if s.start > here]
        target = (after or pending)[0]
        w.view.select(target.start, target.end)
        w.statusBar().showMessage(f"Suggestion: {target.label} on «{isolate(target.text)}» from {isolate(target.annotator)}", 6000)

    def accept(self) -> None:
        suggestion = self.current()
        if suggestion is None:
            self.window.statusBar().showMessage("Put the caret on a suggestion first (Shift+N)", 4000)
            return
        w = self.window
        if w.workspace.do(operations.AddSpan(w.workspace, suggestion.doc_id, suggestion.start, suggestion.end,
                                             suggestion.label, suggestion.text)) is not None:
            w.statusBar().showMessage(f"Accepted: {suggestion.label} on «{isolate(suggestion.text)}», now yours", 4000)

    def reject(self) -> None:
        suggestion = self.current()
        if suggestion is None:
            self.window.statusBar().showMessage("Put the caret on a suggestion first (Shift+N)", 4000)
            return
        w = self.window
        if w.workspace.do(operations.RejectSuggestion(w.workspace, suggestion)) is None:
            return  # not saved: the failure said so
        w.learning.rejected(suggestion)
        w.statusBar().showMessage(f"Rejected: {suggestion.label} on «{isolate(suggestion.text)}» is not suggested "
                                  "here again (Ctrl+Z takes it back)", 5000)

    def accept_all(self) -> None:
        self._all("accept", lambda s: operations.AddSpan(self.window.workspace, s.doc_id, s.start, s.end, s.label, s.text))

    def reject_all(self) -> None:
        def reject(s: Span) -> operations.RejectSuggestion:
            self.window.learning.rejected(s)
            return operations.RejectSuggestion(self.window.workspace, s)

        self._all("reject", reject)

    @staticmethod
    def score(suggestion: Span) -> float | None:
        """The score ``annotator suggest`` wrote in the note ("crf 0.87"), if any."""
        parts = (suggestion.note or "").split()
        try:
            return float(parts[-1]) if len(parts) == 2 else None
        except ValueError:
            return None

    def ask_accept_above(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getDouble(self.window, "Accept all above a score",
                                           "Accept the suggestions in this document scored at least:",
                                           0.8, 0.0, 1.0, 2)
        if ok:
            self.accept_above(value)

    def accept_above(self, threshold: float) -> None:
        """Accept every pending suggestion scored at least ``threshold``, as one undo step."""
        self._all(f"accept (score ≥ {threshold:.2f})",
                  lambda s: operations.AddSpan(self.window.workspace, s.doc_id, s.start, s.end, s.label, s.text),
                  keep=lambda s: (self.score(s) or 0.0) >= threshold)

    def _all(self, verb: str, make, keep=lambda s: True) -> None:
        w = self.window
        pending = [s for s in self.pending() if keep(s)]
        if not pending:
            w.statusBar().showMessage("No suggestions left in this document", 4000)
            return
        w.undo_stack.beginMacro(f"{verb} {len(pending)} suggestions")  # one undo step for all of them
        for suggestion in pending:
            w.workspace.do(make(suggestion))
        w.undo_stack.endMacro()
