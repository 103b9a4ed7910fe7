"""Searching the documents: the list's query, its matches marked in the open document, and stepping through them."""

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
        if self.window.document is None:
            return
        matches = find_all(self.window.document.text, self.query) if self.query else []
        self.window.view.set_matches(matches)
        if jump and matches:
            self.window.view.select(*matches[0])

    def open_first_result(self) -> None:
        """Enter in the search box: the first document the search lists opens on its first match
        (selected and in view), and the keys go to the article, so F3 steps on from there."""
        if not self.query:
            return
        model = self.window.documents.model
        if model.total() == 0:
            self.window.statusBar().showMessage(f"No document matches «{quoted(self.query)}»", 5000)
            return
        self.window.open_document(model.doc_id(0))
        self.window.view.setFocus()
        self._say_match()

    def _say_match(self) -> None:
        matches = self.window.view.matches
        if matches and self.window.view.selection() in matches:
            self.window.statusBar().showMessage(f"Match {matches.index(self.window.view.selection()) + 1} of {len(matches)} "
                                         "(F3 next, Shift+F3 previous)", 5000)
        elif self.query:
            self.window.statusBar().showMessage(f"«{quoted(self.query)}» is not in this document's text", 5000)

    def step_match(self, step: int) -> None:
        """F3 / Shift+F3: the next or previous match after the caret, wrapping around. In a
        document without a match while the search lists others, F3 opens the first of those."""
        matches = self.window.view.matches
        if not matches:
            listed = self.window.documents.model.total() if self.query else 0
            if listed and (self.window.document is None or self.window.documents.model.doc_id(0) != self.window.document.id):
                self.open_first_result()
                return
            self.window.statusBar().showMessage("No search matches in this document (Ctrl+F to search)", 4000)
            return
        caret = self.window.view.selection()[0] if step < 0 else self.window.view.selection()[1] - 1
        if step > 0:
            target = next((m for m in matches if m[0] > caret), matches[0])
        else:
            target = next((m for m in reversed(matches) if m[0] < caret), matches[-1])
        self.window.view.select(*target)
        self.window.statusBar().showMessage(f"Match {matches.index(target) + 1} of {len(matches)}", 3000)

    def focus_search(self) -> None:
        self.window.documents.search.setFocus()
        self.window.documents.search.selectAll()
