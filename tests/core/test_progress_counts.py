"""The counts ``annotator progress`` sums (issue 24: ``span_counts``, ``span_matches``, kept by the
database as spans change) against a count from scratch, after every write path, on both backends;
and the migration's fill of a database that had spans before it."""

from __future__ import annotations

import json
import random

import pytest

from annotator.core.importing import import_paths
from annotator.core.merging import merge
from annotator.core.model import Document, Span, Status
from annotator.core.project import open_project
from annotator.core.schema import Label
from annotator.storage import Store
from annotator.storage.annotations_part import BULK_SPANS
from annotator.storage.progress_counts import BULK_ROWS, finished_sums

TEXT = "대구시는 지난 18일 스마트시티 엑스포에서 권혁원 과장이 발표했다"
EDGES = [0, 2, 3, 5, 7, 9, 12, 15, 17, 20, 24, 27]  # few offsets: layers often agree exactly
WHO = ("a", "b", "c", "model")
LABELS = ("X", "Y")
DOCS = ("d1", "d2", "d3")

# The definitions, counted from the spans themselves.
SCRATCH_COUNTS = ("SELECT doc_id, annotator, label, count(*) FROM spans WHERE annotator <> 'model' "
                  "GROUP BY doc_id, annotator, label")
SCRATCH_MATCHES = ('SELECT x.doc_id, x.annotator, y.annotator, x.label, count(*) FROM spans x JOIN spans y '
                   'ON y.doc_id = x.doc_id AND y.start = x.start AND y."end" = x."end" AND y.label = x.label '
                   "AND y.annotator > x.annotator WHERE x.annotator <> 'model' AND y.annotator <> 'model' "
                   "GROUP BY x.doc_id, x.annotator, y.annotator, x.label")
# progress_pairs as it was before the counts: each finished span looked up in each other finished layer.
SCRATCH_PAIRS = (
    "SELECT a.annotator, db.annotator, a.label, count(*), count(b.id) FROM spans a "
    "JOIN doc_status da ON da.doc_id = a.doc_id AND da.annotator = a.annotator AND da.status = 'done' "
    "AND da.annotator <> 'model' AND da.updated_at >= ? "
    "JOIN doc_status db ON db.doc_id = a.doc_id AND db.annotator <> a.annotator AND db.status = 'done' "
    "AND db.annotator <> 'model' AND db.updated_at >= ? "
    "LEFT JOIN spans b ON b.doc_id = db.doc_id AND b.annotator = db.annotator AND b.start = a.start "
    'AND b."end" = a."end" AND b.label = a.label GROUP BY a.annotator, db.annotator, a.label')


def kept(store: Store) -> tuple[list, list]:
    return (sorted(tuple(r) for r in store.db.execute("SELECT doc_id, annotator, label, n FROM span_counts")),
            sorted(tuple(r) for r in store.db.execute("SELECT doc_id, a, b, label, n FROM span_matches")))


def scratch(store: Store) -> tuple[list, list]:
    return (sorted(tuple(r) for r in store.db.execute(SCRATCH_COUNTS)),
            sorted(tuple(r) for r in store.db.execute(SCRATCH_MATCHES)))


def check(store: Store, since: str = "") -> None:
    assert kept(store) == scratch(store)
    if store._PROGRESS_TOTALS:
        totals = f"SELECT a, b, label, n, m FROM {store._PROGRESS_TOTALS} WHERE n <> 0 OR m <> 0"
        expected = sorted(tuple(r) for r in store.db.execute(
            f"SELECT * FROM ({finished_sums()}) s WHERE n <> 0 OR m <> 0"))
        assert sorted(tuple(r) for r in store.db.execute(totals)) == expected
        if store._PROGRESS_FOLD:  # a team database: the deltas folded into the totals, the same sums
            store.db.execute(store._PROGRESS_FOLD)
            assert store.db.execute("SELECT count(*) FROM progress_deltas").fetchone()[0] == 0
            assert sorted(tuple(r) for r in store.db.execute(totals)) == expected
        assert sorted(store.progress_pairs()) == sorted(
            tuple(r) for r in store.db.execute(SCRATCH_PAIRS, ["", ""]))
    assert sorted(store.progress_pairs(since or None)) == sorted(
        tuple(r) for r in store.db.execute(SCRATCH_PAIRS, [since, since]))


def span(rng: random.Random, doc: str | None = None, who: str | None = None) -> Span:
    start, end = sorted(rng.sample(EDGES, 2))
    return Span(doc or rng.choice(DOCS), who or rng.choice(WHO), start, end, rng.choice(LABELS), TEXT[start:end])


def setup(store: Store) -> None:
    for label in LABELS:
        store.add_label(Label(label))
    store.insert_documents([Document(d, d, TEXT, "ko", "ltr") for d in DOCS])
    for name in WHO:
        store.ensure_annotator(name)


