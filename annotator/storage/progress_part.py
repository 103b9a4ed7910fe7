"""The Store's figures for ``annotator progress`` and ``report`` (issue 24), the same SQL on both backends.

Spans and agreement are summed from the counts the database keeps as spans and statuses change
(:mod:`annotator.storage.progress_counts`), so 100,000 documents' spans are never looked up one at
a time; the statuses and active time come in one pass each. A layer is *finished* when its status is ``done`` (``doc_status``); ``since`` (an ISO date
or time, compared as text with the ISO times ``now()`` writes) keeps the layers whose status was
last changed then or later (``doc_status.updated_at``). The ``model`` layer is never counted.
"""

from __future__ import annotations

import json
from typing import Any

from annotator.storage.queues_part import _merge


def _done(alias: str, doc: str, who: str) -> str:
    """A join to the finished layer (``doc``, ``who``): doc_status itself, so its primary key is used."""
    return (f"JOIN doc_status {alias} ON {alias}.doc_id = {doc} AND {alias}.annotator = {who} "
            f"AND {alias}.status = 'done' AND {alias}.annotator <> 'model' AND {alias}.updated_at >= ? ")
# Each finished layer's spans per label (c) beside each other finished layer of the document (db),
# and the matches between the two (m: one row per pair of layers, a < b).
_PAIRS = ("FROM doc_status da JOIN span_counts c ON c.doc_id = da.doc_id AND c.annotator = da.annotator "
          "JOIN doc_status db ON db.doc_id = da.doc_id AND db.annotator <> da.annotator AND db.status = 'done' "
          "AND db.annotator <> 'model' AND db.updated_at >= ? "
          "LEFT JOIN span_matches m ON m.doc_id = da.doc_id AND m.label = c.label "
          "AND m.a = CASE WHEN da.annotator < db.annotator THEN da.annotator ELSE db.annotator END "
          "AND m.b = CASE WHEN da.annotator < db.annotator THEN db.annotator ELSE da.annotator END "
          "WHERE da.status = 'done' AND da.annotator <> 'model' AND da.updated_at >= ? ")
_EPOCH = ""  # since=None: every text is >= ''


def _since(since: str | None) -> str:
    return _EPOCH if since is None else since


