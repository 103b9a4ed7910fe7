"""The Store reading in bulk, a page at a time (exports, agreement, suggestions)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlite_utils import Database

from annotator.core.model import Document, Span, Status
from annotator.storage.common import PIECE_CHARS

PIECE = 1 << 20  # characters of a text_pieces piece


class BulkPart:
    """Part of :class:`annotator.storage.store.Store` (its ``db`` is an open sqlite-utils Database)."""

    db: Database

    # --- reading in bulk (exports) -----------------------------------------------------------

    def ids_after(self, after_seq: int, limit: int, *, until_seq: int | None = None) -> list[tuple[int, str]]:
        """(seq, id) of a page of documents in list order after ``after_seq`` (and, with
        ``until_seq``, not after it): ids only, for walking the whole list cheaply."""
        if until_seq is None:
            cur = self.db.execute("SELECT seq, id FROM documents WHERE seq > ? ORDER BY seq LIMIT ?", [after_seq, limit])
        else:
            cur = self.db.execute("SELECT seq, id FROM documents WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                                  [after_seq, until_seq, limit])
        return [(row[0], row[1]) for row in cur]

    def seq_of(self, doc_id: str) -> int | None:
        """A document's place in list order."""
        return self._by_ids("seq", [doc_id]).get(doc_id)

    def documents_after(self, after_seq: int, limit: int, *, lang: str | None = None,
                        ids: Iterable[str] | None = None, text_up_to: int | None = None) -> list[tuple[int, Document]]:
        """A page of documents in list order after ``after_seq``, with their seq (keyset paging).
        With ``text_up_to``, a document of more characters comes without its text (``text`` is
        None): :meth:`text_pieces` reads it a piece at a time."""
        text = "text" if text_up_to is None else "CASE WHEN chars <= ? THEN text END"
        where, params = ["seq > ?"], [*([] if text_up_to is None else [text_up_to]), after_seq]
        if lang:
            where.append("lang = ?")
            params.append(lang)
        if ids is not None:
            where.append("id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(ids)))
        cur = self.db.execute(
            f"SELECT seq, id, title, {text}, lang, direction, source, meta, text_hash FROM documents "
            f"WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?", [*params, limit])
        return [(row[0], Document(*row[1:7], meta=json.loads(row[7]), text_hash=row[8])) for row in cur]

    def document_pages(self, size: int = 500, *, lang: str | None = None, ids: Iterable[str] | None = None,
                       text_up_to: int | None = None) -> Iterator[list[Document]]:
        """Every document in list order, a page at a time (memory flat whatever their number; with
        ``text_up_to``, whatever their length: see :meth:`documents_after`)."""
        after = 0
        ids = list(ids) if ids is not None else None
        while True:
            page = self.documents_after(after, size, lang=lang, ids=ids, text_up_to=text_up_to)
            if not page:
                return
            after = page[-1][0]
            yield [doc for _, doc in page]

    def document_chars(self, doc_id: str) -> int | None:
        """A document's length in characters (code points), without reading its text."""
        row = self.db.execute("SELECT chars FROM documents WHERE id = ?", [doc_id]).fetchone()
        return row[0] if row else None

    def text_pieces(self, doc_id: str, size: int = PIECE) -> Iterator[str]:
        """A document's text in order, in pieces of about ``size`` characters, never holding the
        whole of it: SQLite reads the stored UTF-8 incrementally (blob I/O); PostgreSQL reads a
        long document's ``document_pieces`` a run at a time (``substr`` would read the text from
        its start to each piece), and a short one's text with ``substr``. Nothing for no such
        document."""
        if getattr(self, "is_team", False) or self.db.execute("PRAGMA encoding").fetchone()[0] != "UTF-8":
            step, n = max(size // PIECE_CHARS, 1), 0
            while rows := self.db.execute("SELECT piece FROM document_pieces WHERE doc_id = ? AND n >= ? AND n < ? "
                                          "ORDER BY n", [doc_id, n, n + step]).fetchall():
                yield "".join(row[0] for row in rows)
                n += step
            if n:
                return
            at = 1  # no pieces: a short document (or none)
            while True:
                row = self.db.execute("SELECT substr(text, ?, ?) FROM documents WHERE id = ?",
                                      [at, size, doc_id]).fetchone()
                if row is None or not row[0]:
                    return
                yield row[0]
                at += size
            return
        row = self.db.execute("SELECT seq FROM documents WHERE id = ?", [doc_id]).fetchone()
        if row is None:
            return
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self.db.conn.blobopen("documents", "text", row[0], readonly=True) as blob:
            while data := blob.read(size * 2):
                yield decoder.decode(data)
        if tail := decoder.decode(b"", final=True):
            yield tail

    def layers(self, doc_ids: list[str], annotator: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
        """Every annotator's layer on these documents (only ``annotator``'s, when given): {doc:
        {annotator: {"spans", "themes", "status", "updated_at"}}}, read in three queries whatever
        the number of documents."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        ids = json.dumps(doc_ids)
        only, whose = ("", []) if annotator is None else (" AND annotator = ?", [annotator])

        def layer(doc: str, name: str) -> dict[str, Any]:
            return out.setdefault(doc, {}).setdefault(
                name, {"spans": [], "themes": [], "status": Status.NEW, "updated_at": ""})

        for row in self.db.execute(
            'SELECT doc_id, annotator, start, "end", label, text, note, id, updated_at FROM spans '
            f"WHERE doc_id IN (SELECT value FROM json_each(?)){only} ORDER BY doc_id, annotator, start, \"end\", label",
            [ids, *whose],
        ):
            entry = layer(row[0], row[1])
            entry["spans"].append(Span(*row[:8]))
            entry["updated_at"] = max(entry["updated_at"], row[8])
        for doc, name, theme, stamp in self.db.execute(
            "SELECT dt.doc_id, dt.annotator, dt.theme, dt.created_at FROM doc_themes dt "
            f"WHERE dt.doc_id IN (SELECT value FROM json_each(?)){only.replace('annotator', 'dt.annotator')} "
            "ORDER BY dt.theme", [ids, *whose],
        ):
            entry = layer(doc, name)
            entry["themes"].append(theme)
            entry["updated_at"] = max(entry["updated_at"], stamp)
        for doc, name, status, stamp in self.db.execute(
            "SELECT doc_id, annotator, status, updated_at FROM doc_status "
            f"WHERE doc_id IN (SELECT value FROM json_each(?)){only}", [ids, *whose],
        ):
            entry = layer(doc, name)
            entry["status"] = Status(status)
            entry["updated_at"] = max(entry["updated_at"], stamp)
        # A layer with nothing but the status "new" (an undone first span) is no layer at all.
        for layers in out.values():
            for name in [n for n, e in layers.items()
                         if not e["spans"] and not e["themes"] and e["status"] is Status.NEW]:
                del layers[name]
        return out

    def gold_layers(self, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The gold layer on these documents: {doc: {"spans": [(Span, provenance)], "themes",
        "status", "updated_at"}}; documents with no gold are left out."""
        out: dict[str, dict[str, Any]] = {}
        ids = json.dumps(doc_ids)

        def layer(doc: str) -> dict[str, Any]:
            return out.setdefault(doc, {"spans": [], "themes": [], "status": "in_progress", "updated_at": ""})

        for row in self.db.execute(
            'SELECT doc_id, start, "end", label, text, note, id, proposed_by, decided_by, decided_at '
            "FROM gold_spans WHERE doc_id IN (SELECT value FROM json_each(?)) ORDER BY doc_id, start, \"end\", label",
            [ids],
        ):
            entry = layer(row[0])
            span = Span(row[0], "gold", row[1], row[2], row[3], row[4], row[5], row[6])
            entry["spans"].append((span, {"proposed_by": json.loads(row[7]), "decided_by": row[8],
                                          "decided_at": row[9]}))
            entry["updated_at"] = max(entry["updated_at"], row[9])
        for doc, theme, proposed, by, at in self.db.execute(
            "SELECT g.doc_id, g.theme, g.proposed_by, g.decided_by, g.decided_at FROM gold_themes g "
            "WHERE g.doc_id IN (SELECT value FROM json_each(?)) ORDER BY g.theme", [ids],
        ):
            entry = layer(doc)
            entry["themes"].append(theme)
            entry.setdefault("theme_provenance", {})[theme] = {
                "proposed_by": json.loads(proposed), "decided_by": by, "decided_at": at}
            entry["updated_at"] = max(entry["updated_at"], at)
        for doc, status, by, at in self.db.execute(
            "SELECT doc_id, status, decided_by, decided_at FROM gold_documents "
            "WHERE doc_id IN (SELECT value FROM json_each(?))", [ids],
        ):
            entry = layer(doc)
            entry["status"] = status
            entry["status_provenance"] = {"decided_by": by, "decided_at": at}
            entry["updated_at"] = max(entry["updated_at"], at)
        return out

    def gold_rejections(self, doc_id: str) -> list[dict[str, Any]]:
        """Every rejected proposal and theme on the document, with who decided and when."""
        spans = [{"start": r[0], "end": r[1], "label": r[2], "proposed_by": json.loads(r[3]), "decided_by": r[4],
                  "decided_at": r[5]} for r in self.db.execute(
            'SELECT start, "end", label, proposed_by, decided_by, decided_at FROM gold_rejections WHERE doc_id = ?',
            [doc_id])]
        themes = [{"theme": r[0], "decided_by": r[1], "decided_at": r[2]} for r in self.db.execute(
            "SELECT theme, decided_by, decided_at FROM gold_theme_rejections WHERE doc_id = ?", [doc_id])]
        return spans + themes
