"""annotator check: SQLite's integrity check, foreign keys, the tables and triggers as annotator
makes them, the search index, and every span's text against its document, on a file opened
read-only; never raises for a bad file.

It opens the file read-only, and ``immutable`` when even that fails in a read-only folder. Every
message is one line, ready to show a user.
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core import stopping
from annotator.core.text import counted
from annotator.storage.common import PIECE_CHARS, PIECED_OVER
from annotator.storage.errors import disk_full
from annotator.storage.files import connect_readonly, stoppable, unusable
from annotator.storage.migrations import known_names

MAX_INTEGRITY_MESSAGES = 100
EXAMPLES = 5  # mismatching spans (and other offenders) listed by name in a report
# The search index's own check needs write access: it runs on a copy, in memory up to this size
# and in a temporary file beyond it.
FTS_COPY_IN_MEMORY = 256 * 1024 * 1024
_SPAN_TABLES = (("spans", True), ("gold_spans", False))  # (table, has an annotator column)


def _quote(text: Any, limit: int = 30) -> str:
    """Span text on one line, isolated so that right-to-left text keeps the line's order."""
    if not isinstance(text, str):
        return repr(text)
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[:limit] + "…"
    return f"«\u2068{flat}\u2069»"


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
    why = unusable(path)
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
    if not pending:
        _check_schema(conn, report)
    stopping.check()
    _check_foreign_keys(conn, report)
    stopping.check()
    _check_documents(conn, report, "document_pieces" in tables)
    stopping.check()
    if "doc_search" in tables:
        _check_search_index(conn, report, tables)
    elif "m002_search_index" not in pending:
        report.problem("the search index (table doc_search) is missing")
    for table, by_annotator in _SPAN_TABLES:
        stopping.check()
        if table in tables:
            _check_spans(conn, report, table, by_annotator)


def _schema(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """A database's tables (by their columns), triggers and indexes (by their SQL, its white
    space folded), the search index's own tables left out (SQLite makes them)."""
    out = {}
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN "
                                        "('table', 'trigger', 'index') AND name NOT LIKE 'sqlite_%' "
                                        "AND name NOT LIKE 'doc_search_%'"):
        if kind == "table":
            out[kind, name] = ", ".join(row[1] for row in conn.execute(f'PRAGMA table_info("{name}")'))
        else:
            out[kind, name] = " ".join((sql or "").split())
    return out


def _check_schema(conn: sqlite3.Connection, report: CheckReport) -> None:
    """The tables, triggers and indexes annotator makes, each there and as it makes them: a
    dropped trigger lets a span whose text is not its document's in, and a missing table makes
    every edit fail."""
    from sqlite_utils import Database

    from annotator.storage.migrations import migrations

    made = Database(memory=True)
    migrations.apply(made)
    expected = _schema(made.conn)
    made.close()
    found = _schema(conn)
    for (kind, name), shape in expected.items():
        if (kind, name) not in found:
            report.problem(f"the {kind} {name} is missing: annotator recover writes a whole new file from this one")
        elif found[kind, name] != shape:
            report.problem(f"the {kind} {name} is not as annotator makes it: annotator recover writes a whole "
                           "new file from this one")


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


