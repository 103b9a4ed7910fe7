"""Long documents (issue 22): a span's check reads only the pieces of its document's text it
covers, on a file and on a team database, so that its cost does not grow with the document."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from annotator.core.model import Document, Span
from annotator.core.project import open_project
from annotator.storage import DATABASE_ERRORS, Store
from annotator.storage.common import PIECE_CHARS, PIECED_OVER
from annotator.storage.migrations import known_names, migrations

WORDS = ["مشهد", "대구시", "😀", "خبر", "news", "👩\u200d💻", "سمنان"]  # 1 to 4 UTF-8 bytes a code point


def long_text(pieces: int = 20) -> str:
    """About ``pieces`` pieces of Persian, Korean, Latin and emoji, with pieces cut inside words."""
    words, size, i = [], 0, 0
    while size < pieces * PIECE_CHARS:
        word = f"{WORDS[i % len(WORDS)]}{i}"
        words.append(word)
        size += len(word) + 1
        i += 1
    return " ".join(words)


TEXT = long_text()


def _long(store: Store, doc_id: str = "long", text: str = TEXT) -> None:
    with store.transaction():
        store.insert_document(Document(doc_id, "t", text, "fa", "rtl"))
        store.ensure_annotator("a")


def _pieces(store: Store, doc_id: str = "long") -> list[tuple[int, str]]:
    return [tuple(row) for row in store.db.execute(
        "SELECT n, piece FROM document_pieces WHERE doc_id = ? ORDER BY n", [doc_id]).fetchall()]


def _span(start: int, end: int, label: str = "GPE", text: str | None = None, doc_id: str = "long") -> Span:
    return Span(doc_id, "a", start, end, label, TEXT[start:end] if text is None else text)


def _garble(store: Store, n: int, doc_id: str = "long") -> None:
    """Piece n made to lie about the text (the same length), as only the database's owner could."""
    store.db.execute("UPDATE document_pieces SET piece = ? WHERE doc_id = ? AND n = ?",
                     ["x" * PIECE_CHARS, doc_id, n])


