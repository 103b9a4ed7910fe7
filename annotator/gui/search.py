"""Searching the documents: the list's query, its matches marked in the open document, and stepping
through them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.text import find_all
from annotator.gui.plain import quoted

if TYPE_CHECKING:
    from annotator.gui.host import Host


class Search:
    """The search box's query (the document list filters by it) and its matches in the article."""

    def __init__(self, window: Host):
        self.window = window
        self.query = ""

    def query_changed(self, query: str) -> None:
        self.query = query
        self.show_matches(jump=False)

    def show_matches(self, *, jump: bool) -> None:
        """Mark the search's matches in the open document; ``jump`` goes to the first one."""
        w = self.window
        if w.document is None:
            return
        matches = find_all(w.document.text, self.query) if self.query else []
        w.view.set_matches(matches)
        if jump and matches:
            w.view.select(*matches[0])

    def open_first_result(self) -> None:
        """Enter in the search box: the first document the search lists opens on its first match
        (selected and in view), and the keys go to the article, so F3 steps on from there."""
        w = self.window
        if not self.query:
            return
        model = w.documents.model
        if model.total() == 0:
            w.statusBar().showMessage(f"No document matches «{quoted(self.query)}»", 5000)
            return
        w.open_document(model.doc_id(0))
        w.view.setFocus()
        self._say_match()

    def _say_match(self) -> None:
        w = self.window
        matches = w.view.matches
        if matches and w.view.selection() in matches:
            w.statusBar().showMessage(f"Match {matches.index(w.view.selection()) + 1} of {len(matches)} "
                                      "(F3 next, Shift+F3 previous)", 5000)
        elif self.query:
            w.statusBar().showMessage(f"«{quoted(self.query)}» is not in this document's text", 5000)

    def step_match(self, step: int) -> None:
        """F3 / Shift+F3: the next or previous match after the caret, wrapping around. In a
        document without a match while the search lists others, F3 opens the first of those."""
        w = self.window
        matches = w.view.matches
        if not matches:
            listed = w.documents.model.total() if self.query else 0
            if listed and (w.document is None or w.documents.model.doc_id(0) != w.document.id):
                self.open_first_result()
                return
            w.statusBar().showMessage("No search matches in this document (Ctrl+F to search)", 4000)
            return
        caret = w.view.selection()[0] if step < 0 else w.view.selection()[1] - 1
        if step > 0:
            target = next((m for m in matches if m[0] > caret), matches[0])
        else:
            target = next((m for m in reversed(matches) if m[0] < caret), matches[-1])
        w.view.select(*target)
        w.statusBar().showMessage(f"Match {matches.index(target) + 1} of {len(matches)}", 3000)

    def focus_search(self) -> None:
        w = self.window
        w.documents.search.setFocus()
        w.documents.search.selectAll()
