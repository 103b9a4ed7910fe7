"""The one SQLite file that holds a project: documents, schema, annotations and the gold layer.

Only this package talks to SQLite. Every write method either runs inside a ``transaction()``
block or commits on its own before it returns, so a caller that got a return value knows the
change is on disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from annotator import __version__
from annotator.core.errors import DatabaseError
from annotator.core.model import GOLD as GOLD_NAME
from annotator.core.model import Document, DocumentSummary, Span, Status
from annotator.core.schema import Label, Schema
from annotator.core.text import index_form
from annotator.storage.errors import DatabaseBusy, explain, kind_of
from annotator.storage.files import connect_readonly, remove_database_files
from annotator.storage.migrations import known_names, migrations

_MIGRATIONS_TABLE = "_sqlite_migrations"


def now() -> str:
    """A UTC timestamp, ISO 8601 with milliseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class SchemaChange:
    """What loading a schema did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_in_use: list[str] = field(default_factory=list)


class Store:
    """An open annotator database. Use :meth:`open`; close it with :meth:`close` or ``with``."""

    def __init__(self, db: Database, path: Path, *, backup: Path | None = None):
        self.db = db
        self.path = path
        self.backup_path = backup  # set when opening backed up an older database before migrating
        # Writers take turns: a write transaction takes the write lock up front, and waits for it
        # this long (the CLI waits a minute; the window less, then says "Not saved").
        self.lock_wait = 60.0
        self.on_wait = None  # called once when another process holds the lock and we start waiting
        self.readonly = False  # opened read-only: the file or its folder cannot be written

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open or create the database at ``path``, migrating an older one after backing it up.

        Raises :class:`DatabaseError` for a file that is not an annotator database, or that a newer
        annotator wrote.
        """
        path = Path(path)
        if path.exists() and path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
        existed = path.exists()
        try:
            return cls._open(path)
        except BaseException:
            if not existed:  # a new database that could not be made (a full disk): leave nothing behind
                remove_database_files(path)
            raise

    @classmethod
    def _open(cls, path: Path) -> Store:
        if path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            return cls._open_readonly_mode(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise DatabaseError(f"cannot create the folder {path.parent}: {err.strerror}") from None
        try:
            db = Database(sqlite3.connect(str(path), timeout=10.0))
            applied, has_tables = _inspect(db)
        except sqlite3.DatabaseError as err:
            if kind_of(err) == "damaged":
                raise DatabaseError(f"{path} is not a usable SQLite database ({err})") from None
            raise DatabaseError(explain(err, path)) from None
        known = known_names()
        newer = [name for name in applied if name not in known]
        if newer:
            db.close()
            raise DatabaseError(
                f"{path} was written by a newer version of annotator (it has schema migration "
                f"{newer[-1]!r}, unknown to annotator {__version__}); upgrade annotator to open it"
            )
        if has_tables and not applied:
            db.close()
            raise DatabaseError(f"{path} is a SQLite database but not an annotator one")
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA busy_timeout = 10000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            backup = None
            if applied and len(applied) < len(known):
                backup = _backup(db, path, len(applied))
            migrations.apply(db)
        except sqlite3.Error as err:
            db.close()
            raise DatabaseError(explain(err, path)) from None
        return cls(db, path, backup=backup)

    @classmethod
    def _open_readonly_mode(cls, path: Path) -> Store:
        """A database whose file or folder cannot be written opens read-only: reading, searching
        and exporting work; a write is refused with a message that says so. In a read-only folder
        SQLite cannot make the WAL's shared-memory file, so the database is opened as immutable."""
        try:
            db = Database(connect_readonly(path)[0])
            applied, _ = _inspect(db)
        except sqlite3.DatabaseError as err:
            raise DatabaseError(explain(err, path)) from None
        known = known_names()
        if [name for name in applied if name not in known] or not applied:
            db.close()
            raise DatabaseError(f"{path} cannot be read: it is not an annotator database of this version")
        if len(applied) < len(known):
            db.close()
            raise DatabaseError(f"{path} was written by an older annotator and needs upgrading, but it is read-only "
                                "here: copy it somewhere writable, or open it where it can be written")
        store = cls(db, path)
        store.readonly = True
        return store

    @classmethod
    def open_readonly(cls, path: str | Path) -> Store:
        """Open another project's database only to read it: never migrated, never written."""
        path = Path(path)
        if not path.is_file():
            raise DatabaseError(f"{path}: no such database file")
        try:
            db = Database(connect_readonly(path)[0])
            applied, has_tables = _inspect(db)
        except sqlite3.DatabaseError as err:
            raise DatabaseError(f"{path} is not a usable SQLite database ({err})") from None
        newer = [name for name in applied if name not in known_names()]
        if newer or not applied:
            db.close()
            why = "a newer version of annotator wrote it" if newer else "it is not an annotator database"
            raise DatabaseError(f"{path} cannot be read: {why}")
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """All writes inside commit together, or none do. Blocks nest (as savepoints).

        The outermost block takes the write lock up front (``BEGIN IMMEDIATE``): a transaction
        that read first and wrote later could not wait for another writer, and would fail the
        moment that one committed. A second writer waits its turn, up to ``lock_wait`` seconds."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        self._begin_immediate()
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _begin_immediate(self) -> None:
        if self.readonly:
            raise DatabaseError(f"{self.path} is read-only here (the file or its folder cannot be written): "
                                "reading, searching and exporting work, changes cannot be saved")
        conn = self.db.conn
        conn.execute("PRAGMA busy_timeout = 250")
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as err:
                if kind_of(err) != "busy":
                    raise
            if self.on_wait is not None:
                self.on_wait()
            conn.execute(f"PRAGMA busy_timeout = {int(self.lock_wait * 1000)}")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as err:
                if kind_of(err) == "busy":
                    raise DatabaseBusy(f"{self.path} is busy: another annotator process has been writing to it for "
                                       f"{self.lock_wait:.0f} s; try again when it is done") from None
                raise
        finally:
            conn.execute("PRAGMA busy_timeout = 10000")

    @property
    def busy(self) -> bool:
        """True while a transaction is open on this connection (an import is running)."""
        return self.db.conn.in_transaction

    def schema_version(self) -> list[str]:
        return _inspect(self.db)[0]

    # --- settings -----------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        if self.readonly:
            return  # a reading aid (where a document was left), not data: nothing to save read-only
        self.db.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # --- schema -------------------------------------------------------------------------------

    def schema(self) -> Schema:
        def rows(table: str) -> tuple[Label, ...]:
            cur = self.db.execute(
                f"SELECT name, title, colour, hotkey, description, example_fa, example_ko "
                f"FROM {table} ORDER BY position, name"
            )
            return tuple(Label(*row) for row in cur)

        return Schema(
            name=self.setting("schema_name", "") or "",
            guidelines=self.setting("guidelines", "") or "",
            labels=rows("labels"),
            themes=rows("themes"),
        )

    def label_names(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT name FROM labels")}

    def theme_names(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT name FROM themes")}

    def hotkeys(self) -> set[str]:
        cur = self.db.execute(
            "SELECT hotkey FROM labels WHERE hotkey IS NOT NULL "
            "UNION SELECT hotkey FROM themes WHERE hotkey IS NOT NULL"
        )
        return {row[0] for row in cur}

    def add_label(self, label: Label, kind: str = "labels") -> None:
        """Add one entity label (``kind="labels"``) or theme (``kind="themes"``) at the end."""
        table = _kind_table(kind)
        position = self.db.execute(f"SELECT COALESCE(MAX(position), -1) + 1 FROM {table}").fetchone()[0]
        self.db.execute(
            f"INSERT INTO {table}(name, title, colour, hotkey, description, example_fa, example_ko, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [label.name, label.title, label.colour, label.hotkey, label.description,
             label.example_fa, label.example_ko, position],
        )

    def replace_schema(self, schema: Schema) -> SchemaChange:
        """Make the stored schema equal to ``schema``; labels still used by spans are kept."""
        change = SchemaChange()
        with self.transaction():
            for kind, items, usage in (
                ("labels", schema.labels, "SELECT 1 FROM spans WHERE label = ? UNION ALL "
                                          "SELECT 1 FROM gold_spans WHERE label = ? LIMIT 1"),
                ("themes", schema.themes, "SELECT 1 FROM doc_themes WHERE theme = ? UNION ALL "
                                          "SELECT 1 FROM gold_themes WHERE theme = ? LIMIT 1"),
            ):
                existing = {row[0] for row in self.db.execute(f"SELECT name FROM {kind}")}
                wanted = {item.name for item in items}
                # Free every hotkey first so that two labels may swap keys.
                self.db.execute(f"UPDATE {kind} SET hotkey = NULL")
                for name in sorted(existing - wanted):
                    if self.db.execute(usage, [name, name]).fetchone():
                        change.kept_in_use.append(name)
                    else:
                        self.db.execute(f"DELETE FROM {kind} WHERE name = ?", [name])
                        change.removed.append(name)
                for position, item in enumerate(items):
                    (change.updated if item.name in existing else change.added).append(item.name)
                    self.db.execute(
                        f"INSERT INTO {kind}(name, title, colour, hotkey, description, example_fa, "
                        "example_ko, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET title = excluded.title, "
                        "colour = excluded.colour, hotkey = excluded.hotkey, "
                        "description = excluded.description, example_fa = excluded.example_fa, "
                        "example_ko = excluded.example_ko, position = excluded.position",
                        [item.name, item.title, item.colour, item.hotkey, item.description,
                         item.example_fa, item.example_ko, position],
                    )
                self.db.execute(
                    f"UPDATE {kind} SET position = position + ? WHERE name NOT IN "
                    f"(SELECT value FROM json_each(?))",
                    [len(items), json.dumps(sorted(wanted))],
                )
            self.set_setting("schema_name", schema.name)
            self.set_setting("guidelines", schema.guidelines)
        return change

    def rename_label(self, kind: str, old: str, new: str) -> None:
        """Rename a label or theme; spans, themes, gold and rejections follow (labels and themes
        cascade by foreign key; the rejection tables name them by value)."""
        table = _kind_table(kind)
        with self.transaction():
            if self.db.execute(f"SELECT 1 FROM {table} WHERE name = ?", [new]).fetchone():
                raise ValueError(f"{new!r} exists already")
            self.db.execute(f"UPDATE {table} SET name = ? WHERE name = ?", [new, old])
            if kind == "labels":
                for rejections in ("suggestion_rejections", "gold_rejections"):
                    self.db.execute(f"UPDATE {rejections} SET label = ? WHERE label = ?", [new, old])
            else:
                self.db.execute("UPDATE gold_theme_rejections SET theme = ? WHERE theme = ?", [new, old])

    def label_usage(self, kind: str, name: str) -> int:
        """How many spans (labels) or document themes (themes), gold included, use ``name``."""
        if _kind_table(kind) == "labels":
            sql = "SELECT (SELECT COUNT(*) FROM spans WHERE label = ?) + (SELECT COUNT(*) FROM gold_spans WHERE label = ?)"
        else:
            sql = ("SELECT (SELECT COUNT(*) FROM doc_themes WHERE theme = ?) + "
                   "(SELECT COUNT(*) FROM gold_themes WHERE theme = ?)")
        return self.db.execute(sql, [name, name]).fetchone()[0]

    # --- annotators ---------------------------------------------------------------------------

    def annotators(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM annotators ORDER BY name")]

    def annotators_with_layers(self, exclude: Iterable[str] = ()) -> list[str]:
        """Annotators with at least one span, theme or status other than new."""
        cur = self.db.execute(
            "SELECT annotator FROM spans UNION SELECT annotator FROM doc_themes "
            "UNION SELECT annotator FROM doc_status WHERE status != 'new' ORDER BY 1")
        return [row[0] for row in cur if row[0] not in set(exclude)]

    def layer_counts(self) -> dict[str, tuple[int, int]]:
        """``{annotator: (spans, documents with spans)}`` for every registered annotator."""
        out = {name: (0, 0) for name in self.annotators()}
        for name, spans, docs in self.db.execute(
                "SELECT annotator, COUNT(*), COUNT(DISTINCT doc_id) FROM spans GROUP BY annotator"):
            out[name] = (spans, docs)
        return out

    def ensure_annotator(self, name: str) -> bool:
        """Register ``name``; True if it is new. Read-only: registering waits for the first edit,
        which is refused anyway."""
        if self.readonly:
            return False
        cur = self.db.execute(
            "INSERT OR IGNORE INTO annotators(name, created_at) VALUES (?, ?)", [name, now()]
        )
        return cur.rowcount > 0

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
        seqs = self._by_ids("seq", [d.id for d in docs])
        # Explicit rowids: INSERT ... SELECT into the FTS table took twice as long.
        self.db.conn.executemany(
            "INSERT INTO doc_search(rowid, body) VALUES (?, ?)", [(seqs[d.id], index_form(d.text)) for d in docs]
        )

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
        listing, key, params = _listing(annotator, lang, status, ids, match, statuses=True)
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
                       annotator: str = "", match: str | None = None) -> int | None:
        """The seq of the ``offset``-th document (from 0) the filters let through, or None past
        the end: where a page of :meth:`document_summaries` starts when the list jumps there."""
        listing, key, params = _listing(annotator, lang, status, None, match, keys_only=True)
        row = self.db.execute(f"SELECT {key} FROM {listing} ORDER BY {key} LIMIT 1 OFFSET ?",
                              [*params, offset]).fetchone()
        return row[0] if row else None

    def summary_position(self, doc_id: str, *, lang: str | None = None, status: Status | None = None,
                         annotator: str = "", match: str | None = None) -> int | None:
        """How many documents the filters let through before ``doc_id`` (its row in the list), or
        None if they leave it out."""
        seq = self.db.execute("SELECT seq FROM documents WHERE id = ?", [doc_id]).fetchone()
        if seq is None:
            return None
        listing, _, params = _listing(annotator, lang, status, None, match)
        if self.db.execute(f"SELECT 1 FROM {listing} AND d.seq = ?", [*params, seq[0]]).fetchone() is None:
            return None
        listing, key, params = _listing(annotator, lang, status, None, match, keys_only=True)
        return self.db.execute(f"SELECT COUNT(*) FROM {listing} AND {key} < ?", [*params, seq[0]]).fetchone()[0]

    def count_summaries(
        self, annotator: str, *, lang: str | None = None, status: Status | None = None,
        ids: Iterable[str] | None = None, match: str | None = None,
    ) -> int:
        """How many documents :meth:`document_summaries` would list with these filters."""
        if match is not None and lang is None and status is None and ids is None:
            return self.db.execute("SELECT COUNT(*) FROM doc_search WHERE doc_search MATCH ?", [match]).fetchone()[0]
        listing, _, params = _listing(annotator, lang, status, ids, match)
        return self.db.execute(f"SELECT COUNT(*) FROM {listing}", params).fetchone()[0]

    def languages(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT lang FROM documents ORDER BY lang")]

    # --- annotations --------------------------------------------------------------------------

    def add_span(self, span: Span) -> int | None:
        """Insert a span; its id, or None if the same span (offsets and label) was there already.

        A span with an ``id`` is inserted under that id (an undone deletion comes back as itself).
        """
        stamp = now()
        cur = self.db.execute(
            'INSERT OR IGNORE INTO spans(id, doc_id, annotator, start, "end", label, text, note, '
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [span.id, span.doc_id, span.annotator, span.start, span.end, span.label, span.text,
             span.note, stamp, stamp],
        )
        return cur.lastrowid if cur.rowcount > 0 else None

    def add_spans(self, spans: list[Span]) -> int:
        """Insert many spans at once (``add_span`` for an import's page); how many were new."""
        stamp = now()
        cur = self.db.conn.executemany(
            'INSERT OR IGNORE INTO spans(doc_id, annotator, start, "end", label, text, note, '
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(s.doc_id, s.annotator, s.start, s.end, s.label, s.text, s.note, stamp, stamp) for s in spans],
        )
        return cur.rowcount

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
        self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
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
        self.db.execute(
            'UPDATE spans SET label = ?, start = ?, "end" = ?, note = ?, updated_at = ?, '
            "text = (SELECT substr(d.text, ? + 1, ? - ?) FROM documents d WHERE d.id = spans.doc_id) "
            "WHERE id = ?",
            [label or old.label, new_start, new_end, new_note, now(), new_start, new_end, new_start, span_id],
        )
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

    def pending_suggestions(self, doc_id: str, annotator: str, source: str) -> list[Span]:
        """``source``'s spans on the document that ``annotator`` has neither taken into their own
        layer (same offsets and label) nor rejected."""
        cur = self.db.execute(
            'SELECT s.doc_id, s.annotator, s.start, s."end", s.label, s.text, s.note, s.id FROM spans s '
            "WHERE s.doc_id = ? AND s.annotator = ? AND NOT EXISTS (SELECT 1 FROM spans o WHERE "
            'o.doc_id = s.doc_id AND o.annotator = ? AND o.start = s.start AND o."end" = s."end" '
            "AND o.label = s.label) AND NOT EXISTS (SELECT 1 FROM suggestion_rejections r WHERE "
            'r.doc_id = s.doc_id AND r.annotator = ? AND r.source = s.annotator AND r.start = s.start '
            'AND r."end" = s."end" AND r.label = s.label) ORDER BY s.start, s."end", s.label',
            [doc_id, source, annotator, annotator],
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

    def rejected_suggestion_texts(self, annotator: str, source: str) -> list[tuple[str, str]]:
        """(text, label) of every suggestion from ``source`` that ``annotator`` rejected: what lowers
        a learned pattern's score."""
        cur = self.db.execute(
            'SELECT substr(d.text, r.start + 1, r."end" - r.start), r.label FROM suggestion_rejections r '
            "JOIN documents d ON d.id = r.doc_id WHERE r.annotator = ? AND r.source = ?",
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
                        ids: Iterable[str] | None = None) -> list[tuple[int, Document]]:
        """A page of documents in list order after ``after_seq``, with their seq (keyset paging)."""
        where, params = ["seq > ?"], [after_seq]
        if lang:
            where.append("lang = ?")
            params.append(lang)
        if ids is not None:
            where.append("id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(ids)))
        cur = self.db.execute(
            "SELECT seq, id, title, text, lang, direction, source, meta, text_hash FROM documents "
            f"WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?", [*params, limit])
        return [(row[0], Document(*row[1:7], meta=json.loads(row[7]), text_hash=row[8])) for row in cur]

    def document_pages(self, size: int = 500, *, lang: str | None = None,
                       ids: Iterable[str] | None = None) -> Iterator[list[Document]]:
        """Every document in list order, a page at a time (memory flat whatever their number)."""
        after = 0
        ids = list(ids) if ids is not None else None
        while True:
            page = self.documents_after(after, size, lang=lang, ids=ids)
            if not page:
                return
            after = page[-1][0]
            yield [doc for _, doc in page]

    def layers(self, doc_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """Every annotator's layer on these documents: {doc: {annotator: {"spans", "themes",
        "status", "updated_at"}}}, read in three queries whatever the number of documents."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        ids = json.dumps(doc_ids)

        def layer(doc: str, name: str) -> dict[str, Any]:
            return out.setdefault(doc, {}).setdefault(
                name, {"spans": [], "themes": [], "status": Status.NEW, "updated_at": ""})

        for row in self.db.execute(
            'SELECT doc_id, annotator, start, "end", label, text, note, id, updated_at FROM spans '
            "WHERE doc_id IN (SELECT value FROM json_each(?)) ORDER BY doc_id, annotator, start, \"end\", label",
            [ids],
        ):
            entry = layer(row[0], row[1])
            entry["spans"].append(Span(*row[:8]))
            entry["updated_at"] = max(entry["updated_at"], row[8])
        for doc, name, theme, stamp in self.db.execute(
            "SELECT dt.doc_id, dt.annotator, dt.theme, dt.created_at FROM doc_themes dt "
            "WHERE dt.doc_id IN (SELECT value FROM json_each(?)) ORDER BY dt.theme",
            [ids],
        ):
            entry = layer(doc, name)
            entry["themes"].append(theme)
            entry["updated_at"] = max(entry["updated_at"], stamp)
        for doc, name, status, stamp in self.db.execute(
            "SELECT doc_id, annotator, status, updated_at FROM doc_status "
            "WHERE doc_id IN (SELECT value FROM json_each(?))", [ids],
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

    # --- the gold layer ------------------------------------------------------------------------

    def add_gold_span(self, span: Span, *, proposed_by: list[str], decided_by: str,
                      decided_at: str | None = None) -> int | None:
        """Put a span into gold, with who proposed it and who decided; None if it was there."""
        cur = self.db.execute(
            'INSERT OR IGNORE INTO gold_spans(doc_id, start, "end", label, text, note, proposed_by, '
            "decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [span.doc_id, span.start, span.end, span.label, span.text, span.note,
             json.dumps(sorted(proposed_by)), decided_by, decided_at or now()],
        )
        return cur.lastrowid if cur.rowcount > 0 else None

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
            "text = (SELECT substr(d.text, ? + 1, ? - ?) FROM documents d WHERE d.id = gold_spans.doc_id) WHERE id = ?",
            [new_label, new_start, new_end, old.note if note is ... else note, decided_by, now(), json.dumps(proposed),
             new_start, new_end, new_start, span_id])
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

    # --- search -------------------------------------------------------------------------------

    def search(self, expression: str, *, limit: int = 20, lang: str | None = None,
               best_first: bool = False) -> list[Document]:
        """Documents matching an FTS5 expression (see ``annotator.core.text.match_expression``).

        In import order by default, as the document list shows them: the index hands matches over
        in that order, so the first ``limit`` cost the same however many documents match.
        ``best_first`` ranks by BM25 instead, which scores every match: on 100,000 documents a word
        found in most of them takes some 100 ms, against a few ms in import order.
        """
        listing, order, params = _listing("", lang, None, None, expression)
        if best_first:
            order = "doc_search.rank, d.seq"
            if not lang:  # rank in the index alone, then read only the winners' rows
                listing = ("(SELECT rowid, rank FROM doc_search WHERE doc_search MATCH ? ORDER BY rank LIMIT ?) "
                           "AS doc_search CROSS JOIN documents d ON d.seq = doc_search.rowid")
                params = [expression, limit]
        rows = self.db.execute(
            "SELECT d.id, d.title, d.text, d.lang, d.direction, d.source, d.meta, d.text_hash "
            f"FROM {listing} ORDER BY {order} LIMIT ?", [*params, limit],
        )
        return [Document(*row[:6], meta=json.loads(row[6]), text_hash=row[7]) for row in rows]

    def count_matches(self, expression: str, *, lang: str | None = None) -> int:
        """How many documents an FTS5 expression finds."""
        return self.count_summaries("", lang=lang, match=expression)

    # --- figures ------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts for ``annotator stats``: documents, spans, themes and statuses."""
        q = lambda sql: self.db.execute(sql).fetchall()  # noqa: E731
        return {
            "documents": self.count_documents(),
            "documents_by_lang": dict(q("SELECT lang, COUNT(*) FROM documents GROUP BY lang ORDER BY 2 DESC")),
            "annotators": self.annotators(),
            "spans": q("SELECT COUNT(*) FROM spans")[0][0],
            "spans_by_annotator": dict(q("SELECT annotator, COUNT(*) FROM spans GROUP BY annotator ORDER BY 1")),
            "spans_by_label": dict(q("SELECT label, COUNT(*) FROM spans GROUP BY label ORDER BY 2 DESC, 1")),
            "themes_by_name": dict(q("SELECT theme, COUNT(*) FROM doc_themes GROUP BY theme ORDER BY 2 DESC, 1")),
            "status_by_annotator": {
                name: dict(q_rows)
                for name, q_rows in _group(q(
                    "SELECT annotator, status, COUNT(*) FROM doc_status GROUP BY annotator, status ORDER BY 1, 2"
                ))
            },
            "gold_spans": q("SELECT COUNT(*) FROM gold_spans")[0][0],
            "gold_documents": q("SELECT COUNT(*) FROM gold_documents WHERE status = 'adjudicated'")[0][0],
        }

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table (search index shadow tables included), for tests that check
        that a failed command changed nothing."""
        tables = [row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'doc_search' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )]
        return {t: self.db.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall() for t in tables}


def _listing(annotator: str, lang: str | None, status: Status | None, ids: Iterable[str] | None,
             match: str | None, *, statuses: bool = False, keys_only: bool = False) -> tuple[str, str, list[Any]]:
    """The document list with these filters as ``<FROM ...> WHERE ...`` (documents as d, and
    ``annotator``'s doc_status as st when a status is filtered on or ``statuses`` are read), the
    column that orders and pages it, and the parameters. More terms can follow with AND.

    With a search, the index is the outer loop (CROSS JOIN keeps it so): it hands matches over in
    import order and seeks past a key itself, so a page costs the same at any depth. Without any
    filter, ``keys_only`` (counting or skipping) reads the small index in seq order instead of
    the table, whose rows carry whole texts.
    """
    params: list[Any] = []
    if match is not None:
        source, key = "doc_search CROSS JOIN documents d ON d.seq = doc_search.rowid", "doc_search.rowid"
    elif keys_only and not lang and status is None and ids is None:
        source, key = "documents d INDEXED BY documents_seq", "d.seq"
    else:
        source, key = "documents d", "d.seq"
    if statuses or status is not None:
        source += " LEFT JOIN doc_status st ON st.doc_id = d.id AND st.annotator = ?"
        params.append(annotator)
    where = ["1"]
    if lang:
        where.append("d.lang = ?")
        params.append(lang)
    if status is not None:
        where.append("COALESCE(st.status, 'new') = ?")
        params.append(status.value)
    if ids is not None:
        where.append("d.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(ids)))
    if match is not None:
        where.append("doc_search MATCH ?")
        params.append(match)
    return f"{source} WHERE {' AND '.join(where)}", key, params


def _inspect(db: Database) -> tuple[list[str], bool]:
    """(names of applied annotator migrations, whether the file has any tables at all)."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if _MIGRATIONS_TABLE not in tables:
        return [], bool(tables)
    applied = [m.name for m in migrations.applied(db)]
    # Only an empty migrations table: a first open that stopped before its first migration.
    return applied, bool(applied) or tables != {_MIGRATIONS_TABLE}


def _backup(db: Database, path: Path, version: int) -> Path:
    """The copy kept before an upgrade: written under a temporary name and renamed when complete,
    so a kill mid-copy never leaves a half file that looks like the backup."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.v{version}-backup-{stamp}{path.suffix}")
    partial = target.with_name(f".{target.name}.partial")
    try:
        dest = sqlite3.connect(str(partial))
        try:
            db.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _kind_table(kind: str) -> str:
    if kind not in ("labels", "themes"):
        raise ValueError(f"kind must be 'labels' or 'themes', not {kind!r}")
    return kind


def _group(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, list[tuple[Any, Any]]]]:
    groups: dict[Any, list[tuple[Any, Any]]] = {}
    for key, *rest in rows:
        groups.setdefault(key, []).append(tuple(rest))
    return iter(groups.items())
