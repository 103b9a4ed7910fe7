"""SQLite's failures, worded for what happened, in one line each: busy, read-only, disk full,
damaged, cannot open. The CLI and the window show these; no exception type reaches a user."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from annotator.core.errors import DatabaseError

DATABASE_ERRORS: tuple[type[BaseException], ...]  # at the end: SQLite's errors and PostgreSQL's, as storage words them


class DatabaseBusy(DatabaseError):
    """Another process held the write lock for longer than we wait."""


def kind_of(err: BaseException) -> str:
    """busy, readonly, full, damaged, cannot_open or other."""
    text = str(err).lower()
    name = getattr(err, "sqlite_errorname", "") or ""
    if "locked" in text or "busy" in text or name.startswith("SQLITE_BUSY"):
        return "busy"
    if "readonly" in text or "read-only" in text or name.startswith("SQLITE_READONLY"):
        return "readonly"
    if "disk is full" in text or "disk full" in text or name.startswith("SQLITE_FULL"):
        return "full"
    if "malformed" in text or "not a database" in text or name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return "damaged"
    if "unable to open" in text or name.startswith("SQLITE_CANTOPEN"):
        return "cannot_open"
    if "disk i/o error" in text or name.startswith("SQLITE_IOERR"):
        return "io"
    return "other"


def explain(err: BaseException, path: str | Path | None = None) -> str:
    """One line for a user, naming the database file and what they can do."""
    where = str(path) if path else "the database"
    if isinstance(err, TeamDatabaseError):
        return explain_team(err, str(path) if path else "")
    kind = kind_of(err)
    if kind == "busy":
        return f"{where} is busy: another annotator process is writing to it; try again when it is done"
    if kind == "readonly":
        return (f"{where} is read-only here (the file or its folder cannot be written): reading, searching "
                "and exporting work, changes cannot be saved")
    if kind == "full":
        return f"no room left on the disk to write {where}: nothing was changed; free some space and try again"
    if kind == "damaged":
        return (f"{where} is damaged ({err}): `annotator check` shows what is wrong, and `annotator recover` "
                "copies what is readable into a new file")
    if kind == "cannot_open":
        return f"cannot open {where}: the file or its folder cannot be read or written here"
    if kind in ("io", "cannot_open") and path and disk_full(path):  # SQLite names no full disk there
        return (f"no room left on the disk holding {where}: nothing was changed, and it cannot even be read "
                "(SQLite needs a little room beside it to read); free some space and try again")
    if kind == "io":
        return f"the disk failed while writing {where} ({err}): nothing was changed"
    return f"database error on {where}: {err}"


def disk_full(path: str | Path) -> bool:
    """Whether the file system holding ``path`` (a database file) has no room left: a disk that
    is completely full fails reads too (SQLite needs room for its shared-memory file), and SQLite
    calls that a disk I/O error."""
    import os

    folder = Path(path).parent
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError, ValueError):
        return False
    return stats.f_bavail * stats.f_frsize < 64 * 1024


class TeamDatabaseError(Exception):
    """PostgreSQL's failure, turned into storage's own (the driver's classes stay inside storage,
    and importing it is left until a team database is opened). ``kind`` is refused, lost,
    conflict, check or other; the message is PostgreSQL's first line."""

    def __init__(self, kind: str, message: str, hint: str = ""):
        super().__init__(message)
        self.kind = kind
        self.hint = hint  # who may write there instead, for a refusal


def explain_team(err: TeamDatabaseError, where: str = "") -> str:
    """One line for PostgreSQL's failure, as ``explain`` gives one for SQLite's."""
    db = f"the team database {where}" if where else "the team database"
    if err.kind == "refused":
        return f"refused by {db}: {err}" + (f" ({err.hint})" if err.hint else "")
    if err.kind == "lost":
        return f"the connection to {db} was lost ({err}): nothing was changed"  # each front end says what next
    if err.kind == "busy":
        return f"{db} is busy ({err}): nothing was changed; try again"
    return f"{db} refused the change: {err}"


DATABASE_ERRORS = (sqlite3.Error, TeamDatabaseError)
