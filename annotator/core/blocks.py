"""A long document in blocks that never split a sentence, so the token exports and the
suggestions work through it a block at a time, in memory bounded by a block, not the document.

A block ends where the tokens' rules (annotator.core.tokens) end a sentence whatever lies beyond
it: at a line break, or (``sentence_ends``) at the white space after . ! ? ؟ … 。 ۔ ！ ？ and any
closing quotes or brackets right after it, and never inside a ``keep`` range (the spans of
every layer on the document, which no sentence ends inside). Tokens never hold white space, so
a block's tokens are the document's tokens there, and its sentences the document's sentences:
working block by block gives exactly what working on the whole text gives (tests compare the
two). A block is at least ``size`` characters where the text allows it; a stretch of more than
``most`` characters with no place to end a block is refused (:class:`BlockTooLong`), naming
where, instead of being held whole.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

from annotator.core.errors import AnnotatorError
from annotator.core.tokens import CLOSERS, TERMINALS

SIZE = 65_536  # characters a block holds at least, where the text allows it
MOST = 4_000_000  # characters without a place to end a block: more is refused

_LINE_BREAK = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # as annotator.core.tokens.LINE_BREAK
_ENDS = re.compile(f"[{re.escape(_LINE_BREAK)}]")
_SENTENCE_ENDS = re.compile(f"[{re.escape(_LINE_BREAK)}]|[{re.escape(''.join(sorted(TERMINALS)))}]"
                            f"[{re.escape(''.join(sorted(CLOSERS)))}]*(?=\\s)")


class BlockTooLong(AnnotatorError):
    """A stretch of text with no line break or sentence end to cut it at."""

    def __init__(self, at: int, most: int):
        self.at, self.most = at, most
        super().__init__(f"more than {most:,} characters from offset {at:,} with no line break or sentence end")

    def __reduce__(self):  # pickled whole (a tagger's sentences are made in another process)
        return type(self), (self.at, self.most)


def merged(keep: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The union of ``keep`` (half-open ranges) as sorted (starts, ends) of overlapping runs."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(keep):
        if starts and s < ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def blocks(pieces: Iterable[str], keep: Iterable[tuple[int, int]] = (), *, size: int | None = None,
           most: int | None = None, sentence_ends: bool = True) -> Iterator[tuple[int, str]]:
    """(offset, text) of each block of the text that ``pieces`` give in order (the whole text
    at once will do); the blocks' texts put together are the text. ``size`` and ``most``:
    :data:`SIZE` and :data:`MOST` unless given."""
    size = SIZE if size is None else size
    most = MOST if most is None else most
    starts, ends = merged(keep)
    pattern = _SENTENCE_ENDS if sentence_ends else _ENDS
    buffer, base, pos = "", 0, 0  # the block being made starts at buffer[pos], offset base in the text
    look = 0  # where in the buffer to look on for the next place to end a block
    for piece in pieces:
        buffer = buffer[pos:] + piece if pos else buffer + piece  # never the whole rest again per block
        look, pos = max(look - pos, 0), 0
        while len(buffer) - pos > size:
            cut = None
            for m in pattern.finditer(buffer, max(look, pos + size)):
                at = m.start() if buffer[m.start()] in _LINE_BREAK else m.end()
                k = bisect.bisect_left(starts, base + at - pos) - 1  # the last keep run starting before it
                if k >= 0 and ends[k] > base + at - pos:
                    continue  # inside a span: no sentence ends there
                cut = at
                break
            if cut is None:
                look = max(pos + size, len(buffer) - 16)  # a sentence end may straddle the next piece
                if len(buffer) - pos > most:
                    raise BlockTooLong(base, most)
                break
            yield base, buffer[pos:cut]
            base, pos, look = base + cut - pos, cut, cut
    if len(buffer) > pos:
        yield base, buffer[pos:]
