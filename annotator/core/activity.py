"""Active time, honestly measured (issue 24): which stretches of a window session a person was
at work on a document, as ranges of a monotonic clock. Qt-free; the window feeds it (gui/activity.py).

The rule: time between two input events (a key, a mouse press or move, a scroll) on the same
document counts when they are at most ``IDLE_GAP`` (120 s) apart; a longer gap does not count at
all (not even its first 120 s: nobody can say the person was there). A stretch ends at its last
event: a lone key press counts nothing, the reading between two presses counts. Hiding or
minimising the window, the application becoming inactive (a locked screen, another application in
front), a change of document and closing end the stretch at its last event. A change of document
made while the person is active (a click in the list) starts the new document's stretch at once.

Times are ``time.monotonic()`` seconds (``now``), so a change of the wall clock changes nothing;
the wall clock (``wall``, injected) only stamps when the session began on each document.
:meth:`ActiveTime.flush` says what to write: each document whose ranges changed since the last
write that succeeded, with all of the session's ranges on it (the store replaces the row), the
stretch under way included, so a crash loses at most what came after the last flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

IDLE_GAP = 120.0  # seconds: two events further apart than this are two stretches, the gap not counted
FLUSH_EVERY = 30.0  # seconds between two writes while the window works (and on close)


@dataclass(frozen=True)
class Pending:
    """One document's ranges to write for this session."""

    doc_id: str
    started_at: str  # the wall-clock time the session began on this document
    ranges: tuple[tuple[float, float], ...]


class ActiveTime:
    """One window session's active stretches, per document."""

    def __init__(self, wall: Callable[[], str], idle_gap: float = IDLE_GAP):
        self.wall = wall
        self.idle_gap = idle_gap
        self.doc_id: str | None = None
        self._start: float | None = None  # the stretch under way: its first and last event
        self._last: float | None = None
        self._done: dict[str, list[tuple[float, float]]] = {}  # closed stretches per document
        self._started_at: dict[str, str] = {}
        self._written: dict[str, tuple[tuple[float, float], ...]] = {}

    # --- what the window tells it ----------------------------------------------------------------

    def activity(self, now: float) -> None:
        """A key, mouse or scroll event at ``now``."""
        if self.doc_id is None:
            return
        if self._last is not None and 0 <= now - self._last <= self.idle_gap:
            self._last = now
            return
        self._close()
        self._start = self._last = now
        self._started_at.setdefault(self.doc_id, self.wall())

    def document_changed(self, doc_id: str | None, now: float) -> None:
        """Another document is open (None: none). Active until now, the person goes on there."""
        if doc_id == self.doc_id:
            return
        active = self._last is not None and 0 <= now - self._last <= self.idle_gap
        if active:
            self._last = now  # the change itself (a click, a key) is an event on the old document
        self._close()
        self.doc_id = doc_id
        if active and doc_id is not None:
            self.activity(now)

    def hidden(self, now: float) -> None:
        """The window was hidden or minimised, the screen locked, the application left, or the
        window closed: the stretch ends at its last event."""
        self._close()

    # --- what it tells the window ----------------------------------------------------------------

    def ranges(self, doc_id: str) -> tuple[tuple[float, float], ...]:
        """The session's ranges on ``doc_id``, the stretch under way included."""
        out = list(self._done.get(doc_id, []))
        if doc_id == self.doc_id and self._start is not None and self._last is not None and self._last > self._start:
            out.append((self._start, self._last))
        return tuple(out)

    def seconds(self, doc_id: str) -> float:
        return sum(b - a for a, b in self.ranges(doc_id))

    def flush(self, now: float) -> list[Pending]:
        """What to write now: each document whose ranges changed since its last write. Call
        :meth:`written` for each once it is committed; one not confirmed comes again next time."""
        docs = set(self._done) | ({self.doc_id} if self.doc_id is not None else set())
        out = []
        for doc_id in sorted(docs):
            ranges = self.ranges(doc_id)
            if ranges and ranges != self._written.get(doc_id):
                out.append(Pending(doc_id, self._started_at[doc_id], ranges))
        return out

    def written(self, pending: Pending) -> None:
        self._written[pending.doc_id] = pending.ranges

    # ------------------------------------------------------------------------------------------------

    def _close(self) -> None:
        if self.doc_id is not None and self._start is not None and self._last is not None \
                and self._last > self._start:
            self._done.setdefault(self.doc_id, []).append((self._start, self._last))
        self._start = self._last = None
