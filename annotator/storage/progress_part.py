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
_EPOCH = ""  # since=None: every text is >= ''


def _since(since: str | None) -> str:
    return _EPOCH if since is None else since


class ProgressPart:
    """Part of :class:`annotator.storage.store.Store`."""

    db: Any

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
        """(annotator, label, spans) in finished layers."""
        return [tuple(r) for r in self.db.execute(
            f"SELECT s.annotator, s.label, count(*) FROM spans s JOIN ({_DONE}) d "
            "ON d.doc_id = s.doc_id AND d.annotator = s.annotator GROUP BY s.annotator, s.label",
            [_since(since)]).fetchall()]

    def progress_pairs(self, since: str | None = None) -> tuple[list[tuple[str, str, str, int]],
                                                                 list[tuple[str, str, str, int]]]:
        """Span agreement between finished layers of one document, per ordered pair and label:
        (a, b, label, spans of a matched exactly by a span of b) and (a, b, label, spans of a on
        the documents both finished)."""
        params = [_since(since), _since(since)]
        matches = self.db.execute(
            f"SELECT a.annotator, b.annotator, a.label, count(*) FROM spans a "
            f"JOIN ({_DONE}) da ON da.doc_id = a.doc_id AND da.annotator = a.annotator "
            f"JOIN spans b ON b.doc_id = a.doc_id AND b.start = a.start AND b.\"end\" = a.\"end\" "
            f"AND b.label = a.label AND b.annotator <> a.annotator "
            f"JOIN ({_DONE}) db ON db.doc_id = b.doc_id AND db.annotator = b.annotator "
            f"GROUP BY a.annotator, b.annotator, a.label", params).fetchall()
        sizes = self.db.execute(
            f"SELECT a.annotator, db.annotator, a.label, count(*) FROM spans a "
            f"JOIN ({_DONE}) da ON da.doc_id = a.doc_id AND da.annotator = a.annotator "
            f"JOIN ({_DONE}) db ON db.doc_id = a.doc_id AND db.annotator <> a.annotator "
            f"GROUP BY a.annotator, db.annotator, a.label", params).fetchall()
        return [tuple(r) for r in matches], [tuple(r) for r in sizes]

    def progress_gold(self, since: str | None = None) -> tuple[list[tuple[str, str, int]], ...]:
        """Agreement with gold on adjudicated documents the annotator finished, per label:
        (annotator, label, matches), (annotator, label, their spans), (annotator, label, gold spans)."""
        adj = "SELECT doc_id FROM gold_documents WHERE status = 'adjudicated'"
        p = [_since(since)]
        matches = self.db.execute(
            f"SELECT a.annotator, a.label, count(*) FROM spans a "
            f"JOIN ({_DONE}) da ON da.doc_id = a.doc_id AND da.annotator = a.annotator "
            f"JOIN ({adj}) j ON j.doc_id = a.doc_id JOIN gold_spans g ON g.doc_id = a.doc_id "
            f"AND g.start = a.start AND g.\"end\" = a.\"end\" AND g.label = a.label "
            f"GROUP BY a.annotator, a.label", p).fetchall()
        theirs = self.db.execute(
            f"SELECT a.annotator, a.label, count(*) FROM spans a "
            f"JOIN ({_DONE}) da ON da.doc_id = a.doc_id AND da.annotator = a.annotator "
            f"JOIN ({adj}) j ON j.doc_id = a.doc_id GROUP BY a.annotator, a.label", p).fetchall()
        gold = self.db.execute(
            f"SELECT da.annotator, g.label, count(*) FROM gold_spans g JOIN ({adj}) j ON j.doc_id = g.doc_id "
            f"JOIN ({_DONE}) da ON da.doc_id = g.doc_id GROUP BY da.annotator, g.label", p).fetchall()
        return [tuple(r) for r in matches], [tuple(r) for r in theirs], [tuple(r) for r in gold]

    def progress_document_agreement(self, since: str | None = None) -> dict[str, tuple[int, int]]:
        """Per document finished by two or more: (ordered pairs of matching spans, Σ over ordered
        pairs of the first one's spans); their ratio is the document's pooled pairwise F1."""
        p = [_since(since), _since(since)]
        sizes = self.db.execute(
            f"SELECT a.doc_id, count(*) FROM spans a "
            f"JOIN ({_DONE}) da ON da.doc_id = a.doc_id AND da.annotator = a.annotator "
            f"JOIN ({_DONE}) db ON db.doc_id = a.doc_id AND db.annotator <> a.annotator GROUP BY a.doc_id", p)
        out = {doc: (0, n) for doc, n in sizes.fetchall()}
        for doc, m in self.db.execute(
                f"SELECT a.doc_id, count(*) FROM spans a "
                f"JOIN ({_DONE}) da ON da.doc_id = a.doc_id AND da.annotator = a.annotator "
                f"JOIN spans b ON b.doc_id = a.doc_id AND b.start = a.start AND b.\"end\" = a.\"end\" "
                f"AND b.label = a.label AND b.annotator <> a.annotator "
                f"JOIN ({_DONE}) db ON db.doc_id = b.doc_id AND db.annotator = b.annotator GROUP BY a.doc_id",
                p).fetchall():
            out[doc] = (m, out.get(doc, (0, 0))[1])
        return out

    def progress_corpus(self, k: int, since: str | None = None) -> tuple[int, int, int, int]:
        """(documents, finished by at least ``k`` annotators, adjudicated, neither: left)."""
        total = self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        enough = f"SELECT doc_id FROM ({_DONE}) d GROUP BY doc_id HAVING count(*) >= ?"
        adj = "SELECT doc_id FROM gold_documents WHERE status = 'adjudicated'"
        finished = self.db.execute(f"SELECT count(*) FROM ({enough}) e", [_since(since), k]).fetchone()[0]
        adjudicated = self.db.execute(f"SELECT count(*) FROM ({adj}) j").fetchone()[0]
        either = self.db.execute(f"SELECT count(*) FROM ({enough} UNION {adj}) u", [_since(since), k]).fetchone()[0]
        return total, finished, adjudicated, total - either

    def progress_active(self, since: str | None = None) -> dict[tuple[str, str], float]:
        """Active seconds per (annotator, doc id), as :meth:`active_seconds` counts them, summed in
        SQL where one clock has one session on a document (ranges merged in Python only where it
        has several) so a large project is quick."""
        s = _since(since)
        groups = ("SELECT annotator, doc_id, clock FROM active_time WHERE started_at >= ? "
                  "GROUP BY annotator, doc_id, clock")
        out: dict[tuple[str, str], float] = {}
        for name, doc, seconds in self.db.execute(
                f"SELECT annotator, doc_id, sum(seconds) FROM ({groups} HAVING count(*) = 1) g "
                "JOIN active_time t USING (annotator, doc_id, clock) WHERE t.started_at >= ? "
                "GROUP BY annotator, doc_id", [s, s]).fetchall():
            out[(name, doc)] = float(seconds)
        several: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
        for name, doc, clock, kept in self.db.execute(
                f"SELECT t.annotator, t.doc_id, t.clock, t.ranges FROM active_time t JOIN ({groups} "
                "HAVING count(*) > 1) g USING (annotator, doc_id, clock) WHERE t.started_at >= ?", [s, s]).fetchall():
            several.setdefault((name, doc, clock), []).extend((a, b) for a, b in json.loads(kept))
        for (name, doc, _clock), ranges in several.items():
            out[(name, doc)] = out.get((name, doc), 0.0) + sum(b - a for a, b in _merge(ranges))
        if since is None:
            for name, doc, seconds in self.db.execute(
                    "SELECT annotator, doc_id, seconds FROM imported_time").fetchall():
                out[(name, doc)] = out.get((name, doc), 0.0) + seconds
        return out
