"""The benchmark's pieces run, on a tiny corpus, and do the real work (timings are not asserted:
speed targets live in `annotator bench`, not in tests)."""

from __future__ import annotations

import json
from pathlib import Path

from annotator import benchmarks
from annotator.storage import Store


def test_corpus_is_valid_input_with_exact_spans(tmp_path: Path):
    corpus = tmp_path / "c.jsonl"
    spans = benchmarks.make_corpus(corpus, 20)
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 20 and spans == sum(len(r["spans"]) for r in rows) == 200
    assert all(2500 <= len(r["text"]) <= 3600 for r in rows)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in rows[0]["text"] + rows[1]["text"])  # Korean in the mix


def test_the_pieces_run_on_a_tiny_corpus(tmp_path: Path):
    corpus = tmp_path / "c.jsonl"
    spans = benchmarks.make_corpus(corpus, 40)
    figure, db = benchmarks.import_figure(corpus, tmp_path)
    assert figure.value > 0 and figure.floor > 0 and "40 documents" in figure.name
    with Store.open(db) as ours, Store.open(tmp_path / "floor.db") as floor:  # the floor wrote the same rows
        mine, theirs = ours.dump(), floor.dump()
        for table in ("documents", "spans", "doc_themes", "annotators", "labels"):
            assert mine[table] == theirs[table] and mine[table], table
        assert [d.id for d in floor.search('"대구"', limit=50)] == [d.id for d in ours.search('"대구"', limit=50)]
    searches = benchmarks.search_figures(db, runs=2)
    assert len(searches) == 3 and all(f.value != float("inf") for f in searches)  # results checked
    exports = benchmarks.export_figures(db, tmp_path, spans)
    lines = (tmp_path / "ours.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40 and exports[0].floor > 0
    agreement = benchmarks.agreement_figure(db, 40)
    assert agreement.value > 0
    row = agreement.row()
    assert "agreement over 3 annotators x 40 documents" in row and row.rstrip().endswith(("ok", "MISSED"))
    assert json.loads(agreement.to_json())["ok"] in (True, False)


def test_a_figure_judges_by_ratio_or_by_value():
    assert benchmarks.Figure("x", 30, "s", 10, "<= 3x", 3.0, True).ok
    assert not benchmarks.Figure("x", 31, "s", 10, "<= 3x", 3.0, True).ok
    assert benchmarks.Figure("y", 49, "ms", None, "<= 50 ms", 50.0, False).ok
    assert not benchmarks.Figure("y", 51, "ms", None, "<= 50 ms", 50.0, False).ok


def test_agreement_is_over_the_first_ten_thousand_documents_of_a_larger_corpus(tmp_path: Path):
    corpus = tmp_path / "c.jsonl"
    benchmarks.make_corpus(corpus, 30)
    db = benchmarks.agreement_database(corpus, tmp_path, documents=12)
    with Store.open(db) as store:
        ids = [s.id for s in store.document_summaries("a")]
    assert ids == [f"b{i:06d}" for i in range(12)]
    assert "3 annotators x 12 documents" in benchmarks.agreement_figure(db, 12).name
