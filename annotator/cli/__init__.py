"""The ``annotator`` command line: a thin layer of click over annotator.core.

Each command's docstring is its ``--help``, with an example; each calls into the core and turns
its errors into one-line messages (exit status 1), never tracebacks. What the commands share
(the --db options, opening the database, one-line errors) is in common.py.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from annotator import __version__
from annotator.cli import common
from annotator.cli.common import (
    CONTEXT,
    MOST,
    annotator_option,
    closed_pipe,
    db_option,
    document_id,
    json_line,
    project,
    reports_errors,
    team_db_option,
)
from annotator.core import stopping
from annotator.core.errors import AnnotatorError
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
from annotator.core.formats import FORMATS as IMPORT_FORMATS
from annotator.core.importing import import_paths, total_bytes
from annotator.core.offsets import UNITS
from annotator.core.model import Status
from annotator.core.identity import (
    ENV_NAME,
    check_annotators,
    current_annotator,
    environment_name,
    remember_annotator,
    remembered_annotator,
)
from annotator.core.project import missing_database, resolve_db_path
from annotator.core.resources import seeds_dir
from annotator.core.schema import load_schema_file
from annotator.core.text import counted, match_expression, snippet
from annotator.storage import Store
from annotator import terminal


def _cols() -> int:
    return shutil.get_terminal_size((100, 24)).columns


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@db_option
@click.version_option(__version__, prog_name="annotator")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Annotate Persian and Korean news: entity spans, themes, exact offsets.

    Run without a command to open the annotation window.

    \b
    Example:
        annotator import seeds/
        annotator docs
        annotator search 대구
    """
    if ctx.invoked_subcommand is None:
        from annotator.gui.app import run  # Qt loads only when the window is wanted

        try:
            ctx.exit(run(db))
        except AnnotatorError as err:
            raise click.ClickException(str(err)) from None


# --- import ----------------------------------------------------------------------------------


@cli.command("import", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--samples", is_flag=True, help="Also the five sample articles that ship with annotator.")
@annotator_option("Who owns spans, themes and status in records that name no annotator. "
                  "Default: who annotates this database (annotator whoami).")
@click.option("--strict", is_flag=True, help="Refuse labels and themes the schema lacks instead of adding them.")
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), default="auto", show_default=True,
              help="Which tool wrote the .jsonl/.json files; auto tells by each line (.json: Label Studio).")
@click.option("--offsets", type=click.Choice(UNITS),
              help="The unit span offsets are counted in. Default: what each tool's editor writes "
                   "(doccano utf16; Label Studio, Prodigy, annotator codepoints).")
@click.option("--text-field", metavar="NAME", help="Label Studio: the data field that holds the text (default: text).")
@db_option
@reports_errors
def import_command(paths: tuple[Path, ...], samples: bool, annotator: str | None, strict: bool, fmt: str,
                   offsets: str | None, text_field: str | None, db: str | None) -> None:
    """Import articles from .txt files, .jsonl files and folders (searched recursively).

    A .txt file is one article: its name is the id, its first non-empty line the title. A .jsonl
    file holds one JSON object per line with "text" and optionally "id", "title", "lang", "meta",
    "spans" ([{"start", "end", "label"}], code points), "themes", "annotator" and "status".

    Exports of doccano (JSONL), Prodigy/spaCy (JSONL) and Label Studio (JSON, JSON_MIN) import
    too, with their offsets converted to code points (see docs/format.md); Label Studio
    predictions come in as the annotator "model". Offsets are read in the unit each tool's
    editor writes: doccano UTF-16 code units, Label Studio, Prodigy and annotator code points;
    --offsets overrides that (graphemes: a doccano project in grapheme mode).

    Importing the same files again changes nothing. Any bad input stops the import with the file
    and line named, and the database is left exactly as it was.

    \b
    Example:
        annotator import --samples
        annotator import --annotator sara batch1.jsonl
        annotator import --format doccano --annotator minji doccano-export.jsonl
        annotator import --offsets graphemes doccano-grapheme-project.jsonl
        annotator import --text-field content label-studio-export.json
    """
    if samples:
        paths = (*paths, seeds_dir())
    if not paths:
        raise click.UsageError("give files or folders to import, or --samples for the sample articles")
    with project(db, create=True) as store:
        owner = annotator or current_annotator(store)
        options = {"annotator": owner, "strict": strict, "fmt": fmt, "offsets": offsets, "text_field": text_field,
                   "annotator_given": annotator is not None}
        if sys.stderr.isatty():
            with click.progressbar(length=total_bytes(list(paths)), label="Importing", file=sys.stderr) as bar:
                report = import_paths(store, list(paths), progress=bar.update, **options)
        else:
            report = import_paths(store, list(paths), **options)
        click.echo(report.summary())


