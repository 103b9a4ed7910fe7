"""Keeping the database file healthy: check it, copy what is readable out of a damaged one, and
back it up safely.

* :func:`check` only reads (it opens the file read-only, and ``immutable`` when even that fails
  in a read-only folder): SQLite's own integrity check, foreign keys, the search index, and every
  span's text against its document.
* :func:`recover` copies row by row into a *new* file made with annotator's schema, reading
  around damaged pages by rowid ranges, so rows after a bad page are still found.
* :func:`backup` uses SQLite's online backup API into a temporary name, renamed only once the
  copy is complete and on disk; :func:`rolling_backup` keeps the newest few.

Every message is one line, ready to show a user. Failures a user can act on raise
:class:`~annotator.core.errors.DatabaseError`; :func:`check` never raises for a bad file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core import stopping
from annotator.core.errors import DatabaseError
from annotator.core.text import counted, index_form
from annotator.storage.errors import disk_full
from annotator.storage.files import connect_readonly, remove_database_files, stoppable
from annotator.storage.migrations import known_names
from annotator.storage.store import Store

SQLITE_HEADER = b"SQLite format 3\x00"
MAX_INTEGRITY_MESSAGES = 100
EXAMPLES = 5  # mismatching spans (and other offenders) listed by name in a report
# The search index's own check needs write access: it runs on a copy, in memory up to this size
# and in a temporary file beyond it.
FTS_COPY_IN_MEMORY = 256 * 1024 * 1024
CHUNK = 500
_MIN_ROWID = -(2**63)
_MAX_ROWID = 2**63 - 1

# Copy order for recover: parents before the rows that refer to them.
_RECOVER_ORDER = (
    "settings", "documents", "labels", "themes", "annotators", "spans", "doc_themes", "doc_status",
    "gold_documents", "gold_spans", "gold_themes", "suggestion_rejections", "gold_rejections",
    "gold_theme_rejections",
)
_NOT_COPIED = {"_sqlite_migrations", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"}
_SPAN_TABLES = (("spans", True), ("gold_spans", False))  # (table, has an annotator column)


# --- opening read-only ------------------------------------------------------------------------


def _header(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(100)


def _unusable(path: Path) -> str | None:
    """Why ``path`` cannot be a database at all (missing, a folder, empty, another kind of file),
    as one line; None if it starts like a SQLite file."""
    if not path.exists():
        return f"{path}: no such file"
    if path.is_dir():
        return f"{path} is a folder, not a database file"
    try:
        size = path.stat().st_size
        header = _header(path)
    except OSError as err:
        return f"cannot read {path}: {err.strerror or err}"
    if size == 0:
        return f"{path} is empty (0 bytes): it holds no database"
    if not header.startswith(SQLITE_HEADER):
        return (f"{path} is not a SQLite database (it does not start with SQLite's header: another kind of "
                "file, or its first page is damaged)")
    return None


def _quote(text: Any, limit: int = 30) -> str:
    """Span text on one line, isolated so that right-to-left text keeps the line's order."""
    if not isinstance(text, str):
        return repr(text)
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[:limit] + "…"
    return f"«\u2068{flat}\u2069»"


# --- check ------------------------------------------------------------------------------------


