"""Review: agreement between annotators, and adjudicate, which builds the gold layer from it."""

from __future__ import annotations

from pathlib import Path

import click

from annotator.cli.common import CONTEXT, MOST, db_option, json_line, project, reports_errors
from annotator.core.identity import check_annotators


def _fmt(value: float | None) -> str:
    return "  —  " if value is None else f"{value:5.3f}"


@click.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every figure.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Also write the per-pair, per-label table as CSV, and the relation F1 per pair and type.")
@click.option("--annotators", metavar="A,B,...", help="Only these annotators (default: all but 'model').")
@click.option("--charts", "charts_dir", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Also draw the charts (labels per annotator, agreement per label) as PNG files in DIR.")
@db_option
@reports_errors
def agreement(as_json: bool, csv_path: Path | None, annotators: str | None, charts_dir: Path | None,
              db: str | None) -> None:
    """How far annotators agree: span F1 per pair (exact, and by overlap) overall and per label;
    for themes, Cohen's kappa per pair, Fleiss' kappa and Krippendorff's alpha; counts per label
    and annotator, and the documents each finished; relation F1 per pair and per type (a relation
    matches when both its ends' spans match exactly and its type matches).

    A pair is compared on the documents both annotated. --json prints span_f1_exact (micro over
    pairs) and theme_kappa (mean pairwise Cohen's kappa) beside the tables, and the relation
    figures under "relations". --csv has a row per pair and per pair and label, then per pair and
    relation type (relation_type, relations_a, relations_b, f1_relations; "*" for all types, and
    "*" / "*" for all pairs).

    \b
    Example:
        annotator agreement
        annotator agreement --json --csv agreement.csv
        annotator agreement --charts charts/
    """
    import csv

    from annotator.core.agreement import compute

    with project(db) as store:
        try:
            chosen = [a.strip() for a in annotators.split(",") if a.strip()] if annotators else None
            check_annotators(store, *(chosen or ()))
            figures = compute(store, annotators=chosen)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--annotators") from None
    if csv_path:
        with csv_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["a", "b", "label", "documents", "spans_a", "spans_b", "f1_exact", "f1_overlap", "theme_kappa",
                             "relation_type", "relations_a", "relations_b", "f1_relations"])
            for pair in figures["pairs"]:
                writer.writerow([pair["a"], pair["b"], "*", pair["documents"], pair["spans_a"], pair["spans_b"],
                                 pair["f1_exact"], pair["f1_overlap"], pair["theme_kappa"], "", "", "", ""])
                for label, row in pair["per_label"].items():
                    writer.writerow([pair["a"], pair["b"], label, pair["documents"], row["spans_a"], row["spans_b"],
                                     row["f1_exact"], row["f1_overlap"], "", "", "", "", ""])
            writer.writerows(_relation_rows(figures["relations"]))
    if charts_dir:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from annotator.gui.app import create_app
        from annotator.gui.charts import BarChart, agreement_per_label, labels_per_annotator

        create_app()
        charts_dir.mkdir(parents=True, exist_ok=True)
        first = BarChart("Spans per label and annotator")
        first.set_data(*labels_per_annotator(figures))
        second = BarChart("Agreement per label", maximum=1.0, percent=True)
        second.set_data(*agreement_per_label(figures))
        for chart, name in ((first, "labels-per-annotator.png"), (second, "agreement-per-label.png")):
            click.echo(f"Wrote {chart.save(charts_dir / name)}", err=True)
    if as_json:
        click.echo(json_line(figures, ensure_ascii=False))
        return
    click.echo(f"Annotators: {', '.join(figures['annotators']) or '(none)'}")
    click.echo(f"Span F1, exact: {_fmt(figures['span_f1_exact'])}   by overlap: {_fmt(figures['span_f1_overlap'])}")
    click.echo(f"Themes: Cohen's kappa (mean of pairs) {_fmt(figures['theme_kappa'])}   "
               f"Fleiss' kappa {_fmt(figures['theme_fleiss_kappa'])}   "
               f"Krippendorff's alpha {_fmt(figures['theme_krippendorff_alpha'])}")
    click.echo(f"\n{'pair':<28} {'docs':>5} {'F1 exact':>9} {'F1 overlap':>11} {'theme κ':>8}")
    for pair in figures["pairs"]:
        click.echo(f"{pair['a'] + ' / ' + pair['b']:<28} {pair['documents']:>5} {_fmt(pair['f1_exact']):>9} "
                   f"{_fmt(pair['f1_overlap']):>11} {_fmt(pair['theme_kappa']):>8}")
    if figures["per_label"]:
        click.echo(f"\n{'label':<28} {'spans':>5} {'F1 exact':>9} {'F1 overlap':>11}")
        for label, row in figures["per_label"].items():
            click.echo(f"{label:<28} {row['spans']:>5} {_fmt(row['f1_exact']):>9} {_fmt(row['f1_overlap']):>11}")
    _relation_tables(figures["relations"])
    click.echo("\nSpans per annotator and label, and documents finished:")
    for name, counts in figures["counts"].items():
        listed = ", ".join(f"{label} {n}" for label, n in counts.items()) or "no spans"
        click.echo(f"  {name}: {listed}; {len(figures['finished'][name])} done")


