"""The database file on disk: its sidecar files, whether it can be a database, opening it only to
read, and writing a copy under a temporary name made durable before it is renamed.

One place for what every opener and every clean-up would otherwise each decide for itself: which
files belong to a database, and how to read one whose folder cannot be written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path

from annotator.core import stopping
from annotator.core.errors import DatabaseError
from annotator.storage.errors import kind_of

SIDECARS = ("-journal", "-wal", "-shm")  # what SQLite keeps beside ``name`` while it works
# SQLite asks the progress handler every this many steps of its virtual machine: often in a long
# query (costing it about 1%), never in a short one. A step can be slow (a substr near the end of a
# long text takes milliseconds), and 10,000 steps let a stop wait over a second.
STOP_POLL_STEPS = 1_000


def stoppable(conn: sqlite3.Connection) -> sqlite3.Connection:
    """``conn``, its queries ended ("interrupted") once a signal asked for a stop
    (:mod:`annotator.core.stopping`). Returned for use in expressions."""
    conn.set_progress_handler(stopping.requested, STOP_POLL_STEPS)
    return conn


def remove_database_files(path: Path) -> None:
    """Delete the database at ``path`` and its sidecar files, whichever exist. One that cannot be
    deleted stays: this runs while cleaning up after a failure, which it must not hide."""
    for suffix in ("", *SIDECARS):
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink()


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{path.resolve().as_uri()}?{query}"


def _is_wal(path: Path) -> bool:
    with path.open("rb") as f:
        header = f.read(20)
    return len(header) >= 20 and header[18] == 2 and header[19] == 2


def connect_readonly(path: Path) -> tuple[sqlite3.Connection, list[str]]:
    """A read-only connection to ``path`` and notes on how it was opened. Raises ``sqlite3.Error``.

    ``mode=ro`` still needs to create the ``-shm`` file of a WAL database; in a read-only folder
    that fails, and ``immutable=1`` (which reads the main file alone) is the way left.
    """
    conn = stoppable(sqlite3.connect(_uri(path, mode="ro"), uri=True, timeout=10.0))
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn, []
    except sqlite3.Error as err:
        conn.close()
        if kind_of(err) not in ("cannot_open", "readonly") or not _is_wal(path):
            raise
    conn = stoppable(sqlite3.connect(_uri(path, mode="ro", immutable="1"), uri=True))
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    notes = [(f"{path.name} is in a folder that cannot be written here, so it was read as it is on disk "
              "(immutable)")]
    wal_file = path.with_name(path.name + "-wal")
    if wal_file.exists() and wal_file.stat().st_size > 0:
        notes.append(f"{wal_file.name} holds changes not yet written into {path.name}: they were not read")
    return conn, notes


def open_source(path: Path, cannot: Callable[[sqlite3.Error], str]) -> tuple[sqlite3.Connection, list[str]]:
    """:func:`connect_readonly` on a database file a command reads from (backup, recover), or
    ``DatabaseError`` in one line: why ``path`` is no database at all, or ``cannot(err)``."""
    why = unusable(path)
    if why:
        raise DatabaseError(why)
    try:
        return connect_readonly(path)
    except sqlite3.Error as err:
        raise DatabaseError(cannot(err)) from None


SQLITE_HEADER = b"SQLite format 3\x00"


def _header(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(100)


def unusable(path: Path) -> str | None:
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


def temporary_name(dest: Path) -> Path:
    """A name beside ``dest`` to write it under until it is complete (then renamed over it)."""
    return dest.with_name(f".{dest.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")


def fsync_file(path: Path) -> None:
    """Make a file's content durable before it is renamed into place."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
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
