"""The database file: schema, pragmas, version checks, upgrades with a backup, the offsets rule."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from annotator.core.errors import DatabaseError
from annotator.core.model import Document, Span, Status
from annotator.core.project import open_project
from annotator.storage import DATABASE_ERRORS, Store
from annotator.storage.migrations import known_names, migrations

TABLES = {
    "settings", "documents", "labels", "themes", "annotators", "spans", "doc_themes", "doc_status",
    "gold_spans", "gold_themes", "gold_documents", "doc_search", "_sqlite_migrations", "suggestion_rejections", "gold_rejections",
}


@pytest.mark.sqlite_only  # the file's own schema and migrations (the team database's: test_team_postgres)
def test_blank_database_gets_the_whole_schema(db_path: Path):
    with Store.open(db_path) as store:
        tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert TABLES <= tables
        assert store.schema_version() == known_names()
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_new_project_gets_the_default_schema_but_not_the_seeds(db_path: Path):
    with open_project(db_path) as store:
        assert [label.name for label in store.schema().labels][:3] == ["PER", "ORG", "GPE"]
        assert store.count_documents() == 0


def test_default_database_opens_on_the_seeds(isolated_user: Path):
    with open_project() as store:
        assert store.path == isolated_user / "data" / "annotator" / "annotator.db"
        assert store.count_documents() == 5
    with open_project() as store:  # and only once
        assert store.count_documents() == 5


@pytest.mark.sqlite_only  # the file's own schema and migrations (the team database's: test_team_postgres)
def test_database_from_a_newer_version_is_refused(db_path: Path):
    Store.open(db_path).close()
    db = Database(db_path)
    db["_sqlite_migrations"].insert(
        {"migration_set": "annotator", "name": "m999_future", "applied_at": "2030-01-01"}
    )
    db.close()
    with pytest.raises(DatabaseError, match="written by a newer version of annotator.*m999_future"):
        Store.open(db_path)


def test_foreign_sqlite_file_and_non_database_are_refused(tmp_path: Path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (y)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="not an annotator one"):
        Store.open(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseError, match="not a usable SQLite database"):
        Store.open(junk)


@pytest.mark.sqlite_only  # the file's own schema and migrations (the team database's: test_team_postgres)
def test_older_database_is_backed_up_then_migrated(db_path: Path):
    """A database at migration 1 (before the search index) upgrades, keeping a copy of itself."""
    db = Database(db_path)
    migrations.apply(db, stop_before="m002_search_index")
    db.execute(
        "INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
        "VALUES ('old', 'قدیمی', 'خبر قدیمی از مشهد', 'fa', 'rtl', 'x', 17, '2026-01-01')"
    )
    db.close()
    with Store.open(db_path) as store:
        assert store.backup_path is not None and store.backup_path.exists()
        assert store.schema_version() == known_names()
        assert [d.id for d in store.search('"مشهد" *')] == ["old"]
    backup = Database(store.backup_path)
    assert [m.name for m in migrations.applied(backup)] == ["m001_initial"]
    assert backup.execute("SELECT id FROM documents").fetchall() == [("old",)]


@pytest.mark.sqlite_only  # the file's migrations (the team database's: test_team_postgres)
def test_the_default_themes_old_colours_are_recoloured_and_a_chosen_colour_kept(db_path: Path):
    """m007: a database made before the default themes were recoloured (themes 1 and 5 were one
    purple) gets the new colours where a theme still has the old default."""
    db = Database(db_path)
    migrations.apply(db, stop_before="m007_theme_colours")
    db["themes"].insert_all([{"name": "smart_governance", "colour": "#7950f2", "position": 0},
                             {"name": "ai_cybersecurity", "colour": "#845EF7", "position": 1},
                             {"name": "mobility", "colour": "#123456", "position": 2}])
    db.close()
    with Store.open(db_path) as store:
        colours = {theme.name: theme.colour for theme in store.schema().themes}
    assert colours == {"smart_governance": "#7460BC", "ai_cybersecurity": "#946074", "mobility": "#123456"}


def _doc(text: str = "استاندار سمنان گفت") -> Document:
    return Document(id="d1", title="t", text=text, lang="fa", direction="rtl")


def test_database_refuses_a_span_whose_text_is_not_what_it_covers(store: Store):
    store.insert_document(_doc())
    store.ensure_annotator("a")
    assert store.add_span(Span("d1", "a", 9, 14, "GPE", "سمنان")) is not None
    with pytest.raises(DATABASE_ERRORS, match="does not match"):
        store.add_span(Span("d1", "a", 9, 14, "PER", "سمنا"))
    with pytest.raises(DATABASE_ERRORS):
        store.add_span(Span("d1", "a", 9, 40, "PER", "سمنان گفت"))


def test_offsets_count_code_points_in_sqlite_too(store: Store):
    """SQLite's substr() counts code points like Python; an emoji before the span shifts nothing."""
    text = "😀👩\u200d💻 مشهد"
    store.insert_document(_doc(text))
    store.ensure_annotator("a")
    start = text.index("مشهد")
    assert store.add_span(Span("d1", "a", start, start + 4, "GPE", "مشهد")) is not None
    assert [(s.start, s.end, s.text) for s in store.spans("d1", "a")] == [(5, 9, "مشهد")]


