"""The commands that run the window offscreen: screenshot, and bench (the window among its figures)."""

from __future__ import annotations

from pathlib import Path

import click

from annotator.cli.common import CONTEXT, annotator_option, db_option, document_id, project, reports_errors
from annotator.core.identity import check_annotators, current_annotator


@click.command(context_settings=CONTEXT)
@click.option("--doc", "doc_id", required=True, metavar="ID", help="The document to show (ID, or a unique start of one).")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The PNG to write.")
@annotator_option("Whose spans to highlight. Default: who annotates this database (annotator whoami).")
@click.option("--size", default="1400x900", show_default=True, metavar="WxH", help="Window size in pixels.")
@click.option("--dark", is_flag=True, help="Use the dark palette.")
@click.option("--review", is_flag=True, help="In review mode, on the first undecided unit.")
@click.option("--show", type=click.Choice(["span-menu", "labels"]), help="Also a span's menu, or the label editor.")
@db_option
@reports_errors
def screenshot(doc_id: str, out: Path, annotator: str | None, size: str, dark: bool, review: bool,
               show: str | None, db: str | None) -> None:
    """Render the main window offscreen with a document open and its spans highlighted.

    --show span-menu opens the right-click menu on the document's first span; --show labels
    renders the label and theme editor.

    \b
    Example:
        annotator screenshot --doc 000_b57cd57af517ef66 --out persian.png --size 1400x900
        annotator screenshot --doc 000_b57cd57af517ef66 --out menu.png --show span-menu
    """
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{size!r} is not WIDTHxHEIGHT, e.g. 1400x900", param_hint="--size") from None
    from annotator.gui.app import screenshot as render

    with project(db) as store:  # the database --db names, however it was written; never a new one
        if not review:  # a reviewer needs no layer of their own: they adjudicate the others'
            check_annotators(store, annotator)
        found = document_id(store, doc_id)
        path = render(store, found, out, annotator=annotator or current_annotator(store), size=(width, height),
                      dark=dark, review=review, show=show)
    click.echo(f"Wrote {path}")


@click.command(context_settings=CONTEXT)
@click.option("--quick", is_flag=True, help="10,000 documents instead of 100,000.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per figure per line.")
@click.option("--window-only", is_flag=True, help="Only the window figures: one long document, and learning from 200 documents (about a minute).")
@click.option("--long", "long_only", is_flag=True,
              help="Only the long documents: 1 MB with 10,000 spans, and a 100 MB article (a few minutes).")
