"""Annotating: the label key, themes, statuses, notes, deleting, resizing and snapping spans,
labelling every occurrence, and the right-click menus; each edit one workspace operation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from annotator.core.adjudication import next_to_review
from annotator.core.model import Span, Status
from annotator.core.text import counted
from annotator.core.words import left_out, nudge, snap
from annotator.core.workspace import operations
from annotator.gui import span_menu
from annotator.gui.dialogs import NoteDialog
from annotator.gui.plain import quoted
from annotator.storage import DATABASE_ERRORS

if TYPE_CHECKING:
    from annotator.gui.host import Host


class Annotating:
    """What a person does to the open document's layer, as operations run through the workspace
    (undoable, saved when made)."""

    def __init__(self, window: Host):
        self.window = window

    def apply_label(self, label: str) -> None:
        """The label hotkey: label the selected text, or relabel the selected span."""
        w = self.window
        if w.document is None:
            return
        start, end = w.view.selection()
        if start < end:
            w.statusBar().clearMessage()  # what the last action said is not about this span
            if w.snap_to_words:
                start, end = self._snap_and_say(start, end)
            text = w.document.text[start:end]
            w.workspace.do(operations.AddSpan(w.workspace, w.document.id, start, end, label, text))
            return
        span = self.selected_span()
        if span is not None and span.label != label:
            if w.relating.relabel(span, label):  # it would break a relation: asked, done or declined there
                return
            w.workspace.do(operations.UpdateSpan(w.workspace, span, f"relabel «{quoted(span.text)}» as {label}",
                                                 label=label))
        elif span is None:
            w.statusBar().showMessage("Select some text first, or click a span", 4000)

    def toggle_theme(self, name: str, on: bool | None = None) -> None:
        w = self.window
        if w.document is None:
            return
        try:
            current = name in w.layer.themes(w.document.id)
        except DATABASE_ERRORS as err:
            w._show_themes(getattr(w, "_themes_shown", []))  # the box ticked: as last read
            w.report_failure(f"change theme {name}", err)
            return
        wanted = (not current) if on is None else on
        if wanted != current:
            voters = w.review.theme_voters(name) if w.review_mode else None
            w.workspace.do(operations.ToggleTheme(w.workspace, w.document.id, name, wanted, proposed_by=voters))
        else:
            w.themes_panel.show_selected(w.layer.themes(w.document.id))

    def selected_span(self):
        w = self.window
        span_id = w.view.selected_span_id
        if span_id is None:
            return None
        try:
            return w.layer.get(span_id)
        except DATABASE_ERRORS as err:  # the span as last read: an edit to it says "Not saved" itself
            w.database_failed("read the span", err)
            return next((s for s in w.view.spans if s.id == span_id), None)

    def delete_span(self) -> None:
        w = self.window
        span = self.selected_span()
        if span is not None:
            taken = w.relating.of_span(span.id)
            if w.workspace.do(operations.DeleteSpan(w.workspace, span)) is not None and taken:
                w.statusBar().showMessage(f"Deleted «{quoted(span.text)}» and its {taken} relation"
                                          f"{'s' * (taken != 1)} (Ctrl+Z brings them back)", 6000)

    def edit_note(self) -> None:
        w = self.window
        span = self.selected_span()
        if span is None:
            w.statusBar().showMessage("Click a span first", 4000)
            return
        dialog = NoteDialog(w, span.text, span.note or "")
        if dialog.exec():
            note = dialog.note() or None
            if note != span.note:
                w.workspace.do(operations.UpdateSpan(w.workspace, span, f"note on «{quoted(span.text)}»", note=note))

    def annotate_all(self, everywhere: bool = False) -> int:
        """Label every other occurrence of the selected span's text with its label, in this
        document or in every document, found as the string matcher finds names (Persian letters
        and ZWNJ folded, whole words, a Korean particle allowed after); after a preview of the
        count, as one undo step. Returns how many were added."""
        w = self.window
        from annotator.core.recommend.strings import StringMatcher

        span = self.selected_span()
        if span is None or w.document is None:
            w.statusBar().showMessage("Click a span first: its text is what is looked for", 4000)
            return 0
        matcher = StringMatcher()
        matcher.learn([(span.text, span.label)])
        docs = ([w.document] if not everywhere else
                [doc for page in w.store.document_pages(500) for doc in page])
        found, left_out = self._occurrences(matcher, docs, span.label)
        where = "in every document" if everywhere else "in this document"
        if not found:
            w.statusBar().showMessage(f"No other occurrence of «{quoted(span.text)}» {where}"
                                      + (f" ({self._left_out(left_out)})" if left_out else ""), 6000)
            return 0
        count_docs = len({s.doc_id for s in found})
        question = (f"Label {len(found)} more occurrence{'s' * (len(found) != 1)} of «{quoted(span.text)}» as "
                    f"{span.label} {where}" + (f" ({counted(count_docs, 'document')})" if everywhere else "") + "?"
                    + (f"\n\n{self._left_out(left_out)}." if left_out else ""))
        box = QMessageBox(QMessageBox.Question, "Annotate all occurrences", question,
                          QMessageBox.Yes | QMessageBox.Cancel, w)
        box.setTextFormat(Qt.PlainText)
        if box.exec() != QMessageBox.Yes:
            return 0
        if w.workspace.do(operations.AddSpansAcross(
                w.workspace, found,
                f"label {counted(len(found), 'occurrence')} of «{quoted(span.text)}» as {span.label}")) is None:
            return 0  # not saved: the failure said so
        w.statusBar().showMessage(f"Labelled {counted(len(found), 'more occurrence')} of «{quoted(span.text)}» as "
                                  f"{span.label} {where}" + (f" ({self._left_out(left_out)})" if left_out else ""),
                                  6000)
        return len(found)

    def _occurrences(self, matcher, docs, label: str) -> tuple[list[Span], int]:
        """The places ``matcher`` finds that the layer does not hold yet, as ``label`` spans, and
        how many it left out because the person rejected a suggestion (or, in review mode, a
        proposal) at exactly that place: a rejection says "not here", whatever label it had."""
        w = self.window
        found: list[Span] = []
        left_out = 0
        for doc in docs:
            have = {(s.start, s.end, s.label) for s in w.layer.spans(doc.id)}
            rejected = {(start, end) for start, end, _ in w.layer.rejected(doc.id)}
            for hit in matcher.suggest(doc.text):
                if (hit.start, hit.end, label) in have:
                    continue
                if (hit.start, hit.end) in rejected:
                    left_out += 1
                    continue
                found.append(Span(doc.id, w.layer.name, hit.start, hit.end, label, doc.text[hit.start:hit.end]))
        return found, left_out

    def _left_out(self, count: int) -> str:
        what = "a proposal" if self.window.review_mode else "a suggestion"
        if count == 1:
            return f"1 left out: you rejected {what} there"
        return f"{count} left out: you rejected {what} at each"

    def snap_span(self) -> None:
        """Snap the selected span's edges to words (see annotator.core.words.snap)."""
        w = self.window
        span = self.selected_span()
        if span is None or w.document is None:
            return
        start, end = self._snap_and_say(span.start, span.end)
        if (start, end) == (span.start, span.end):
            w.statusBar().showMessage(f"«{quoted(span.text)}» is already on word edges", 5000)
        else:
            w.workspace.do(operations.UpdateSpan(w.workspace, span, f"snap {span.label} «{quoted(span.text)}»",
                                                 start=start, end=end))

    def snapped(self, start: int, end: int) -> tuple[int, int]:
        """What the label key stores for the selection ``[start, end)``: snapped to words when
        snapping is on (annotator.core.words.snap), else as it is."""
        w = self.window
        if not w.snap_to_words or w.document is None:
            return start, end
        return snap(w.document.text, start, end)

    def _snap_and_say(self, start: int, end: int) -> tuple[int, int]:
        """Snap ``[start, end)`` to words and say in the status bar what that did, when it changed
        the edges or left a Korean particle out (said before the change is saved: a failure to
        save says so after it)."""
        w = self.window
        text = w.document.text
        s, e = snap(text, start, end)
        particle = left_out(text, s, e)
        if (s, e) != (start, end) or particle:
            what = ["grown to whole words"] if s < start or e > end else []
            what += [f"particle «{quoted(particle)}» left out"] if particle else []
            said = f" ({'; '.join(what)})" if what else ""
            w.statusBar().showMessage(f"Snapped to «{quoted(text[s:e])}»{said}", 6000)
        return s, e

    def prepare_snap(self, text: str) -> None:
        """Snapping Korean asks the tokens' analyser (Kiwi), which takes a second or two and about
        300 MB to load, holding Python's lock all along: the window asks it in a process of its own
        (annotator.core.analyser), started when the first Korean document is shown with snapping
        on, so it loads while the person reads and the window neither freezes nor grows."""
        from annotator.core import analyser, tokens

        tokens.analyse_elsewhere(analyser.shared().split)  # never here (an export from the window too)
        if self.window.snap_to_words and tokens.has_hangul(text):
            analyser.shared().start()

    def nudge(self, edge: str, delta: int) -> None:
        """Move the start or end of the selected span (or of the text selection) by one character."""
        w = self.window
        if w.document is None:
            return
        span = self.selected_span()
        if span is not None:
            start, end = nudge(w.document.text, span.start, span.end, edge, delta)
            if (start, end) != (span.start, span.end):
                w.workspace.do(operations.UpdateSpan(
                    w.workspace, span, f"resize {span.label} «{quoted(span.text)}»", start=start, end=end))
            return
        start, end = w.view.selection()
        if start < end:
            w.view.select(*nudge(w.document.text, start, end, edge, delta))

    def set_status(self, status: Status | str) -> None:
        w = self.window
        value = status.value if isinstance(status, Status) else status
        try:
            if w.document is not None and w.layer.status(w.document.id) != value:
                w.workspace.do(operations.SetStatus(w.workspace, w.document.id, value))
        except DATABASE_ERRORS as err:
            w.report_failure(f"mark {value.replace('_', ' ')}", err)

    def mark_done_and_next(self) -> None:
        self._mark_and_next(Status.DONE)

    def mark_skipped_and_next(self) -> None:
        self._mark_and_next(Status.SKIPPED)

    def _mark_and_next(self, status: Status) -> None:
        w = self.window
        if w.document is None:
            return
        if w.review_mode:  # the reviewer's "done": this document's gold is adjudicated
            self.set_status("adjudicated" if status is Status.DONE else "in_progress")
            nxt = next_to_review(w.store, w.document.id)
            if nxt is None:
                w.statusBar().showMessage("Every document is adjudicated or has nothing left to decide", 6000)
            else:
                w.open_document(nxt)
            return
        self.set_status(status)
        if status is Status.DONE:
            w.learning.document_done()  # after the status is committed: the training reads it
        if self._follow_queue():
            return
        if not self.go(statuses=[Status.NEW, Status.IN_PROGRESS]):
            w.statusBar().showMessage("Every document is done or skipped", 6000)

    def go(self, *, backwards: bool = False, statuses=None) -> bool:
        w = self.window
        current = w.document.id if w.document else None
        try:
            target = w.store.neighbour(current, w.annotator, backwards=backwards, statuses=statuses)
        except DATABASE_ERRORS as err:
            w.database_failed("go to the next document", err)
            return False
        if target is None:
            w.statusBar().showMessage("No other document to go to", 4000)
            return False
        w.open_document(target)
        return True

    def queue_start(self) -> str | None:
        """Where a window with no document remembered opens: the first document of the annotator's
        queue not done or skipped (else the queue's first), or None without a queue."""
        try:
            rows = self.window.store.queue_status(self.window.annotator)
        except DATABASE_ERRORS:
            return None  # the window opens where it would without a queue, and says what failed there
        unfinished = [doc_id for doc_id, _, status in rows if status in (Status.NEW, Status.IN_PROGRESS)]
        return (unfinished or [doc_id for doc_id, _, _ in rows] or [None])[0]

    def _follow_queue(self) -> bool:
        """With a work queue, the next document is its next one not done or skipped (after the open
        one, then from its start); False when the annotator has no queue."""
        w = self.window
        try:
            queue = w.store.queue(w.annotator)
            if not queue:
                return False
            statuses = {row.id: row.status for row in w.store.document_summaries(w.annotator, ids=queue)}
        except DATABASE_ERRORS as err:
            w.database_failed("go to the next document in your queue", err)
            return True
        current = w.document.id if w.document else None
        at = queue.index(current) + 1 if current in queue else 0
        for doc_id in queue[at:] + queue[:at]:
            if doc_id != current and statuses.get(doc_id) in (Status.NEW, Status.IN_PROGRESS):
                w.open_document(doc_id)
                return True
        w.statusBar().showMessage("Every document in your queue is done or skipped", 6000)
        return True

    def queue_note(self, doc_id: str) -> None:
        """Say so when the open document is outside the annotator's queue (it can still be annotated)."""
        w = self.window
        queue = w.documents.queue
        if queue and doc_id not in queue:
            w.statusBar().showMessage(f"Not in your queue: {len(queue):,} other documents are assigned to you "
                                      "(My queue in the document list)")

    def next_unannotated(self) -> None:
        self.go(statuses=[Status.NEW])

    def open_article_menu(self, offset: int, at) -> None:
        """Right-click in the article: on a selection, label it; on a span, its actions."""
        w = self.window
        start, end = w.view.selection()
        if start < end and start <= offset <= end:
            self._exec_menu(span_menu.selection_menu(w, w.document.text[start:end]), at)
            return
        covering = w.view.spans_at(offset)
        if covering:
            chosen = w.view.selected_span_id if w.view.selected_span_id in {s.id for s in covering} else covering[0].id
            w.select_span(chosen)
            self.open_span_menu(chosen, at)

    def open_span_menu(self, span_id: int, at) -> None:
        w = self.window
        span = w.layer.get(span_id)
        if span is not None:
            self._exec_menu(span_menu.span_menu(w, span), at)

    def _exec_menu(self, menu, at) -> None:
        w = self.window
        w.last_menu = menu  # tests look at it; a real user picks from it
        if not w._quiet_dialogs:
            menu.exec(at)

    def toggle_snap(self) -> None:
        w = self.window
        w.snap_to_words = w.snap_action.isChecked()
        w.settings.setValue("annotate/snap", "true" if w.snap_to_words else "false")
        w.statusBar().showMessage(
            "Snap to words is on: a selection's edges snap to whole words (Alt+W turns it off)" if w.snap_to_words
            else "Snap to words is off: the label key stores exactly the selection (Alt+W turns it on)", 6000)
        if w.document is not None:
            self.prepare_snap(w.document.text)  # starts the Korean analyser's own process
        w.status_line.show_selection()  # what the label key will store, with or without snapping
