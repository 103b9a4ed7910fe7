"""Bar charts a reviewer would rather look at than read: labels per annotator, agreement per label.

Drawn with QPainter (PySide6-Essentials has no QtCharts), so Qt shapes any Persian or Korean
name itself; ``save`` writes what is drawn as a PNG.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SERIES_COLOURS = ["#1C7ED6", "#E8590C", "#2B8A3E", "#AE3EC9", "#C2255C", "#0C8599", "#5C940D", "#862E9C"]


class BarChart(QWidget):
    """Grouped bars: one group per category, one bar per series."""

    def __init__(self, title: str, *, maximum: float | None = None, percent: bool = False, parent=None):
        super().__init__(parent)
        self.title = title
        self.maximum = maximum
        self.percent = percent
        self.categories: list[str] = []
        self.series: list[tuple[str, list[float | None]]] = []
        self.setMinimumSize(420, 260)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_data(self, categories: list[str], series: list[tuple[str, list[float | None]]]) -> None:
        self.categories = categories
        self.series = series
        self.update()

    def colour(self, index: int) -> QColor:
        return QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        self.draw(painter, self.width(), self.height())

    def draw(self, painter: QPainter, width: int, height: int) -> None:
        palette = self.palette()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(0, 0, width, height, palette.base())
        text = palette.text().color()
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(text)
        painter.drawText(QRectF(0, 4, width, 22), Qt.AlignHCenter | Qt.AlignVCenter, self.title)
        painter.setFont(self.font())
        left, right, top, bottom = 48, 12, 34, 58
        plot = QRectF(left, top, max(10, width - left - right), max(10, height - top - bottom))
        values = [v for _, vs in self.series for v in vs if v is not None]
        # Counts: a top that is a multiple of 4, so that the four grid steps are whole numbers.
        top_value = self.maximum if self.maximum is not None else 4 * math.ceil(max(values + [1]) / 4)
        grid = QPen(palette.mid().color())
        grid.setStyle(Qt.DotLine)
        for step in range(5):
            y = plot.bottom() - plot.height() * step / 4
            painter.setPen(grid)
            painter.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
            painter.setPen(text)
            value = top_value * step / 4
            label = f"{value:.0%}" if self.percent else (f"{value:.0f}" if top_value >= 4 else f"{value:.1f}")
            painter.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignRight | Qt.AlignVCenter, label)
        if not self.categories or not self.series:
            painter.drawText(plot, Qt.AlignCenter, "nothing to show yet")
            return
        group = plot.width() / len(self.categories)
        bar = group * 0.8 / len(self.series)
        for c, category in enumerate(self.categories):
            x0 = plot.left() + group * c + group * 0.1
            for s, (_, series_values) in enumerate(self.series):
                value = series_values[c]
                if value is None:
                    continue
                h = plot.height() * min(value, top_value) / top_value if top_value else 0
                painter.fillRect(QRectF(x0 + bar * s, plot.bottom() - h, bar - 2, h), self.colour(s))
            painter.setPen(text)
            painter.drawText(QRectF(plot.left() + group * c, plot.bottom() + 4, group, 18),
                             Qt.AlignHCenter | Qt.AlignTop, category)
        x = plot.left()
        for s, (name, _) in enumerate(self.series):  # the legend
            painter.fillRect(QRectF(x, height - 22, 12, 12), self.colour(s))
            painter.setPen(text)
            width_text = painter.fontMetrics().horizontalAdvance(name) + 8
            painter.drawText(QRectF(x + 16, height - 26, width_text, 20), Qt.AlignLeft | Qt.AlignVCenter, name)
            x += 16 + width_text + 12

    def image(self, width: int = 720, height: int = 400) -> QImage:
        image = QImage(width, height, QImage.Format_ARGB32)
        painter = QPainter(image)
        self.draw(painter, width, height)
        painter.end()
        return image

    def save(self, path: str | Path, width: int = 720, height: int = 400) -> Path:
        if not self.image(width, height).save(str(path)):
            raise OSError(f"cannot write {path}")
        return Path(path)


def labels_per_annotator(figures: dict) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    """From annotator.core.agreement.compute(): spans per label (categories) per annotator."""
    labels = sorted({label for counts in figures["counts"].values() for label in counts})
    return labels, [(name, [float(counts.get(label, 0)) for label in labels])
                    for name, counts in figures["counts"].items()]


def agreement_per_label(figures: dict) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    labels = list(figures["per_label"])
    return labels, [("F1 exact", [figures["per_label"][label]["f1_exact"] for label in labels]),
                    ("F1 overlap", [figures["per_label"][label]["f1_overlap"] for label in labels])]