def _check_documents(conn: sqlite3.Connection, report: CheckReport, has_pieces: bool) -> None:
    bad: list[str] = []
    torn: list[str] = []  # documents whose pieces (what a span's check reads) are not their text
    unpieced = 0  # long documents without pieces: their spans' checks read the whole text
    count = 0
    try:
        pieced = {row[0] for row in conn.execute("SELECT DISTINCT doc_id FROM document_pieces")} if has_pieces \
            else set()
        for doc_id, text, recorded, chars in conn.execute("SELECT id, text, text_hash, chars FROM documents"):
            count += 1
            if not isinstance(text, str) or recorded != hashlib.sha256(text.encode("utf-8")).hexdigest() \
                    or chars != len(text):
                bad.append(str(doc_id))
            if doc_id in pieced:
                stored = conn.execute("SELECT n, piece FROM document_pieces WHERE doc_id = ? ORDER BY n", [doc_id])
                expected = _pieces(text) if isinstance(text, str) else iter([None])
                if any(a != b for a, b in itertools.zip_longest(stored, expected)):  # a piece at a time
                    torn.append(str(doc_id))
            elif has_pieces and isinstance(text, str) and len(text) > PIECED_OVER:
                unpieced += 1
    except sqlite3.Error as err:
        report.problem(f"documents could not all be read ({err}); {count} were read")
    report.counts["documents"] = count
    if bad:
        shown = ", ".join(bad[:EXAMPLES]) + (", …" if len(bad) > EXAMPLES else "")
        report.problem(f"{len(bad)} document{'s' if len(bad) != 1 else ''} no longer match the hash or length "
                       f"recorded with their text: {shown}")
    if torn:
        shown = ", ".join(torn[:EXAMPLES]) + (", …" if len(torn) > EXAMPLES else "")
        report.problem(f"{len(torn)} document{'s' if len(torn) != 1 else ''} whose pieces (the copy of the text that "
                       f"span checks read) no longer match their text: {shown}")
    if unpieced:
        report.notes.append(f"{counted(unpieced, 'long document')} without pieces: checking a span on "
                            f"{'it' if unpieced == 1 else 'them'} reads the whole text (slower, still right)")


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """(n, piece) of a text as annotator writes them, for a document of any length."""
    for n, at in enumerate(range(0, len(text), PIECE_CHARS)):
        yield n, text[at:at + PIECE_CHARS]


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
    """Every span against its document's text, read once per document (in Python, which slices a
    text in the time of the slice: SQLite's substr reads the whole text and counts from its start)."""
    who = "annotator" if by_annotator else "NULL"
    kind = "spans" if by_annotator else "gold spans"
    mismatched: list[tuple[Any, ...]] = []
    try:
        report.counts[kind] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        doc_id: Any = object()
        text: Any = None
        # In doc_id order, as the table's unique index holds them: one document's text at a time.
        for row_doc, annotator, start, end, stored in conn.execute(
                f'SELECT doc_id, {who}, start, "end", text FROM {table} ORDER BY doc_id'):
            if row_doc != doc_id:
                stopping.check()
                doc_id = row_doc
                found = conn.execute("SELECT text FROM documents WHERE id = ?", [doc_id]).fetchone()
                text = found[0] if found else None  # a span of no document: the foreign key check says so
            if text is None:
                continue
            actual = _covered(text, start, end)
            if actual is None or actual != stored or end > len(text):
                mismatched.append((doc_id, annotator, start, end, stored, actual))
    except sqlite3.Error as err:
        report.problem(f"{kind}: their texts could not all be compared with the documents ({err})")
        return
    if not mismatched:
        return
    mismatched.sort(key=lambda row: (str(row[0]), _number(row[2]), _number(row[3])))
    report.problem(f"{kind}: {len(mismatched)} span{'s' if len(mismatched) != 1 else ''} no longer match their "
                   "document's text at their offsets")
    for doc_id, annotator, start, end, stored, actual in mismatched[:EXAMPLES]:
        by = f", annotator {annotator}" if by_annotator else ""
        report.problems.append(f"{kind}: document {doc_id}{by}, offsets {start}-{end}: stored {_quote(stored)}, "
                               f"the document has {_quote(actual)} there")
    if len(mismatched) > EXAMPLES:
        report.problems.append(f"{kind}: … and {len(mismatched) - EXAMPLES} more")


def _covered(text: Any, start: Any, end: Any) -> str | None:
    """``text[start:end]`` (shorter past its end), or None when those are not a text and offsets."""
    if not (isinstance(text, str) and isinstance(start, int) and isinstance(end, int)) or start < 0:
        return None
    return text[start:end]


def _number(value: Any) -> float:
    return value if isinstance(value, (int, float)) else float("inf")
