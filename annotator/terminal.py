"""Text for terminals that cannot shape or reorder: Persian through arabic-reshaper and python-bidi.

This is display only. It never touches stored text or offsets; the GUI never uses it (Qt shapes
and orders text itself).
"""

from __future__ import annotations

import textwrap
import unicodedata

import arabic_reshaper
from bidi.algorithm import get_display  # the full algorithm: it also mirrors brackets and « » (rule L4)


def width(text: str) -> int:
    """Terminal columns ``text`` takes: wide (Hangul, CJK) characters take two, marks none."""
    cols = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        cols += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cols


def fit(text: str, cols: int) -> str:
    """``text`` cut to at most ``cols`` terminal columns, with an ellipsis when cut."""
    if width(text) <= cols:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > cols - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, cols: int) -> str:
    return text + " " * max(0, cols - width(text))


def visual(line: str, rtl: bool | None = None) -> str:
    """One logical line as a terminal without shaping should print it: joined, reordered and with
    brackets mirrored. ``rtl`` sets the paragraph direction; None takes it from the line."""
    base = None if rtl is None else ("R" if rtl else "L")
    return get_display(arabic_reshaper.reshape(line), base_dir=base)


def render(text: str, *, rtl: bool, cols: int, logical: bool) -> list[str]:
    """Lines to print for an article. Wrapping happens on the logical text, before reordering,
    so that a long Persian line still reads from its first word on; RTL lines are right-aligned."""
    if logical:
        return text.split("\n")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        # A terminal wraps left-to-right lines correctly by itself; right-to-left ones we wrap.
        if rtl and paragraph.strip():
            pieces = textwrap.wrap(paragraph, cols, break_on_hyphens=False)
        else:
            pieces = [paragraph]
        for piece in pieces:
            shown = visual(piece, rtl)
            lines.append(" " * max(0, cols - width(shown)) + shown if rtl else shown)
    return lines