@dataclass
class CheckReport:
    """What :func:`check` found. ``ok`` is True only when every check ran and passed."""

    path: Path
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was not checked, or how
    counts: dict[str, int] = field(default_factory=dict)  # rows checked, by kind

    def problem(self, message: str) -> None:
        self.problems.append(message)
        self.ok = False

    def summary(self) -> str:
        """Several lines for a person: the verdict, each problem, then notes."""
        checked = ", ".join(counted(n, kind.removesuffix("s"), kind) for kind, n in self.counts.items())
        if self.ok:
            lines = [f"{self.path}: no problems found" + (f" ({checked} checked)" if checked else "")]
        else:
            many = len(self.problems)
            lines = [f"{self.path}: {many} problem{'s' if many != 1 else ''} found"
                     + (f" ({checked} checked)" if checked else "")]
            lines += [f"  - {p}" for p in self.problems]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def check(path: str | Path) -> CheckReport:
    """Check a database file without changing it; never raises for a damaged or foreign file.

    Runs SQLite's integrity check (up to 100 messages), the foreign key check, the search index's
    own check (on a copy: it needs write access), whether every document is in the search index,
    whether each document's text still matches its recorded hash, and every span's (and gold
    span's) text against its document at its offsets.
    """
    path = Path(path)
    report = CheckReport(path)
    why = _unusable(path)
    if why:
        report.problem(why)
        return report
    try:
        conn, notes = connect_readonly(path)
    except sqlite3.Error as err:
        if disk_full(path):
            report.problem(f"{path} cannot be checked: the disk holding it is full (free some space and run the "
                           "check again)")
        else:
            report.problem(f"{path} cannot be opened as a database ({err})")
        return report
    report.notes += notes
    try:
        conn.execute("BEGIN")  # one read snapshot for every check, even while others write
        _check(conn, report)
    except sqlite3.Error as err:
        report.problem(f"{path} could not be read to the end ({err})")
    finally:
        conn.close()
    stopping.check()  # a query a stop interrupted reads as damage: no report then
    return report


def _check(conn: sqlite3.Connection, report: CheckReport) -> None:
    path = report.path
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as err:
        report.problem(f"{path} is too damaged to list its tables ({err})")
        return
    if "documents" not in tables or "spans" not in tables:
        report.problem(f"{path} is a SQLite database but not an annotator one")
        return
    pending = _pending_migrations(conn, tables)
    if pending:  # an older annotator's file, or an upgrade a kill stopped: the next open upgrades it
        report.notes.append(f"this database waits for its upgrade ({', '.join(pending)}): the next command "
                            "or window that opens it upgrades it, keeping a copy of it first")
    _check_integrity(conn, report)
    stopping.check()
    _check_foreign_keys(conn, report)
    stopping.check()
    _check_documents(conn, report)
    stopping.check()
    if "doc_search" in tables:
        _check_search_index(conn, report, tables)
    elif "m002_search_index" not in pending:
        report.problem("the search index (table doc_search) is missing")
    for table, by_annotator in _SPAN_TABLES:
        stopping.check()
        if table in tables:
            _check_spans(conn, report, table, by_annotator)


def _pending_migrations(conn: sqlite3.Connection, tables: set[str]) -> list[str]:
    """The migrations this annotator knows that the file has not had yet."""
    applied: set[str] = set()
    if "_sqlite_migrations" in tables:
        applied = {row[0] for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'annotator'")}
    return [name for name in known_names() if name not in applied]


def _check_integrity(conn: sqlite3.Connection, report: CheckReport) -> None:
    try:
        messages = [row[0] for row in conn.execute(f"PRAGMA integrity_check({MAX_INTEGRITY_MESSAGES})")]
    except sqlite3.Error:
        # A badly damaged page stops the whole check: check table by table to say where.
        messages = []
        try:
            tables = [row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
                "ORDER BY name")]
        except sqlite3.Error as err:
            report.problem(f"SQLite's integrity check could not run: {err}")
            return
        for table in tables:
            try:
                found = [row[0] for row in conn.execute(f'PRAGMA integrity_check("{table}")')]
            except sqlite3.Error as err:
                messages.append(f"table {table} or one of its indexes is too damaged to check ({err})")
                continue
            if found != ["ok"]:
                messages += found
        messages = messages[:MAX_INTEGRITY_MESSAGES] or ["ok"]
    if messages != ["ok"]:
        for message in messages:
            report.problem("integrity: " + " ".join(str(message).split()))
        if len(messages) >= MAX_INTEGRITY_MESSAGES:
            report.notes.append(f"the integrity check stopped after {MAX_INTEGRITY_MESSAGES} messages")


def _check_foreign_keys(conn: sqlite3.Connection, report: CheckReport) -> None:
    try:
        rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.Error as err:
        report.problem(f"the foreign key check could not run: {err}")
        return
    groups: dict[tuple[str, str], list[int]] = {}
    for table, rowid, parent, _ in rows:
        groups.setdefault((table, parent), []).append(rowid)
    for (table, parent), rowids in sorted(groups.items()):
        shown = ", ".join(str(r) for r in rowids[:EXAMPLES]) + (", …" if len(rowids) > EXAMPLES else "")
        report.problem(f"{len(rowids)} row{'s' if len(rowids) != 1 else ''} of {table} refer to {parent} "
                       f"rows that do not exist (rowids {shown})")


