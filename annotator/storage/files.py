"""The database file on disk: its sidecar files, and opening it only to read.

One place for what every opener and every clean-up would otherwise each decide for itself: which
files belong to a database, and how to read one whose folder cannot be written.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from annotator.core import stopping
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
