"""How a long document is shown: in parts of at most ``PART`` code points, and with paragraphs of
more than ``LINE`` code points broken for display at a sentence's end (else at a space).

A text layout engine lays a paragraph out whole: Qt shapes and wraps every line of it when any
of its characters changes format, so a span added to a 1,000,000-character single-line document
laid out the million characters again (about a second a key press), and opening a 100 MB
article made Qt hold all of it (about 3 GB). So the window shows one part at a time, and breaks a
long paragraph where it had a space, replacing that one white-space character by a line break:
every position in the part stays the position it was in the text, and no offset moves. Nothing
here changes what is stored or exported; it is only how the text is drawn.

A stretch without a space (a blob, a language written without spaces) cannot be broken for
display, so it comes in parts of at most ``UNBROKEN`` code points.

Both are computed with ``str.rfind`` and ``str.find`` from the cut points, never by walking the
text: the parts of a 100 MB article are found in milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

PART = 200_000  # code points a part holds at most
LINE = 1_500  # a paragraph longer than this is broken for display
# A stretch without a space (a blob, a language written without spaces) has nowhere to break
# for display, so its parts are this long at most: one paragraph of it is laid out whole.
UNBROKEN = 10_000
# The view shows this much of the next part after its own (up to a space): a span, a search
# match or a selection that starts in a part and runs across its cut is shown whole there.
OVERLAP = 2_000
_SENTENCE_END = re.compile(r"[.!?؟。]\s")
_SPACE = re.compile(r"\s")


class Part(NamedTuple):
    """Code points ``[start, end)`` of the document."""

    start: int
    end: int


def parts(text: str, size: int = PART, unbroken: int = UNBROKEN) -> list[Part]:
    """The document's parts: consecutive, covering the text, each at most ``size`` code points,
    cut after a line break where one is in the second half of the part, else after its last
    space, else (no space in it past ``unbroken`` code points) after ``unbroken`` code points."""
    out: list[Part] = []
    start, length = 0, len(text)
    unbroken = min(unbroken, size)
    while length - start > size or (length - start > unbroken and _last_space(text, start + unbroken, length) < 0
                                    and text.rfind("\n", start + unbroken, length) < 0):
        limit = min(start + size, length)
        cut = text.rfind("\n", start + size // 2, limit)
        if cut < 0:
            cut = _last_space(text, start + unbroken, limit)
        end = cut + 1 if cut >= 0 else _grapheme_edge(text, start + unbroken, start)
        if length - end < unbroken // 10:
            break  # a few words left: they end this part rather than make one of their own
        out.append(Part(start, end))
        start = end
    out.append(Part(start, length))
    return out


def _grapheme_edge(text: str, at: int, low: int) -> int:
    """``at``, or the nearest place before it that does not split a character from its marks,
    a joiner or a skin tone (👩‍👩‍👧 stays whole)."""
    while at > low + 1 and (text[at - 1] == "\u200d" or "\U0001f3fb" <= text[at] <= "\U0001f3ff"
                            or unicodedata.category(text[at]) in ("Mn", "Me", "Cf")):
        at -= 1
    return at


def shown_end(text: str, part: Part, overlap: int = OVERLAP) -> int:
    """Where the view of ``part`` ends: ``overlap`` code points into the next part, at the last
    space or line break there (the part's end if it is the text's)."""
    if part.end >= len(text):
        return part.end
    limit = min(len(text), part.end + overlap)
    if limit == len(text):
        return limit
    cut = max(text.rfind("\n", part.end, limit), _last_space(text, part.end + overlap // 2, limit))
    return cut if cut > part.end else _grapheme_edge(text, limit, part.end)


def _last_space(text: str, low: int, high: int) -> int:
    """The last white-space character in ``text[low:high]``, or -1."""
    best = -1
    for space in (" ", "\u00a0", "\t"):
        best = max(best, text.rfind(space, low, high))
    return best


def display_breaks(text: str, start: int, end: int, line: int = LINE) -> list[int]:
    """Positions in ``text[start:end]`` (offsets into ``text``) of white-space characters to show
    as line breaks, so no shown paragraph is longer than ``line`` code points where the text has
    a space to break at: the last sentence end in a line's second half, else its last space."""
    breaks: list[int] = []
    here = start
    while here < end:
        newline = text.find("\n", here, end)
        stop = end if newline < 0 else newline
        while stop - here > line:  # a long paragraph
            window = text[here + line // 2: here + line]
            cut = -1
            for found in _SENTENCE_END.finditer(window):
                cut = here + line // 2 + found.end() - 1
            if cut < 0:
                last = _last_space(text, here + line // 2, here + line)
                cut = last if last >= 0 else _next_space(text, here + line, stop)
            if cut < 0:
                break  # no space up to the paragraph's end: it stays one paragraph
            breaks.append(cut)
            here = cut + 1
        here = stop + 1
    return breaks


def _next_space(text: str, low: int, high: int) -> int:
    found = _SPACE.search(text, low, high)
    return found.start() if found else -1


def shown_text(text: str, part: Part, breaks: list[int]) -> str:
    """What the view holds for ``part`` (code points ``[start, end)``: a part, or what is shown of
    it): its text with each break shown as a line break, without a last line break (so the same
    positions, one less at most)."""
    pieces, at = [], part.start
    for cut in breaks:
        pieces.append(text[at:cut])
        at = cut + 1
    pieces.append(text[at:part.end])
    shown = "\n".join(pieces)
    return shown[:-1] if part.end > part.start and text[part.end - 1] == "\n" else shown


def part_of(found: list[Part], offset: int) -> int:
    """The number of the part holding code point ``offset`` (the last part for the text's end)."""
    low, high = 0, len(found) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if found[middle].start <= offset:
            low = middle
        else:
            high = middle - 1
    return low