def _check_documents(conn: sqlite3.Connection, report: CheckReport) -> None:
    bad: list[str] = []
    count = 0
    try:
        for doc_id, text, recorded, chars in conn.execute("SELECT id, text, text_hash, chars FROM documents"):
            count += 1
            if not isinstance(text, str) or recorded != hashlib.sha256(text.encode("utf-8")).hexdigest() \
                    or chars != len(text):
                bad.append(str(doc_id))
    except sqlite3.Error as err:
        report.problem(f"documents could not all be read ({err}); {count} were read")
    report.counts["documents"] = count
    if bad:
        shown = ", ".join(bad[:EXAMPLES]) + (", …" if len(bad) > EXAMPLES else "")
        report.problem(f"{len(bad)} document{'s' if len(bad) != 1 else ''} no longer match the hash or length "
                       f"recorded with their text: {shown}")


def _check_search_index(conn: sqlite3.Connection, report: CheckReport, tables: set[str]) -> None:
    # Every document indexed once, nothing else indexed: the docsize table holds one row per
    # indexed document, readable without writing.
    if "doc_search_docsize" in tables:
        try:
            missing = conn.execute(
                "SELECT COUNT(*) FROM documents WHERE seq NOT IN (SELECT id FROM doc_search_docsize)").fetchone()[0]
            extra = conn.execute(
                "SELECT COUNT(*) FROM doc_search_docsize WHERE id NOT IN (SELECT seq FROM documents)").fetchone()[0]
            if missing:
                report.problem(f"search index: {missing} document{'s are' if missing != 1 else ' is'} not indexed")
            if extra:
                report.problem(f"search index: {extra} indexed row{'s' if extra != 1 else ''} belong to no document")
        except sqlite3.Error as err:
            report.problem(f"search index: its rows could not be compared with the documents ({err})")
    # FTS5's own check is an INSERT, refused on a read-only connection even though it changes
    # nothing: it runs on a copy of the file instead.
    try:
        size = report.path.stat().st_size
    except OSError:
        size = 0
    try:
        with _ScratchCopy(conn, size) as copy:
            copy.execute("INSERT INTO doc_search(doc_search, rank) VALUES ('integrity-check', 1)")
    except _CopyFailed as err:
        report.notes.append(f"the search index's own check was skipped: no room for a copy to run it on ({err})")
    except sqlite3.Error as err:
        report.problem(f"search index: its own check failed ({err})")


class _CopyFailed(Exception):
    pass


class _ScratchCopy:
    """A writable copy of the database (in memory when small, else in a temporary file),
    made with the backup API, which copies pages as they are, damaged or not."""

    def __init__(self, source: sqlite3.Connection, size: int):
        self.source = source
        self.size = size
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.conn: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        try:
            if self.size <= FTS_COPY_IN_MEMORY:
                self.conn = stoppable(sqlite3.connect(":memory:"))
            else:
                self.folder = tempfile.TemporaryDirectory(prefix="annotator-check-")
                self.conn = stoppable(sqlite3.connect(str(Path(self.folder.name) / "copy.db")))
            self.source.backup(self.conn)  # one step: a page at a time would start over when another writes
        except (sqlite3.Error, OSError, MemoryError) as err:
            self.__exit__()
            raise _CopyFailed(str(err)) from None
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None


