"""Faults a user meets: two writers at once, a database locked for too long, a read-only file or
folder, a full disk, an empty --db. Each ends in one clean line (or succeeds), never a traceback,
and the database is unchanged or fully written."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import SEEDS, write

ROOT_USER = os.geteuid() == 0


def cli(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    full = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "annotator", *args], capture_output=True, text=True,
                          env=full, timeout=timeout)


def one_clean_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and "Error" in out.stderr
    return out.stderr.strip().splitlines()[-1]


def articles(path: Path, prefix: str, n: int) -> Path:
    lines = (json.dumps({"id": f"{prefix}{i}", "text": f"기사 {prefix} {i}: 대구시는 مشهد را دید {i}",
                         "annotator": prefix, "spans": [{"start": 0, "end": 2, "label": "ORG"}]}, ensure_ascii=False)
             for i in range(n))
    return write(path, "\n".join(lines) + "\n")


def count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    finally:
        conn.close()  # a connection left open would keep a test's mount busy


def test_two_imports_started_together_both_land(tmp_path: Path):
    db = tmp_path / "two.db"
    assert cli("--db", str(db), "import", str(SEEDS)).returncode == 0
    a, b = articles(tmp_path / "a.jsonl", "a", 2000), articles(tmp_path / "b.jsonl", "b", 2000)
    procs = [subprocess.Popen([sys.executable, "-m", "annotator", "--db", str(db), "import", str(p)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in (a, b)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    assert count(db) == 5 + 4000
    assert all("Traceback" not in err for _, err in outs)


def test_a_writer_waits_then_says_the_database_is_busy(tmp_path: Path):
    db = tmp_path / "busy.db"
    assert cli("--db", str(db), "import", str(SEEDS)).returncode == 0
    holder = sqlite3.connect(db)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        before = count(db)
        out = cli("--db", str(db), "import", str(articles(tmp_path / "x.jsonl", "x", 3)),
                  env={"ANNOTATOR_LOCK_WAIT": "1"})
        line = one_clean_line(out)
        assert "Waiting for another annotator process to finish writing to" in out.stderr
        assert "is busy: another annotator process has been writing to it for 1 s" in line
    finally:
        holder.rollback()
        holder.close()
    assert count(db) == before
    assert cli("--db", str(db), "import", str(tmp_path / "x.jsonl")).returncode == 0  # its turn now


@pytest.fixture
def readonly_copy(tmp_path: Path):
    """A database in a folder that cannot be written: a read-only mount when we are root (root
    ignores permission bits), else a read-only file and folder."""
    db = tmp_path / "src.db"
    assert cli("--db", str(db), "import", str(SEEDS)).returncode == 0
    folder = tmp_path / "ro"
    folder.mkdir()
    if ROOT_USER:
        assert subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)]).returncode == 0
    try:
        shutil.copy(db, folder / "project.db")
        if ROOT_USER:
            assert subprocess.run(["mount", "-o", "remount,ro", str(folder)]).returncode == 0
        else:
            (folder / "project.db").chmod(0o444)
            folder.chmod(0o555)
        yield folder / "project.db"
    finally:
        if ROOT_USER:
            if subprocess.run(["umount", str(folder)]).returncode:
                subprocess.run(["umount", "-l", str(folder)])
        else:
            folder.chmod(0o755)


def test_a_read_only_database_reads_searches_and_exports_and_refuses_writes(readonly_copy: Path, tmp_path: Path):
    db = str(readonly_copy)
    docs = cli("--db", db, "docs")
    assert docs.returncode == 0 and len(docs.stdout.splitlines()) == 6
    found = cli("--db", db, "search", "대구")
    assert found.returncode == 0 and "002_" in found.stdout
    exported = cli("--db", db, "export", "--include-untouched", "-o", str(tmp_path / "out.jsonl"))
    assert exported.returncode == 0 and len((tmp_path / "out.jsonl").read_text().splitlines()) == 5
    line = one_clean_line(cli("--db", db, "import", str(articles(tmp_path / "y.jsonl", "y", 2))))
    assert "is read-only here" in line and "changes cannot be saved" in line


def test_a_full_disk_is_one_line_and_changes_nothing(tmp_path: Path):
    if ROOT_USER:  # a real full disk: a small tmpfs
        folder = tmp_path / "small"
        folder.mkdir()
        assert subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(folder)]).returncode == 0
        try:
            db = folder / "full.db"
            assert cli("--db", str(db), "import", str(SEEDS)).returncode == 0
            before = count(db)
            line = one_clean_line(cli("--db", str(db), "import", str(articles(tmp_path / "big.jsonl", "z", 30000))))
            assert "no room left on the disk" in line
            assert count(db) == before
            new = folder / "new.db"
            fill = subprocess.run(["dd", "if=/dev/zero", f"of={folder / 'filler'}", "bs=4k"], capture_output=True)
            assert fill.returncode != 0  # the disk is full now
            one_clean_line(cli("--db", str(new), "docs"))
            assert not new.exists()  # no 0-byte database left behind
        finally:
            if subprocess.run(["umount", str(folder)]).returncode:
                subprocess.run(["umount", "-l", str(folder)])
    else:  # no mount without root: SQLite's own page limit gives the same error
        from annotator.core.importing import import_paths
        from annotator.core.project import open_project

        with open_project(tmp_path / "full.db") as store:
            before = store.count_documents()
            store.db.execute(f"PRAGMA max_page_count = {store.db.execute('PRAGMA page_count').fetchone()[0] + 2}")
            with pytest.raises(sqlite3.OperationalError) as err:
                import_paths(store, [articles(tmp_path / "big.jsonl", "z", 3000)], annotator="z")
            from annotator.storage import explain

            assert "no room left on the disk" in explain(err.value)
            assert store.count_documents() == before


def test_an_empty_db_option_is_an_error_not_the_users_own_database(tmp_path: Path):
    line = one_clean_line(cli("--db", "", "docs", env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d")}))
    assert "--db is empty (an unset variable?)" in line
    assert not (tmp_path / "d").exists()
