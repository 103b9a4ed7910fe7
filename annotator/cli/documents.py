"""The documents: import, docs, show, search and stats, and whoami, who annotates them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from annotator import terminal
from annotator.cli import common
from annotator.cli.common import (
    CONTEXT,
    MOST,
    annotator_option,
    db_option,
    document_id,
    json_line,
    project,
    reports_errors,
)
from annotator.core.formats import FORMATS as IMPORT_FORMATS
from annotator.core.identity import (
    ENV_NAME,
    check_annotators,
    current_annotator,
    environment_name,
    remember_annotator,
    remembered_annotator,
)
from annotator.core.importing import import_paths, total_bytes
from annotator.core.model import Status
from annotator.core.offsets import UNITS
from annotator.core.peer_layers import parse_layer_map
from annotator.core.resources import seeds_dir
from annotator.core.text import counted, match_expression, snippet
from annotator.storage import Store


def _columns() -> int:
    return shutil.get_terminal_size((100, 24)).columns


@click.command("import", context_settings=CONTEXT)
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
@click.option("--layer-map", "layer_map", metavar="OLD=NEW", multiple=True,
              help="Put the work the files name OLD in the layer NEW (repeatable; several OLD may share a NEW): "
                   "--layer-map ls-3=sara, or a Prodigy dataset-session name --layer-map news_ner-sara=sara.")
@db_option
@reports_errors
def import_command(paths: tuple[Path, ...], samples: bool, annotator: str | None, strict: bool, fmt: str,
                   offsets: str | None, text_field: str | None, layer_map: tuple[str, ...], db: str | None) -> None:
    """Import articles from .txt files, .jsonl files and folders (searched recursively).

    A .txt file is one article: its name is the id, its first non-empty line the title. A .jsonl
    file holds one JSON object per line with "text" and optionally "id", "title", "lang", "meta",
    "spans" ([{"start", "end", "label"}], code points), "themes", "annotator" and "status".

    Exports of doccano (JSONL), Prodigy/spaCy (JSONL) and Label Studio (JSON, JSON_MIN) import
    too, with their offsets converted to code points (see docs/format.md); Label Studio
    predictions come in as the annotator "model". Offsets are read in the unit each tool's
    editor writes: doccano UTF-16 code units, Label Studio, Prodigy and annotator code points;
    --offsets overrides that (graphemes: a doccano project in grapheme mode). Spans that cut a
    character such as an emoji, or that fit word edges only in another unit, are refused with
    the unit that fits: never imported shifted. INCEpTION's UIMA CAS XMI (a .xmi with
    TypeSystem.xml beside it, a .zip, a project export) and WebAnno TSV 3.3 (.tsv) import too:
    named entities as spans, document metadata as themes, UTF-16 offsets. brat standoff imports
    too: a collection folder (as export --format brat writes it) or .ann files, each beside its
    .txt; T lines as spans, R lines as relations, code points.

    A peer's file names people its own way (Label Studio users ls-ID, Prodigy sessions
    dataset-session, doccano the member its file is named after): --layer-map renames them. When
    a file has merged several people's work into one layer (doccano's export, Label Studio's
    JSON_MIN), a warning names what was merged.

    Importing the same files again changes nothing. Any bad input stops the import with the file
    and line named, and the database is left exactly as it was.

    \b
    Example:
        annotator import --samples
        annotator import --annotator sara batch1.jsonl
        annotator import --format doccano --annotator minji doccano-export.jsonl
        annotator import --offsets graphemes doccano-grapheme-project.jsonl
        annotator import --text-field content label-studio-export.json
        annotator import inception-project-export.zip
        annotator import brat-collection/
        annotator import --layer-map news_ner-sara=sara --layer-map news_cat-sara=sara prodigy.jsonl
    """
    if samples:
        paths = (*paths, seeds_dir())
    if not paths:
        raise click.UsageError("give files or folders to import, or --samples for the sample articles")
    renames = parse_layer_map(layer_map)
    with project(db, create=True) as store:
        owner = annotator or current_annotator(store)
        options = {"annotator": owner, "strict": strict, "fmt": fmt, "offsets": offsets, "text_field": text_field,
                   "annotator_given": annotator is not None, "layer_map": renames}
        if sys.stderr.isatty():
            with click.progressbar(length=total_bytes(list(paths)), label="Importing", file=sys.stderr) as bar:
                report = import_paths(store, list(paths), progress=bar.update, **options)
        else:
            report = import_paths(store, list(paths), **options)
        click.echo(report.summary())
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)


@click.command(context_settings=CONTEXT)
@annotator_option("Whose status and spans to show. Default: who annotates this database (annotator whoami).")
@click.option("--lang", metavar="CODE", help="Only documents in this language (fa, ko, ...).")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only documents with this status.")
@click.option("--assigned-to", "assigned_to", metavar="NAME", help="Only NAME's queue, in its order.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document per line.")
@db_option
@reports_errors
def docs(annotator: str | None, lang: str | None, status: str | None, assigned_to: str | None, as_json: bool,
         db: str | None) -> None:
    """List the documents with their language and your status.

    \b
    Example:
        annotator docs
        annotator docs --lang fa --status new
        annotator docs --assigned-to sara
        annotator docs --json | head -n 1
    """
    with project(db) as store:
        check_annotators(store, annotator)
        owner = annotator or current_annotator(store)
        _known_lang(store, lang)
        wanted = Status(status) if status else None
        if assigned_to is None:
            rows = store.document_summaries(owner, lang=lang, status=wanted)
        else:  # the queue's order; an empty queue lists nothing
            order = {doc_id: i for i, doc_id in enumerate(store.queue(assigned_to))}
            rows = sorted(store.document_summaries(owner, lang=lang, status=wanted, ids=list(order)) if order else [],
                          key=lambda r: order[r.id])
        relations = store.relation_counts(annotator=owner)  # per document, in one query
        if as_json:
            for row in rows:
                click.echo(json_line({
                    "id": row.id, "title": row.title, "lang": row.lang, "direction": row.direction,
                    "status": row.status.value, "spans": row.spans, "relations": relations.get(row.id, 0),
                    "chars": row.chars,
                    "source": row.source, "annotator": owner,
                }, ensure_ascii=False))
            return
        rows = list(rows)
        if not rows and store.count_documents() == 0:
            click.echo("No documents yet. Start with: annotator import --samples  (five sample articles), or "
                       "annotator import FILES", err=True)
            return
        id_w = max([terminal.width(r.id) for r in rows] + [2])
        head = f"{terminal.pad('ID', id_w)}  LANG  {'STATUS':<11}  SPANS  RELS  TITLE"
        click.echo(head)
        title_w = max(20, _columns() - len(head) + 5)
        done = 0
        for r in rows:
            title = terminal.fit(" ".join(r.title.split()), title_w)
            if common.is_tty():
                title = terminal.visual(title, r.direction == "rtl")
            click.echo(f"{terminal.pad(r.id, id_w)}  {r.lang:<4}  {r.status.value:<11}  {r.spans:>5}  "
                       f"{relations.get(r.id, 0):>4}  {title}")
            done += r.status is Status.DONE
        click.echo(f"{done} / {len(rows)} done ({owner})", err=True)


@click.command(context_settings=CONTEXT)
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


def _known_lang(store: Store, lang: str | None) -> None:
    """A --lang that no document has is a typo, not an empty result."""
    if lang is not None and lang not in store.languages():
        raise click.ClickException(f"no documents in language {lang!r} "
                                   f"(languages here: {', '.join(store.languages()) or 'none yet'})")


def _one_line(text: str) -> str:
    """A span's text on its row: a line break inside it shown as ⏎, so each span is one line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "⏎")


