"""The suggest command: learn from a layer and suggest spans into a model layer, or cross-validate."""

from __future__ import annotations

from pathlib import Path

import click

from annotator.cli.common import CONTEXT, db_option, json_line, project, reports_errors
from annotator.core.model import Status


@click.command(context_settings=CONTEXT)
@click.option("--from", "source", metavar="LAYER", help="The layer to learn from (an annotator, or gold).")
@click.option("--into", default="model", show_default=True, metavar="LAYER",
              help="Where suggestions go: model, or a name starting with model.")
@click.option("--ids", multiple=True, metavar="ID", help="Only these documents (repeat the option).")
@click.option("--lang", metavar="CODE", help="Only documents in this language.")
@click.option("--status", type=click.Choice([s.value for s in Status]),
              help="Only documents where the --from layer has this status (new: the ones still to do).")
@click.option("--recommenders", default="string,crf,themes", show_default=True, metavar="A,B",
              help="string (patterns of what was labelled), crf (a sequence tagger), themes (a theme classifier).")
@click.option("--command", metavar="CMD",
              help="An outside model instead: reads documents as JSON lines on stdin, writes spans as JSON lines "
                   "(see docs/format.md).")
@click.option("--gazetteer", type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="FILE",
              help="More patterns for the string matcher: TEXT<TAB>LABEL per line.")
@click.option("--evaluate", is_flag=True, help="Cross-validate instead: precision, recall and F1 per label.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2), help="With --evaluate.")
@click.option("--json", "as_json", is_flag=True, help="With --evaluate: one JSON object.")
@db_option
@reports_errors
def suggest(source: str | None, into: str, ids: tuple[str, ...], lang: str | None, status: str | None,
            recommenders: str, command: str | None, gazetteer: Path | None, evaluate: bool, folds: int,
            as_json: bool, db: str | None) -> None:
    """Learn from a layer and suggest spans, offline: a string matcher that knows Persian and
    Korean word forms, and a CRF tagger over annotator's own tokens. Suggestions go into their
    own layer (model), to be accepted or rejected in the window (Suggestions → Suggestions from
    model) or exported; no person's layer changes.

    \b
    Example:
        annotator suggest --from sara --status new
        annotator suggest --from gold --into model-gold --lang fa
        annotator suggest --from sara --evaluate --folds 5
        annotator suggest --command "python my_spacy_model.py"
    """
    from annotator.core.recommend import suggesting

    names = recommenders.split(",")
    with project(db) as store:
        if evaluate:
            if source is None:
                raise click.UsageError("--evaluate needs --from LAYER")
            results = suggesting.evaluate(store, source, folds=folds, recommenders=names)
            if as_json:
                click.echo(json_line({name: {label: s.to_dict() for label, s in scores.items()}
                                      for name, scores in results.items()}, ensure_ascii=False))
                return
            for name, scores in results.items():
                click.echo(f"{name}:")
                for label, s in sorted(scores.items(), key=lambda kv: (kv[0] != "ALL", kv[0])):
                    click.echo(f"  {label:<8} precision {s.precision:.2f}  recall {s.recall:.2f}  F1 {s.f1:.2f}  "
                               f"({s.true_positives} of {s.gold}, {s.suggested} suggested)")
            return
        report = suggesting.suggest(store, source, into, ids=list(ids) or None, lang=lang,
                                    status=Status(status) if status else None, recommenders=names,
                                    gazetteer=gazetteer, command=command)
        click.echo(report.summary())
