"""The Store's figures for ``annotator progress`` and ``report`` (issue 24), the same SQL on both backends.

Everything is counted in SQL (GROUP BY), so 100,000 documents never come into Python one span at
a time. A layer is *finished* when its status is ``done`` (``doc_status``); ``since`` (an ISO date
or time, compared as text with the ISO times ``now()`` writes) keeps the layers whose status was
last changed then or later (``doc_status.updated_at``). The ``model`` layer is never counted.
"""

from __future__ import annotations

import json
from typing import Any

from annotator.storage.queues_part import _merge

_DONE = ("SELECT doc_id, annotator FROM doc_status WHERE status = 'done' AND annotator <> 'model'"
         " AND updated_at >= ?")


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
    _PROGRESS_TOTALS = True  # progress_totals kept by the database (m010; not on a team database)

    def progress_queue_sizes(self) -> dict[str, int]:
        """How many documents each queue holds."""
        return dict(self.db.execute("SELECT annotator, count(*) FROM queue_items GROUP BY annotator").fetchall())

    def progress_statuses(self, since: str | None = None) -> list[tuple[str, str, int]]:
        """(annotator, status, layers) for every status but new, changed at or after ``since``."""
        return [tuple(r) for r in self.db.execute(
            "SELECT annotator, status, count(*) FROM doc_status WHERE annotator <> 'model' AND status <> 'new' "
            "AND updated_at >= ? GROUP BY annotator, status", [_since(since)]).fetchall()]

    def progress_finished(self, since: str | None = None) -> list[tuple[str, str]]:
        """(annotator, doc id) of every finished layer."""
        return [(name, doc) for doc, name in self.db.execute(_DONE, [_since(since)]).fetchall()]

    def progress_done_days(self, since: str | None = None) -> list[tuple[str, str, int]]:
        """(annotator, UTC day YYYY-MM-DD of the status change, layers marked done)."""
        return [tuple(r) for r in self.db.execute(
            "SELECT annotator, substr(updated_at, 1, 10), count(*) FROM doc_status WHERE status = 'done' "
            "AND annotator <> 'model' AND updated_at >= ? GROUP BY annotator, substr(updated_at, 1, 10) "
            "ORDER BY 2, 1", [_since(since)]).fetchall()]

    def progress_span_counts(self, since: str | None = None) -> list[tuple[str, str, int]]:
        """(annotator, label, spans) in finished layers: kept in ``progress_totals`` where there is
        one (a file) and ``since`` is not given, else summed from ``span_counts``."""
        if since is None and self._PROGRESS_TOTALS:
            return [tuple(r) for r in self.db.execute(
                "SELECT a, label, n FROM progress_totals WHERE b = '' AND n > 0").fetchall()]
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
                "SELECT a, b, label, n, m FROM progress_totals WHERE b <> '' AND n > 0").fetchall()]
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

    def progress_finished_ids(self, since: str | None = None) -> list[str]:
        """The documents two or more annotators finished, in import order."""
        return [r[0] for r in self.db.execute(
            f"SELECT d.id FROM ({_DONE}) e JOIN documents d ON d.id = e.doc_id GROUP BY d.seq, d.id "
            "HAVING count(*) >= 2 ORDER BY d.seq", [_since(since)]).fetchall()]

    def progress_corpus(self, k: int, since: str | None = None) -> tuple[int, int, int, int]:
        """(documents, finished by at least ``k`` annotators, adjudicated, neither: left)."""
        total = self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        enough = f"SELECT doc_id FROM ({_DONE}) d GROUP BY doc_id HAVING count(*) >= ?"
        finished = self.db.execute(f"SELECT count(*) FROM ({enough}) e", [_since(since), k]).fetchone()[0]
        adjudicated, both = self.db.execute(
            "SELECT count(*), COALESCE(sum(CASE WHEN (SELECT count(*) FROM doc_status s WHERE s.doc_id = j.doc_id "
            "AND s.status = 'done' AND s.annotator <> 'model' AND s.updated_at >= ?) >= ? THEN 1 ELSE 0 END), 0) "
            "FROM gold_documents j WHERE j.status = 'adjudicated'", [_since(since), k]).fetchone()
        return total, finished, adjudicated, total - (finished + adjudicated - both)

    def progress_active(self, since: str | None = None) -> dict[tuple[str, str], float]:
        """Active seconds per (annotator, doc id), as :meth:`active_seconds` counts them: summed in
        SQL, in one pass in the table's order, where no clock has several sessions on the document
        (the sessions' seconds add up); ranges merged in Python only where one has."""
        s = _since(since)
        out: dict[tuple[str, str], float] = {}
        shared: list[tuple[str, str]] = []
        for name, doc, seconds, overlapping in self.db.execute(
                "SELECT annotator, doc_id, sum(seconds), count(*) - count(DISTINCT clock) FROM active_time "
                "WHERE started_at >= ? GROUP BY annotator, doc_id", [s]).fetchall():
            if overlapping:
                shared.append((name, doc))
            else:
                out[(name, doc)] = float(seconds)
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
