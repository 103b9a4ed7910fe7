"""The Store's annotations: spans, themes, statuses, and suggestions offered from another layer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

from sqlite_utils import Database

from annotator.core.model import Span, Status
from annotator.storage.common import now
from annotator.storage.documents_part import _BOUND

BULK_SPANS = 64  # add_spans counts a page of this many or more at its end, not a span at a time


class AnnotationsPart:
    """Part of :class:`annotator.storage.store.Store` (its ``db`` is an open sqlite-utils Database)."""

    db: Database
    transaction: Callable[[], AbstractContextManager[Any]]  # the Store's
    _covered: Callable[[str, str, str], str]  # DocumentsPart's

    # --- annotations --------------------------------------------------------------------------

    def add_span(self, span: Span) -> int | None:
        """Insert a span; its id, or None if the same span (offsets and label) was there already.

        A span with an ``id`` is inserted under that id (an undone deletion comes back as itself).
        """
        stamp = now()
        # The id column only when it is given: PostgreSQL takes a NULL id literally.
        with_id = span.id is not None
        row = self._returning(
            f'INSERT OR IGNORE INTO spans({"id, " if with_id else ""}doc_id, annotator, start, "end", label, text, '
            f"note, created_at, updated_at) VALUES ({'?, ' if with_id else ''}?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [*([span.id] if with_id else []), span.doc_id, span.annotator, span.start, span.end, span.label,
             span.text, span.note, stamp, stamp],
        )
        return row[0] if row else None

    def add_span_started(self, span: Span) -> tuple[int | None, Status | None]:
        """Insert a span (as :meth:`add_span`, without an ``id``) and, when it is new, start its
        document for its annotator (new -> in progress), committed together before it returns:
        (its id or None if the same span was there already, the status before if it changed).
        What a label key does; a team database does it in one statement."""
        with self.transaction():
            span_id = self.add_span(span._replace(id=None))
            if span_id is None:
                return None, None
            before = self.status(span.doc_id, span.annotator)
            if before != Status.NEW:
                return span_id, None
            self.set_status(span.doc_id, span.annotator, Status.IN_PROGRESS)
            return span_id, before

    def add_spans(self, spans: list[Span]) -> int:
        """Insert many spans at once (``add_span`` for an import's page); how many were new.

        A page of many spans is counted for ``progress`` at its end, its documents anew in a few
        statements, rather than a span at a time by the triggers (issue 24: a third of an import)."""
        stamp = now()
        rows = [(s.doc_id, s.annotator, s.start, s.end, s.label, s.text, s.note, stamp, stamp) for s in spans]
        insert = ('INSERT OR IGNORE INTO spans(doc_id, annotator, start, "end", label, text, note, '
                  "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        if len(rows) < BULK_SPANS:
            return self.db.conn.executemany(insert, rows).rowcount
        with self.transaction():
            self.db.execute("INSERT INTO span_counts_paused(one) VALUES (1)")
            added = self.db.conn.executemany(insert, rows).rowcount
            self.db.execute("DELETE FROM span_counts_paused")
            self.recount_spans(sorted({s.doc_id for s in spans}))
        return added

    def recount_spans(self, doc_ids: list[str]) -> None:
        """Count these documents' spans and matches for ``progress`` anew (``span_counts``,
        ``span_matches``, as the migration fills them)."""
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for table in ("span_counts", "span_matches"):
                self.db.execute(f"DELETE FROM {table} WHERE doc_id IN ({marks})", chunk)
            self.db.execute(
                "INSERT INTO span_counts(doc_id, annotator, label, n) SELECT doc_id, annotator, label, count(*) "
                f"FROM spans WHERE doc_id IN ({marks}) AND annotator <> 'model' GROUP BY doc_id, annotator, label",
                chunk)
            self.db.execute(
                "INSERT INTO span_matches(doc_id, a, b, label, n) "
                "SELECT x.doc_id, x.annotator, y.annotator, x.label, count(*) FROM spans x JOIN spans y "
                'ON y.doc_id = x.doc_id AND y.start = x.start AND y."end" = x."end" AND y.label = x.label '
                f"AND y.annotator > x.annotator WHERE x.doc_id IN ({marks}) AND x.annotator <> 'model' "
                "AND y.annotator <> 'model' GROUP BY x.doc_id, x.annotator, y.annotator, x.label", chunk)

    def span_keys(self, doc_ids: list[str], annotators: list[str]) -> set[tuple[str, str, int, int, str]]:
        """(doc_id, annotator, start, end, label) of these annotators' spans on these documents:
        what an import of documents already stored need not write again (each write runs the
        span's check)."""
        rows = self.db.execute(
            'SELECT doc_id, annotator, start, "end", label FROM spans WHERE doc_id IN (SELECT value FROM json_each(?)) '
            "AND annotator IN (SELECT value FROM json_each(?))", [json.dumps(doc_ids), json.dumps(annotators)])
        return {tuple(row) for row in rows}

    def get_span(self, span_id: int) -> Span | None:
        row = self.db.execute(
            'SELECT doc_id, annotator, start, "end", label, text, note, id FROM spans WHERE id = ?', [span_id]
        ).fetchone()
        return Span(*row) if row else None

    def clear_spans(self, doc_ids: list[str], annotator: str) -> int:
        """Delete every span of ``annotator`` on these documents (a suggestion layer made anew)."""
        total = 0
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            total += self.db.execute(f"DELETE FROM spans WHERE annotator = ? AND doc_id IN ({marks})",
                                     [annotator, *chunk]).rowcount
        return total

    def delete_span(self, span_id: int, *, doc_id: str | None = None, annotator: str | None = None) -> Span | None:
        """Delete a span; the span as it was, or None if there was none. With ``doc_id`` and
        ``annotator``, only a span of that document and annotator is deleted."""
        span = self.get_span(span_id)
        if span is None or (doc_id is not None and span.doc_id != doc_id) or (
                annotator is not None and span.annotator != annotator):
            return None
        if self.db.execute("DELETE FROM spans WHERE id = ?", [span_id]).rowcount == 0:
            return None  # not this connection's to delete (a team database's row-level security)
        return span

    def restore_span(self, span: Span) -> None:
        """Put a deleted span back under its own id; raises if that is not possible."""
        if span.id is None or self.get_span(span.id) is not None:
            raise ValueError(f"span {span.id} cannot be restored: its id is taken")
        self.db.execute(
            'INSERT INTO spans(id, doc_id, annotator, start, "end", label, text, note, created_at, updated_at) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [span.id, span.doc_id, span.annotator, span.start, span.end, span.label, span.text, span.note,
             now(), now()],
        )

    def update_span(
        self,
        span_id: int,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        note: str | None | type(...) = ...,
    ) -> Span:
        """Change a span's label, offsets or note (``note=None`` clears it); the span as it is now.

        The covered text is taken from the document, so it always equals ``text[start:end]``.
        Raises ``KeyError`` for an unknown span and ``sqlite3.IntegrityError`` if the change would
        duplicate another span or leave the text.
        """
        old = self.get_span(span_id)
        if old is None:
            raise KeyError(span_id)
        new_start = old.start if start is None else start
        new_end = old.end if end is None else end
        new_note = old.note if note is ... else note
        changed = self.db.execute(
            'UPDATE spans SET label = ?, start = ?, "end" = ?, note = ?, updated_at = ?, '
            f"text = (SELECT {self._covered('q.d', 'q.s', 'q.e')} FROM {_BOUND}) WHERE id = ?",
            [label or old.label, new_start, new_end, new_note, now(), old.doc_id, new_start, new_end, span_id],
        ).rowcount
        if changed == 0:  # not this connection's to change (a team database's row-level security)
            raise KeyError(span_id)
        updated = self.get_span(span_id)
        assert updated is not None
        return updated

    def span_counts(self, doc_id: str) -> dict[str, int]:
        """Spans per annotator on one document."""
        cur = self.db.execute(
            "SELECT annotator, COUNT(*) FROM spans WHERE doc_id = ? GROUP BY annotator ORDER BY annotator", [doc_id])
        return dict(cur.fetchall())

    def spans(self, doc_id: str, annotator: str) -> list[Span]:
        cur = self.db.execute(
            'SELECT doc_id, annotator, start, "end", label, text, note, id FROM spans '
            'WHERE doc_id = ? AND annotator = ? ORDER BY start, "end", label',
            [doc_id, annotator],
        )
        return [Span(*row) for row in cur]

    def add_doc_theme(self, doc_id: str, annotator: str, theme: str) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO doc_themes(doc_id, annotator, theme, created_at) VALUES (?, ?, ?, ?)",
            [doc_id, annotator, theme, now()],
        )
        return cur.rowcount > 0

    def add_doc_themes(self, rows: list[tuple[str, str, str]]) -> int:
        """Add many ``(doc_id, annotator, theme)`` at once; how many were new."""
        stamp = now()
        cur = self.db.conn.executemany(
            "INSERT OR IGNORE INTO doc_themes(doc_id, annotator, theme, created_at) VALUES (?, ?, ?, ?)",
            [(*row, stamp) for row in rows],
        )
        return cur.rowcount

    def remove_doc_theme(self, doc_id: str, annotator: str, theme: str) -> bool:
        cur = self.db.execute(
            "DELETE FROM doc_themes WHERE doc_id = ? AND annotator = ? AND theme = ?", [doc_id, annotator, theme]
        )
        return cur.rowcount > 0

    def doc_themes(self, doc_id: str, annotator: str) -> list[str]:
        cur = self.db.execute(
            "SELECT dt.theme FROM doc_themes dt JOIN themes t ON t.name = dt.theme "
            "WHERE dt.doc_id = ? AND dt.annotator = ? ORDER BY t.position",
            [doc_id, annotator],
        )
        return [row[0] for row in cur]

    def status(self, doc_id: str, annotator: str) -> Status:
        row = self.db.execute(
            "SELECT status FROM doc_status WHERE doc_id = ? AND annotator = ?", [doc_id, annotator]
        ).fetchone()
        return Status(row[0]) if row else Status.NEW

    def set_status(self, doc_id: str, annotator: str, status: Status) -> bool:
        """Set ``annotator``'s status on a document; True if it changed."""
        if self.status(doc_id, annotator) == status:
            return False
        self.db.execute(
            "INSERT INTO doc_status(doc_id, annotator, status, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(doc_id, annotator) DO UPDATE SET status = excluded.status, "
            "updated_at = excluded.updated_at",
            [doc_id, annotator, status.value, now()],
        )
        return True

    def progress(self, annotator: str) -> tuple[int, int]:
        """(documents ``annotator`` marked done, all documents)."""
        done = self.db.execute(
            "SELECT COUNT(*) FROM doc_status WHERE annotator = ? AND status = 'done'", [annotator]
        ).fetchone()[0]
        return done, self.count_documents()

    def neighbour(
        self,
        doc_id: str | None,
        annotator: str,
        *,
        backwards: bool = False,
        statuses: Iterable[Status] | None = None,
    ) -> str | None:
        """The id of the next (or previous) document in list order after ``doc_id``, optionally only
        among those whose status for ``annotator`` is one of ``statuses``. Wraps around; None when
        no other document qualifies."""
        where, params = ["d.id IS NOT ?"], [doc_id]
        if statuses is not None:
            where.append(
                "COALESCE((SELECT status FROM doc_status st WHERE st.doc_id = d.id AND st.annotator = ?), "
                "'new') IN (SELECT value FROM json_each(?))"
            )
            params += [annotator, json.dumps([s.value for s in statuses])]
        row = self.db.execute("SELECT seq FROM documents WHERE id = ?", [doc_id]).fetchone()
        here = row[0] if row else -1
        # Rank documents after the current one first, then wrap around to the beginning.
        after = "(d.seq < ?)" if not backwards else "(d.seq > ?)"
        order = "ASC" if not backwards else "DESC"
        found = self.db.execute(
            f"SELECT d.id FROM documents d WHERE {' AND '.join(where)} "
            f"ORDER BY {after}, d.seq {order} LIMIT 1",
            [*params, here],
        ).fetchone()
        return found[0] if found else None

    # --- suggestions: another layer's spans offered to an annotator ---------------------------

    def pending_suggestions(self, doc_id: str, annotator: str, source: str,
                            within: tuple[int, int] | None = None) -> list[Span]:
        """``source``'s spans on the document that ``annotator`` has neither taken into their own
        layer (same offsets and label) nor rejected; ``within``: only those inside code points
        ``[start, end)`` (what a change there may have changed: read through the index, not the
        document's every span)."""
        inside = ' AND s.start >= ? AND s.start < ? AND s."end" <= ?' if within else ""
        cur = self.db.execute(
            'SELECT s.doc_id, s.annotator, s.start, s."end", s.label, s.text, s.note, s.id FROM spans s '
            f"WHERE s.doc_id = ? AND s.annotator = ?{inside} AND NOT EXISTS (SELECT 1 FROM spans o WHERE "
            'o.doc_id = s.doc_id AND o.annotator = ? AND o.start = s.start AND o."end" = s."end" '
            "AND o.label = s.label) AND NOT EXISTS (SELECT 1 FROM suggestion_rejections r WHERE "
            'r.doc_id = s.doc_id AND r.annotator = ? AND r.source = s.annotator AND r.start = s.start '
            'AND r."end" = s."end" AND r.label = s.label) ORDER BY s.start, s."end", s.label',
            [doc_id, source, *((within[0], within[1], within[1]) if within else ()), annotator, annotator],
        )
        return [Span(*row) for row in cur]

    def reject_suggestion(self, annotator: str, suggestion: Span) -> bool:
        cur = self.db.execute(
            'INSERT OR IGNORE INTO suggestion_rejections(doc_id, annotator, source, start, "end", label, '
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [suggestion.doc_id, annotator, suggestion.annotator, suggestion.start, suggestion.end,
             suggestion.label, now()],
        )
        return cur.rowcount > 0

    def unreject_suggestion(self, annotator: str, suggestion: Span) -> bool:
        cur = self.db.execute(
            'DELETE FROM suggestion_rejections WHERE doc_id = ? AND annotator = ? AND source = ? AND start = ? '
            'AND "end" = ? AND label = ?',
            [suggestion.doc_id, annotator, suggestion.annotator, suggestion.start, suggestion.end, suggestion.label],
        )
        return cur.rowcount > 0

    def rejected_suggestions(self, doc_id: str, annotator: str, source: str) -> set[tuple[int, int, str]]:
        """(start, end, label) of ``source``'s suggestions ``annotator`` rejected on the document."""
        cur = self.db.execute(
            'SELECT start, "end", label FROM suggestion_rejections WHERE doc_id = ? AND annotator = ? AND source = ?',
            [doc_id, annotator, source],
        )
        return {tuple(row) for row in cur}

    def rejected_places(self, doc_id: str, annotator: str) -> set[tuple[int, int, str]]:
        """(start, end, label) of every suggestion ``annotator`` rejected on the document, whoever
        suggested it: the places "label every occurrence" leaves out."""
        cur = self.db.execute(
            'SELECT DISTINCT start, "end", label FROM suggestion_rejections WHERE doc_id = ? AND annotator = ?',
            [doc_id, annotator],
        )
        return {tuple(row) for row in cur}

    def rejected_suggestion_texts(self, annotator: str, source: str) -> list[tuple[str, str]]:
        """(text, label) of every suggestion from ``source`` that ``annotator`` rejected: what lowers
        a learned pattern's score."""
        covered = self._covered("r.doc_id", "r.start", 'r."end"')
        cur = self.db.execute(
            f"SELECT {covered}, r.label FROM suggestion_rejections r "
            "WHERE r.annotator = ? AND r.source = ? AND EXISTS (SELECT 1 FROM documents d WHERE d.id = r.doc_id)",
            [annotator, source],
        )
        return [tuple(row) for row in cur]

    def unannotated_ids(self, annotator: str, limit: int) -> list[str]:
        """Up to ``limit`` documents, in list order, on which ``annotator`` has no span and no
        status other than new: the candidates for active learning."""
        cur = self.db.execute(
            "SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM spans s WHERE s.doc_id = d.id "
            "AND s.annotator = ?) AND NOT EXISTS (SELECT 1 FROM doc_status t WHERE t.doc_id = d.id AND "
            "t.annotator = ? AND t.status != 'new') ORDER BY d.seq LIMIT ?",
            [annotator, annotator, limit],
        )
        return [row[0] for row in cur]
