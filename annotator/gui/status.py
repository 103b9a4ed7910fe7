"""The status bar: its labels (what is selected, whether it is saved, who annotates where) and what they say, with the window's title."""

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
        if self.window.review_mode:
            self.window.annotator_label.setText(f"Reviewing as {isolate(self.window.annotator)}: editing gold")
        else:
            self.window.annotator_label.setText(f"Annotator: {isolate(self.window.annotator)}")
        if self.window.store.readonly:  # said up front: no edit will be saved
            self.window.annotator_label.setText(f"Read-only database · {self.window.annotator_label.text()}")
        if self.window.store.is_team:  # who the team database knows, and which one (the whole URL in the title)
            self.window.annotator_label.setText(f"{self.window.annotator_label.text()} · {self.team_place()}")
            self.window.annotator_label.setToolTip(f"Connected to {self.window.store.path} as {self.window.store.member} "
                                            f"({self.window.store.role})")
        self.title()

    def team_place(self) -> str:
        """«sara, annotator, team database news»: the login (when it is not the layer's name), its
        role, and the database's name; the status bar is short of room."""
        from urllib.parse import urlsplit

        name = urlsplit(str(self.window.store.path)).path.lstrip("/") or str(self.window.store.path)
        who = "" if self.window.store.member == self.window.annotator else f"connected as {isolate(self.window.store.member)}, "
        return f"{who}{self.window.store.role}, team database {isolate(name)}"

    def title(self) -> None:
        """The window title names the document and whose layer is being edited (and, on a team
        database, who is connected to which)."""
        who = f"reviewing as {self.window.annotator}" if self.window.review_mode else self.window.annotator
        doc = f"{isolate(self.window.document.title)} — " if self.window.document is not None else ""
        where = ""
        if self.window.store.is_team:
            connected = "" if self.window.store.member == self.window.annotator else f" · connected as {isolate(self.window.store.member)}"
            where = f"{connected} @ {isolate(str(self.window.store.path))}"
        self.window.setWindowTitle(f"{doc}annotator ({isolate(who)}{where})")

    def selection_changed(self, start: int, end: int) -> None:
        if start < end and self.window.view.selected_span_id is not None:
            self.window.view.select_span(None, scroll=False)
            self.window.span_panel.show_selected(None)
        self.show_selection()

    def show_selection(self) -> None:
        span = self.window.view.span(self.window.view.selected_span_id)  # as drawn: no round trip to a team database
        if span is not None:
            self.window.selection_label.setText(f"{span.label} {span.start}–{span.end} ({span.end - span.start} chars)")
            return
        start, end = self.window.view.selection()
        if start >= end:
            self.window.selection_label.setText(f"Position {start}")
            return
        start, end = self.window.annotating.snapped(start, end)  # exactly what the label key will store
        shown = " ".join(self.window.document.text[start:end].split()) if self.window.document is not None else ""
        if len(shown) > 40:
            shown = shown[:39] + "…"
        snapping = self.window.document is not None and self.window.snap_to_words
        particle = left_out(self.window.document.text, start, end) if snapping else ""
        said = f"; particle «{isolate(particle)}» left out" if particle else ""
        self.window.selection_label.setText(f"Label key stores «{isolate(shown)}» {start}–{end} ({end - start} chars{said})")

    def describe_span(self, span) -> str:
        """A span's tooltip: label, text, whose, where, and its note (a suggestion: the
        recommender and its score, which its note holds)."""
        label = next((item for item in self.window.schema.labels if item.name == span.label), None)
        suggested = span in self.window.view.suggestions
        title = f"{span.label} — {label.display}" if label else span.label
        lines = [f"Suggestion: {title}" if suggested else title, f"«{isolate(span.text)}»",
                 f"{isolate(span.annotator)} · {span.start}–{span.end} ({span.end - span.start} characters)"]
        if span.note:
            lines.append(f"{'Recommender and score' if suggested else 'Note'}: {isolate(span.note)}")
        return "\n".join(lines)