def _relation_rows(relations: dict) -> list[list]:
    """--csv's relation rows, when any annotator has a relation: per pair (type ``*``, then each
    type), then all pairs (``*`` / ``*``, micro-averaged, as the text table's): the span columns empty."""
    if not relations["per_type"]:
        return []
    rows = []
    for pair in relations["pairs"]:
        rows.append([pair["a"], pair["b"], "", pair["documents"], "", "", "", "", "", "*", pair["relations_a"],
                     pair["relations_b"], pair["f1"]])
        rows.extend([pair["a"], pair["b"], "", pair["documents"], "", "", "", "", "", kind, row["relations_a"],
                     row["relations_b"], row["f1"]] for kind, row in pair["per_type"].items())
    totals = {"*": (sum(p["relations_a"] for p in relations["pairs"]), sum(p["relations_b"] for p in relations["pairs"]),
                    relations["f1"])}
    for kind, row in relations["per_type"].items():
        totals[kind] = (sum(p["per_type"].get(kind, {}).get("relations_a", 0) for p in relations["pairs"]),
                        sum(p["per_type"].get(kind, {}).get("relations_b", 0) for p in relations["pairs"]), row["f1"])
    rows.extend(["*", "*", "", "", "", "", "", "", "", kind, na, nb, f1] for kind, (na, nb, f1) in totals.items())
    return rows


def _relation_tables(relations: dict) -> None:
    """The relation F1 tables, per pair and per type, when any annotator has a relation."""
    if not relations["per_type"]:
        return
    click.echo(f"\nRelation F1 (both ends and the type exact): {_fmt(relations['f1'])}")
    click.echo(f"{'pair':<28} {'docs':>5} {'relations':>10} {'F1':>6}")
    for pair in relations["pairs"]:
        click.echo(f"{pair['a'] + ' / ' + pair['b']:<28} {pair['documents']:>5} "
                   f"{str(pair['relations_a']) + ' / ' + str(pair['relations_b']):>10} {_fmt(pair['f1']):>6}")
    click.echo(f"\n{'relation type':<28} {'relations':>10} {'F1':>6}")
    for kind, row in relations["per_type"].items():
        click.echo(f"{kind:<28} {row['relations']:>10} {_fmt(row['f1']):>6}")


@click.command(context_settings=CONTEXT)
@click.option("--auto", "auto", is_flag=True, required=True,
              help="Accept into gold every unit and theme enough annotators agree on.")
@click.option("--min-agree", type=click.IntRange(min=1, max=MOST), metavar="N",
              help="How many annotators must agree (at least 2). Default: all of a document's annotators.")
@click.option("--reviewer", metavar="NAME", default="auto", show_default=True,
              help="Who the decisions are recorded as.")
@db_option
@reports_errors
def adjudicate(auto: bool, min_agree: int | None, reviewer: str, db: str | None) -> None:
    """Build the gold layer from what annotators agree on, with provenance (who proposed each span,
    who decided, when). Annotators' own layers never change; running it again adds nothing.

    \b
    Example:
        annotator adjudicate --auto
        annotator adjudicate --auto --min-agree 2 --reviewer leila
    """
    from annotator.core.adjudication import auto_accept

    with project(db) as store:
        try:
            report = auto_accept(store, min_agree=min_agree, reviewer=reviewer)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--min-agree") from None
    click.echo(report.summary())