def test_a_long_documents_text_is_kept_in_pieces_and_a_short_ones_is_not(store: Store):
    _long(store)
    store.insert_document(Document("short", "t", TEXT[:PIECED_OVER], "fa", "rtl"))
    pieces = _pieces(store)
    assert [n for n, _ in pieces] == list(range(len(TEXT) // PIECE_CHARS + 1))
    assert all(len(piece) == PIECE_CHARS for _, piece in pieces[:-1]) and "".join(p for _, p in pieces) == TEXT
    assert _pieces(store, "short") == []
    assert store.delete_document("long") is True
    assert _pieces(store) == []


def test_a_span_check_on_a_long_document_reads_only_the_pieces_the_span_covers(store: Store):
    """Piece 15 lies about the text: spans elsewhere are checked (and changed) as ever, since their
    check never reads it; a span inside it, right by the document's text, is refused, since the
    check reads that piece and not the document's whole text (and a span moved there takes the
    piece's text)."""
    _long(store)
    _garble(store, 15)
    near = TEXT.index(" ", 1100) + 1
    end = TEXT.index(" ", near)
    span_id = store.add_span(_span(near, end))
    assert span_id is not None
    moved = store.update_span(span_id, start=near, end=TEXT.index(" ", end + 1))
    assert moved.text == TEXT[near:moved.end]
    gold = store.add_gold_span(_span(2 * PIECE_CHARS + 5, 2 * PIECE_CHARS + 9), proposed_by=[], decided_by="a")
    assert store.update_gold_span(gold, decided_by="a", end=2 * PIECE_CHARS + 20).text == \
        TEXT[2 * PIECE_CHARS + 5:2 * PIECE_CHARS + 20]
    inside = 15 * PIECE_CHARS + 100
    with pytest.raises(DATABASE_ERRORS, match="does not match"):
        store.add_span(_span(inside, inside + 5))
    with pytest.raises(DATABASE_ERRORS, match="does not match"):
        store.add_gold_span(_span(inside, inside + 5), proposed_by=[], decided_by="a")
    # A span changed takes its text from the pieces it covers too: never from the whole text.
    assert store.update_span(span_id, start=inside, end=inside + 5).text == "xxxxx"


def test_spans_across_pieces_and_at_the_end_of_a_long_document(store: Store):
    _long(store)
    n = len(TEXT)
    for start, end in ((PIECE_CHARS - 3, PIECE_CHARS + 3), (PIECE_CHARS - 1, 4 * PIECE_CHARS + 1),
                       (0, PIECE_CHARS), (n - 7, n), (0, n)):
        assert store.add_span(_span(start, end)) is not None, (start, end)
    assert store.add_gold_span(_span(PIECE_CHARS - 2, 3 * PIECE_CHARS), proposed_by=[], decided_by="a") is not None
    assert {(s.start, s.end, s.text) for s in store.spans("long", "a")} >= {(0, n, TEXT), (n - 7, n, TEXT[n - 7:])}
    refused = [
        _span(PIECE_CHARS - 3, PIECE_CHARS + 3, text=TEXT[PIECE_CHARS - 2:PIECE_CHARS + 4]),  # one code point on
        _span(PIECE_CHARS - 3, PIECE_CHARS + 3, text=TEXT[PIECE_CHARS - 3:PIECE_CHARS + 2]),  # one short
        _span(n - 7, n + 1, text=TEXT[n - 7:]),  # past the end, with the text there is
        _span(n, n + 3, text=""),  # wholly past the end
        _span(n + PIECE_CHARS, n + PIECE_CHARS + 2, text=""),  # past the last piece
        _span(5, 9, doc_id="nowhere"),
    ]
    for span in refused:
        with pytest.raises(DATABASE_ERRORS):
            store.add_span(span)
    span_id = store.add_span(_span(10, 20))
    with pytest.raises(DATABASE_ERRORS):
        store.update_span(span_id, end=n + 2)
    assert store.text_at("long", PIECE_CHARS - 3, 3 * PIECE_CHARS + 3) == TEXT[PIECE_CHARS - 3:3 * PIECE_CHARS + 3]
    assert store.text_at("long", n - 2, n + 5) == TEXT[n - 2:]
    assert store.text_at("nowhere", 0, 3) is None


def test_a_rejected_suggestions_text_on_a_long_document_is_read_from_its_pieces(store: Store):
    _long(store)
    store.ensure_annotator("model")
    where = [(PIECE_CHARS - 2, PIECE_CHARS + 6), (7 * PIECE_CHARS + 1, 7 * PIECE_CHARS + 9)]
    for start, end in where:
        store.reject_suggestion("a", Span("long", "model", start, end, "GPE", TEXT[start:end]))
    assert sorted(store.rejected_suggestion_texts("a", "model")) == sorted((TEXT[s:e], "GPE") for s, e in where)


def test_a_documents_text_never_changes_so_its_pieces_stay_its_text(store: Store):
    _long(store)
    with pytest.raises(DATABASE_ERRORS, match="text never changes"):
        store.db.execute("UPDATE documents SET text = ? WHERE id = 'long'", ["x" + TEXT])
    assert store.get_document("long").text == TEXT and "".join(p for _, p in _pieces(store)) == TEXT


# --- a file's upgrade, check and recovery ------------------------------------------------------------

@pytest.mark.sqlite_only  # the file's migrations (the team database's: test_team_integrity)
def test_an_older_file_with_a_long_document_gets_its_pieces_on_upgrade(db_path: Path):
    db = Database(db_path)
    migrations.apply(db, stop_before="m008_document_pieces")
    for doc_id, text in (("long", TEXT), ("short", "خبر از مشهد")):
        db.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                   "VALUES (?, 't', ?, 'fa', 'rtl', 'x', ?, '2026-01-01')", [doc_id, text, len(text)])
    db.execute("INSERT INTO annotators VALUES ('a', '2026-01-01')")
    db.execute("INSERT INTO labels(name, colour, position) VALUES ('GPE', '#2D783C', 0)")
    db.execute('INSERT INTO spans(doc_id, annotator, start, "end", label, text, created_at, updated_at) '
               "VALUES ('long', 'a', 0, 9000, 'GPE', ?, 'x', 'x')", [TEXT[:9000]])
    db.conn.commit()
    db.close()
    with Store.open(db_path) as store:
        assert store.schema_version() == known_names()
        assert "".join(p for _, p in _pieces(store)) == TEXT and _pieces(store, "short") == []
        _garble(store, 15)  # and the checks read them from now on
        store.ensure_annotator("a")
        assert store.add_span(_span(10, 20)) is not None
        with pytest.raises(DATABASE_ERRORS, match="does not match"):
            store.add_span(_span(15 * PIECE_CHARS, 15 * PIECE_CHARS + 4))


@pytest.mark.sqlite_only  # check and recover work on a file
def test_check_compares_spans_once_per_text_and_finds_pieces_that_lie(db_path: Path, monkeypatch):
    """check reads each document's text once for all its spans and slices it in Python: none of
    the SQL it runs slices a document's text per span. Pieces that no longer match their text are
    a problem it names."""
    from annotator.storage.maintenance import checking

    with open_project(db_path) as store:
        _long(store)
        for k in range(200):
            start = k * 90
            store.add_span(_span(start, start + 4, label="GPE" if k % 2 else "PER"))
    statements: list[str] = []
    connect = checking.connect_readonly

    def traced(path):
        conn, notes = connect(path)
        conn.set_trace_callback(statements.append)
        return conn, notes

    monkeypatch.setattr(checking, "connect_readonly", traced)
    report = checking.check(db_path)
    assert report.ok, report.summary()
    assert report.counts["spans"] == 200
    assert len([s for s in statements if s.startswith("SELECT text FROM documents WHERE id")]) == 1  # 200 spans
    assert not [s for s in statements if "substr(" in s.lower()]
    monkeypatch.undo()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE document_pieces SET piece = 'x' || substr(piece, 2) WHERE doc_id = 'long' AND n = 3")
    conn.commit()
    conn.close()
    report = checking.check(db_path)
    assert report.problems == ["1 document whose pieces (the copy of the text that span checks read) no longer "
                               "match their text: long"]


@pytest.mark.sqlite_only  # check and recover work on a file
def test_recover_makes_a_long_documents_pieces_anew_from_its_text(db_path: Path, tmp_path: Path):
    from annotator.storage.maintenance.checking import check
    from annotator.storage.maintenance.recovering import recover

    with open_project(db_path) as store:
        _long(store)
        store.add_span(_span(PIECE_CHARS - 4, PIECE_CHARS + 4))
        _garble(store, 15)  # a copy would carry this over: recover makes them from the text instead
    out = tmp_path / "recovered.db"
    report = recover(db_path, out)
    assert report.tables["spans"].copied == 1 and report.lost == 0
    assert "document_pieces" not in report.tables
    with Store.open(out) as store:
        assert "".join(p for _, p in _pieces(store)) == TEXT
    assert check(out).ok


def test_importing_a_long_document_again_writes_none_of_its_spans_already_there(store: Store, tmp_path: Path):
    """Each span written runs its check; a span already stored is found with one query for the
    page instead. A piece under stored spans is made to lie: writing them again would be refused,
    so the import again only succeeds if it leaves them alone, and it still writes the new one."""
    import json

    from annotator.core.importing import import_paths

    def spans(*starts: int) -> list[dict]:
        return [{"start": s, "end": s + 4, "label": "GPE"} for s in starts]

    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(json.dumps({"id": "long", "text": TEXT, "spans": spans(10, 3 * PIECE_CHARS + 1)},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    second.write_text(json.dumps({"id": "long", "text": TEXT, "spans": spans(10, 3 * PIECE_CHARS + 1, 40)},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_paths(store, [first], annotator="a").spans_added == 2
    _garble(store, 3)
    report = import_paths(store, [second], annotator="a")
    assert (report.spans_added, report.spans_unchanged, report.documents_unchanged) == (1, 2, 1)
    assert [(s.start, s.text) for s in store.spans("long", "a")] == [
        (10, TEXT[10:14]), (40, TEXT[40:44]), (3 * PIECE_CHARS + 1, TEXT[3 * PIECE_CHARS + 1:3 * PIECE_CHARS + 5])]