def test_status_defaults_to_new_and_changes(store: Store):
    store.insert_document(_doc())
    store.ensure_annotator("a")
    assert store.status("d1", "a") is Status.NEW
    assert store.set_status("d1", "a", Status.DONE) is True
    assert store.set_status("d1", "a", Status.DONE) is False
    assert store.status("d1", "a") is Status.DONE


def test_a_label_keys_span_starts_its_document_in_the_same_commit(store: Store):
    """add_span_started (a label key's write, one statement on a team database): a new span on a
    new document starts it and says it was new; the next span leaves the status; the same span
    again writes nothing; a document done or skipped stays so."""
    store.insert_document(_doc())
    store.ensure_annotator("a")
    first = store.add_span_started(Span("d1", "a", 9, 14, "GPE", "سمنان"))
    assert first[0] is not None and first[1] is Status.NEW and store.status("d1", "a") is Status.IN_PROGRESS
    again = store.add_span_started(Span("d1", "a", 0, 8, "ROLE", "استاندار"))
    assert again[0] not in (None, first[0]) and again[1] is None and store.status("d1", "a") is Status.IN_PROGRESS
    assert store.add_span_started(Span("d1", "a", 9, 14, "GPE", "سمنان")) == (None, None)
    assert [(s.start, s.label, s.id) for s in store.spans("d1", "a")] == [(0, "ROLE", again[0]), (9, "GPE", first[0])]
    store.set_status("d1", "a", Status.DONE)
    assert store.add_span_started(Span("d1", "a", 15, 18, "EVENT", "گفت"))[1] is None
    assert store.status("d1", "a") is Status.DONE
    with pytest.raises(DATABASE_ERRORS, match="does not match"):  # refused whole: no span, no status
        store.add_span_started(Span("d1", "a", 9, 14, "PER", "سمنا"))
    store.insert_document(Document(id="d2", title="t", text="مشهد", lang="fa", direction="rtl"))
    with pytest.raises(DATABASE_ERRORS):
        store.add_span_started(Span("d2", "a", 0, 40, "GPE", "مشهد"))
    assert store.spans("d2", "a") == [] and store.status("d2", "a") is Status.NEW


def test_deleting_a_document_removes_it_from_search(store: Store):
    store.insert_document(_doc())
    assert [d.id for d in store.search('"سمنان" *')] == ["d1"]
    assert store.delete_document("d1") is True
    assert store.search('"سمنان" *') == []


def test_schema_reload_keeps_labels_in_use(store: Store, tmp_path: Path):
    from annotator.core.schema import Label, Schema

    store.insert_document(_doc())
    store.ensure_annotator("a")
    store.add_span(Span("d1", "a", 9, 14, "GPE", "سمنان"))
    change = store.replace_schema(Schema(labels=(Label("PER", hotkey="g"), Label("NEW", hotkey="p"))))
    assert "GPE" in change.kept_in_use and "ORG" in change.removed and "NEW" in change.added
    names = [label.name for label in store.schema().labels]
    assert names[:2] == ["PER", "NEW"] and "GPE" in names and "ORG" not in names


@pytest.mark.sqlite_only  # the file's own schema and migrations (the team database's: test_team_postgres)
def test_a_first_open_that_stopped_before_its_first_migration_opens_again(db_path: Path):
    db = Database(db_path)
    migrations.ensure_migrations_table(db)  # what sqlite-utils commits before the first migration
    db.close()
    with Store.open(db_path) as store:
        assert store.schema_version() == known_names()


def test_opening_storage_does_not_load_pandas_or_numpy_yet_both_still_import():
    """sqlite-utils would import them whenever installed (the test extra installs them): 250 ms of every start."""
    import subprocess
    import sys

    script = ("import sys, annotator.storage; loaded = [m for m in ('pandas', 'numpy') if m in sys.modules]; "
              "import pandas, numpy; print(loaded, pandas.__name__, numpy.__name__)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "pandas", "numpy"]


def test_the_suggestions_within_a_range_are_those_of_the_whole_list_inside_it(store: Store):
    """What a label key reads again: the pending suggestions inside the changed span's edges."""
    text = "😀 " + "استاندار سمنان گفت و 대구시는 발표했다. " * 30
    store.insert_document(_doc(text))
    store.ensure_annotator("model")
    store.ensure_annotator("a")
    words = [(m, m + len(w)) for w in ("سمنان", "대구시") for m in range(len(text)) if text.startswith(w, m)]
    for start, end in words:
        store.add_span(Span("d1", "model", start, end, "GPE", text[start:end]))
    taken, rejected = words[3], words[40]
    store.add_span(Span("d1", "a", *taken, "GPE", text[taken[0]:taken[1]]))
    store.reject_suggestion("a", Span("d1", "model", *rejected, "GPE", text[rejected[0]:rejected[1]]))
    whole = store.pending_suggestions("d1", "a", "model")
    assert len(whole) == len(words) - 2
    for low, high in [(0, len(text)), (words[2][0], words[5][1]), (words[40][0], words[40][1]), (5, 6)]:
        inside = store.pending_suggestions("d1", "a", "model", within=(low, high))
        assert inside == [s for s in whole if low <= s.start and s.end <= high]