def _check_spans(conn: sqlite3.Connection, report: CheckReport, table: str, by_annotator: bool) -> None:
    who = "s.annotator" if by_annotator else "NULL"
    kind = "spans" if by_annotator else "gold spans"
    try:
        report.counts[kind] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        rows = conn.execute(
            f'SELECT s.doc_id, {who}, s.start, s."end", s.text, substr(d.text, s.start + 1, s."end" - s.start) '
            f"FROM {table} s JOIN documents d ON d.id = s.doc_id "
            f'WHERE s.text IS NOT substr(d.text, s.start + 1, s."end" - s.start) OR s."end" > length(d.text) '
            f'ORDER BY s.doc_id, s.start, s."end"'
        ).fetchall()
    except sqlite3.Error as err:
        report.problem(f"{kind}: their texts could not all be compared with the documents ({err})")
        return
    if not rows:
        return
    report.problem(f"{kind}: {len(rows)} span{'s' if len(rows) != 1 else ''} no longer match their "
                   "document's text at their offsets")
    for doc_id, annotator, start, end, stored, actual in rows[:EXAMPLES]:
        by = f", annotator {annotator}" if by_annotator else ""
        report.problems.append(f"{kind}: document {doc_id}{by}, offsets {start}-{end}: stored {_quote(stored)}, "
                               f"the document has {_quote(actual)} there")
    if len(rows) > EXAMPLES:
        report.problems.append(f"{kind}: … and {len(rows) - EXAMPLES} more")


# --- recover ----------------------------------------------------------------------------------


@dataclass
class TableRecovery:
    """One table's fate in :func:`recover`."""

    name: str
    copied: int = 0
    rejected: dict[str, int] = field(default_factory=dict)  # rows read but not copied, by reason
    damaged_ranges: list[tuple[int, int | None]] = field(default_factory=list)  # rowids skipped
    unreadable: int = 0  # rows in the skipped ranges, at most (estimated from rowid gaps)
    unknown_extent: bool = False  # a damaged range whose end could not be found: more may be lost

    @property
    def lost(self) -> int:
        """Rows not copied: those rejected, plus at most ``unreadable`` on damaged pages."""
        return sum(self.rejected.values()) + self.unreadable

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1

    def line(self) -> str:
        parts = [f"{self.name}: {self.copied} copied"]
        if self.rejected:
            parts.append(", ".join(f"{n} {reason}" for reason, n in sorted(self.rejected.items())))
        if self.damaged_ranges:
            ranges = len(self.damaged_ranges)
            how_many = "an unknown number" if self.unknown_extent else f"at most {self.unreadable}"
            parts.append(f"{how_many} unreadable on damaged pages "
                         f"({ranges} range{'s' if ranges != 1 else ''} of rowids skipped)")
        return "; ".join(parts)


@dataclass
class RecoveryReport:
    """What :func:`recover` copied and lost, table by table."""

    source: Path
    out: Path
    tables: dict[str, TableRecovery] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Annotators, labels and themes whose rows were lost, recreated because rows refer to them.
    recreated: dict[str, list[str]] = field(default_factory=dict)

    @property
    def copied(self) -> int:
        return sum(t.copied for t in self.tables.values())

    @property
    def lost(self) -> int:
        return sum(t.lost for t in self.tables.values())

    def summary(self) -> str:
        """Several lines for a person: totals, then one line per table, then notes."""
        lost = f"about {self.lost} lost"
        if any(t.unknown_extent for t in self.tables.values()):
            lost = f"{self.lost} known lost and an unknown number more on damaged pages"
        lines = [f"{self.out}: {counted(self.copied, 'row')} recovered from {self.source}, {lost}"]
        lines += [f"  {t.line()}" for t in self.tables.values()]
        for parent, names in self.recreated.items():
            shown = ", ".join(names)
            if parent == "annotators":
                lines.append(f"  note: annotator rows recreated (theirs were lost, their work was not): {shown}")
            else:
                lines.append(f"  note: {parent} recreated in grey, without title, description or hotkey (their "
                             f"rows were lost, the annotations using them were not): {shown}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _read_rows(conn: sqlite3.Connection, table: str, columns: Sequence[str], tally: TableRecovery,
               chunk: int = CHUNK) -> Iterator[tuple[Any, ...]]:
    """Every readable row of ``table`` as ``(rowid, *columns)``, in rowid order.

    A damaged page stops a plain scan for good. Here the scan restarts past it: the next
    readable rowid is found by probing ahead (doubling the step until a probe reads a row or
    finds none, then halving back), so the rows lost are those on the damaged pages only.
    """
    cols = ", ".join(f'"{c}"' for c in columns)
    select = f'SELECT rowid, {cols} FROM "{table}" WHERE rowid >= ? ORDER BY rowid LIMIT ?'
    lo = _MIN_ROWID
    while True:
        got = 0
        start = lo
        try:
            for row in conn.execute(select, (lo, chunk)):
                got += 1
                if not isinstance(row[0], int) or row[0] < lo:  # a damaged page going backwards
                    continue
                lo = row[0] + 1
                yield row
                if lo > _MAX_ROWID:
                    return
            if got < chunk:
                return
            if lo == start:  # a whole chunk of rows out of order: treat it as damage
                raise sqlite3.DatabaseError("rows out of order")
        except sqlite3.DatabaseError:
            following = _next_readable(conn, select, lo)
            first = 1 if lo == _MIN_ROWID else lo  # rowids SQLite assigns start at 1
            if following is None:
                last = _max_rowid(conn, table)
                tally.damaged_ranges.append((lo, None))
                if last is not None and last >= first:
                    tally.unreadable += last - first + 1
                elif last is None:
                    tally.unknown_extent = True
                return
            tally.damaged_ranges.append((lo, following - 1))
            tally.unreadable += max(0, following - first)
            lo = following


