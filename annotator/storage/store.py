"""The one SQLite file that holds a project: documents, schema, annotations and the gold layer.

Only this package talks to SQLite. Every write method either runs inside a ``transaction()``
block or commits on its own before it returns, so a caller that got a return value knows the
change is on disk.

This module opens, upgrades, locks and closes the database and keeps its settings; the Store's
other parts live beside it, along the seams it always had: the label schema and annotators
(``schema_part``), documents, their list and search (``documents_part``), annotations and
suggestions (``annotations_part``), reading in bulk (``bulk_part``), the gold layer
(``gold_part``), work queues and active time (``queues_part``) and the figures of ``progress``
(``progress_part``), with what they share in ``common``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from annotator import __version__
from annotator.core.errors import DatabaseError
from annotator.storage.annotations_part import AnnotationsPart
from annotator.storage.bulk_part import BulkPart
from annotator.storage.common import _group, now, text_hash  # noqa: F401 (now, text_hash: part of this interface)
from annotator.storage.documents_part import DocumentsPart
from annotator.storage.errors import DatabaseBusy, explain, kind_of
from annotator.storage.files import connect_readonly, remove_database_files, stoppable
from annotator.storage.gold_part import GoldPart
from annotator.storage.migrations import known_names, migrations
from annotator.storage.progress_part import ProgressPart
from annotator.storage.queues_part import QueuesPart
from annotator.storage.relations_part import RelationsPart
from annotator.storage.schema_part import SchemaChange, SchemaPart  # noqa: F401
from annotator.storage.team import is_url

_MIGRATIONS_TABLE = "_sqlite_migrations"


class Store(SchemaPart, DocumentsPart, AnnotationsPart, BulkPart, GoldPart, QueuesPart, ProgressPart, RelationsPart):
    """An open annotator database. Use :meth:`open`; close it with :meth:`close` or ``with``.

    A team database (``team_store.TeamStore``) has the same methods in PostgreSQL's dialect;
    :mod:`annotator.storage.opening` picks the one a location names."""

    is_team = False
    member: str | None = None  # who the team database knows this connection as (None: a file)
    role: str | None = None  # owner, reviewer or annotator in a team database

    def __init__(self, db: Database, path: Path, *, backup: Path | None = None):
        self.db = db
        self.path = path
        self.backup_path = backup  # set when opening backed up an older database before migrating
        # Writers take turns: a write transaction takes the write lock up front, and waits for it
        # this long (the CLI waits a minute; the window less, then says "Not saved").
        self.lock_wait = 60.0
        self.on_wait = None  # called once when another process holds the lock and we start waiting
        self.readonly = False  # opened read-only: the file or its folder cannot be written
        self._data_version: int | None = None

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open or create the database at ``path``, migrating an older one after backing it up.

        Raises :class:`DatabaseError` for a file that is not an annotator database, or that a newer
        annotator wrote.
        """
        _refuse_url(path)
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
            db = Database(stoppable(sqlite3.connect(str(path), timeout=10.0)))
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
        _refuse_url(path)
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

    def _returning(self, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
        """The row a write's ``RETURNING`` gives, the write committed unless a transaction is
        open (sqlite-utils commits on its own only statements that return no rows)."""
        conn = self.db.conn
        was_in_transaction = conn.in_transaction
        row = self.db.execute(sql, params).fetchone()
        if not was_in_transaction and conn.in_transaction:
            conn.execute("COMMIT")
        return row

    @property
    def busy(self) -> bool:
        """True while a transaction is open on this connection (an import is running)."""
        return self.db.conn.in_transaction

    def schema_version(self) -> list[str]:
        return _inspect(self.db)[0]

    def reachable(self) -> bool:
        """Whether the database answers now (a file always does; a team database's server may not)."""
        return True

    connection_id: int | None = None  # a team database's connection, as changes() names it

    def server_answers(self) -> bool:
        """Whether a team database's server takes a connection now; a file is always there."""
        return True

    def changes(self) -> list[dict[str, Any]]:
        """What other connections saved since the last call, never waiting. A file cannot say
        what: one ``{"table": "*"}`` when anything was committed by another connection."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        changed = self._data_version is not None and version != self._data_version
        self._data_version = version
        return [{"table": "*", "doc": None, "by": None}] if changed else []

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
            "relations": q("SELECT COUNT(*) FROM relations")[0][0],
            "relations_by_label": dict(q("SELECT label, COUNT(*) FROM relations GROUP BY label ORDER BY 2 DESC, 1")),
            "gold_relations": q("SELECT COUNT(*) FROM gold_relations")[0][0],
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


def _refuse_url(target: str | Path) -> None:
    """A URL is a team database's: opened by :mod:`annotator.storage.opening`, never as a file name."""
    if isinstance(target, str) and is_url(target):
        raise ValueError(f"{target} is a team database: open it with annotator.storage.opening.open_store")


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
