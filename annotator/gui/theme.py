"""Light and dark palettes, and label colours that read on both."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from annotator.core.colours import DARK_ALPHA, LIGHT_ALPHA

THEMES = ("light", "dark")


def apply_theme(app: QApplication, name: str) -> None:
    app.setStyle(QStyleFactory.create("Fusion"))
    palette = QPalette()
    if name == "dark":
        colours = {
            QPalette.Window: "#2B2B2B", QPalette.WindowText: "#E6E6E6", QPalette.Base: "#1E1E1E",
            QPalette.AlternateBase: "#262626", QPalette.Text: "#E6E6E6", QPalette.Button: "#353535",
            QPalette.ButtonText: "#E6E6E6", QPalette.Highlight: "#3D6FB4", QPalette.HighlightedText: "#FFFFFF",
            QPalette.ToolTipBase: "#353535", QPalette.ToolTipText: "#E6E6E6", QPalette.PlaceholderText: "#8A8A8A",
        }
    else:
        colours = {
            QPalette.Window: "#F3F3F3", QPalette.WindowText: "#1E1E1E", QPalette.Base: "#FFFFFF",
            QPalette.AlternateBase: "#F7F7F7", QPalette.Text: "#1E1E1E", QPalette.Button: "#E9E9E9",
            QPalette.ButtonText: "#1E1E1E", QPalette.Highlight: "#9DC0F0", QPalette.HighlightedText: "#000000",
            QPalette.ToolTipBase: "#FFFFE1", QPalette.ToolTipText: "#1E1E1E", QPalette.PlaceholderText: "#8A8A8A",
        }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    # setColor() sets every colour group, so a disabled button or menu entry looked enabled: grey
    # text says what cannot be used now.
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor("#7A7A7A" if name == "dark" else "#9A9A9A"))
    app.setPalette(palette)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.Base).lightness() < 128


def span_background(colour: str, dark: bool) -> QColor:
    """A label's highlight: its colour, translucent enough that the text stays readable."""
    c = QColor(colour)
    c.setAlphaF(DARK_ALPHA if dark else LIGHT_ALPHA)  # annotator.core.colours measures these blends
    return c


def selected_background(colour: str) -> QColor:
    return QColor(colour)