def _next_readable(conn: sqlite3.Connection, select: str, lo: int) -> int | None:
    """The rowid of the first row at or after ``lo`` that can be read past the damage there, or
    None when no readable row follows."""

    def probe(at: int) -> tuple[bool, int | None]:
        try:
            row = conn.execute(select, (at, 1)).fetchone()
        except sqlite3.DatabaseError:
            return False, None
        return True, (row[0] if row else None)

    bad, step = lo, 1
    while True:  # doubling: find some readable point past the damage
        at = min(lo + step, _MAX_ROWID)
        ok, found = probe(at)
        if ok:
            break
        bad = at
        if at == _MAX_ROWID:
            return None
        step *= 2
    good, result = at, found
    while good - bad > 1:  # halving: the first readable point after the last failing one
        mid = (bad + good) // 2
        ok, found = probe(mid)
        if ok:
            good, result = mid, found
        else:
            bad = mid
    return result


def _max_rowid(conn: sqlite3.Connection, table: str) -> int | None:
    try:
        return conn.execute(f'SELECT MAX(rowid) FROM "{table}"').fetchone()[0]
    except sqlite3.DatabaseError:
        return None


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _reason(err: sqlite3.Error, dst: sqlite3.Connection, columns: list[str], row: tuple[Any, ...]) -> str:
    """Why a row could not be written, in words for the report."""
    text = str(err)
    if "doc_id" in columns and ("FOREIGN KEY" in text or "does not match the document text" in text):
        doc_id = row[columns.index("doc_id")]
        if dst.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone() is None:
            return "whose document was lost"
    if "does not match the document text" in text:
        return "whose text no longer matches their document"
    if "FOREIGN KEY" in text:
        return "referring to rows that were lost"
    if "UNIQUE" in text or "PRIMARY KEY" in text:
        return "duplicates"
    if "NOT NULL" in text or "CHECK" in text or "datatype mismatch" in text:
        return "with damaged values"
    return "that could not be written"