def bench(quick: bool, as_json: bool, window_only: bool, long_only: bool) -> None:
    """Measure annotator at corpus scale, each figure beside a floor measured in the same run.

    Builds a synthetic corpus (Persian and Korean seed sentences, about 3,000 characters and 10
    spans a document; 100,000 documents, 10,000 with --quick) in a temporary folder and measures:
    import (floor: raw executemany of the same rows into the same schema), search, the window with the corpus open
    (floor: a bare QMainWindow) and its memory, a 100,000-character document with 5,000 spans
    (floor: a bare QPlainTextEdit with a QSyntaxHighlighter), adding a span, export (floor:
    json.dumps over the same rows read raw), agreement over three annotators, and progress and
    report over three annotators on every document (floor: one SELECT count(*) over the
    finished layers' spans).

    Suggestions: learning the string matcher and the tagger from 1,000 annotated documents
    (floor: crfsuite alone on features computed beforehand; 200 with --quick), suggestions for a
    document just opened (floor: crfsuite's tagging and one regular expression), annotator
    suggest over 10,000 documents learning from 1,000 and its memory against 2,000 (floor: raw
    executemany of the same suggestions; not with --quick), and a learning curve: actions per
    entity of a simulated annotator with suggestions against without, on a corpus that repeats
    the seeds' annotated sentences (optimistic; 50 documents with --quick). The window learning
    from 1,000 documents of that corpus (200 with --quick or --window-only): Learn from… until it
    suggests, adding a span while it trains (floor: the same key presses before), opening a
    document until its suggestions are drawn (floor: opening it without), and the suggestion
    process's memory once it serves (Korean loaded).

    A team database, over a throwaway PostgreSQL cluster started and stopped here (skipped when
    its server is not installed): importing 10,000 documents (floor: the same import into SQLite,
    at most 3x), adding a span in the window as a member (at most 12 ms, beside the same on
    SQLite), search (at most 50 ms), and a span one member saves seen by another's store and
    drawn in another's window (at most 2 s). Exits 1 if a figure misses its target.

    --long measures long documents instead: a 1,000,000-character document with 10,000 spans
    (import, re-import, check, suggest, and in the window: opening it and adding a span) and a
    100,000,000-character article (the window opening it, and exporting it), each against its
    target.

    \b
    Example:
        annotator bench --quick
        annotator bench --json > bench.jsonl
    """
    import os
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from annotator import benchmarks as core_bench
    from annotator.gui.bench import (corpus_window_figures, run_learning_benchmarks, run_team_benchmarks,
                                     run_window_benchmarks)

    say = (lambda message: click.echo(message, err=True))
    figures = []
    with tempfile.TemporaryDirectory(prefix="annotator-bench-") as tmp:
        work = Path(tmp)
        if long_only:
            from annotator import benchmarks_long
            from annotator.gui.bench_long import long_window_figures

            figures += benchmarks_long.storage_figures(work, say)
            figures += benchmarks_long.stream_figures(work, say)
            figures += long_window_figures(work, say)
        elif not window_only:
            documents = 10_000 if quick else 100_000
            say(f"building a corpus of {documents:,} documents …")
            corpus = work / "corpus.jsonl"
            spans = core_bench.make_corpus(corpus, documents)
            say("importing …")
            figure, db = core_bench.import_figure(corpus, work)
            figures.append(figure)
            imported = db
            say("searching …")
            figures += core_bench.search_figures(db)
            say("opening the window on the corpus …")
            figures += corpus_window_figures(db, work, documents)
            say("exporting …")
            figures += core_bench.export_figures(db, work, spans)
            say("computing agreement …")
            if documents > core_bench.AGREEMENT_DOCUMENTS:  # the figure is over 10,000 documents
                db = core_bench.agreement_database(corpus, work)
            figures.append(core_bench.agreement_figure(db, min(documents, core_bench.AGREEMENT_DOCUMENTS)))
            from annotator import benchmarks_progress

            say(f"progress and report over 3 annotators x {documents:,} documents …")
            figures += benchmarks_progress.sqlite_figures(imported, documents)
            say(f"progress and report on a team database, 3 annotators x {documents:,} documents …")
            figures += benchmarks_progress.team_progress_figures(work, documents, say)
            learn_from = 200 if quick else core_bench.TRAIN_DOCUMENTS
            say(f"learning suggestions from {learn_from:,} documents …")
            figures += core_bench.learning_figures(corpus, work, learn_from, scale=", quick" if quick else "")
            if not quick:
                say(f"annotator suggest over {core_bench.SUGGEST_DOCUMENTS:,} documents, and "
                    f"{core_bench.MEMORY_DOCUMENTS:,} for its memory …")
                figures += core_bench.suggest_figures(corpus, work)
            from annotator import benchmarks_curve

            curve = 50 if quick else benchmarks_curve.CURVE_DOCUMENTS
            say(f"a simulated annotator with suggestions, {curve} documents …")
            figures += benchmarks_curve.learning_curve_figures(
                curve, tuple(n for n in benchmarks_curve.CURVE_CHECKPOINTS if n <= curve),
                scale=", quick" if quick else "")[0]
        if not long_only:
            figures += run_window_benchmarks(work, progress=say)
            figures += run_learning_benchmarks(work, documents=200 if quick or window_only else 1000, progress=say)
            # A team database over a throwaway local PostgreSQL (skipped, saying so, without its server).
            figures += run_team_benchmarks(work, None if window_only else work / "corpus.jsonl", documents=10_000,
                                           progress=say)
    if as_json:
        for figure in figures:
            click.echo(figure.to_json())
    else:
        click.echo(core_bench.HEADER)
        for figure in figures:
            click.echo(figure.row())
    if not all(f.ok for f in figures):
        raise SystemExit(1)
