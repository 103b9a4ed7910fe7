"""annotator recover (over 400 lines: one algorithm, reading around damage and saying what it lost):
copy what is readable from a damaged database into a new file, row by row, reading around damaged
pages by rowid ranges, and say per table what was kept and what was lost."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core import stopping
from annotator.core.errors import DatabaseError
from annotator.core.text import counted, index_form
from annotator.storage.common import piece_rows
from annotator.storage.files import (
    fsync_file,
    fsync_folder,
    open_source,
    remove_database_files,
    temporary_name,
)
from annotator.storage.migrations import known_names
from annotator.storage.store import Store

CHUNK = 500
_MIN_ROWID = -(2**63)
_MAX_ROWID = 2**63 - 1

# Copy order for recover: parents before the rows that refer to them.
_RECOVER_ORDER = (
    "settings", "documents", "labels", "themes", "relation_types", "annotators", "spans", "relations", "doc_themes",
    "doc_status", "gold_documents", "gold_spans", "gold_relations", "gold_themes", "suggestion_rejections",
    "gold_rejections", "gold_theme_rejections", "gold_relation_rejections", "queue_items", "active_time", "imported_time",
)
# A document's pieces are made anew from its recovered text (never copied: they could disagree with it);
# the progress counts (annotator.storage.progress_counts) are kept by the new file's triggers as the
# spans and statuses are copied, so they count what was recovered (and, WITHOUT ROWID, they have no
# rowid to read by: reading them so was taken for damage).
_NOT_COPIED = {"_sqlite_migrations", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4", "document_pieces",
               "span_counts", "span_matches", "progress_totals"}


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
    src, notes = open_source(path, lambda err: f"{path} cannot be opened as a database ({err}): nothing can be recovered")
    report = RecoveryReport(path, out, notes=list(notes))
    partial = temporary_name(out)
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
        fsync_file(partial)
        if out.exists():
            raise DatabaseError(f"{out} appeared while recovering: the recovered copy was not put there")
        os.replace(partial, out)
        fsync_folder(out.parent)
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
        text_at, hash_at, chars_at, seq_at, id_at = (columns.index(c) for c in ("text", "text_hash", "chars", "seq",
                                                                                 "id"))

    def write(rows: list[tuple[Any, ...]]) -> None:
        dst.executemany(insert, rows)
        if documents:
            dst.executemany("INSERT INTO doc_search(rowid, body) VALUES (?, ?)",
                            [(row[seq_at], index_form(row[text_at])) for row in rows])
            dst.executemany("INSERT INTO document_pieces(doc_id, n, piece) VALUES (?, ?, ?)",
                            (piece for row in rows for piece in piece_rows(row[id_at], row[text_at])))

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
    "queue_items": ("annotator",), "active_time": ("annotator",), "imported_time": ("annotator",),
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
