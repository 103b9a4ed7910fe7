"""The benchmark's pieces run, on a tiny corpus, and do the real work (timings are not asserted:
speed targets live in `annotator bench`, not in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator import benchmarks, benchmarks_curve, benchmarks_team
from annotator.storage import Store
from annotator.storage import cluster as clusters
from tests.postgres import Cluster, start_cluster


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
    from annotator import benchmarks_progress

    with Store.open(db) as store:
        before = {name: len(store.db.execute("SELECT id FROM spans WHERE annotator = ?", [name]).fetchall())
                  for name in "bc"}
    # --quick: progress is measured on the database agreement just filled with b's and c's layers
    progress_figures = benchmarks_progress.sqlite_figures(db, 40)
    assert [f.unit for f in progress_figures] == ["s", "s"]
    with Store.open(db) as store:
        assert {name: len(store.db.execute("SELECT id FROM spans WHERE annotator = ?", [name]).fetchall())
                for name in "bc"} == before  # the same layers, kept as they were


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


# --- suggestions ----------------------------------------------------------------------------------


def test_learning_is_measured_against_crfsuite_alone_writing_the_same_model(tmp_path: Path):
    corpus = tmp_path / "c.jsonl"
    benchmarks.make_corpus(corpus, 30)
    learned, opened = benchmarks.learning_figures(corpus, tmp_path, 25, probe=5)
    assert "25 docs (250 spans)" in learned.name and learned.floor > 0
    assert learned.value != float("inf")  # the floor's model file is ours byte for byte
    assert "slowest of 5" in opened.name and 0 < opened.floor < opened.value < 100


def test_annotator_suggest_is_measured_in_a_new_process_against_raw_writes(tmp_path: Path):
    corpus = tmp_path / "c.jsonl"
    benchmarks.make_corpus(corpus, 230, chars=400, spans=3)
    timed, memory = benchmarks.suggest_figures(corpus, tmp_path, 230, 20, smaller=210)
    assert "230 docs, 20 learned" in timed.name and timed.value > timed.floor > 0
    rows = int(timed.name.split("(")[1].split(" spans")[0].replace(",", ""))
    assert rows > 230  # the floor wrote what the command wrote (it checks the count itself)
    assert "210->230 docs" in memory.name and memory.unit == "MB" and memory.floor is None
    assert not list(tmp_path.glob("suggest-*.db*"))  # the databases are gone


def test_the_simulated_annotator_counts_what_it_did(tmp_path: Path):
    per_document = benchmarks_curve.learning_curve(12, every=5)
    assert len(per_document) == 12
    first = per_document[0]
    assert first[1] == first[2] == 0 and first[3] == first[0] > 0  # nothing learned yet: all by hand
    for gold, accepted, rejected, added in per_document:
        assert accepted + added == gold and rejected >= 0
    assert sum(p[1] for p in per_document) > 0  # it learned something it could offer
    part = [(10, 7, 2, 3), (5, 0, 1, 5)]
    assert benchmarks_curve.actions(part) == (2 + 3 + 1) + (1 + 5)  # Ctrl+Alt+A once where anything is left
    assert benchmarks_curve.actions(part, accept_all=False) == (7 + 2 + 3) + (1 + 5)
    figures, counts = benchmarks_curve.learning_curve_figures(12, (10,))
    [figure] = figures
    assert "docs 1-10" in figure.name and "optimistic" in figure.name and figure.floor == 1.0
    assert counts[0]["actions"] / counts[0]["gold"] == figure.value
    assert figure.row().split()[-1] in ("ok", "MISSED") and "0." in figure.row()  # two decimals


# --- a team database (issue 14) -------------------------------------------------------------------


def _bench_starts(monkeypatch: pytest.MonkeyPatch) -> list[Cluster]:
    """The bench starts its own cluster; here through tests/postgres.py, which skips (or, under
    ANNOTATOR_REQUIRE_POSTGRES, fails) where the server binaries are missing. The clusters it
    started, to see that it stopped them."""
    started: list[Cluster] = []

    def start() -> Cluster:
        with monkeypatch.context() as inside:
            inside.setattr(clusters, "start", real_start)
            server = start_cluster()
        started.append(server)
        return server

    real_start = clusters.start
    monkeypatch.setattr(clusters, "start", start)
    return started


def test_the_team_figures_are_measured_on_a_cluster_the_bench_starts_and_stops(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch):
    from annotator.gui.bench import run_team_benchmarks

    started = _bench_starts(monkeypatch)
    corpus = tmp_path / "c.jsonl"
    benchmarks.make_corpus(corpus, 40)
    figures = run_team_benchmarks(tmp_path, corpus, documents=30, adds=3, saves=3, runs=2, progress=lambda _: None)
    [server] = started
    assert not server.root.exists()  # stopped, its folder gone
    imported, added, *searched, seen, drawn = figures
    assert "import 30 docs into PostgreSQL" in imported.name and imported.value != float("inf")  # same rows
    assert imported.value > 0 and imported.floor > 0 and imported.target == "<= 3x floor"
    assert "add one span" in added.name and added.value > 0 and added.floor > 0 and added.target == "<= 12 ms"
    assert len(searched) == 3 and all(0 < f.value < float("inf") and f.target == "<= 50 ms" for f in searched)
    assert "max of 3" in seen.name and 0 < seen.value < float("inf") and seen.target == "<= 2000 ms"
    assert "window draws a span" in drawn.name and "slowest of 3" in drawn.name  # key press to drawn
    assert 0 < drawn.value < float("inf") and drawn.target == "<= 2000 ms"  # every span was drawn
    for figure in figures:  # the value beside its target, judged
        row = figure.row()
        assert figure.target in row and f"{figure.value:.1f}" in row and row.rstrip().endswith(("ok", "MISSED"))


def test_the_long_storage_figures_import_again_and_check_on_a_file_and_a_team_database(tmp_path: Path,
                                                                                        monkeypatch: pytest.MonkeyPatch):
    from annotator import benchmarks_long

    started = _bench_starts(monkeypatch)
    figures = benchmarks_long.storage_figures(tmp_path, lambda _: None, chars=20_000, spans=200)
    [server] = started
    assert not server.root.exists()
    imported, again, checked, team_imported, team_again = figures
    assert "import of a 0.02 MB document with 200 spans" in imported.name and imported.target == "<= 2 s"
    assert "again" in again.name and again.target == "<= 1 s"
    assert "check" in checked.name and checked.target == "<= 5 s"
    # Every command did all its work (every span imported, then found again; no problem found).
    assert all(0 < f.value < float("inf") for f in figures)
    assert (team_imported.floor, team_again.floor) == (imported.value, again.value)
    assert team_imported.target == team_again.target == "<= 3x floor"


def test_the_bench_stops_its_cluster_when_a_figure_fails(monkeypatch: pytest.MonkeyPatch):
    started = _bench_starts(monkeypatch)
    with pytest.raises(RuntimeError), benchmarks_team.team_cluster() as server:
        assert server is not None
        raise RuntimeError("a figure failed")
    [server] = started
    assert not server.root.exists()


def test_without_the_server_binaries_the_team_figures_say_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from annotator.gui.bench import run_team_benchmarks

    def missing() -> Cluster:
        raise FileNotFoundError("PostgreSQL's server binaries are not installed")

    monkeypatch.setattr(clusters, "start", missing)
    figures = run_team_benchmarks(tmp_path, documents=30, progress=lambda _: None)
    assert len(figures) == 7 and all(f.ok and f.skipped == benchmarks_team.SKIPPED for f in figures)
    assert all(f.row().rstrip().endswith("skipped: PostgreSQL server binaries not installed") for f in figures)
    assert json.loads(figures[0].to_json())["value"] is None
    assert not list(tmp_path.iterdir())  # nothing built for them


def test_the_long_document_is_one_line_of_words_with_spans_on_whole_words(tmp_path: Path):
    from annotator.benchmarks_long import write_long

    text, spans = write_long(tmp_path / "long.jsonl", 20_000, 200, one_line=True)
    assert len(text) == 20_000 and "\n" not in text
    assert len(spans) == 200 and all(a["end"] <= b["start"] for a, b in zip(spans, spans[1:]))
    for span in spans:  # a whole word: white space or punctuation (or the text's edge) on both sides
        word = text[span["start"]:span["end"]]
        assert word and not any(c.isspace() for c in word)
        assert span["start"] == 0 or not text[span["start"] - 1].isalnum()
        assert span["end"] == len(text) or not text[span["end"]].isalnum()
    record = json.loads((tmp_path / "long.jsonl").read_text(encoding="utf-8"))
    assert record["text"] == text and record["spans"] == spans


def test_the_progress_figures_run_on_a_filled_corpus(tmp_path: Path):
    from annotator import benchmarks_progress
    from annotator.core import progress
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    corpus = tmp_path / "c.jsonl"
    benchmarks.make_corpus(corpus, 40, chars=300)
    with open_project(tmp_path / "p.db") as store:
        import_paths(store, [corpus], annotator="a")
        benchmarks_progress.fill(store)
        figures = benchmarks_progress.figures(store, 40)
        got = {p.name: p for p in progress.compute(store).annotators}
    assert [f.unit for f in figures] == ["s", "s"] and all(f.value >= 0 and f.floor is not None for f in figures)
    # c skips every tenth document (seq 10, 20, 30, 40) and leaves seq 5, 25 in progress
    assert (got["a"].done, got["c"].done, got["c"].skipped, got["c"].in_progress) == (40, 34, 4, 2)
    assert got["a"].assigned == 40 and got["a"].f1_others is not None


def test_the_team_progress_figures_are_measured_on_a_filled_team_database(tmp_path: Path):
    from annotator import benchmarks_progress

    figures = benchmarks_progress.team_progress_figures(tmp_path, 30, say=lambda _: None)
    assert [f.name.split(",")[0] for f in figures] == ["team: progress", "team: report -o report.html"]
    assert all(f.skipped is None and f.value >= 0 and f.floor is not None for f in figures)
    assert not (tmp_path / "progress-corpus.jsonl").exists()
