"""The one place where Qt's UTF-16 positions meet annotator's code-point offsets.

Qt counts text positions in UTF-16 code units; a character outside the Basic Multilingual Plane
(an emoji, a rare CJK ideograph such as 𠜎) takes two. annotator's offsets are code points. The
GUI converts every position it gets from or gives to Qt through a :class:`Utf16Index`.
"""

from __future__ import annotations

import bisect
import re

_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


class Utf16Index:
    """Converts between code-point offsets and UTF-16 positions in one text, in O(log n)."""

    def __init__(self, text: str):
        self.text = text
        # Code-point offsets of astral characters, and where each starts in UTF-16.
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]
        self._astral_u16 = [cp + n for n, cp in enumerate(self._astral)]
        self.length_utf16 = len(text) + len(self._astral)

    def to_utf16(self, offset: int) -> int:
        """UTF-16 position of code-point ``offset``."""
        if not self._astral:  # the common case: the two counts agree
            return offset
        return offset + bisect.bisect_left(self._astral, offset)

    def to_code_point(self, position: int) -> int:
        """Code-point offset of UTF-16 ``position``; a position inside a surrogate pair (which Qt
        should never give) counts as the start of that character."""
        if not self._astral:
            return position
        return position - bisect.bisect_left(self._astral_u16, position)

    def span_to_utf16(self, start: int, end: int) -> tuple[int, int]:
        if not self._astral:
            return start, end
        return self.to_utf16(start), self.to_utf16(end)

    def span_to_code_points(self, start: int, end: int) -> tuple[int, int]:
        return self.to_code_point(start), self.to_code_point(end)


class PartIndex(Utf16Index):
    """The same conversion for a view holding one part of a text, code points ``[start, end)``:
    offsets stay the whole text's, positions are the part's (UTF-16, from 0). An offset outside
    the part is held to its nearest edge. ``text`` is the whole text."""

    def __init__(self, text: str, start: int = 0, end: int | None = None):
        end = len(text) if end is None else end
        super().__init__(text[start:end] if (start, end) != (0, len(text)) else text)
        self.text = text
        self.start, self.end = start, end

    def to_utf16(self, offset: int) -> int:
        return super().to_utf16(min(max(offset, self.start), self.end) - self.start)

    def to_code_point(self, position: int) -> int:
        return self.start + super().to_code_point(position)

    def span_to_utf16(self, start: int, end: int) -> tuple[int, int]:
        return self.to_utf16(start), self.to_utf16(end)
