"""``annotator bench``'s figures for ``progress`` and ``report`` (issue 24): 100,000 documents,
three annotators, every layer timed, some adjudicated.

The project is built from an imported corpus (annotator ``a``'s spans) in a few statements: ``b``
moves every fifth span's end, ``c`` relabels every seventh; all three finish every document but
``c`` skips every tenth and leaves every twentieth in progress; status times spread over 30 days;
each layer has one window session of active time; every tenth document is adjudicated (gold: ``a``'s
spans). The floor is one ``SELECT count(*)`` over the same rows (the finished layers' spans).

Run one figure alone: ``python -m annotator.benchmarks_progress [DOCUMENTS]`` (SQLite), or
``python -m annotator.benchmarks_progress --team [DOCUMENTS]`` (a team database over a throwaway
PostgreSQL cluster).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from annotator.benchmarks import Figure, make_corpus

PROGRESS_DOCUMENTS = 100_000
FLOOR_SQL = ("SELECT count(*) FROM spans s JOIN doc_status d ON d.doc_id = s.doc_id AND d.annotator = s.annotator "
             "WHERE d.status = 'done'")


def fill(store) -> None:
    """Make the three annotators' layers, queues, active time and gold described above. b's and c's
    spans are those the agreement figure makes (``annotator bench --quick`` measures agreement on
    this very database first): already there, they are kept as they are."""
    run = store.db.execute
    with store.transaction():
        for name in ("b", "c"):
            store.ensure_annotator(name)
        trimmed = 'id % 5 = 0 AND "end" - start > 1'
        run('INSERT OR IGNORE INTO spans(doc_id, annotator, start, "end", label, text, created_at, updated_at) '
            f"SELECT doc_id, 'b', start, CASE WHEN {trimmed} THEN \"end\" - 1 ELSE \"end\" END, label, "
            f"CASE WHEN {trimmed} THEN substr(text, 1, length(text) - 1) ELSE text END, created_at, updated_at "
            "FROM spans WHERE annotator = 'a'")
        run('INSERT OR IGNORE INTO spans(doc_id, annotator, start, "end", label, text, created_at, updated_at) '
            "SELECT doc_id, 'c', start, \"end\", CASE WHEN id % 7 = 0 THEN "
            "(CASE WHEN label = 'ORG' THEN 'LOC' ELSE 'ORG' END) ELSE label END, text, created_at, updated_at "
            "FROM spans WHERE annotator = 'a'")
        for i, name in enumerate(("a", "b", "c")):
            status = ("CASE WHEN seq % 10 = 0 THEN 'skipped' WHEN seq % 20 = 5 THEN 'in_progress' ELSE 'done' END"
                      if name == "c" else "'done'")
            day = ("'2026-11-' || CASE WHEN seq % 30 < 9 THEN '0' ELSE '' END || (1 + seq % 30) "
                   "|| 'T12:00:00.000+00:00'")
            run("INSERT INTO doc_status(doc_id, annotator, status, updated_at) "
                f"SELECT id, ?, {status}, {day} FROM documents WHERE true "
                "ON CONFLICT (doc_id, annotator) DO UPDATE SET status = excluded.status, "
                "updated_at = excluded.updated_at", [name])
            run("INSERT INTO queue_items(annotator, doc_id, position, assigned_by, assigned_at) "
                "SELECT ?, id, seq, 'lead', '2026-11-01T00:00:00.000+00:00' FROM documents", [name])
            run("INSERT INTO active_time(annotator, doc_id, session, clock, started_at, ranges, seconds, updated_at) "
                f"SELECT ?, id, 's', 'm{i}', {day}, '[[0, ' || (60 + seq % 600) || ']]', 60 + seq % 600, {day} "
                "FROM documents", [name])
        run("INSERT INTO gold_spans(doc_id, start, \"end\", label, text, proposed_by, decided_by, decided_at) "
            "SELECT s.doc_id, s.start, s.\"end\", s.label, s.text, '[\"a\"]', 'lead', s.created_at FROM spans s "
            "JOIN documents d ON d.id = s.doc_id WHERE s.annotator = 'a' AND d.seq % 10 = 1")
        run("INSERT INTO gold_documents(doc_id, status, decided_by, decided_at) "
            "SELECT id, 'adjudicated', 'lead', '2026-11-30T00:00:00.000+00:00' FROM documents WHERE seq % 10 = 1")


def figures(store, documents: int, *, team: str = "") -> list[Figure]:
    """progress and report timed on ``store`` (filled), beside the floor."""
    from annotator.core.progress import compute
    from annotator.core.report_html import render

    def timed(fn) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    floor = timed(lambda: store.db.execute(FLOOR_SQL).fetchone())
    seconds = timed(lambda: compute(store))
    report = timed(lambda: render(compute(store)))
    limit = 5.0 if team else 2.0
    where = "team database" if team else "SQLite"
    return [Figure(f"{team}progress, 3 annotators x {documents:,} documents ({where})", seconds, "s", floor,
                   f"<= {limit:g} s", limit, False),
            Figure(f"{team}report -o report.html, 3 annotators x {documents:,} documents ({where})", report, "s",
                   floor, f"<= {limit:g} s", limit, False)]


def sqlite_figures(db: Path, documents: int) -> list[Figure]:
    """Fill the bench's imported database (its last use) and time progress and report on it."""
    from annotator.core.project import open_project

    with open_project(db) as store:
        fill(store)
        return figures(store, documents)