@click.command(context_settings=CONTEXT)
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
        cols = _columns()
        click.echo(f"# {doc.id}  [{doc.lang}, {doc.direction}, {counted(len(doc.text), 'character')}]")
        for line in terminal.render(doc.text, rtl=rtl, cols=cols, logical=plain):
            click.echo(line)
        spans = store.spans(doc.id, owner)
        if spans:
            click.echo(f"\n# {counted(len(spans), 'span')} by {owner}")
            for s in spans:
                covered = _one_line(s.text) if plain else terminal.visual(_one_line(s.text), rtl)
                click.echo(f"{s.start:>6} {s.end:>6}  {s.label:<8} {covered}")
        relations = store.relations(doc.id, owner)
        if relations:
            by_id = {s.id: s for s in spans}
            click.echo(f"\n# {counted(len(relations), 'relation')} by {owner}")
            place = {s.id: (s.start, s.end, s.label) for s in spans}  # by place, as an export writes them
            for r in sorted(relations, key=lambda r: (place[r.from_id], place[r.to_id], r.label)):
                ends = [by_id[r.from_id], by_id[r.to_id]]
                shown_ends = [_one_line(e.text) if plain else terminal.visual(_one_line(e.text), rtl) for e in ends]
                click.echo(f"{ends[0].start:>6} -> {ends[1].start:<6} {r.label:<16} {shown_ends[0]} -> {shown_ends[1]}")
        others = {name: n for name, n in store.span_counts(doc.id).items() if name != owner}
        if others:
            listed = ", ".join(f"{name} ({counted(n, 'span')})" for name, n in others.items())
            click.echo(f"\n# other annotators: {listed}; see --annotator NAME")


@click.command(context_settings=CONTEXT)
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


@click.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
@db_option
@reports_errors
def stats(as_json: bool, db: str | None) -> None:
    """Counts: documents per language, spans per label and annotator, relations, statuses, gold.

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
    click.echo(f"Relations: {figures['relations']}")
    if figures["relations_by_label"]:
        click.echo("  by type: " + ", ".join(f"{k} {v}" for k, v in figures["relations_by_label"].items()))
    for name, counts in figures["status_by_annotator"].items():
        click.echo(f"Status, {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    gold_relations = f", {counted(figures['gold_relations'], 'relation')}" if figures["gold_relations"] else ""
    click.echo(f"Gold: {counted(figures['gold_spans'], 'span')}{gold_relations}, "
               f"{counted(figures['gold_documents'], 'document')} adjudicated")
