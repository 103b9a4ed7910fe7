"""Database upkeep: check, recover from damaged pages, backups that are never half-written."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.core.errors import DatabaseError
from annotator.core.model import Document, Span, Status
from annotator.core.project import open_project
from annotator.storage import Store, maintenance
from annotator.storage.maintenance import (
    backup,
    check,
    recover,
    restore_instructions,
    rolling_backup,
)
from tests.helpers import SEEDS, read_only_folder

DOCS = 300
SPANS_PER_DOC = 8  # four each by two annotators
GOLD = 50


def build(path: Path, n: int = DOCS, seed: int = 7) -> Path:
    """A project of ``n`` Persian and Korean documents cut from the seeds, with spans, gold,
    statuses and themes; closed, so the file on disk holds everything (no -wal left)."""
    rnd = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    with open_project(path) as store:
        labels = [label.name for label in store.schema().labels]
        themes = [theme.name for theme in store.schema().themes]
        for name in ("ali", "min"):
            store.ensure_annotator(name)
        docs = []
        for i in range(n):
            source = texts[i % len(texts)]
            start = rnd.randrange(0, len(source) // 2)
            text = source[start:start + rnd.randrange(600, 1800)]
            lang = "ko" if "대" in text else "fa"
            docs.append(Document(f"doc{i:04d}", f"title {i}", text, lang, "ltr" if lang == "ko" else "rtl"))
        with store.transaction():
            store.insert_documents(docs)
            spans = []
            for doc in docs:
                for name in ("ali", "min"):
                    for _ in range(SPANS_PER_DOC // 2):
                        s = rnd.randrange(0, len(doc.text) - 20)
                        e = s + rnd.randrange(2, 15)
                        spans.append(Span(doc.id, name, s, e, rnd.choice(labels), doc.text[s:e]))
            assert store.add_spans(spans) == len(spans)
            for doc in docs[:GOLD]:
                store.add_gold_span(Span(doc.id, "gold", 3, 9, labels[0], doc.text[3:9]),
                                    proposed_by=["ali"], decided_by="rev")
                store.set_status(doc.id, "ali", Status.DONE)
                store.add_doc_theme(doc.id, "min", themes[0])
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("built") / "project.db")


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(built, tmp_path / "project.db"))


def damage(path: Path, page: int, seed: int = 1) -> None:
    """Overwrite one whole page with noise, as a failing disk or a bad copy would."""
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with path.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(random.Random(seed).randbytes(size))


def page_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()


def exact_spans(path: Path) -> tuple[int, int]:
    """(spans, gold spans) in the file, after asserting each one's text is its document's."""
    conn = sqlite3.connect(path)
    try:
        counts = []
        for table in ("spans", "gold_spans"):
            rows = conn.execute(f'SELECT s.text, d.text, s.start, s."end" FROM {table} s '
                                "JOIN documents d ON d.id = s.doc_id").fetchall()
            assert all(text == doc[start:end] for text, doc, start, end in rows)
            total = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            assert total == len(rows)  # none without its document
            counts.append(total)
        return counts[0], counts[1]
    finally:
        conn.close()


# --- check ------------------------------------------------------------------------------------


def test_check_passes_a_healthy_database(project: Path):
    report = check(project)
    assert report.ok, report.summary()
    assert report.problems == []
    assert report.notes == []  # nothing skipped: the search index's own check ran too
    assert report.counts == {"documents": DOCS, "spans": DOCS * SPANS_PER_DOC, "gold spans": GOLD}
    assert "no problems found" in report.summary()


def test_check_changes_nothing(project: Path):
    before = project.read_bytes()
    check(project)
    assert project.read_bytes() == before
    # Reading a WAL database leaves SQLite's empty -wal and shared-memory files, nothing more.
    assert {p.name for p in project.parent.iterdir()} <= {"project.db", "project.db-wal", "project.db-shm"}
    wal = project.with_name("project.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_check_finds_a_span_changed_behind_the_triggers_back(project: Path):
    conn = sqlite3.connect(project)
    conn.execute("DROP TRIGGER spans_cover_text_update")
    doc_id, annotator, start, end = conn.execute(
        "SELECT doc_id, annotator, start, \"end\" FROM spans WHERE id = 17").fetchone()
    conn.execute("UPDATE spans SET text = 'not the text' WHERE id = 17")
    conn.commit()
    conn.close()
    report = check(project)
    assert not report.ok
    assert report.problems[0] == ("the trigger spans_cover_text_update is missing: annotator recover writes a whole "
                                  "new file from this one")
    assert report.problems[1] == "spans: 1 span no longer match their document's text at their offsets"
    assert report.problems[2].startswith(f"spans: document {doc_id}, annotator {annotator}, offsets {start}-{end}: "
                                         "stored «\u2068not the text\u2069»")
    assert len(report.problems) == 3
    assert all("\n" not in p for p in report.problems)


def test_check_finds_a_table_or_trigger_gone_or_changed_and_recover_makes_them_again(project: Path, tmp_path: Path):
    """Found by a review: with document_pieces dropped every edit failed, and check said nothing."""
    conn = sqlite3.connect(project)
    conn.executescript("DROP TABLE document_pieces; DROP TRIGGER gold_spans_cover_text; "
                       "CREATE TABLE document_pieces (doc_id TEXT, n INTEGER);")
    conn.close()
    report = check(project)
    assert report.problems == [
        "the table document_pieces is not as annotator makes it: annotator recover writes a whole new file from this one",
        "the trigger gold_spans_cover_text is missing: annotator recover writes a whole new file from this one"]
    out = tmp_path / "recovered.db"
    recover(project, out)
    assert check(out).ok


def test_check_finds_a_document_whose_text_changed(project: Path):
    conn = sqlite3.connect(project)
    conn.execute("DROP TRIGGER documents_text_fixed")  # behind the trigger's back, as damage would
    conn.execute("UPDATE documents SET text = text || 'x', chars = chars + 1 WHERE id = 'doc0007'")
    conn.commit()
    conn.close()
    report = check(project)
    assert not report.ok
    assert any(p.startswith("1 document no longer match") and "doc0007" in p for p in report.problems)


def test_check_finds_a_document_missing_from_the_search_index(project: Path):
    conn = sqlite3.connect(project)
    conn.execute("DELETE FROM doc_search_docsize WHERE id = (SELECT seq FROM documents WHERE id = 'doc0003')")
    conn.commit()
    conn.close()
    report = check(project)
    assert "search index: 1 document is not indexed" in report.problems


def test_check_runs_the_search_index_own_check(project: Path):
    conn = sqlite3.connect(project)  # sound pages, a broken index structure: only FTS5 can tell
    conn.execute("UPDATE doc_search_data SET block = zeroblob(length(block)) "
                 "WHERE id = (SELECT MAX(id) FROM doc_search_data)")
    conn.commit()
    conn.close()
    before = project.read_bytes()
    report = check(project)
    assert [p for p in report.problems if p.startswith("search index: its own check failed")], report.summary()
    assert project.read_bytes() == before


def test_check_finds_noise_on_a_page(project: Path):
    damage(project, page_count(project) // 2)
    report = check(project)
    assert not report.ok
    assert any(p.startswith("integrity: ") for p in report.problems), report.summary()
    assert all("\n" not in p for p in report.problems)


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "is empty (0 bytes)"),
    ("id,title\n1,سلام\n".encode(), "is not a SQLite database"),
    (b"SQLite format 3\x00" + b"\xff" * 4000, "cannot be opened as a database"),
])
def test_check_reports_a_file_that_is_no_database(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "project.db"
    path.write_bytes(content)
    report = check(path)
    assert not report.ok
    assert len(report.problems) == 1
    assert expected in report.problems[0]
    assert path.read_bytes() == content


def test_check_reports_a_missing_file_and_a_foreign_database(tmp_path: Path):
    assert check(tmp_path / "nothing.db").problems == [f"{tmp_path / 'nothing.db'}: no such file"]
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (y)")
    conn.close()
    assert check(other).problems == [f"{other} is a SQLite database but not an annotator one"]


def test_check_reads_a_wal_database_whose_folder_cannot_be_written(project: Path, monkeypatch: pytest.MonkeyPatch):
    with Store.open(project):
        pass  # WAL mode on disk
    real = sqlite3.connect

    # The error comes at the first read, not at connect: make the first read fail.
    class Failing:
        def __init__(self, database: str, *args, **kwargs):
            self.conn = real(database, *args, **kwargs)

        def execute(self, *args, **kwargs):
            raise sqlite3.OperationalError("attempt to write a readonly database")

        def set_progress_handler(self, *args):  # every connection is made stoppable
            self.conn.set_progress_handler(*args)

        def close(self):
            self.conn.close()

    def opener(database: str, *args, **kwargs):
        if "mode=ro" in database and "immutable" not in database:
            return Failing(database, *args, **kwargs)
        return real(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", opener)
    report = check(project)
    assert report.ok, report.summary()
    assert any("(immutable)" in note for note in report.notes)


def test_check_in_a_read_only_folder(project: Path, tmp_path: Path):
    with Store.open(project):
        pass
    with read_only_folder(tmp_path / "ro", [project]) as folder:
        report = check(folder / project.name)
    assert report.ok, report.summary()
    assert any("(immutable)" in note for note in report.notes)


# --- recover ----------------------------------------------------------------------------------


def test_recover_a_healthy_database_copies_everything(project: Path, tmp_path: Path):
    out = tmp_path / "recovered.db"
    report = recover(project, out)
    assert report.lost == 0
    assert not [name for name, t in report.tables.items() if t.damaged_ranges or t.unknown_extent]
    assert "damaged" not in report.summary()  # the progress counts (WITHOUT ROWID) are made anew, not "unreadable"
    assert report.tables["documents"].copied == DOCS
    assert report.tables["spans"].copied == DOCS * SPANS_PER_DOC
    with Store.open(project) as old, Store.open(out) as new:
        before, after = old.dump(), new.dump()
        assert before.keys() == after.keys()
        for table in before:
            if table != "_sqlite_migrations":  # applied again, at the time of recovery
                assert after[table] == before[table], table
        assert [d.id for d in new.search("سازمان", limit=500)] == [d.id for d in old.search("سازمان", limit=500)]
    assert check(out).ok


def middle_page_of(path: Path, table: str) -> int:
    """The page of ``table``'s rows nearest the middle of the file (a new migration's tables move
    the middle: the noise must still land on rows, as the test means)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' "
                            "ORDER BY abs(pageno - ?) LIMIT 1", [table, page_count(path) // 2]).fetchone()[0]
    finally:
        conn.close()


def test_recover_reads_past_noise_in_the_middle_of_the_file(project: Path, tmp_path: Path):
    damage(project, middle_page_of(project, "documents"))
    assert not check(project).ok
    out = tmp_path / "recovered.db"
    report = recover(project, out)
    # Measured with SQLite 3.40 (one page of documents, two documents on it): 298 of 300
    # documents and 2384 of 2400 spans kept, the 16 lost being those two documents' spans.
    docs = report.tables["documents"]
    spans = report.tables["spans"]
    assert docs.copied >= 290
    assert spans.copied >= 2300
    assert docs.copied + spans.copied < DOCS + DOCS * SPANS_PER_DOC  # the damage did cost rows
    assert docs.damaged_ranges or spans.damaged_ranges
    assert report.lost > 0
    summary = report.summary()
    assert "documents: " in summary and "unreadable on damaged pages" in summary
    health = check(out)
    assert health.ok, health.summary()
    with Store.open(out) as store:
        assert store.count_documents() == docs.copied
        assert store.search("سازمان", limit=1)
        ids = {row[0] for row in store.db.execute("SELECT id FROM documents")}
    assert exact_spans(out) == (spans.copied, report.tables["gold_spans"].copied)
    assert ids <= {f"doc{i:04d}" for i in range(DOCS)}


def _leaf_pages(path: Path, table: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", [table])]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find a table's pages")
    finally:
        conn.close()


@pytest.mark.parametrize("table", ["documents", "spans", "labels"])
def test_recover_loses_only_the_damaged_pages_rows(project: Path, tmp_path: Path, table: str):
    leaves = _leaf_pages(project, table)
    damage(project, leaves[len(leaves) // 2])
    out = tmp_path / "recovered.db"
    report = recover(project, out)
    assert check(out).ok
    docs = report.tables["documents"].copied
    spans, gold = exact_spans(out)
    if table == "documents":  # a leaf holds one to three documents: they and their spans are lost
        assert DOCS - 3 <= docs < DOCS
        assert spans == docs * SPANS_PER_DOC
        assert report.tables["documents"].damaged_ranges
    elif table == "spans":  # one leaf holds some 40 spans
        assert docs == DOCS
        assert DOCS * SPANS_PER_DOC - 60 <= spans < DOCS * SPANS_PER_DOC
        assert report.tables["spans"].damaged_ranges
    else:  # a lost label comes back in grey, so that its spans are kept
        assert (docs, spans, gold) == (DOCS, DOCS * SPANS_PER_DOC, GOLD)
        assert report.tables["labels"].copied == 0
        assert report.tables["labels"].unknown_extent
        with Store.open(out) as store:
            assert sorted(report.recreated["labels"]) == sorted(store.label_names())
        assert "labels recreated in grey" in report.summary()
        assert "an unknown number more on damaged pages" in report.summary()


def test_recover_refuses_an_existing_output_and_a_file_that_is_no_database(project: Path, tmp_path: Path):
    out = tmp_path / "out.db"
    out.write_bytes(b"keep me")
    with pytest.raises(DatabaseError, match="exists already"):
        recover(project, out)
    assert out.read_bytes() == b"keep me"
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        recover(junk, tmp_path / "new.db")
    assert not (tmp_path / "new.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.db", "out.db", "project.db"]


# --- backup -----------------------------------------------------------------------------------


def test_backup_of_an_open_store_is_identical_and_leaves_no_temporary_file(project: Path, tmp_path: Path):
    folder = tmp_path / "backups"
    with Store.open(project) as store:
        store.set_setting("after", "open")
        made = backup(store, folder / "copy.db")
        assert made == folder / "copy.db"
        with Store.open(made) as copy:
            assert copy.dump() == store.dump()
    assert sorted(p.name for p in folder.iterdir()) == ["copy.db"]
    assert check(made).ok


def test_backup_of_a_path_is_identical(project: Path, tmp_path: Path):
    made = backup(project, tmp_path / "copy.db")
    with Store.open(project) as store, Store.open(made) as copy:
        assert copy.dump() == store.dump()


def test_interrupted_backup_leaves_no_file_under_the_real_name(project: Path, tmp_path: Path):
    folder = tmp_path / "backups"
    calls = []

    def progress(remaining: int, total: int) -> None:
        calls.append((remaining, total))
        raise KeyboardInterrupt  # the user stops it half way

    with Store.open(project) as store, pytest.raises(KeyboardInterrupt):
        backup(store, folder / "copy.db", progress=progress)
    assert calls and calls[0][0] > 0  # stopped with pages still to copy
    assert list(folder.iterdir()) == []


def test_failed_backup_keeps_the_previous_one(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    dest = backup(project, tmp_path / "copy.db")
    before = dest.read_bytes()
    with Store.open(project) as store:
        store.set_setting("changed", "yes")

    def broken(path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(maintenance.backups, "fsync_file", broken)
    with pytest.raises(DatabaseError, match="nothing was written there .No space left on device"):
        backup(project, dest)
    assert dest.read_bytes() == before
    left = {p.name for p in tmp_path.iterdir()} - {"project.db-wal", "project.db-shm"}  # the source's own
    assert left == {"copy.db", "project.db"}


def test_backup_into_a_read_only_folder_fails_cleanly(project: Path, tmp_path: Path):
    with read_only_folder(tmp_path / "backups") as folder:
        with pytest.raises(DatabaseError, match="the backup to .* failed, nothing was written there"):
            backup(project, folder / "copy.db")
        assert list(folder.iterdir()) == []


def test_backup_refuses_to_overwrite_the_database_itself(project: Path):
    with pytest.raises(DatabaseError, match="is the database itself"):
        backup(project, project)
    assert check(project).ok


def test_rolling_backups_keep_the_newest_n(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "backups"
    folder.mkdir()
    others = ["project.backup-notes.db", "other.backup-20200101-000000.db", "project.db"]
    for name in others:
        (folder / name).write_text("not ours")
    stamps = iter(f"20250101-0000{i:02d}" for i in range(10))
    monkeypatch.setattr(maintenance.backups, "_timestamp", lambda: next(stamps))
    made = [rolling_backup(project, folder, keep=3) for _ in range(5)]
    assert made[-1] == folder / "project.backup-20250101-000004.db"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(others + [f"project.backup-20250101-00000{i}.db" for i in (2, 3, 4)])
    with Store.open(project) as store, Store.open(made[-1]) as copy:
        assert copy.dump() == store.dump()


def test_rolling_backup_of_no_database_makes_nothing(tmp_path: Path):
    assert rolling_backup(tmp_path / "none.db", tmp_path / "backups", keep=2) is None
    assert not (tmp_path / "backups").exists()
    with pytest.raises(ValueError, match="keep must be at least 1"):
        rolling_backup(tmp_path / "none.db", tmp_path, keep=0)


def test_restore_instructions_name_the_files(tmp_path: Path):
    text = restore_instructions(tmp_path / "project.db")
    assert "\n" not in text
    assert "project.db-wal" in text and "project.backup-YYYYmmdd-HHMMSS.db" in text


def test_check_names_a_database_waiting_for_its_upgrade_and_finds_nothing_wrong(tmp_path: Path):
    """Issue 20, 11: `check` on a database an older annotator wrote (or an upgrade a kill stopped)
    said 'the search index (table doc_search) is missing', exit 1, though the data is whole and
    the next start upgrades it."""
    from sqlite_utils import Database

    from annotator.storage.migrations import migrations

    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="m002_search_index")
    from annotator.storage.common import text_hash

    text = "خبر قدیمی از مشهد"
    db.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
               "VALUES ('old', 't', ?, 'fa', 'rtl', ?, ?, '2026-01-01')", [text, text_hash(text), len(text)])
    db.conn.commit()
    db.close()
    report = check(path)
    assert report.ok, report.summary()
    assert any("waits for its upgrade" in note and "m002_search_index" in note for note in report.notes)


def test_recover_keeps_queues_and_active_time(tmp_path: Path):
    from annotator.core.importing import import_paths

    path = tmp_path / "q.db"
    with Store.open(path) as store:
        import_paths(store, [SEEDS], annotator="lead")
        ids = [doc.id for docs in store.document_pages() for doc in docs]
        store.ensure_annotator("sara")
        store.set_queue("sara", ids[:2], by="lead")
        store.record_active_time("sara", ids[0], "s1", clock="h:b", started_at="2026-12-07T10:00:00",
                                 ranges=[(0.0, 12.5)])
        store.set_imported_seconds("sara", ids[1], 30.0, source="label-studio")
    out = tmp_path / "recovered.db"
    assert recover(path, out).lost == 0
    with Store.open(out) as new:
        assert new.queue("sara") == ids[:2]
        assert new.active_seconds(annotator="sara") == {("sara", ids[0]): 12.5, ("sara", ids[1]): 30.0}
    assert check(out).ok


def test_recover_keeps_relations_and_their_types(tmp_path: Path):
    """Issue 25: relation_types, relations and gold_relations are copied after the rows they name
    (sorted by name, gold_relations would come before relation_types and lose every row)."""
    from annotator.core.model import GOLD, Relation

    text = "대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다."
    path = tmp_path / "r.db"
    with open_project(path) as store, store.transaction():  # the default schema
        store.insert_document(Document("d1", "t", text, "ko", "ltr"))
        store.ensure_annotator("sara")
        ends = [store.add_span(Span("d1", "sara", 0, 3, "GPE", "대구시")),
                store.add_span(Span("d1", "sara", 5, 22, "EVENT", text[5:22]))]
        store.add_relation(Relation("d1", "sara", *ends, "participates_in"))
        gold = [store.add_gold_span(Span("d1", GOLD, 0, 3, "GPE", "대구시"), proposed_by=[], decided_by="lead"),
                store.add_gold_span(Span("d1", GOLD, 5, 22, "EVENT", text[5:22]), proposed_by=[], decided_by="lead")]
        store.add_gold_relation(Relation("d1", GOLD, *gold, "participates_in"), proposed_by=["sara"], decided_by="lead")
        relations, decided = store.relations("d1", "sara"), store.gold_relations("d1")
    out = tmp_path / "recovered.db"
    assert recover(path, out).lost == 0
    with Store.open(out) as new:
        assert (new.relations("d1", "sara"), new.gold_relations("d1")) == (relations, decided)
        assert [kind.name for kind in new.relation_types()][:1] == ["holds_role"]
    assert check(out).ok