def test_random_changes_keep_the_counts_right(store: Store):
    setup(store)
    rng = random.Random(24)
    deleted: list[Span] = []
    stamps = [""]
    for step in range(300):
        ids = [r[0] for r in store.db.execute("SELECT id FROM spans ORDER BY id")]
        op = rng.choice(["add", "add", "add", "many", "started", "delete", "move", "relabel", "status",
                         "restore", "clear"])
        if op == "add":
            store.add_span(span(rng))
        elif op == "many":  # one statement: spans that match each other, some already there
            doc, start, end, label = rng.choice(DOCS), *sorted(rng.sample(EDGES, 2)), rng.choice(LABELS)
            store.add_spans([Span(doc, who, start, end, label, TEXT[start:end]) for who in WHO]
                            + [span(rng) for _ in range(rng.choice([3, BULK_SPANS, BULK_ROWS + 1]))])  # pages: counted at their end
        elif op == "started":
            store.add_span_started(span(rng))
        elif op == "delete" and ids:
            gone = store.delete_span(rng.choice(ids))
            if gone is not None:
                deleted.append(gone)
        elif op == "restore" and deleted:
            gone = deleted.pop(rng.randrange(len(deleted)))
            try:
                with store.transaction():
                    store.restore_span(gone)
            except Exception:  # the same span is there again under another id
                pass
        elif op in ("move", "relabel") and ids:
            span_id = rng.choice(ids)
            old = store.get_span(span_id)
            assert old is not None
            change = ({"label": "Y" if old.label == "X" else "X"} if op == "relabel"
                      else {"end": rng.choice([e for e in EDGES if e > old.start])})
            try:
                with store.transaction():
                    store.update_span(span_id, **change)
            except Exception:  # it would duplicate another span of the layer
                pass
        elif op == "status":
            store.set_status(rng.choice(DOCS), rng.choice(WHO), rng.choice(list(Status)))
            if step % 3 == 0:
                stamps.append(store.db.execute("SELECT max(updated_at) FROM doc_status").fetchone()[0])
        elif op == "clear":
            store.clear_spans([rng.choice(DOCS)], rng.choice(WHO))
        if step % 10 == 0:
            check(store, rng.choice(stamps))
    check(store)
    assert kept(store)[1], "no layers agreed: the test proves nothing"
    store.rename_label("labels", "X", "Z")  # spans follow by foreign key
    check(store)
    store.delete_document("d2")  # its spans go with it
    check(store)
    assert {r[0] for r in kept(store)[0]} <= {"d1", "d3"}


def _corpus(path, who: str, rng: random.Random) -> None:
    rows = []
    for doc in DOCS:
        items = {}
        shared = random.Random(doc)  # the same first three spans in every layer: they match
        for k in range(6):
            s = span(shared if k < 3 else rng, doc, who)
            items[(s.start, s.end, s.label)] = {"start": s.start, "end": s.end, "label": s.label}
        rows.append({"id": doc, "title": doc, "text": TEXT, "lang": "ko", "spans": list(items.values())})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_import_and_merge_keep_the_counts_right(store: Store, tmp_path):
    rng = random.Random(7)
    for who in ("a", "b"):
        _corpus(tmp_path / f"{who}.jsonl", who, rng)
        import_paths(store, [tmp_path / f"{who}.jsonl"], annotator=who)
        check(store)
    import_paths(store, [tmp_path / "a.jsonl"], annotator="a")  # twice: nothing changes
    check(store)
    other = tmp_path / "other.db"
    with open_project(other) as theirs:
        _corpus(tmp_path / "c.jsonl", "c", rng)
        import_paths(theirs, [tmp_path / "c.jsonl"], annotator="c")
        import_paths(theirs, [tmp_path / "b.jsonl"], annotator="b")  # the same b: merged, no change
    merge(store, other)
    check(store)
    assert {(r[1], r[2]) for r in kept(store)[1]} == {("a", "b"), ("a", "c"), ("b", "c")}


@pytest.mark.sqlite_only  # the file's migration (the team database's: tests/storage/test_team_progress_counts.py)
def test_the_migration_counts_an_older_files_spans(db_path):
    from sqlite_utils import Database

    from annotator.storage.migrations import migrations

    db = Database(db_path)
    migrations.apply(db, stop_before="m010_progress_counts")
    db.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
               "VALUES ('d1', 't', ?, 'ko', 'ltr', 'x', ?, '2026-01-01')", [TEXT, len(TEXT)])
    for label in LABELS:
        db.execute("INSERT INTO labels(name, colour, position) VALUES (?, '#2D783C', 0)", [label])
    rng = random.Random(3)
    for who in WHO:
        db.execute("INSERT INTO annotators VALUES (?, '2026-01-01')", [who])
        for k in range(8):
            s = span(random.Random(k) if k < 4 else rng, "d1", who)
            db.execute('INSERT OR IGNORE INTO spans(doc_id, annotator, start, "end", label, text, created_at, '
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, 'x', 'x')", [s.doc_id, who, s.start, s.end, s.label, s.text])
    db.conn.commit()
    db.close()
    with Store.open(db_path) as store:
        assert kept(store) == scratch(store)
        assert {row[1:3] for row in kept(store)[1]} == {("a", "b"), ("a", "c"), ("b", "c")}
        assert all("model" not in row for row in kept(store)[0])
        store.add_span(span(random.Random(0), "d1", "model"))  # and the triggers keep them from now on
        store.add_span(span(random.Random(9), "d1", "a"))
        check(store)
