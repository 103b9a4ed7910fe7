"""The Store's work queues and active time (issue 24), the same SQL on both backends.

A queue is the documents a lead handed one annotator, in order (``queue_items``). Active time is
kept per annotator, document and window session (``active_time``): each row holds the session's
active stretches as ranges of one monotonic clock (``clock`` names it: a machine and its boot), so
a change of the wall clock changes nothing, and a flush every 30 s rewrites the session's row
(an upsert), so a crash loses only what was not flushed. Two windows on one document on the same
machine record overlapping ranges of the same clock: :meth:`active_seconds` merges overlapping
ranges of one clock before it sums, so the time is never counted twice. Time another tool
measured (Label Studio's ``lead_time``) lives per layer in ``imported_time`` and is added in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from annotator.core.model import Status
from annotator.storage.common import now


class QueuesPart:
    """Part of :class:`annotator.storage.store.Store`."""

    db: Any

    # --- work queues ---------------------------------------------------------------------------

    def queue(self, annotator: str) -> list[str]:
        """The document ids in ``annotator``'s queue, in order (empty when they have none)."""
        return [row[0] for row in self.db.execute(
            "SELECT doc_id FROM queue_items WHERE annotator = ? ORDER BY position, doc_id", [annotator])]

    def queues(self) -> dict[str, list[str]]:
        """Every queue this connection may read, by annotator (a team member reads only their own)."""
        out: dict[str, list[str]] = {}
        for name, doc_id in self.db.execute(
                "SELECT annotator, doc_id FROM queue_items ORDER BY annotator, position, doc_id"):
            out.setdefault(name, []).append(doc_id)
        return out

    def queue_status(self, annotator: str) -> list[tuple[str, str, Status]]:
        """(doc id, title, the annotator's status on it) for each document of their queue, in order."""
        rows = self.db.execute(
            "SELECT q.doc_id, d.title, COALESCE(s.status, 'new') FROM queue_items q "
            "JOIN documents d ON d.id = q.doc_id "
            "LEFT JOIN doc_status s ON s.doc_id = q.doc_id AND s.annotator = q.annotator "
            "WHERE q.annotator = ? ORDER BY q.position, q.doc_id", [annotator]).fetchall()
        return [(doc_id, title, Status(status)) for doc_id, title, status in rows]

    def queue_progress(self, annotator: str) -> tuple[int, int]:
        """(documents of ``annotator``'s queue they marked done, documents in it)."""
        done, size = self.db.execute(
            "SELECT count(s.doc_id), count(*) FROM queue_items q LEFT JOIN doc_status s ON s.doc_id = q.doc_id "
            "AND s.annotator = q.annotator AND s.status = 'done' WHERE q.annotator = ?", [annotator]).fetchone()
        return done, size

    def set_queue(self, annotator: str, doc_ids: list[str], *, by: str = "") -> bool:
        """Make ``annotator``'s queue exactly ``doc_ids``, in this order; False (nothing written)
        when it already is. An empty list clears it."""
        doc_ids = list(dict.fromkeys(doc_ids))
        if self.queue(annotator) == doc_ids:
            return False
        stamp = now()
        with self.transaction():
            self.db.execute("DELETE FROM queue_items WHERE annotator = ?", [annotator])
            self._insert_queue(annotator, doc_ids, 0, by, stamp)
        return True

    def append_queue(self, annotator: str, doc_ids: list[str], *, by: str = "") -> int:
        """Add the documents not yet in ``annotator``'s queue at its end; returns how many."""
        with self.transaction():
            have = self.queue(annotator)
            known = set(have)
            new = [d for d in dict.fromkeys(doc_ids) if d not in known]
            row = self.db.execute("SELECT MAX(position) FROM queue_items WHERE annotator = ?", [annotator]).fetchone()
            start = 0 if row is None or row[0] is None else row[0] + 1
            self._insert_queue(annotator, new, start, by, now())
        return len(new)

    def clear_queue(self, annotator: str) -> int:
        """Empty ``annotator``'s queue; returns how many documents it held."""
        with self.transaction():
            n = len(self.queue(annotator))
            self.db.execute("DELETE FROM queue_items WHERE annotator = ?", [annotator])
        return n

    def _insert_queue(self, annotator: str, doc_ids: list[str], start: int, by: str, stamp: str) -> None:
        for i, doc_id in enumerate(doc_ids, start=start):
            self.db.execute("INSERT INTO queue_items(annotator, doc_id, position, assigned_by, assigned_at) "
                            "VALUES (?, ?, ?, ?, ?)", [annotator, doc_id, i, by, stamp])

    # --- active time ---------------------------------------------------------------------------

    def record_active_time(self, annotator: str, doc_id: str, session: str, *, clock: str, started_at: str,
                           ranges: list[tuple[float, float]]) -> float:
        """Write one window session's active time on a document: its active stretches as
        (start, end) seconds of the monotonic clock ``clock`` (a machine and boot), and the
        wall-clock time the session began. Each call replaces the session's earlier ranges (the
        window sends all of them at every flush), in one committed statement. Returns the session's
        seconds, overlapping ranges merged."""
        merged = _merge([(float(a), float(b)) for a, b in ranges if b > a])
        seconds = sum(b - a for a, b in merged)
        self.db.execute(
            "INSERT INTO active_time(annotator, doc_id, session, clock, started_at, ranges, seconds, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (annotator, doc_id, session) DO UPDATE SET "
            "clock = excluded.clock, ranges = excluded.ranges, seconds = excluded.seconds, "
            "updated_at = excluded.updated_at",
            [annotator, doc_id, session, clock, started_at, json.dumps(merged), seconds, now()])
        return seconds

    def set_imported_seconds(self, annotator: str, doc_id: str, seconds: float | None, *, source: str = "") -> None:
        """The active time another tool measured for a layer (Label Studio's ``lead_time``), or
        annotator's own carried by an export into ``import``/``merge``; None removes it."""
        if seconds is None:
            self.db.execute("DELETE FROM imported_time WHERE annotator = ? AND doc_id = ?", [annotator, doc_id])
            return
        self.db.execute(
            "INSERT INTO imported_time(annotator, doc_id, seconds, source, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (annotator, doc_id) DO UPDATE SET seconds = excluded.seconds, source = excluded.source, "
            "updated_at = excluded.updated_at", [annotator, doc_id, float(seconds), source, now()])

    def active_seconds(self, annotator: str | None = None, doc_id: str | None = None,
                       since: str | None = None) -> dict[tuple[str, str], float]:
        """Active seconds per (annotator, doc id): the sessions' ranges, those of one clock merged
        where they overlap (two windows on one document count once), plus imported time. ``since``
        (an ISO time, as ``now()`` writes them) keeps only sessions begun then or later, and leaves
        imported time out (it has no start)."""
        where, params = [], []
        if annotator is not None:
            where.append("annotator = ?")
            params.append(annotator)
        if doc_id is not None:
            where.append("doc_id = ?")
            params.append(doc_id)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        timed = clause + (" AND " if where else " WHERE ") + "started_at >= ?" if since is not None else clause
        ranges: dict[tuple[str, str, str], list[tuple[float, float]]] = defaultdict(list)
        for name, doc, clock, kept in self.db.execute(
                f"SELECT annotator, doc_id, clock, ranges FROM active_time{timed}",
                [*params, since] if since is not None else params):
            ranges[(name, doc, clock)].extend((a, b) for a, b in json.loads(kept))
        out: dict[tuple[str, str], float] = defaultdict(float)
        for (name, doc, _clock), spans in ranges.items():
            out[(name, doc)] += sum(b - a for a, b in _merge(spans))
        if since is None:
            for name, doc, seconds in self.db.execute(f"SELECT annotator, doc_id, seconds FROM imported_time{clause}",
                                                      params):
                out[(name, doc)] += seconds
        return dict(sorted(out.items()))


def _merge(ranges: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Ranges sorted, overlapping and touching ones joined."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