def recover(path: str | Path, out: str | Path) -> RecoveryReport:
    """Copy what is readable from a (damaged) database at ``path`` into the new file ``out``.

    ``out`` gets annotator's current schema (:meth:`Store.open`), then the rows, table by table
    in chunks, a row at a time where a chunk fails: documents whose text still matches its
    recorded hash (re-indexed for search), then settings, labels, themes and annotators, then
    spans whose text still matches their document, themes, statuses and the gold tables.
    Annotators, labels and themes whose own rows were lost are recreated (labels and themes in
    grey) so that the spans using them survive; a note says so. Damaged pages are read around
    by rowid ranges. ``out`` is written under a temporary name and appears only when complete.

    Raises :class:`DatabaseError` if ``out`` exists, if ``path`` is not an annotator database
    that can be opened at all, or if a newer annotator wrote it.
    """
    path, out = Path(path), Path(out)
    if out.exists():
        raise DatabaseError(f"{out} exists already: recover writes a new file, choose another name")
    why = _unusable(path)
    if why:
        raise DatabaseError(why)
    try:
        src, notes = connect_readonly(path)
    except sqlite3.Error as err:
        raise DatabaseError(f"{path} cannot be opened as a database ({err}): nothing can be recovered") from None
    report = RecoveryReport(path, out, notes=list(notes))
    partial = _temporary_name(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            src_tables = [row[0] for row in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        except sqlite3.Error as err:
            raise DatabaseError(f"{path} is too damaged to list its tables ({err}): nothing can be recovered") \
                from None
        if "documents" not in src_tables:
            raise DatabaseError(f"{path} is a SQLite database but not an annotator one: nothing to recover")
        _refuse_newer(src, path, src_tables, report)
        store = Store.open(partial)
        try:
            dst = store.db.conn
            dst.isolation_level = None  # transactions by hand: one per table, a savepoint per chunk
            dst_tables = {row[0] for row in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            order = [t for t in _RECOVER_ORDER if t in src_tables and t in dst_tables]
            order += sorted(t for t in src_tables if t in dst_tables and t not in order and t not in _NOT_COPIED
                            and not t.startswith(("doc_search", "sqlite_")))
            for table in order:
                report.tables[table] = _copy_table(src, dst, table, report)
            _carry_sequences(src, dst, src_tables, report)
            dst.execute("INSERT OR IGNORE INTO settings(key, value) VALUES ('initialised', '1')")
        finally:
            store.close()
        _fsync(partial)
        if out.exists():
            raise DatabaseError(f"{out} appeared while recovering: the recovered copy was not put there")
        os.replace(partial, out)
        _fsync_folder(out.parent)
    except BaseException as err:
        remove_database_files(partial)
        if isinstance(err, (OSError, sqlite3.Error)):
            why = err.strerror if isinstance(err, OSError) and err.strerror else err
            raise DatabaseError(f"recovering into {out} failed, nothing was written there ({why})") from None
        raise
    finally:
        src.close()
    return report


def _refuse_newer(src: sqlite3.Connection, path: Path, tables: list[str], report: RecoveryReport) -> None:
    if "_sqlite_migrations" not in tables:
        report.notes.append("the file records no schema version: it was read as the current one")
        return
    try:
        names = [row[0] for row in src.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'annotator'")]
    except sqlite3.Error:
        report.notes.append("its schema version could not be read: it was read as the current one")
        return
    newer = [name for name in names if name not in known_names()]
    if newer:
        raise DatabaseError(f"{path} was written by a newer version of annotator (schema {newer[-1]!r}): "
                            "recover it with that version")


def _copy_table(src: sqlite3.Connection, dst: sqlite3.Connection, table: str,
                report: RecoveryReport) -> TableRecovery:
    tally = TableRecovery(table)
    wanted = set(_columns(dst, table))
    columns = [c for c in _columns(src, table) if c in wanted]
    if not columns:
        return tally
    marks = ", ".join("?" * len(columns))
    insert = f'INSERT INTO "{table}"({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) VALUES ({marks})'
    documents = table == "documents"
    if documents:
        text_at, hash_at, chars_at, seq_at = (columns.index(c) for c in ("text", "text_hash", "chars", "seq"))

    def write(rows: list[tuple[Any, ...]]) -> None:
        dst.executemany(insert, rows)
        if documents:
            dst.executemany("INSERT INTO doc_search(rowid, body) VALUES (?, ?)",
                            [(row[seq_at], index_form(row[text_at])) for row in rows])

    def flush(rows: list[tuple[Any, ...]]) -> None:
        stopping.check()  # a read a stop interrupted looks like damage: stop before taking it for that
        dst.execute("SAVEPOINT chunk")
        try:
            write(rows)
            dst.execute("RELEASE chunk")
            tally.copied += len(rows)
            return
        except sqlite3.Error:
            dst.execute("ROLLBACK TO chunk")
            dst.execute("RELEASE chunk")
        for row in rows:  # the chunk failed: a row at a time, to keep all the others
            for attempt in range(2):
                dst.execute("SAVEPOINT one")
                try:
                    write([row])
                    dst.execute("RELEASE one")
                    tally.copied += 1
                    break
                except sqlite3.Error as err:
                    dst.execute("ROLLBACK TO one")
                    dst.execute("RELEASE one")
                    if attempt == 0 and "FOREIGN KEY" in str(err) and _recreate_parents(dst, table, columns, row,
                                                                                         report):
                        continue
                    tally.reject(_reason(err, dst, columns, row))
                    break

    dst.execute("BEGIN")
    try:
        pending: list[tuple[Any, ...]] = []
        for _rowid, *values in _read_rows(src, table, columns, tally):
            if documents and not _document_intact(values, text_at, hash_at, chars_at):
                tally.reject("whose text no longer matches its recorded hash")
                continue
            pending.append(tuple(values))
            if len(pending) >= CHUNK:
                flush(pending)
                pending = []
        if pending:
            flush(pending)
        dst.execute("COMMIT")
    except BaseException:
        if dst.in_transaction:
            dst.execute("ROLLBACK")
        raise
    return tally


def _document_intact(values: list[Any], text_at: int, hash_at: int, chars_at: int) -> bool:
    text = values[text_at]
    return (isinstance(text, str) and values[chars_at] == len(text)
            and values[hash_at] == hashlib.sha256(text.encode("utf-8")).hexdigest())


# Columns naming a row of a table that recover can recreate: (column, parent table).
_PARENTS = {"annotator": "annotators", "label": "labels", "theme": "themes"}
_PARENT_TABLES = {  # which tables' columns refer to the parents by foreign key
    "spans": ("annotator", "label"), "doc_themes": ("annotator", "theme"), "doc_status": ("annotator",),
    "gold_spans": ("label",), "gold_themes": ("theme",), "suggestion_rejections": ("annotator",),
}


def _recreate_parents(dst: sqlite3.Connection, table: str, columns: list[str], row: tuple[Any, ...],
                      report: RecoveryReport) -> bool:
    """Recreate a lost annotator, label or theme that ``row`` refers to; True if one was made."""
    made = False
    for column in _PARENT_TABLES.get(table, ()):
        if column not in columns:
            continue
        name = row[columns.index(column)]
        parent = _PARENTS[column]
        if not isinstance(name, str) or dst.execute(f"SELECT 1 FROM {parent} WHERE name = ?", [name]).fetchone():
            continue
        if parent == "annotators":
            dst.execute("INSERT INTO annotators(name, created_at) VALUES (?, ?)", [name, _now()])
        else:
            dst.execute(f"INSERT INTO {parent}(name, colour, position) VALUES "
                        f"(?, '#9e9e9e', (SELECT COALESCE(MAX(position), -1) + 1 FROM {parent}))", [name])
        report.recreated.setdefault(parent, []).append(name)
        made = True
    return made


def _carry_sequences(src: sqlite3.Connection, dst: sqlite3.Connection, src_tables: list[str],
                     report: RecoveryReport) -> None:
    """Span ids are never reused (undo refers to them): the counters go on from the old file's."""
    if "sqlite_sequence" not in src_tables:
        return
    tally = TableRecovery("sqlite_sequence")
    old = {name: seq for _, name, seq in _read_rows(src, "sqlite_sequence", ["name", "seq"], tally)}
    if tally.damaged_ranges:
        report.notes.append("the id counters could not all be read: new span ids go on from the recovered ones")
    dst.execute("BEGIN")
    for name, seq in old.items():
        if not isinstance(seq, int):
            continue
        if dst.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", [seq, name]).rowcount == 0 \
                and dst.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone():
            dst.execute("INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)", [name, seq])
    dst.execute("COMMIT")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


# --- backup -----------------------------------------------------------------------------------


def _temporary_name(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")




def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows cannot open a folder for this and needs nothing."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def backup(store_or_path: Store | str | Path, dest: str | Path, *,
           progress: Callable[[int, int], None] | None = None) -> Path:
    """Copy a database (an open :class:`Store`, or a file) to ``dest`` with SQLite's online
    backup API, consistent even while others write to it; returns ``dest``.

    The copy is written under a temporary name in ``dest``'s folder, flushed to disk, and only
    then renamed to ``dest`` (replacing any file there), so an interrupted backup never leaves a
    partial file under the real name. ``progress(remaining_pages, total_pages)`` is called as
    pages are copied; an exception it raises stops the backup. Raises :class:`DatabaseError`
    when the source cannot be read or ``dest`` cannot be written.
    """
    dest = Path(dest)
    own: sqlite3.Connection | None = None
    if isinstance(store_or_path, Store):
        source_path = Path(store_or_path.path)
        if store_or_path.busy:
            raise DatabaseError(f"{source_path} is in the middle of saving a change: back it up when that is done")
        conn = store_or_path.db.conn
    else:
        source_path = Path(store_or_path)
        why = _unusable(source_path)
        if why:
            raise DatabaseError(why)
        try:
            own, _ = connect_readonly(source_path)
        except sqlite3.Error as err:
            raise DatabaseError(f"{source_path} cannot be opened to back it up ({err})") from None
        conn = own
    try:
        if dest.exists() and dest.resolve() == source_path.resolve():
            raise DatabaseError(f"{dest} is the database itself: back it up to another file")
        if dest.is_dir():
            raise DatabaseError(f"{dest} is a folder: give the backup a file name")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise DatabaseError(f"cannot create the folder {dest.parent} for the backup: {err.strerror or err}") \
                from None
        partial = _temporary_name(dest)
        try:
            target = sqlite3.connect(str(partial))
            try:
                callback = (lambda _status, remaining, total: progress(remaining, total)) if progress else None
                conn.backup(target, pages=256 if progress else -1, progress=callback)
                # One self-contained file: no -wal/-shm beside a backup (reading it would make them).
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            _fsync(partial)
            os.replace(partial, dest)
        except BaseException as err:
            remove_database_files(partial)
            if isinstance(err, sqlite3.Error):
                raise DatabaseError(f"the backup to {dest} failed, nothing was written there ({err})") from None
            if isinstance(err, OSError):
                raise DatabaseError(f"the backup to {dest} failed, nothing was written there "
                                    f"({err.strerror or err})") from None
            raise
        _fsync_folder(dest.parent)
        return dest
    finally:
        if own is not None:
            own.close()


def _timestamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def backup_pattern(path: str | Path) -> re.Pattern[str]:
    """The names :func:`rolling_backup` gives ``path``'s backups: ``NAME.backup-YYYYmmdd-HHMMSS.db``."""
    return re.compile(re.escape(Path(path).stem) + r"\.backup-\d{8}-\d{6}\.db")


def rolling_backup(path: str | Path, folder: str | Path, keep: int = 5) -> Path | None:
    """Back up the database at ``path`` into ``folder`` as ``NAME.backup-YYYYmmdd-HHMMSS.db`` and
    delete the oldest backups of that name pattern beyond the newest ``keep`` (other files are
    never touched). Returns the new backup, or None when there is no database at ``path`` yet.
    """
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    path, folder = Path(path), Path(folder)
    if not path.exists():
        return None
    made = backup(path, folder / f"{path.stem}.backup-{_timestamp()}.db")
    pattern = backup_pattern(path)
    backups = sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file())
    for old in backups[:-keep]:
        remove_database_files(old)  # one that cannot be deleted stays; the new one is made
    return made


def restore_instructions(path: str | Path) -> str:
    """One paragraph: how to put a backup back in place of the database at ``path``."""
    path = Path(path)
    return (
        f"To restore {path.name} from a backup: close every annotator window and command using it; "
        f"move {path} aside (rename it, do not delete it), together with {path.name}-wal and "
        f"{path.name}-shm if they are there, since those belong to the old file and must not be "
        f"mixed with the backup; copy the backup you want (a file such as {path.stem}.backup-"
        f"YYYYmmdd-HHMMSS.db, the newest is usually best) to {path}; then run `annotator check` on "
        "it before working again. Changes made after that backup was taken are not in it."
    )
