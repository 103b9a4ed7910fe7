"""The status bar's labels: what is selected, whether it is saved, who annotates where."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


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
