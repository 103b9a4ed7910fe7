"""The Store's documents, their list and search."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlite_utils import Database

from annotator.core.model import Document, DocumentSummary, Status
from annotator.core.text import index_form
from annotator.storage.common import _listing, covered_sql, now, piece_rows, text_hash


# A document id and offsets bound once, for an expression that names each of them more than once.
_BOUND = "(SELECT CAST(? AS TEXT) AS d, CAST(? AS INTEGER) AS s, CAST(? AS INTEGER) AS e) AS q"


class DocumentsPart:
    """Part of :class:`annotator.storage.store.Store` (its ``db`` is an open sqlite-utils Database)."""

    db: Database

    # --- documents ----------------------------------------------------------------------------

    def document_hash(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT text_hash FROM documents WHERE id = ?", [doc_id]).fetchone()
        return row[0] if row else None

    def insert_document(self, doc: Document) -> None:
        """Insert a new document and index it for search. ``doc.text`` must already be normalised."""
        self.insert_documents([doc])

    def _by_ids(self, columns: str, doc_ids: list[str]) -> dict[str, Any]:
        """``{id: value}`` from ``SELECT id, <column> FROM documents`` for those of ``doc_ids`` stored."""
        out: dict[str, Any] = {}
        for i in range(0, len(doc_ids), 500):  # under SQLite's bound-parameter limit
            chunk = doc_ids[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            out.update(self.db.execute(f"SELECT id, {columns} FROM documents WHERE id IN ({marks})", chunk))
        return out

    def document_hashes(self, doc_ids: list[str]) -> dict[str, str]:
        """``{id: text_hash}`` of those of ``doc_ids`` already stored: one query for a page of them."""
        return self._by_ids("text_hash", doc_ids)

    def ids_with_prefix(self, prefix: str, limit: int = 11) -> list[str]:
        """Document ids that start with ``prefix``, in list order (at most ``limit``)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.db.execute("SELECT id FROM documents WHERE id LIKE ? ESCAPE '\\' ORDER BY seq LIMIT ?",
                               [pattern, limit])
        # LIKE ignores ASCII case; an id prefix is exact.
        return [row[0] for row in rows if row[0].startswith(prefix)]

    def ids_by_hash(self, hashes: list[str]) -> dict[str, str]:
        """``{text_hash: id}`` of the stored documents with those texts (the first one imported)."""
        out: dict[str, str] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for hash_, doc_id in self.db.execute(
                    f"SELECT text_hash, id FROM documents WHERE text_hash IN ({marks}) ORDER BY seq DESC", chunk):
                out[hash_] = doc_id
        return out

    def insert_documents(self, docs: list[Document]) -> None:
        """Insert new documents and index them for search, ``executemany`` per table: two
        statements per document were most of a large import's time in SQLite calls."""
        stamp = now()
        self.db.conn.executemany(
            "INSERT INTO documents(id, title, text, lang, direction, source, meta, text_hash, chars, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(d.id, d.title, d.text, d.lang, d.direction, d.source, json.dumps(d.meta, ensure_ascii=False),
              d.text_hash or text_hash(d.text), len(d.text), stamp) for d in docs],
        )
        self.db.conn.executemany("INSERT INTO document_pieces(doc_id, n, piece) VALUES (?, ?, ?)",
                                 (row for d in docs for row in piece_rows(d.id, d.text)))
        seqs = self._by_ids("seq", [d.id for d in docs])
        # Explicit rowids: INSERT ... SELECT into the FTS table took twice as long.
        self.db.conn.executemany(
            "INSERT INTO doc_search(rowid, body) VALUES (?, ?)", [(seqs[d.id], index_form(d.text)) for d in docs]
        )

    def _covered(self, doc: str, start: str, end: str) -> str:
        """SQL for a document's text[start:end] that reads only the pieces the span covers (see
        ``common.covered_sql``; its arguments are SQL expressions)."""
        return covered_sql(doc, start, end)

    def text_at(self, doc_id: str, start: int, end: int) -> str | None:
        """A document's text[start:end] (shorter past its end), read from the pieces it covers;
        None if there is no such document."""
        row = self.db.execute(f"SELECT {self._covered('q.d', 'q.s', 'q.e')} FROM {_BOUND}",
                              [doc_id, start, end]).fetchone()
        return row[0] if row else None

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document with its annotations; True if it existed."""
        row = self.db.execute("SELECT seq, text FROM documents WHERE id = ?", [doc_id]).fetchone()
        if row is None:
            return False
        with self.transaction():
            self.db.execute(
                "INSERT INTO doc_search(doc_search, rowid, body) VALUES ('delete', ?, ?)",
                [row[0], index_form(row[1])],
            )
            self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])
        return True

    def get_document(self, doc_id: str) -> Document | None:
        row = self.db.execute(
            "SELECT id, title, text, lang, direction, source, meta, text_hash FROM documents WHERE id = ?",
            [doc_id],
        ).fetchone()
        if row is None:
            return None
        return Document(*row[:6], meta=json.loads(row[6]), text_hash=row[7])

    def count_documents(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def document_summaries(
        self,
        annotator: str,
        *,
        lang: str | None = None,
        status: Status | None = None,
        ids: Iterable[str] | None = None,
        match: str | None = None,
        after_seq: int | None = None,
        limit: int | None = None,
    ) -> Iterator[DocumentSummary]:
        """Documents in import order, with ``annotator``'s status and span count (no texts).

        ``match`` keeps those an FTS5 expression finds (see :meth:`search`). ``after_seq`` and
        ``limit`` page through them (keyset paging: each page is one indexed query).
        """
        listing, key, params = self._listing(annotator, lang, status, ids, match, statuses=True)
        if after_seq is not None:
            listing += f" AND {key} > ?"
            params.append(after_seq)
        cur = self.db.execute(
            "SELECT d.id, d.title, d.lang, d.direction, COALESCE(st.status, 'new'), "
            "(SELECT COUNT(*) FROM spans s WHERE s.doc_id = d.id AND s.annotator = ?), d.chars, d.source, d.seq "
            f"FROM {listing} ORDER BY {key}" + (f" LIMIT {int(limit)}" if limit else ""),
            [annotator, *params],
        )
        for row in cur.fetchall() if limit else cur:
            yield DocumentSummary(row[0], row[1], row[2], row[3], Status(row[4]), row[5], row[6], row[7], row[8])

    def summary_key_at(self, offset: int, *, lang: str | None = None, status: Status | None = None,
                       annotator: str = "", match: str | None = None, ids: Iterable[str] | None = None) -> int | None:
        """The seq of the ``offset``-th document (from 0) the filters let through, or None past
        the end: where a page of :meth:`document_summaries` starts when the list jumps there."""
        listing, key, params = self._listing(annotator, lang, status, ids, match, keys_only=True)
        row = self.db.execute(f"SELECT {key} FROM {listing} ORDER BY {key} LIMIT 1 OFFSET ?",
                              [*params, offset]).fetchone()
        return row[0] if row else None

    def summary_position(self, doc_id: str, *, lang: str | None = None, status: Status | None = None,
                         annotator: str = "", match: str | None = None, ids: Iterable[str] | None = None) -> int | None:
        """How many documents the filters let through before ``doc_id`` (its row in the list), or
        None if they leave it out."""
        seq = self.db.execute("SELECT seq FROM documents WHERE id = ?", [doc_id]).fetchone()
        if seq is None:
            return None
        ids = list(ids) if ids is not None else None
        listing, _, params = self._listing(annotator, lang, status, ids, match)
        if self.db.execute(f"SELECT 1 FROM {listing} AND d.seq = ?", [*params, seq[0]]).fetchone() is None:
            return None
        listing, key, params = self._listing(annotator, lang, status, ids, match, keys_only=True)
        return self.db.execute(f"SELECT COUNT(*) FROM {listing} AND {key} < ?", [*params, seq[0]]).fetchone()[0]

    def count_summaries(
        self, annotator: str, *, lang: str | None = None, status: Status | None = None,
        ids: Iterable[str] | None = None, match: str | None = None,
    ) -> int:
        """How many documents :meth:`document_summaries` would list with these filters."""
        if match is not None and lang is None and status is None and ids is None:
            return self._count_all_matches(match)
        listing, _, params = self._listing(annotator, lang, status, ids, match)
        return self.db.execute(f"SELECT COUNT(*) FROM {listing}", params).fetchone()[0]

    def languages(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT lang FROM documents ORDER BY lang")]

    # --- search -------------------------------------------------------------------------------
    # SQLite's full-text index (FTS5) here; the team database's store (team_store) has its own.

    def _listing(self, annotator: str, lang: str | None, status: Status | None, ids: Iterable[str] | None,
                 match: str | None, **options: bool) -> tuple[str, str, list[Any]]:
        return _listing(annotator, lang, status, ids, match, **options)

    def _count_all_matches(self, match: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM doc_search WHERE doc_search MATCH ?", [match]).fetchone()[0]

    def _best_first(self, listing: str, params: list[Any], expression: str, lang: str | None,
                    limit: int) -> tuple[str, str, list[Any]]:
        """The listing, its order and parameters for matches ranked best first (BM25)."""
        if lang:
            return listing, "doc_search.rank, d.seq", params
        # Rank in the index alone, then read only the winners' rows.
        return ("(SELECT rowid, rank FROM doc_search WHERE doc_search MATCH ? ORDER BY rank LIMIT ?) "
                "AS doc_search CROSS JOIN documents d ON d.seq = doc_search.rowid", "doc_search.rank, d.seq",
                [expression, limit])

    def search(self, expression: str, *, limit: int = 20, lang: str | None = None,
               best_first: bool = False) -> list[Document]:
        """Documents matching an FTS5 expression (see ``annotator.core.text.match_expression``).

        In import order by default, as the document list shows them: the index hands matches over
        in that order, so the first ``limit`` cost the same however many documents match.
        ``best_first`` ranks by BM25 instead, which scores every match: on 100,000 documents a word
        found in most of them takes some 100 ms, against a few ms in import order.
        """
        listing, order, params = self._listing("", lang, None, None, expression)
        if best_first:
            listing, order, params = self._best_first(listing, params, expression, lang, limit)
        rows = self.db.execute(
            "SELECT d.id, d.title, d.text, d.lang, d.direction, d.source, d.meta, d.text_hash "
            f"FROM {listing} ORDER BY {order} LIMIT ?", [*params, limit],
        )
        return [Document(*row[:6], meta=json.loads(row[6]), text_hash=row[7]) for row in rows]

    def count_matches(self, expression: str, *, lang: str | None = None) -> int:
        """How many documents an FTS5 expression finds."""
        return self.count_summaries("", lang=lang, match=expression)
