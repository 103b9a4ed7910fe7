"""User text is always shown as plain text. Tooltips guess "rich text" from content, so a title
like ``<b>x</b>`` would render bold; these helpers make it literal."""

from __future__ import annotations

import html

from PySide6.QtGui import Qt as GuiQt


def tooltip(text: str) -> str:
    """``text`` as a tooltip that shows exactly those characters."""
    return GuiQt.convertFromPlainText(text, GuiQt.WhiteSpaceMode.WhiteSpaceNormal)


def tooltip_line(text: str) -> str:
    """A short ``text`` as a tooltip on one line: Qt wraps a rich-text tooltip to a squarish box,
    which breaks a Persian name across lines (its words then read in two runs)."""
    return f"<p style='white-space:pre'>{html.escape(' '.join(text.split()), quote=False)}</p>"


# --- bidi: user text keeps its own direction wherever it is shown (annotator.core.bidi) ----

from annotator.core.bidi import FSI, PDI, is_rtl, isolate, isolate_runs, quoted  # noqa: E402,F401

_ALIGN = GuiQt.AlignmentFlag
_FLUSH_RIGHT = int(_ALIGN.AlignRight | _ALIGN.AlignVCenter | _ALIGN.AlignAbsolute)
_FLUSH_LEFT = int(_ALIGN.AlignLeft | _ALIGN.AlignVCenter | _ALIGN.AlignAbsolute)


def alignment(text: str) -> int:
    """A cell's alignment for ``text``: flush to its own start edge."""
    return _FLUSH_RIGHT if is_rtl(text) else _FLUSH_LEFT