def team_progress_figures(workdir: Path, documents: int, say=print) -> list[Figure]:
    """The team database's progress and report at ``documents`` documents: a corpus of short
    documents made here (the figures count spans, not characters: 300 characters fill the team
    database in a few minutes), imported and filled over a throwaway cluster started here; skipped,
    saying so, where PostgreSQL's server binaries are not installed."""
    from annotator.benchmarks_team import SKIPPED, team_cluster

    with team_cluster() as server:
        if server is None:
            return [Figure.skip(f"team: {what}, 3 annotators x {documents:,} documents (team database)", "s",
                                "<= 5 s", SKIPPED) for what in ("progress", "report -o report.html")]
        corpus = workdir / "progress-corpus.jsonl"
        say(f"team database: filling 3 annotators x {documents:,} documents for progress and report …")
        make_corpus(corpus, documents, chars=300)
        try:
            return team_figures(corpus, workdir, server, documents)
        finally:
            corpus.unlink()


def main(documents: int = PROGRESS_DOCUMENTS) -> list[Figure]:
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    with tempfile.TemporaryDirectory(prefix="annotator-progress-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        make_corpus(corpus, documents, chars=300)
        with open_project(Path(tmp) / "p.db") as store:
            import_paths(store, [corpus], annotator="a")
            fill(store)
            return figures(store, documents)


def team_figures(corpus: Path, workdir: Path, server, documents: int) -> list[Figure]:
    """The same on a new team database over ``server`` (the corpus's first ``documents``)."""
    from annotator.benchmarks_team import first_documents, team_database
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    part = workdir / "progress-team.jsonl"
    count = first_documents(corpus, part, documents)
    url = team_database(server, "bench_progress")
    with open_project(url) as store:
        import_paths(store, [part], annotator="a")
        fill(store)
        store.db.execute("ANALYZE")
        return figures(store, count, team="team: ")


if __name__ == "__main__":
    team = "--team" in sys.argv
    numbers = [int(a) for a in sys.argv[1:] if a != "--team"]
    count = numbers[0] if numbers else PROGRESS_DOCUMENTS
    if team:
        with tempfile.TemporaryDirectory(prefix="annotator-progress-team-") as where:
            rows = team_progress_figures(Path(where), count)
    else:
        rows = main(count)
    for figure in rows:
        print(figure.row())
