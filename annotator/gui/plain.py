"""User text is always shown as plain text. Tooltips guess "rich text" from content, so a title
like ``<b>x</b>`` would render bold; these helpers make it literal."""

from __future__ import annotations

from PySide6.QtGui import Qt as GuiQt


def tooltip(text: str) -> str:
    """``text`` as a tooltip that shows exactly those characters."""
    return GuiQt.convertFromPlainText(text, GuiQt.WhiteSpaceMode.WhiteSpaceNormal)
