"""Backups: SQLite's online backup API into a temporary name, renamed only once the copy is
complete and on disk, and the rolling copies the window keeps of the newest few."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from annotator.core.errors import DatabaseError
from annotator.storage.files import (
    fsync_file,
    fsync_folder,
    open_source,
    remove_database_files,
    temporary_name,
)
from annotator.storage.store import Store


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
        own, _ = open_source(source_path, lambda err: f"{source_path} cannot be opened to back it up ({err})")
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
        partial = temporary_name(dest)
        try:
            target = sqlite3.connect(str(partial))
            try:
                callback = (lambda _status, remaining, total: progress(remaining, total)) if progress else None
                conn.backup(target, pages=256 if progress else -1, progress=callback)
                # One self-contained file: no -wal/-shm beside a backup (reading it would make them).
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            fsync_file(partial)
            os.replace(partial, dest)
        except BaseException as err:
            remove_database_files(partial)
            if isinstance(err, sqlite3.Error):
                raise DatabaseError(f"the backup to {dest} failed, nothing was written there ({err})") from None
            if isinstance(err, OSError):
                raise DatabaseError(f"the backup to {dest} failed, nothing was written there "
                                    f"({err.strerror or err})") from None
            raise
        fsync_folder(dest.parent)
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