class ProgressPart:
    """Part of :class:`annotator.storage.store.Store`."""

    db: Any
    # Where the totals over the finished layers are kept (m010; a team database: p009, its deltas
    # folded into its totals first by _PROGRESS_FOLD).
    _PROGRESS_TOTALS, _PROGRESS_FOLD = "progress_totals", ""

    def progress_queue_sizes(self) -> dict[str, int]:
        """How many documents each queue holds."""
        return dict(self.db.execute("SELECT annotator, count(*) FROM queue_items GROUP BY annotator").fetchall())

    def progress_statuses(self, since: str | None = None) -> list[tuple[str, str, int]]:
        """(annotator, status, layers) for every status but new, changed at or after ``since``."""
        return [tuple(r) for r in self.db.execute(
            "SELECT annotator, status, count(*) FROM doc_status WHERE annotator <> 'model' AND status <> 'new' "
            "AND updated_at >= ? GROUP BY annotator, status", [_since(since)]).fetchall()]

    def progress_finished(self, since: str | None = None) -> list[tuple[str, str, str]]:
        """(annotator, doc id, UTC day YYYY-MM-DD of the status change) of every finished layer."""
        return [(name, doc, day) for doc, name, day in self.db.execute(
            "SELECT doc_id, annotator, substr(updated_at, 1, 10) FROM doc_status WHERE status = 'done' "
            "AND annotator <> 'model' AND updated_at >= ?", [_since(since)]).fetchall()]

    def progress_span_counts(self, since: str | None = None) -> list[tuple[str, str, int]]:
        """(annotator, label, spans) in finished layers: kept in ``progress_totals`` where there is
        one (a file) and ``since`` is not given, else summed from ``span_counts``."""
        if since is None and self._PROGRESS_TOTALS:
            if self._PROGRESS_FOLD:
                self.db.execute(self._PROGRESS_FOLD)
            return [tuple(r) for r in self.db.execute(
                f"SELECT a, label, n FROM {self._PROGRESS_TOTALS} WHERE b = '' AND n > 0").fetchall()]
        return [(a, label, int(n)) for a, label, n in self.db.execute(
            f"SELECT c.annotator, c.label, sum(c.n) FROM span_counts c {_done('d', 'c.doc_id', 'c.annotator')}"
            "GROUP BY c.annotator, c.label",
            [_since(since)]).fetchall()]

    def progress_pairs(self, since: str | None = None) -> list[tuple[str, str, str, int, int]]:
        """Span agreement between finished layers of one document, per ordered pair and label:
        (a, b, label, spans of a on the documents both finished, of those matched exactly by a
        span of b): kept in ``progress_totals`` where there is one and ``since`` is not given, else
        summed from the counts the triggers keep (``span_counts``, ``span_matches``)."""
        if since is None and self._PROGRESS_TOTALS:
            return [tuple(r) for r in self.db.execute(
                f"SELECT a, b, label, n, m FROM {self._PROGRESS_TOTALS} WHERE b <> '' AND n > 0").fetchall()]
        return [(a, b, label, int(n), int(m)) for a, b, label, n, m in self.db.execute(
            f"SELECT da.annotator, db.annotator, c.label, sum(c.n), sum(COALESCE(m.n, 0)) {_PAIRS}"
            "GROUP BY da.annotator, db.annotator, c.label", [_since(since)] * 2).fetchall()]

    def progress_gold(self, since: str | None = None) -> tuple[list[tuple[str, str, int, int]],
                                                                list[tuple[str, str, int]]]:
        """Agreement with gold on adjudicated documents the annotator finished, per label:
        (annotator, label, their spans, of those in gold) and (annotator, label, gold spans).
        Their spans are summed from ``span_counts``; each gold span is looked up in each such
        layer by the spans' unique key. (``|| ''``: SQLite starts from the adjudicated documents.)"""
        p = [_since(since)]
        adjudicated = ("FROM gold_documents j JOIN doc_status da ON da.doc_id = j.doc_id || '' AND da.status = 'done' "
                       "AND da.annotator <> 'model' AND da.updated_at >= ? ")
        theirs = self.db.execute(
            f"SELECT c.annotator, c.label, sum(c.n) {adjudicated}"
            "JOIN span_counts c ON c.doc_id = da.doc_id AND c.annotator = da.annotator "
            "WHERE j.status = 'adjudicated' GROUP BY c.annotator, c.label", p).fetchall()
        gold = self.db.execute(
            f"SELECT da.annotator, g.label, count(*), count(a.id) {adjudicated}"
            "JOIN gold_spans g ON g.doc_id = da.doc_id LEFT JOIN spans a ON a.doc_id = g.doc_id "
            "AND a.annotator = da.annotator AND a.start = g.start AND a.\"end\" = g.\"end\" AND a.label = g.label "
            "WHERE j.status = 'adjudicated' GROUP BY da.annotator, g.label", p).fetchall()
        matched = {(name, label): int(m) for name, label, _n, m in gold}
        return ([(name, label, int(n), matched.get((name, label), 0)) for name, label, n in theirs],
                [(name, label, int(n)) for name, label, n, _m in gold])

    def progress_document_agreement(self, doc_ids: list[str], since: str | None = None) -> dict[str, tuple[int, int]]:
        """For these documents, those finished by two or more: (ordered pairs of matching spans,
        Σ over ordered pairs of the first one's spans); their ratio is the document's pooled
        pairwise F1."""
        out: dict[str, tuple[int, int]] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for doc, n, m in self.db.execute(
                    f"SELECT c.doc_id, sum(c.n), sum(COALESCE(m.n, 0)) {_PAIRS}AND c.doc_id IN ({marks}) "
                    "GROUP BY c.doc_id", [_since(since), _since(since), *chunk]).fetchall():
                out[doc] = (int(m), int(n))
        return out

    def progress_document_order(self) -> list[str]:
        """Every document's id, in import order."""
        return [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY seq").fetchall()]

    def progress_adjudicated_ids(self) -> list[str]:
        """The documents whose gold is adjudicated."""
        return [r[0] for r in self.db.execute(
            "SELECT doc_id FROM gold_documents WHERE status = 'adjudicated'").fetchall()]

    def progress_active(self, since: str | None = None) -> dict[tuple[str, str], float]:
        """Active seconds per (annotator, doc id), as :meth:`active_seconds` counts them: the
        sessions' seconds added up in one pass where no clock has several sessions on the document;
        ranges read and merged only where one has."""
        s = _since(since)
        out: dict[tuple[str, str], float] = {}
        first: dict[tuple[str, str], str] = {}  # the first session's clock
        clocks: dict[tuple[str, str], set[str]] = {}  # where there are several sessions
        overlapping: set[tuple[str, str]] = set()
        for name, doc, clock, seconds in self.db.execute(
                "SELECT annotator, doc_id, clock, seconds FROM active_time WHERE started_at >= ?", [s]):
            key = (name, doc)
            if key not in first:
                first[key], out[key] = clock, float(seconds)
                continue
            out[key] += seconds
            seen = clocks.setdefault(key, {first[key]})
            if clock in seen:
                overlapping.add(key)
            seen.add(clock)
        shared = sorted(overlapping)
        for key in shared:
            del out[key]
        for i in range(0, len(shared), 250):
            chunk = shared[i:i + 250]
            pairs = " OR ".join(["(annotator = ? AND doc_id = ?)"] * len(chunk))
            sessions: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
            for name, doc, clock, kept in self.db.execute(
                    f"SELECT annotator, doc_id, clock, ranges FROM active_time WHERE started_at >= ? AND ({pairs})",
                    [s, *(v for pair in chunk for v in pair)]).fetchall():
                sessions.setdefault((name, doc, clock), []).extend((a, b) for a, b in json.loads(kept))
            for (name, doc, _clock), ranges in sessions.items():
                out[(name, doc)] = out.get((name, doc), 0.0) + sum(b - a for a, b in _merge(ranges))
        if since is None:
            for name, doc, seconds in self.db.execute(
                    "SELECT annotator, doc_id, seconds FROM imported_time").fetchall():
                out[(name, doc)] = out.get((name, doc), 0.0) + seconds
        return out
