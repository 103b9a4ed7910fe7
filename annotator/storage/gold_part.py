"""The Store's gold layer: adjudicated spans and themes with their provenance."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from annotator.core.model import GOLD as GOLD_NAME
from annotator.core.model import Span
from annotator.storage.common import now
from annotator.storage.documents_part import _BOUND


class GoldPart:
    """Part of :class:`annotator.storage.store.Store` (its ``db`` is an open sqlite-utils Database)."""

    db: Database
    _covered: Callable[[str, str, str], str]  # DocumentsPart's

    # --- the gold layer ------------------------------------------------------------------------

    def add_gold_span(self, span: Span, *, proposed_by: list[str], decided_by: str,
                      decided_at: str | None = None) -> int | None:
        """Put a span into gold, with who proposed it and who decided; None if it was there."""
        cur = self._returning(
            'INSERT OR IGNORE INTO gold_spans(doc_id, start, "end", label, text, note, proposed_by, '
            "decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [span.doc_id, span.start, span.end, span.label, span.text, span.note,
             json.dumps(sorted(proposed_by)), decided_by, decided_at or now()],
        )
        return cur[0] if cur else None

    def gold_spans(self, doc_id: str) -> list[Span]:
        cur = self.db.execute(
            'SELECT doc_id, \'gold\', start, "end", label, text, note, id FROM gold_spans WHERE doc_id = ? '
            'ORDER BY start, "end", label', [doc_id])
        return [Span(*row) for row in cur]

    def get_gold_span(self, span_id: int) -> tuple[Span, dict[str, Any]] | None:
        row = self.db.execute(
            'SELECT doc_id, start, "end", label, text, note, id, proposed_by, decided_by, decided_at '
            "FROM gold_spans WHERE id = ?", [span_id]).fetchone()
        if row is None:
            return None
        return (Span(row[0], GOLD_NAME, *row[1:7]),
                {"proposed_by": json.loads(row[7]), "decided_by": row[8], "decided_at": row[9]})

    def delete_gold_span(self, span_id: int) -> tuple[Span, dict[str, Any]] | None:
        found = self.get_gold_span(span_id)
        if found is not None:
            self.db.execute("DELETE FROM gold_spans WHERE id = ?", [span_id])
        return found

    def restore_gold_span(self, span: Span, provenance: dict[str, Any]) -> None:
        if span.id is None or self.get_gold_span(span.id) is not None:
            raise ValueError(f"gold span {span.id} cannot be restored: its id is taken")
        self.db.execute(
            'INSERT INTO gold_spans(id, doc_id, start, "end", label, text, note, proposed_by, decided_by, decided_at) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [span.id, span.doc_id, span.start, span.end, span.label, span.text, span.note,
             json.dumps(sorted(provenance.get("proposed_by") or [])), provenance["decided_by"],
             provenance.get("decided_at") or now()])

    def update_gold_span(self, span_id: int, *, decided_by: str, label: str | None = None,
                         start: int | None = None, end: int | None = None, note: Any = ...) -> Span:
        """Change a gold span (the reviewer's edit); ``decided_by`` and the time are updated."""
        found = self.get_gold_span(span_id)
        if found is None:
            raise KeyError(span_id)
        old = found[0]
        new_start = old.start if start is None else start
        new_end = old.end if end is None else end
        new_label = label or old.label
        # Who proposed it: the annotators whose layer holds exactly the span as it is now.
        proposed = self.proposers(old.doc_id, new_start, new_end, new_label)
        self.db.execute(
            'UPDATE gold_spans SET label = ?, start = ?, "end" = ?, note = ?, decided_by = ?, decided_at = ?, '
            "proposed_by = ?, "
            f"text = (SELECT {self._covered('q.d', 'q.s', 'q.e')} FROM {_BOUND}) WHERE id = ?",
            [new_label, new_start, new_end, old.note if note is ... else note, decided_by, now(), json.dumps(proposed),
             old.doc_id, new_start, new_end, span_id])
        updated = self.get_gold_span(span_id)
        assert updated is not None
        return updated[0]

    def gold_themes(self, doc_id: str) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT theme FROM gold_themes WHERE doc_id = ? ORDER BY theme", [doc_id])]

    def remove_gold_theme(self, doc_id: str, theme: str) -> dict[str, Any] | None:
        """Take a theme out of gold; its provenance, so that an undo can put it back as it was."""
        row = self.db.execute("SELECT proposed_by, decided_by, decided_at FROM gold_themes WHERE doc_id = ? AND theme = ?",
                              [doc_id, theme]).fetchone()
        if row is None:
            return None
        self.db.execute("DELETE FROM gold_themes WHERE doc_id = ? AND theme = ?", [doc_id, theme])
        return {"proposed_by": json.loads(row[0]), "decided_by": row[1], "decided_at": row[2]}

    def reject_gold_theme(self, doc_id: str, theme: str, *, decided_by: str, decided_at: str | None = None) -> bool:
        return self.db.execute(
            "INSERT OR IGNORE INTO gold_theme_rejections(doc_id, theme, decided_by, decided_at) VALUES (?, ?, ?, ?)",
            [doc_id, theme, decided_by, decided_at or now()]).rowcount > 0

    def unreject_gold_theme(self, doc_id: str, theme: str) -> bool:
        return self.db.execute("DELETE FROM gold_theme_rejections WHERE doc_id = ? AND theme = ?",
                               [doc_id, theme]).rowcount > 0

    def rejected_gold_themes(self, doc_id: str) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT theme FROM gold_theme_rejections WHERE doc_id = ?", [doc_id])}

    def proposers(self, doc_id: str, start: int, end: int, label: str) -> list[str]:
        """The annotators whose own layer holds exactly this span."""
        return [row[0] for row in self.db.execute(
            'SELECT annotator FROM spans WHERE doc_id = ? AND start = ? AND "end" = ? AND label = ? ORDER BY annotator',
            [doc_id, start, end, label])]

    def reject_proposal(self, doc_id: str, start: int, end: int, label: str, *, proposed_by: list[str],
                        decided_by: str, decided_at: str | None = None) -> bool:
        """Record that the reviewer rejected a proposed span (so its unit counts as decided)."""
        cur = self.db.execute(
            'INSERT OR IGNORE INTO gold_rejections(doc_id, start, "end", label, proposed_by, decided_by, decided_at) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [doc_id, start, end, label, json.dumps(sorted(proposed_by)), decided_by, decided_at or now()])
        return cur.rowcount > 0

    def unreject_proposal(self, doc_id: str, start: int, end: int, label: str) -> bool:
        return self.db.execute('DELETE FROM gold_rejections WHERE doc_id = ? AND start = ? AND "end" = ? AND label = ?',
                               [doc_id, start, end, label]).rowcount > 0

    def rejected_proposals(self, doc_id: str) -> set[tuple[int, int, str]]:
        return {tuple(row) for row in self.db.execute(
            'SELECT start, "end", label FROM gold_rejections WHERE doc_id = ?', [doc_id])}

    def add_gold_theme(self, doc_id: str, theme: str, *, proposed_by: list[str], decided_by: str,
                       decided_at: str | None = None) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO gold_themes(doc_id, theme, proposed_by, decided_by, decided_at) "
            "VALUES (?, ?, ?, ?, ?)", [doc_id, theme, json.dumps(sorted(proposed_by)), decided_by, decided_at or now()],
        )
        return cur.rowcount > 0

    def gold_status(self, doc_id: str) -> str | None:
        """``in_progress``, ``adjudicated``, or None when nobody has started the document's gold."""
        row = self.db.execute("SELECT status FROM gold_documents WHERE doc_id = ?", [doc_id]).fetchone()
        return row[0] if row else None

    def gold_statuses(self, doc_ids: list[str]) -> dict[str, str]:
        """``{id: in_progress | adjudicated}`` for those of ``doc_ids`` whose gold is started."""
        out: dict[str, str] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            out.update(self.db.execute(f"SELECT doc_id, status FROM gold_documents WHERE doc_id IN ({marks})", chunk))
        return out

    def gold_span_counts(self, doc_ids: list[str]) -> dict[str, int]:
        """``{id: gold spans}`` for those of ``doc_ids`` that have any."""
        out: dict[str, int] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            out.update(self.db.execute(
                f"SELECT doc_id, count(*) FROM gold_spans WHERE doc_id IN ({marks}) GROUP BY doc_id", chunk))
        return out

    def clear_gold_status(self, doc_id: str) -> None:
        self.db.execute("DELETE FROM gold_documents WHERE doc_id = ?", [doc_id])

    def set_gold_status(self, doc_id: str, status: str, *, decided_by: str, decided_at: str | None = None) -> bool:
        """Mark a document's gold as ``in_progress`` or ``adjudicated``; True if it changed."""
        row = self.db.execute("SELECT status FROM gold_documents WHERE doc_id = ?", [doc_id]).fetchone()
        if row and row[0] == status:
            return False
        self.db.execute(
            "INSERT INTO gold_documents(doc_id, status, decided_by, decided_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(doc_id) DO UPDATE SET status = excluded.status, decided_by = excluded.decided_by, "
            "decided_at = excluded.decided_at", [doc_id, status, decided_by, decided_at or now()],
        )
        return True
