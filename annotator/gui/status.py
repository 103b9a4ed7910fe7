"""The status bar: its labels (what is selected, whether it is saved, who annotates where) and what
they say, with the window's title."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from annotator.core.words import left_out
from annotator.gui.plain import isolate

if TYPE_CHECKING:
    from annotator.gui.host import Host


class StatusLabel(QLabel):
    """A label in the status bar whose new text repaints the label alone. A label whose size may
    change has Qt lay the status bar out again, and after it the whole window (its docks, the
    article's place) for every new text: each label key says the new span there. This one only
    grows, to its widest text since :meth:`fit` (a document opened), and keeps its text to its
    right edge, beside its neighbour, as a label sized to its text does."""

    def __init__(self):
        super().__init__()
        self.setAlignment(Qt.AlignRight | Qt.AlignVCenter)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if text == self.text():
            return
        super().setText(text)
        width, height = self._room(text)
        if width > self.minimumWidth() or height > self.minimumHeight():
            self.setFixedSize(max(width, self.minimumWidth()), max(height, self.minimumHeight()))

    def fit(self) -> None:
        """As wide as its text again."""
        self.setFixedSize(*self._room(self.text()))

    def _room(self, text: str) -> tuple[int, int]:
        """The size a plain label sizes itself to for ``text`` (its sizeHint, which a fixed size
        would stretch)."""
        size = self.fontMetrics().size(Qt.TextSingleLine, text)
        margins, margin = self.contentsMargins(), 2 * self.margin()
        return (size.width() + margins.left() + margins.right() + margin,
                size.height() + margins.top() + margins.bottom() + margin)


class StatusLine:
    """What the status bar's labels and the title say: who edits which layer where, and what the
    label key would store now."""

    def __init__(self, window: Host):
        self.window = window

    def label(self, name: str) -> QLabel:
        label = StatusLabel()
        label.setObjectName(name)
        label.setTextFormat(Qt.PlainText)
        return label

    def show_annotator(self) -> None:
        w = self.window
        if w.review_mode:
            w.annotator_label.setText(f"Reviewing as {isolate(w.annotator)}: editing gold")
        else:
            w.annotator_label.setText(f"Annotator: {isolate(w.annotator)}")
        if w.store.readonly:  # said up front: no edit will be saved
            w.annotator_label.setText(f"Read-only database · {w.annotator_label.text()}")
        if w.store.is_team:  # who the team database knows, and which one (the whole URL in the title)
            w.annotator_label.setText(f"{w.annotator_label.text()} · {self.team_place()}")
            w.annotator_label.setToolTip(f"Connected to {w.store.path} as {w.store.member} "
                                         f"({w.store.role})")
        self.title()

    def team_place(self) -> str:
        """«sara, annotator, team database news»: the login (when it is not the layer's name), its
        role, and the database's name; the status bar is short of room."""
        w = self.window
        from urllib.parse import urlsplit

        name = urlsplit(str(w.store.path)).path.lstrip("/") or str(w.store.path)
        who = "" if w.store.member == w.annotator else f"connected as {isolate(w.store.member)}, "
        return f"{who}{w.store.role}, team database {isolate(name)}"

    def title(self) -> None:
        """The window title names the document and whose layer is being edited (and, on a team
        database, who is connected to which)."""
        w = self.window
        who = f"reviewing as {w.annotator}" if w.review_mode else w.annotator
        doc = f"{isolate(w.document.title)} — " if w.document is not None else ""
        where = ""
        if w.store.is_team:
            connected = "" if w.store.member == w.annotator else f" · connected as {isolate(w.store.member)}"
            where = f"{connected} @ {isolate(str(w.store.path))}"
        w.setWindowTitle(f"{doc}annotator ({isolate(who)}{where})")

    def selection_changed(self, start: int, end: int) -> None:
        w = self.window
        if start < end and w.view.selected_span_id is not None:
            w.view.select_span(None, scroll=False)
            w.span_panel.show_selected(None)
        self.show_selection()

    def show_selection(self) -> None:
        w = self.window
        span = w.view.span(w.view.selected_span_id)  # as drawn: no round trip to a team database
        if span is not None:
            w.selection_label.setText(f"{span.label} {span.start}–{span.end} ({span.end - span.start} chars)")
            return
        start, end = w.view.selection()
        if start >= end:
            w.selection_label.setText(f"Position {start}")
            return
        start, end = w.annotating.snapped(start, end)  # exactly what the label key will store
        shown = " ".join(w.document.text[start:end].split()) if w.document is not None else ""
        if len(shown) > 40:
            shown = shown[:39] + "…"
        snapping = w.document is not None and w.snap_to_words
        particle = left_out(w.document.text, start, end) if snapping else ""
        said = f"; particle «{isolate(particle)}» left out" if particle else ""
        w.selection_label.setText(f"Label key stores «{isolate(shown)}» {start}–{end} ({end - start} chars{said})")

    def describe_span(self, span) -> str:
        """A span's tooltip: label, text, whose, where, and its note (a suggestion: the
        recommender and its score, which its note holds)."""
        w = self.window
        label = next((item for item in w.schema.labels if item.name == span.label), None)
        suggested = span in w.view.suggestions
        title = f"{span.label} — {label.display}" if label else span.label
        lines = [f"Suggestion: {title}" if suggested else title, f"«{isolate(span.text)}»",
                 f"{isolate(span.annotator)} · {span.start}–{span.end} ({span.end - span.start} characters)"]
        if span.note:
            lines.append(f"{'Recommender and score' if suggested else 'Note'}: {isolate(span.note)}")
        return "\n".join(lines)
