"""Progress: ``progress`` (tables or JSON) and ``report`` (one self-contained HTML file)."""

from __future__ import annotations

from pathlib import Path

import click

from annotator import terminal
from annotator.cli.common import CONTEXT, MOST, db_option, json_line, project, reports_errors


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from annotator.core.progress import parse_since

    if value is None:
        return None
    try:
        return parse_since(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _since_option(fn):
    return click.option("--since", callback=_since, metavar="DATE",
                        help="Only layers whose status changed on or after DATE (UTC), and active time "
                             "of sessions begun then.")(fn)


def _k_option(fn):
    return click.option("--k", "k", type=click.IntRange(min=1, max=MOST), default=2, show_default=True,
                        metavar="K", help="A document is finished when at least K annotators marked it done.")(fn)


def _cell(name: str) -> str:
    """A name in 16 terminal columns (Hangul takes two each)."""
    return terminal.pad(terminal.fit(name, 16), 16)


@click.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every figure.")
@_since_option
@_k_option
@db_option
@reports_errors
def progress(as_json: bool, since: str | None, k: int, db: str | None) -> None:
    """How the work stands: per annotator (assigned, done, skipped, in progress, active hours,
    median minutes per document, spans per hour, span F1 against the others and against gold),
    per label (spans, F1) and for the corpus (finished by K annotators, adjudicated, left).

    Agreement is exact span F1 (start, end, label) on documents both sides marked done; docs/guide.md
    ("Progress") says how each figure is counted.

    \b
    Example:
        annotator progress
        annotator progress --json --since 2026-12-01
    """
    from annotator.core.progress import compute, corpus_line, number

    with project(db) as store:
        figures = compute(store, since, k=k)
    if as_json:
        click.echo(json_line(figures.to_dict(), ensure_ascii=False))
        return
    click.echo(f"{'annotator':<16} {'assigned':>8} {'done':>6} {'skipped':>7} {'in prog':>7} {'hours':>7} "
               f"{'min/doc':>7} {'spans/h':>7} {'F1 others':>9} {'F1 gold':>7}")
    for p in figures.annotators:
        assigned = "—" if p.assigned is None else p.assigned
        click.echo(f"{_cell(p.name)} {assigned:>8} {p.done:>6} {p.skipped:>7} {p.in_progress:>7} "
                   f"{p.active_hours:>7.2f} {number(p.median_minutes, 1):>7} {number(p.spans_per_hour, 1):>7} "
                   f"{number(p.f1_others):>9} {number(p.f1_gold):>7}")
    click.echo(f"\n{'label':<16} {'spans':>7} {'F1 others':>9} {'F1 gold':>7}")
    for lab in figures.labels:
        click.echo(f"{_cell(lab.name)} {lab.spans:>7} {number(lab.f1_others):>9} {number(lab.f1_gold):>7}")
    click.echo(f"\n{corpus_line(figures.corpus)}")
    if figures.own_queue_only:
        click.echo(f"Assigned: {figures.own_queue_only} reads only their own queue here (— for the others'; "
                   "a lead or the owner sees every queue)", err=True)


@click.command(context_settings=CONTEXT)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              metavar="FILE.html", help="The HTML file to write.")
@_since_option
@_k_option
@db_option
@reports_errors
def report(output: Path, since: str | None, k: int, db: str | None) -> None:
    """Write the figures of `annotator progress` as one self-contained HTML file, with plots
    (documents done per day per annotator, active time per document against agreement,
    agreement per label): inline SVG and CSS, no scripts, nothing fetched; printable.

    \b
    Example:
        annotator report -o report.html
    """
    from annotator.core.progress import compute
    from annotator.core.report_html import report_title, write

    with project(db) as store:
        figures = compute(store, since, k=k)
    try:  # the file appears only when complete, as an export's does; nothing is left on a failure
        write(output, figures, title=report_title(db))
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror}") from None
    click.echo(f"Wrote {output}", err=True)
