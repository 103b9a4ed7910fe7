"""The export command: annotations for training, in annotator's own JSONL and other tools' formats."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from annotator.cli.common import CONTEXT, MOST, annotator_option, db_option, project, reports_errors
from annotator.core.exporting import FORMATS as EXPORT_FORMATS
from annotator.core.exporting import (
    DOCCANO_LAYOUTS,
    ExportOptions,
    count_documents,
    export,
    export_file,
    why_nothing,
    write_label_list,
)
from annotator.core.model import Status
from annotator.core.offsets import UNITS


@click.command("export", context_settings=CONTEXT)
@click.option("-o", "--output", default="-", metavar="PATH",
              help="Where to write; - for standard output. brat: a folder; spacy-docbin: a .spacy file; "
                   "xmi, webanno: a .zip (NAME.zip) or a folder.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True,
              help="annotator's own jsonl, doccano, labelstudio, spacy (Prodigy JSONL), bio, conll (CoNLL-2003), "
                   "conllu (CoNLL-U, the source's spacing kept for spaCy), spacy-docbin, brat, or INCEpTION's xmi "
                   "(UIMA CAS XMI) or webanno (WebAnno TSV 3.3).")
@annotator_option("Only this annotator's layer. Default: every layer.")
@click.option("--gold", is_flag=True, help="The adjudicated (gold) layer, with provenance.")
@click.option("--status", type=click.Choice([s.value for s in Status]),
              help="Only layers with this status (with --gold, done means adjudicated).")
@click.option("--lang", metavar="CODE", help="Only documents in this language (fa, ko, ...).")
@click.option("--ids", multiple=True, metavar="ID", help="Only these documents (repeat the option).")
@click.option("--include-untouched", is_flag=True,
              help="Also documents nobody (or not --annotator) touched, as empty layers. By default an "
                   "untouched document is left out: it is not a claim that it holds no entities.")
@click.option("--offsets", type=click.Choice(UNITS),
              help="doccano and labelstudio: the unit of the offsets. Default: what the tool's editor counts "
                   "(doccano utf16, Label Studio codepoints).")
@click.option("--doccano-layout", type=click.Choice(DOCCANO_LAYOUTS), default="label", show_default=True,
              help="label: doccano's sequence labelling; entities: its spans + categories project "
                   "(entities and cats); relations: a sequence labelling project with relations "
                   "(entities with ids, relations).")
@click.option("--labelstudio-config", type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="FILE",
              help="labelstudio: the project's labeling config (XML); results are named after its Labels and "
                   "Choices controls. Default: label and theme, with the config written beside the export.")
@click.option("--chars", is_flag=True, help="bio: one token per character, spaces included (KLUE-NER style).")
@click.option("--max-tokens", type=click.IntRange(min=1, max=MOST), metavar="N",
              help="bio, conll, conllu: cut sentences longer than N tokens, never inside an entity.")
@click.option("--label-list", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="bio, conll, conllu: write the tag names (O, B-..., I-...) to FILE as a JSON list. "
                   "Default with -o: NAME.labels.json beside the export.")
@click.option("--include-model", is_flag=True,
              help="spacy, bio, conll, conllu, spacy-docbin: also the model layer (suggestions), which these "
                   "training formats leave out by default (as does every --annotator but model).")
@db_option
@reports_errors
def export_command(output: str, fmt: str, annotator: str | None, gold: bool, status: str | None,
                   lang: str | None, ids: tuple[str, ...], include_untouched: bool, offsets: str | None,
                   doccano_layout: str, labelstudio_config: Path | None, chars: bool, max_tokens: int | None,
                   label_list: Path | None, include_model: bool, db: str | None) -> None:
    """Export annotations for training.

    Offsets are code points over exactly the exported text (doccano: UTF-16 code units, as its
    editor counts), and every span's text is checked against it before it is written. The token
    formats (spacy, bio, conll, conllu, spacy-docbin) tokenize the text alone (annotator.core.tokens),
    so every annotator's lines have the same tokens; bio, conll and conllu are split into sentences.
    A span whose edge falls inside a token is listed and left out of the token format
    (spacy-docbin and spacy cut the token there instead). These training formats leave the model
    layer (suggestions) out unless --include-model. Overlapping spans that a format or its target
    tool cannot hold are counted and listed. bio, conll, conllu and spacy-docbin work through a
    long document a block of whole sentences at a time, in memory bounded by a block;
    spacy-docbin writes a document over 1,000,000 characters (spaCy's max_length) as one Doc per
    block, its user_data naming the part and its offset. Only layers
    someone touched are exported unless --include-untouched. With -o the file appears only when
    the export is complete.

    \b
    Example:
        annotator export -o train.jsonl --status done
        annotator export --format bio --gold --max-tokens 128 -o gold.jsonl
        annotator export --format conll --annotator sara -o sara.conll
        annotator export --format conllu --gold -o gold.conllu
        annotator export --format spacy-docbin --lang ko -o train-ko.spacy
        annotator export --format labelstudio -o tasks.json
        annotator export --format labelstudio --labelstudio-config project.xml -o tasks.json
        annotator export --format brat -o brat-collection/
        annotator export --format xmi --annotator sara -o for-inception.zip
    """
    options = ExportOptions(format=fmt, annotator=annotator, gold=gold,
                            status=Status(status) if status else None, lang=lang, ids=list(ids) or None,
                            include_untouched=include_untouched, offsets=offsets, doccano_layout=doccano_layout,
                            chars=chars, max_tokens=max_tokens, include_model=include_model,
                            labelstudio_config=_read_config(labelstudio_config) if labelstudio_config else None)
    target = None if output == "-" else Path(output)
    with project(db) as store:
        with contextlib.ExitStack() as stack:
            progress = None
            if sys.stderr.isatty():
                bar = stack.enter_context(click.progressbar(
                    length=count_documents(store, options), label="Exporting", file=sys.stderr))
                progress = bar.update
            if target is None:
                written = write_label_list(store, label_list) if label_list is not None else None
                report = export(store, sys.stdout, options, progress)
                if written is not None:
                    report.files.append(written)
            else:
                report = export_file(store, target, options, progress, label_list_path=label_list)
        why = f": {why_nothing(store, options)}" if report.lines == 0 else ""
    click.echo(f"Exported {report.summary()}" + (f" to {target.resolve()}" if target else "") + why, err=True)
    for line in report.details():
        click.echo(f"  {line}", err=True)
    for path in report.files:
        click.echo(f"Wrote {path.resolve()}", err=True)


def _read_config(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not UTF-8 text (a Label Studio labeling config is XML)") from None
