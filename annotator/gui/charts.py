"""Charts a reviewer would rather look at than read: bars (labels per annotator, agreement per
label, documents done per day) and a scatter (active time against agreement per document).

Drawn with QPainter (PySide6-Essentials has no QtCharts), so Qt shapes any Persian or Korean
name itself; ``save`` writes what is drawn as a PNG.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SERIES_COLOURS = ["#1C7ED6", "#E8590C", "#2B8A3E", "#AE3EC9", "#C2255C", "#0C8599", "#5C940D", "#862E9C"]


class BarChart(QWidget):
    """Grouped bars: one group per category, one bar per series."""

    def __init__(self, title: str, *, maximum: float | None = None, percent: bool = False, digits: int | None = None,
                 parent=None):
        super().__init__(parent)
        self.title = title
        self.maximum = maximum
        self.percent = percent
        self.digits = digits  # the axis's labels with this many decimals (else whole numbers, or a percent)
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

    def frame(self, painter: QPainter, width: int, height: int) -> QColor:
        """The chart's background and bold title; returns the text colour."""
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(0, 0, width, height, self.palette().base())
        text = self.palette().text().color()
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(text)
        painter.drawText(QRectF(0, 4, width, 22), Qt.AlignHCenter | Qt.AlignVCenter, self.title)
        painter.setFont(self.font())
        return text

    def draw(self, painter: QPainter, width: int, height: int) -> None:
        palette = self.palette()
        text = self.frame(painter, width, height)
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
            label = (f"{value:.0%}" if self.percent else f"{value:.{self.digits}f}" if self.digits is not None
                     else f"{value:.0f}" if top_value >= 4 else f"{value:.1f}")
            painter.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignRight | Qt.AlignVCenter, label)
        if not self.categories or not self.series:
            painter.drawText(plot, Qt.AlignCenter, "nothing to show yet")
            return
        group = plot.width() / len(self.categories)
        bar = min(group * 0.8 / len(self.series), 64)  # a lone group: bars, not a wall
        metrics = painter.fontMetrics()
        widest = max(metrics.horizontalAdvance(c) for c in self.categories) + 8
        every = max(1, math.ceil(min(widest, 110) / group))  # a label every n-th group, where they would overlap
        for c, category in enumerate(self.categories):
            x0 = plot.left() + group * c + (group - bar * len(self.series)) / 2
            for s, (_, series_values) in enumerate(self.series):
                value = series_values[c]
                if value is None:
                    continue
                h = plot.height() * min(value, top_value) / top_value if top_value else 0
                painter.fillRect(QRectF(x0 + bar * s, plot.bottom() - h, bar - 2, h), self.colour(s))
            if c % every:
                continue
            painter.setPen(text)
            room = group * every
            shown = metrics.elidedText(category, Qt.ElideRight, int(room - 4))
            painter.drawText(QRectF(plot.left() + group * c + group / 2 - room / 2, plot.bottom() + 4, room, 18),
                             Qt.AlignHCenter | Qt.AlignTop, shown)
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


class ScatterChart(BarChart):
    """One dot per point: ``x`` across from 0 to a round top, ``y`` up from 0 to 1 (an F1)."""

    def __init__(self, title: str, x_title: str, y_title: str, parent=None):
        super().__init__(title, maximum=1.0, digits=2, parent=parent)
        self.x_title, self.y_title = x_title, y_title
        self.points: list[tuple[float, float]] = []

    def set_points(self, points: list[tuple[float, float]]) -> None:
        self.points = points
        self.update()

    def draw(self, painter: QPainter, width: int, height: int) -> None:
        from annotator.core.report_html import nice

        palette = self.palette()
        text = self.frame(painter, width, height)
        left, right, top, bottom = 48, 16, 46, 46
        plot = QRectF(left, top, max(10, width - left - right), max(10, height - top - bottom))
        most = nice(max((x for x, _ in self.points), default=0) or 1)
        grid = QPen(palette.mid().color())
        grid.setStyle(Qt.DotLine)
        for step in range(5):
            y = plot.bottom() - plot.height() * step / 4
            x = plot.left() + plot.width() * step / 4
            painter.setPen(grid)
            painter.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignRight | Qt.AlignVCenter, f"{step / 4:.2f}")
            painter.drawText(QRectF(x - 40, plot.bottom() + 4, 80, 16), Qt.AlignHCenter | Qt.AlignTop,
                             f"{most * step / 4:g}")
        painter.drawText(QRectF(0, height - 22, width, 18), Qt.AlignHCenter | Qt.AlignVCenter, self.x_title)
        painter.drawText(QRectF(4, top - 20, 200, 16), Qt.AlignLeft | Qt.AlignVCenter, self.y_title)
        if not self.points:
            painter.drawText(plot, Qt.AlignCenter, "nothing to show yet")
            return
        dot = QColor(self.colour(0))
        dot.setAlphaF(0.55)
        painter.setPen(Qt.NoPen)
        painter.setBrush(dot)
        for x, y in self.points:
            painter.drawEllipse(QPointF(plot.left() + plot.width() * x / most, plot.bottom() - plot.height() * y), 3.5, 3.5)


def labels_per_annotator(figures: dict) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    """From annotator.core.agreement.compute(): spans per label (categories) per annotator."""
    labels = sorted({label for counts in figures["counts"].values() for label in counts})
    return labels, [(name, [float(counts.get(label, 0)) for label in labels])
                    for name, counts in figures["counts"].items()]


def agreement_per_label(figures: dict) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    labels = list(figures["per_label"])
    return labels, [("F1 exact", [figures["per_label"][label]["f1_exact"] for label in labels]),
                    ("F1 overlap", [figures["per_label"][label]["f1_overlap"] for label in labels])]