# --- export ----------------------------------------------------------------------------------


@cli.command("export", context_settings=CONTEXT)
@click.option("-o", "--output", default="-", metavar="PATH",
              help="Where to write; - for standard output. brat: a folder; spacy-docbin: a .spacy file.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True,
              help="annotator's own jsonl, doccano, labelstudio, spacy (Prodigy JSONL), bio, conll, "
                   "spacy-docbin or brat.")
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
                   "(entities and cats).")
@click.option("--labelstudio-config", type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="FILE",
              help="labelstudio: the project's labeling config (XML); results are named after its Labels and "
                   "Choices controls. Default: label and theme, with the config written beside the export.")
@click.option("--chars", is_flag=True, help="bio: one token per character, spaces included (KLUE-NER style).")
@click.option("--max-tokens", type=click.IntRange(min=1, max=MOST), metavar="N",
              help="bio, conll: cut sentences longer than N tokens, never inside an entity.")
@click.option("--label-list", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="bio, conll: write the tag names (O, B-..., I-...) to FILE as a JSON list. "
                   "Default with -o: NAME.labels.json beside the export.")
@db_option
@reports_errors
def export_command(output: str, fmt: str, annotator: str | None, gold: bool, status: str | None,
                   lang: str | None, ids: tuple[str, ...], include_untouched: bool, offsets: str | None,
                   doccano_layout: str, labelstudio_config: Path | None, chars: bool, max_tokens: int | None,
                   label_list: Path | None, db: str | None) -> None:
    """Export annotations for training.

    Offsets are code points over exactly the exported text (doccano: UTF-16 code units, as its
    editor counts), and every span's text is checked against it before it is written. The token
    formats (spacy, bio, conll, spacy-docbin) tokenize the text alone (annotator.core.tokens), so
    every annotator's lines have the same tokens; bio and conll are split into sentences. A span
    whose edge falls inside a token is listed and left out of the token format. Only layers
    someone touched are exported unless --include-untouched. With -o the file appears only when
    the export is complete.

    \b
    Example:
        annotator export -o train.jsonl --status done
        annotator export --format bio --gold --max-tokens 128 -o gold.jsonl
        annotator export --format conll --annotator sara -o sara.conll
        annotator export --format spacy-docbin --lang ko -o train-ko.spacy
        annotator export --format labelstudio -o tasks.json
        annotator export --format labelstudio --labelstudio-config project.xml -o tasks.json
        annotator export --format brat -o brat-collection/
    """
    options = ExportOptions(format=fmt, annotator=annotator, gold=gold,
                            status=Status(status) if status else None, lang=lang, ids=list(ids) or None,
                            include_untouched=include_untouched, offsets=offsets, doccano_layout=doccano_layout,
                            chars=chars, max_tokens=max_tokens,
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


# --- agreement -------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "  —  " if value is None else f"{value:5.3f}"


@cli.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every figure.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Also write the per-pair, per-label table as CSV.")
@click.option("--annotators", metavar="A,B,...", help="Only these annotators (default: all but 'model').")
@click.option("--charts", "charts_dir", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Also draw the charts (labels per annotator, agreement per label) as PNG files in DIR.")
@db_option
@reports_errors
def agreement(as_json: bool, csv_path: Path | None, annotators: str | None, charts_dir: Path | None,
              db: str | None) -> None:
    """How far annotators agree: span F1 per pair (exact, and by overlap) overall and per label;
    for themes, Cohen's kappa per pair, Fleiss' kappa and Krippendorff's alpha; counts per label
    and annotator, and the documents each finished.

    A pair is compared on the documents both annotated. --json prints span_f1_exact (micro over
    pairs) and theme_kappa (mean pairwise Cohen's kappa) beside the tables.

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
            writer.writerow(["a", "b", "label", "documents", "spans_a", "spans_b", "f1_exact", "f1_overlap", "theme_kappa"])
            for pair in figures["pairs"]:
                writer.writerow([pair["a"], pair["b"], "*", pair["documents"], pair["spans_a"], pair["spans_b"],
                                 pair["f1_exact"], pair["f1_overlap"], pair["theme_kappa"]])
                for label, row in pair["per_label"].items():
                    writer.writerow([pair["a"], pair["b"], label, pair["documents"], row["spans_a"], row["spans_b"],
                                     row["f1_exact"], row["f1_overlap"], ""])
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
    click.echo("\nSpans per annotator and label, and documents finished:")
    for name, counts in figures["counts"].items():
        listed = ", ".join(f"{label} {n}" for label, n in counts.items()) or "no spans"
        click.echo(f"  {name}: {listed}; {len(figures['finished'][name])} done")


# --- adjudicate and merge ---------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
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


@cli.command(context_settings=CONTEXT)
@click.argument("other", type=click.Path(path_type=Path))
@db_option
@reports_errors
def merge(other: Path, db: str | None) -> None:
    """Bring in another annotator's database file, read-only: documents matched by id and text,
    their layers added, conflicts reported, nothing here overwritten.

    \b
    Example:
        annotator merge ~/Downloads/minji.db
    """
    from annotator.core.merging import merge as merge_databases

    with project(db, create=True) as store:
        report = merge_databases(store, other)
    click.echo(report.summary())


@cli.command(context_settings=CONTEXT)
@click.option("--to", "to", required=True, metavar="A,B,...", help="The annotators, comma-separated.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="A new folder for the files (NAME.db each).")
@click.option("--overlap", default=1, show_default=True, metavar="K", type=click.IntRange(min=1, max=MOST),
              help="How many annotators get each document (2 or more for agreement and adjudication).")
@click.option("--lang", metavar="CODE", help="Only documents in this language.")
@click.option("--ids", multiple=True, metavar="ID", help="Only these documents (repeat the option).")
@click.option("--unfinished", is_flag=True, help="Leave out documents someone has marked done.")
@db_option
@reports_errors
def assign(to: str, out: Path, overlap: int, lang: str | None, ids: tuple[str, ...], unfinished: bool,
           db: str | None) -> None:
    """Split the work: write a database file per annotator with their batch of documents, to
    annotate offline (annotator --db FILE) and bring back with annotator merge.

    \b
    Example:
        annotator assign --to sara,minji,reza --overlap 2 --out batch-1/
        annotator merge batch-1/sara.db
    """
    from annotator.core.assigning import assign as assign_work

    names = [name.strip() for name in to.split(",") if name.strip()]
    with project(db) as store:
        report = assign_work(store, names, out, overlap=overlap, lang=lang, ids=list(ids) or None,
                             unfinished=unfinished)
    click.echo(report.summary())


# --- docs ------------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@annotator_option("Whose status and spans to show. Default: who annotates this database (annotator whoami).")
@click.option("--lang", metavar="CODE", help="Only documents in this language (fa, ko, ...).")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only documents with this status.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document per line.")
@db_option
@reports_errors
def docs(annotator: str | None, lang: str | None, status: str | None, as_json: bool, db: str | None) -> None:
    """List the documents with their language and your status.

    \b
    Example:
        annotator docs
        annotator docs --lang fa --status new
        annotator docs --json | head -n 1
    """
    with project(db) as store:
        check_annotators(store, annotator)
        owner = annotator or current_annotator(store)
        _known_lang(store, lang)
        rows = store.document_summaries(owner, lang=lang, status=Status(status) if status else None)
        if as_json:
            for row in rows:
                click.echo(json_line({
                    "id": row.id, "title": row.title, "lang": row.lang, "direction": row.direction,
                    "status": row.status.value, "spans": row.spans, "chars": row.chars,
                    "source": row.source, "annotator": owner,
                }, ensure_ascii=False))
            return
        rows = list(rows)
        if not rows and store.count_documents() == 0:
            click.echo("No documents yet. Start with: annotator import --samples  (five sample articles), or "
                       "annotator import FILES", err=True)
            return
        id_w = max([terminal.width(r.id) for r in rows] + [2])
        head = f"{terminal.pad('ID', id_w)}  LANG  {'STATUS':<11}  SPANS  TITLE"
        click.echo(head)
        title_w = max(20, _cols() - len(head) + 5)
        done = 0
        for r in rows:
            title = terminal.fit(" ".join(r.title.split()), title_w)
            if common.is_tty():
                title = terminal.visual(title, r.direction == "rtl")
            click.echo(f"{terminal.pad(r.id, id_w)}  {r.lang:<4}  {r.status.value:<11}  {r.spans:>5}  {title}")
            done += r.status is Status.DONE
        click.echo(f"{done} / {len(rows)} done ({owner})", err=True)


# --- whoami ----------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("name", required=False)
@db_option
@reports_errors
def whoami(name: str | None, db: str | None) -> None:
    """Who annotates this database: the name the window asked for at first start, kept in the
    database, which docs, show, import and the window all use. With NAME, keep NAME instead (as
    File → Switch annotator does). $ANNOTATOR_NAME wins over it; the login name is the fallback.
    On a team database you are who you log in as.

    \b
    Example:
        annotator whoami
        annotator whoami sara
    """
    with project(db) as store:
        if name is not None:
            remember_annotator(store, name)
            click.echo(f"{name.strip()} annotates {store.path}")
            if environment_name() not in (None, name.strip()):
                click.echo(f"(in this shell ${ENV_NAME}={environment_name()} still wins over it)", err=True)
            return
        who = current_annotator(store)
        if store.is_team:
            source = f"your login on the team database {store.path}"
        elif environment_name():
            source = f"${ENV_NAME}; {store.path} keeps {remembered_annotator(store) or 'no name yet'}"
        elif remembered_annotator(store):
            source = f"kept in {store.path}"
        else:
            source = f"your login name; {store.path} keeps no name yet: annotator whoami NAME keeps one"
    click.echo(who)
    click.echo(f"({source})", err=True)


# --- show ------------------------------------------------------------------------------------


def _known_lang(store: Store, lang: str | None) -> None:
    """A --lang that no document has is a typo, not an empty result."""
    if lang is not None and lang not in store.languages():
        raise click.ClickException(f"no documents in language {lang!r} "
                                   f"(languages here: {', '.join(store.languages()) or 'none yet'})")


@cli.command(context_settings=CONTEXT)
@click.argument("doc_id", metavar="ID")
@click.option("--logical", is_flag=True,
              help="Print the text in logical order, as stored, even on a terminal.")
@annotator_option("Whose spans to list under the text. Default: who annotates this database (annotator whoami).")
@db_option
@reports_errors
def show(doc_id: str, logical: bool, annotator: str | None, db: str | None) -> None:
    """Print an article (ID, or a unique start of one). On a terminal, Persian is shaped and put
    in visual order so that a terminal without bidi support shows it readable; piped output stays
    in logical order.

    \b
    Example:
        annotator show 000_b57cd57af517ef66
        annotator show 000_b57
        annotator show 000_b57cd57af517ef66 --logical > article.txt
    """
    with project(db) as store:
        check_annotators(store, annotator)
        owner = annotator or current_annotator(store)
        doc = store.get_document(document_id(store, doc_id))
        plain = logical or not common.is_tty()
        rtl = doc.direction == "rtl"
        cols = _cols()
        click.echo(f"# {doc.id}  [{doc.lang}, {doc.direction}, {counted(len(doc.text), 'character')}]")
        for line in terminal.render(doc.text, rtl=rtl, cols=cols, logical=plain):
            click.echo(line)
        spans = store.spans(doc.id, owner)
        if spans:
            click.echo(f"\n# {counted(len(spans), 'span')} by {owner}")
            for s in spans:
                covered = s.text if plain else terminal.visual(s.text, rtl)
                click.echo(f"{s.start:>6} {s.end:>6}  {s.label:<8} {covered}")
        others = {name: n for name, n in store.span_counts(doc.id).items() if name != owner}
        if others:
            listed = ", ".join(f"{name} ({counted(n, 'span')})" for name, n in others.items())
            click.echo(f"\n# other annotators: {listed}; see --annotator NAME")


# --- search ----------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1, max=MOST), help="At most this many results.")
@click.option("--lang", metavar="CODE", help="Only documents in this language.")
@click.option("--best-first", is_flag=True,
              help="Rank by relevance (BM25) instead of import order; scores every match, so slower on big corpora.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result per line.")
@db_option
@reports_errors
def search(query: str, limit: int, lang: str | None, best_first: bool, as_json: bool, db: str | None) -> None:
    """Find documents: every word must occur; "quoted words" must occur together.

    Results come in import order, as in the window's document list, with the number of all
    matches; --best-first ranks them by relevance instead.

    Korean matches inside words (대구 finds 대구시는); Persian and Latin words match as prefixes
    (مشهد finds مشهدی). Persian search treats Arabic ي and ك as ی and ک and ignores ZWNJ, and
    Persian digits match ASCII ones.

    In a shell, quote a phrase twice so that the quotes reach annotator.

    \b
    Example:
        annotator search 대구
        annotator search '"شهر هوشمند"'
    """
    expression = match_expression(query)
    if expression is None:
        raise click.ClickException(f"nothing to search for in {query!r}")
    with project(db) as store:
        _known_lang(store, lang)
        results = store.search(expression, limit=limit, lang=lang, best_first=best_first)
        for doc in results:
            snip = snippet(doc.text, query)
            if as_json:
                click.echo(json_line({"id": doc.id, "title": doc.title, "lang": doc.lang,
                                       "snippet": snip.before + snip.match + snip.after},
                                      ensure_ascii=False))
                continue
            line = f"{snip.before}«{snip.match}»{snip.after}" if snip.match else snip.after
            title = terminal.fit(" ".join(doc.title.split()), 70)
            if common.is_tty():
                rtl = doc.direction == "rtl"
                line, title = terminal.visual(line, rtl), terminal.visual(title, rtl)
            click.echo(f"{doc.id}  {title}")
            click.echo(f"    {line}")
        if not as_json:
            total = store.count_matches(expression, lang=lang) if len(results) == limit else len(results)
            shown = f"{len(results)} of {total:,}" if total > len(results) else f"{len(results)}"
            click.echo(f"{shown} result{'s' * (total != 1)}", err=True)


# --- schema ----------------------------------------------------------------------------------


@cli.group(context_settings=CONTEXT)
def schema() -> None:
    """Show or load the label schema: entity labels, themes, hotkeys, colours, guidelines.

    \b
    Example:
        annotator schema show
        annotator schema load my-schema.toml
    """


@schema.command("show", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="The schema as one JSON object.")
@db_option
@reports_errors
def schema_show(as_json: bool, db: str | None) -> None:
    """Print the labels, themes and guidelines of the current schema.

    \b
    Example:
        annotator schema show
        annotator schema show --json > schema.json
    """
    with project(db) as store:
        current = store.schema()
    if as_json:
        click.echo(json_line(current.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Schema: {current.name or '(unnamed)'}")
    for heading, items in (("Entity labels", current.labels), ("Themes", current.themes)):
        click.echo(f"\n{heading}:")
        for item in items:
            click.echo(f"  [{item.hotkey or ' '}] {item.name:<24} {item.colour}  {item.display}")
    click.echo("\nGuidelines:\n")
    for line in current.guidelines_text().split("\n"):
        click.echo(terminal.visual(line) if common.is_tty() else line)


@schema.command("load", context_settings=CONTEXT)
@click.argument("file", type=click.Path(path_type=Path))
@db_option
@reports_errors
def schema_load(file: Path, db: str | None) -> None:
    """Replace the schema with FILE (TOML or JSON, shaped like resources/schema.toml).

    Labels and themes that annotations still use are kept even if FILE leaves them out.

    \b
    Example:
        annotator schema load resources/schema.toml
    """
    new = load_schema_file(file)
    with project(db, create=True) as store:
        change = store.replace_schema(new)
    click.echo(f"Loaded {file}: {counted(len(new.labels), 'label')}, {counted(len(new.themes), 'theme')} "
               f"({len(change.added)} added, {len(change.updated)} updated, {len(change.removed)} removed)")
    if change.kept_in_use:
        click.echo("Kept because annotations use them: " + ", ".join(change.kept_in_use))


# --- stats -----------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
@db_option
@reports_errors
def stats(as_json: bool, db: str | None) -> None:
    """Counts: documents per language, spans per label and annotator, statuses, gold.

    \b
    Example:
        annotator stats
    """
    with project(db) as store:
        figures = store.stats()
        figures["database"] = str(store.path)
    if as_json:
        click.echo(json_line(figures, ensure_ascii=False, indent=2))
        return
    click.echo(f"Database: {figures['database']}")
    langs = ", ".join(f"{k} {v}" for k, v in figures["documents_by_lang"].items())
    click.echo(f"Documents: {figures['documents']}" + (f" ({langs})" if langs else ""))
    click.echo(f"Spans: {figures['spans']}")
    for title, key in (("by annotator", "spans_by_annotator"), ("by label", "spans_by_label"),
                       ("Document themes", "themes_by_name")):
        if figures[key]:
            click.echo(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in figures[key].items()))
    for name, counts in figures["status_by_annotator"].items():
        click.echo(f"Status, {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"Gold: {counted(figures['gold_spans'], 'span')}, {counted(figures['gold_documents'], 'document')} "
               "adjudicated")


# --- screenshot ------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
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


# --- suggestions -----------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
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


# --- maintenance -----------------------------------------------------------------------------


def _db_path(db: str | None) -> Path:
    """The database file check, recover and backup read: it must be there."""
    path, is_default = resolve_db_path(db)
    if isinstance(path, str):
        raise click.ClickException("check, recover and backup work on a database file; a team database lives "
                                   "on its server, which checks and backs it up itself (pg_dump)")
    if not path.exists():
        raise click.ClickException(missing_database(path, is_default))
    return path


@cli.command(context_settings=CONTEXT)
@db_option
@reports_errors
def check(db: str | None) -> None:
    """Check the database for damage: SQLite's integrity check, the search index's own check,
    and every span's text against its document. Opens the file read-only; exits 1 if anything
    is wrong (then `annotator recover` copies what is readable into a new file).

    \b
    Example:
        annotator check
        annotator check --db batch-1/sara.db
    """
    from annotator.storage.maintenance import check as run_check

    report = run_check(_db_path(db))
    click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)


@cli.command(context_settings=CONTEXT)
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@db_option
@reports_errors
def recover(out: Path, db: str | None) -> None:
    """Copy what is readable from a damaged database into a new file OUT, and say per table what
    was kept and what was lost. The damaged file is only read.

    \b
    Example:
        annotator recover recovered.db
        annotator --db recovered.db check
    """
    from annotator.storage.maintenance import recover as run_recover

    report = run_recover(_db_path(db), out)
    click.echo(report.summary())


@cli.command(context_settings=CONTEXT)
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Where to write the copy. Default: NAME.backup-DATE.db beside the database.")
@db_option
@reports_errors
def backup(out: Path | None, db: str | None) -> None:
    """Copy the database now, safely while the window has it open (SQLite's online backup),
    written under a temporary name and renamed when complete.

    \b
    Example:
        annotator backup
        annotator backup -o /media/usb/annotator-2026-11-30.db
    """
    from annotator.storage.maintenance import backup as run_backup
    from annotator.storage.maintenance import restore_instructions, rolling_backup

    path = _db_path(db)
    written = run_backup(path, out) if out is not None else rolling_backup(path, path.parent, keep=10**6)
    click.echo(f"Wrote {Path(written).resolve()}")
    click.echo(restore_instructions(path), err=True)


# --- team ------------------------------------------------------------------------------------


@cli.group(context_settings=CONTEXT)
def team() -> None:
    """A team's PostgreSQL database, where PostgreSQL itself decides who may write what.

    Run by the database's owner, with --db postgresql://OWNER@HOST/DATABASE (or $ANNOTATOR_DB);
    passwords come from PGPASSWORD or ~/.pgpass, never from the command line.

    \b
    Example:
        annotator team init --db postgresql://owner@db.example/news
        annotator team add sara --db postgresql://owner@db.example/news
        annotator team add leila --reviewer --password-stdin --db postgresql://owner@db.example/news
        annotator team list --db postgresql://owner@db.example/news
    """


@contextlib.contextmanager
def team_database(db: str | None) -> Iterator[Any]:
    from annotator.storage import team as teams

    if not teams.is_url(db):
        raise click.ClickException("annotator team works on a team's PostgreSQL database: "
                                   "give --db postgresql://OWNER@HOST/DATABASE")
    conn = teams.connect(db)
    try:
        yield conn
    except Exception as err:  # PostgreSQL's refusal or failure: one line
        if isinstance(err, (AnnotatorError, click.ClickException)):
            raise
        raise click.ClickException(teams.explain(err)) from None
    finally:
        conn.close()


@team.command("init", context_settings=CONTEXT)
@team_db_option
@reports_errors
def team_init(db: str | None) -> None:
    """Create the schema, the annotators' and reviewers' group roles, the grants and the row-level
    security policies (or complete them: it can be run again).

    \b
    Example:
        annotator team init --db postgresql://owner@db.example/news
    """
    from annotator.storage import team as teams

    with team_database(db) as conn:
        ran = teams.init(conn)
    with project(db, create=True) as store:  # the default label schema, the first time
        labels = len(store.schema().labels)
    click.echo(f"Team database ready ({', '.join(ran) if ran else 'already up to date'}; {counted(labels, 'label')})")


@team.command("add", context_settings=CONTEXT)
@click.argument("name")
@click.option("--reviewer", is_flag=True, help="A reviewer: writes gold and adjudication too.")
@click.option("--lead", is_flag=True, help="A lead: a reviewer who also adds documents and changes the label schema.")
@click.option("--password-stdin", is_flag=True, help="Read the member's password from standard input (one line).")
@team_db_option
@reports_errors
def team_add(name: str, reviewer: bool, lead: bool, password_stdin: bool, db: str | None) -> None:
    """Add a person: a login role of their own, in the annotators' (or reviewers', or leads')
    group; adding someone again moves them. Without --password-stdin the role has no password
    (for a server that authenticates otherwise). Membership stays the owner's.

    \b
    Example:
        annotator team add sara --db postgresql://owner@db.example/news
        printf '%s\\n' "$PW" | annotator team add leila --reviewer --password-stdin --db postgresql://owner@db.example/news
        annotator team add reza --lead --db postgresql://owner@db.example/news
    """
    from annotator.storage import team as teams

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and not password:
        raise click.ClickException("--password-stdin read an empty password")
    with team_database(db) as conn:
        teams.add_member(conn, name, reviewer=reviewer, lead=lead, password=password)
    kind = "lead" if lead else "reviewer" if reviewer else "annotator"
    click.echo(f"{name} is a{'n' if kind == 'annotator' else ''} {kind} of the team database")


@team.command("list", context_settings=CONTEXT)
@team_db_option
@reports_errors
def team_list(db: str | None) -> None:
    """The members and their roles.

    \b
    Example:
        annotator team list --db postgresql://owner@db.example/news
    """
    from annotator.storage import team as teams

    with team_database(db) as conn:
        for name, role in teams.members(conn):
            click.echo(f"{name}\t{role}")


# --- bench -----------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.option("--quick", is_flag=True, help="10,000 documents instead of 100,000.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per figure per line.")
@click.option("--window-only", is_flag=True, help="Only the window figures: one long document, and learning from 200 documents (about a minute).")
def bench(quick: bool, as_json: bool, window_only: bool) -> None:
    """Measure annotator at corpus scale, each figure beside a floor measured in the same run.

    Builds a synthetic corpus (Persian and Korean seed sentences, about 3,000 characters and 10
    spans a document; 100,000 documents, 10,000 with --quick) in a temporary folder and measures:
    import (floor: raw executemany of the same rows into the same schema), search, the window with the corpus open
    (floor: a bare QMainWindow) and its memory, a 100,000-character document with 5,000 spans
    (floor: a bare QPlainTextEdit with a QSyntaxHighlighter), adding a span, export (floor:
    json.dumps over the same rows read raw) and agreement over three annotators.

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
        if not window_only:
            documents = 10_000 if quick else 100_000
            say(f"building a corpus of {documents:,} documents …")
            corpus = work / "corpus.jsonl"
            spans = core_bench.make_corpus(corpus, documents)
            say("importing …")
            figure, db = core_bench.import_figure(corpus, work)
            figures.append(figure)
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
            learn_from = 200 if quick else core_bench.TRAIN_DOCUMENTS
            say(f"learning suggestions from {learn_from:,} documents …")
            figures += core_bench.learning_figures(corpus, work, learn_from, scale=", quick" if quick else "")
            if not quick:
                say(f"annotator suggest over {core_bench.SUGGEST_DOCUMENTS:,} documents, and "
                    f"{core_bench.MEMORY_DOCUMENTS:,} for its memory …")
                figures += core_bench.suggest_figures(corpus, work)
            curve = 50 if quick else core_bench.CURVE_DOCUMENTS
            say(f"a simulated annotator with suggestions, {curve} documents …")
            figures += core_bench.learning_curve_figures(
                curve, tuple(n for n in core_bench.CURVE_CHECKPOINTS if n <= curve),
                scale=", quick" if quick else "")[0]
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


def _stop(signum: int, frame: object) -> NoReturn:
    stopping.request(signum)
    raise SystemExit(128 + signum)


def main() -> None:
    # SIGTERM and Ctrl+C end the process through Python: an export removes its .partial file, an
    # open transaction rolls back. Inside one long SQLite query the exit raised here is swallowed
    # by SQLite's progress handler, which ends the query; the stop asked for ends the command.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stop)
    stopping.arm()
    for stream in (sys.stdout, sys.stderr):  # a terminal whose encoding lacks Persian or Hangul (LC_ALL=C,
        with contextlib.suppress(AttributeError, ValueError):  # PYTHONIOENCODING=latin-1) gets escapes
            stream.reconfigure(errors="backslashreplace")
    try:
        cli(prog_name="annotator")
    except BrokenPipeError:  # output closed outside a command's own reporting (its --help, say)
        closed_pipe()
