"""Training exports, streamed (over 400 lines: the options' checks, choosing layers and writing,
one path for every format): annotator's JSONL, doccano, Label Studio, spaCy/Prodigy, BIO, CoNLL,
CoNLL-U, spaCy DocBin and brat; the formats' records are built in export_formats and conll, the
token views in export_views.

The training formats (TRAINING) leave the model layer (suggestions) out unless asked. Spans a
format cannot nest are left out and listed; spans a format keeps but its target tool may drop
(overlaps in doccano's default layout, Prodigy's ner_manual) are counted and listed too.

Documents are read a page at a time with their layers, so memory stays flat however large the
corpus. Every span's text is checked against ``text[start:end]`` before a line is written: a
mismatch stops the export with an error naming the document and the span. Only layers an
annotator touched (spans, themes, or a status other than new) are exported unless
``include_untouched`` asks for the others: an untouched document is not "no entities here".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from annotator.core import conll
from annotator.core import export_formats as fmt
from annotator.core import stopping
from annotator.core.export_formats import Layer
from annotator.core.brat import LAYERS as BRAT_LAYERS  # folders not named by the annotation set they hold
from annotator.core.brat import NAMES as BRAT_NAMES  # file names that are not their documents' ids
from annotator.core.export_views import ExportError, Views, check
from annotator.core.formats import MODEL
from annotator.core.identity import check_annotators
from annotator.core.model import GOLD, Status
from annotator.core.offsets import UNITS
from annotator.core.text import counted, escape_line_separators
from annotator.core.token_view import Misaligned, TokenStats, tag_names
from annotator.storage import Store

FORMATS = ("jsonl", "doccano", "labelstudio", "spacy", "bio", "conll", "conllu", "spacy-docbin", "brat", "xmi",
           "webanno")
TOKEN_FORMATS = {"spacy", "bio", "conll", "conllu", "spacy-docbin", "xmi", "webanno"}
INCEPTION = {"xmi", "webanno"}  # INCEpTION's formats, written by annotator.core.inception_export
RELATED = {"jsonl", "labelstudio", "brat", *INCEPTION}  # the formats that carry relations (issue 25; doccano: one layout)
# The training formats leave the model layer (suggestions, not annotations) out unless asked.
TRAINING = {"spacy", "bio", "conll", "conllu", "spacy-docbin"}
STREAMED = {"bio", "conll", "conllu", "spacy-docbin"}  # formats that read a long document's text a block at a time
ONE_SET = {"conll", "conllu"}  # a file holds one annotation set and cannot say whose
# Where the overlapping spans a format writes may be lost, said in the summary before anyone uploads.
OVERLAP_RISK = {
    "doccano": "a doccano project that does not allow overlapping spans (its default) keeps one of each pair on "
               "import and drops the other without a word: allow overlapping in the project's settings first, or "
               "export --doccano-layout entities to leave the shorter out here",
    "spacy": "Prodigy's ner_manual and spaCy's doc.ents hold no overlapping spans (spans_manual and doc.spans do); "
             "spacy-docbin keeps every span in doc.spans[\"sc\"]",
}
LONG = 1 << 20  # characters: a longer document's text is read a piece at a time (STREAMED formats)
FILE_ONLY = {"spacy-docbin": "a .spacy file", "brat": "a folder", "xmi": "a .zip or a folder",
             "webanno": "a .zip or a folder"}  # these cannot go to standard output
DEFAULT_UNITS = {"doccano": "utf16", "labelstudio": "codepoints"}
DOCCANO_LAYOUTS = ("label", "entities", "relations")
PAGE = 500


@dataclass
class ExportOptions:
    format: str = "jsonl"
    annotator: str | None = None  # one annotator's layer; None: every layer
    gold: bool = False  # the adjudicated layer instead
    status: Status | None = None  # only layers with this status (gold: DONE means adjudicated)
    lang: str | None = None
    ids: list[str] | None = None
    include_untouched: bool = False  # also documents nobody (or not this annotator) touched
    offsets: str | None = None  # doccano, Label Studio: the unit (default: what the tool's editor counts)
    doccano_layout: str = "label"  # "entities": spans + categories (entities, cats); "relations": with relations
    chars: bool = False  # bio: one token per character (the KLUE-NER convention)
    max_tokens: int | None = None  # token formats: cut sentences longer than this, never inside an entity
    labelstudio_config: str | None = None  # labelstudio: the project's labeling config (XML), for control names
    include_model: bool = False  # training formats: also the model layer (suggestions), left out by default




@dataclass
class ExportReport:
    lines: int = 0
    documents: int = 0
    spans: int = 0
    sentences: int = 0
    tokens: TokenStats = field(default_factory=TokenStats)
    by_annotator: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)  # sidecars written beside the export
    renamed: dict[str, str] = field(default_factory=dict)  # brat: a document id -> its file name, where they differ
    format: str = ""
    split: int = 0  # spacy-docbin: annotation sets of a document too long for one Doc
    parts: int = 0  # the Docs they were written as
    model_left_out: int = 0  # training formats: the model layers (suggestions) not exported
    overlap_risk: str = ""  # why the overlapping spans written may be lost in the target tool, if they may
    relations: int = 0  # written (annotator's JSONL, Label Studio, doccano's relations layout, brat, INCEpTION's)
    relations_unmarked: int = 0  # brat: left out, an end being a span of line breaks only (brat cannot mark it)
    relations_left_out: int = 0  # in the layers written, in a format that has no relations (yet)

    @property
    def misaligned(self) -> list[Misaligned]:
        return self.tokens.misaligned

    @property
    def dropped_overlaps(self) -> int:
        return self.tokens.dropped_overlaps

    @property
    def skipped_spans(self) -> int:
        return self.tokens.skipped_spans

    def summary(self) -> str:
        parts = [counted(self.lines, "line"), counted(self.documents, "document"), counted(self.spans, "span")]
        if self.sentences:
            parts.append(counted(self.sentences, "sentence"))
        stats = self.tokens
        if stats.misaligned:
            parts.append(f"{counted(len(stats.misaligned), 'span')} left out of the token format: an edge falls "
                         "inside a token (listed below)")
        if stats.dropped_overlaps:
            where = ("of doc.ents (they cannot nest; the longer one kept; all are in doc.spans[\"sc\"]; listed below)"
                     if self.format == "spacy-docbin" else
                     "(the format cannot nest them; the longer one kept; listed below)")
            parts.append(f"{counted(stats.dropped_overlaps, 'overlapping span')} left out {where}")
        if stats.risky_overlaps:
            verb = "overlaps" if stats.risky_overlaps == 1 else "overlap"
            documents = counted(len(stats.overlap_documents), "document")
            parts.append(f"{counted(stats.risky_overlaps, 'span')} in {documents} {verb} a longer one (listed below): "
                         f"{self.overlap_risk}")
        if stats.skipped_spans:
            parts.append(f"{counted(stats.skipped_spans, 'white-space-only span')} left out of the token format")
        if stats.long_chunks:
            parts.append(f"{counted(stats.long_chunks, 'piece')} longer than --max-tokens (an entity is longer)")
        if self.split:
            parts.append(f"{counted(self.split, 'annotation set')} of a document over 1,000,000 characters written as "
                         f"{counted(self.parts, 'Doc')} of whole sentences (user_data: part, offset)")
        if self.renamed:
            parts.append(f"{counted(len(self.renamed), 'document')} in a file not named by the id (listed in "
                         f"{BRAT_NAMES})")
        if self.relations:
            parts.append(counted(self.relations, "relation"))
        if self.relations_unmarked:
            parts.append(f"{counted(self.relations_unmarked, 'relation')} left out: an end is a span of line breaks "
                         "only, which brat cannot mark")
        if self.relations_left_out and self.format == "doccano" and not self.relations:
            parts.append(f"{counted(self.relations_left_out, 'relation')} left out: doccano's label and entities "
                         "layouts have no relations (--doccano-layout relations keeps them)")
        elif self.relations_left_out and self.format in RELATED:  # webanno: an end left out of the token format
            parts.append(f"{counted(self.relations_left_out, 'relation')} left out with a span of white space at "
                         "one end (the token format leaves such spans out)")
        elif self.relations_left_out:
            parts.append(f"{counted(self.relations_left_out, 'relation')} left out: {self.format} has no relations "
                         "(jsonl, labelstudio, brat, xmi and webanno keep them)")
        if self.model_left_out:
            parts.append(f"the model layer (suggestions; {counted(self.model_left_out, 'document')}) left out: "
                         "--include-model or --annotator model exports it")
        return ", ".join(parts)

    def details(self, most: int = 50) -> list[str]:
        """One line per span left out of a token format, then per overlapping span left out or at
        risk in the target tool, the first ``most`` of each."""
        out = []
        for items, total in ((self.tokens.misaligned, len(self.tokens.misaligned)),
                             (self.tokens.overlaps, self.dropped_overlaps + self.tokens.risky_overlaps)):
            out += [item.describe(self.format) for item in items[:most]]
            if total > most:
                out.append(f"... and {total - most} more")
        return out


def check_options(store: Store, options: ExportOptions) -> None:
    """Refuse options that would export nothing by mistake, or that do not fit the format."""
    if options.format not in FORMATS:
        raise ExportError(f"unknown format {options.format!r} (expected one of {', '.join(FORMATS)})")
    if options.gold and options.annotator:
        raise ExportError("--gold and --annotator choose different layers: give one of them")
    check_annotators(store, options.annotator, error=ExportError)
    if options.lang is not None and options.lang not in store.languages():
        raise ExportError(f"no documents in language {options.lang!r} "
                          f"(languages here: {', '.join(store.languages()) or 'none yet'})")
    if options.ids:
        found = store.document_hashes(list(options.ids))
        missing = [i for i in options.ids if i not in found]
        if missing:
            total = store.count_documents()
            raise ExportError(f"no document with the id {', '.join(map(repr, missing[:10]))}"
                              f"{' and more' if len(missing) > 10 else ''} (the database has "
                              f"{counted(total, 'document')}; `annotator docs` lists them)")
    if options.offsets is not None:
        if options.offsets not in UNITS:
            raise ExportError(f"unknown unit {options.offsets!r} (expected one of {', '.join(UNITS)})")
        if options.format not in DEFAULT_UNITS:
            raise ExportError(f"--offsets applies to doccano and labelstudio; {options.format} is in code points")
    if options.doccano_layout not in DOCCANO_LAYOUTS:
        raise ExportError(f"unknown doccano layout {options.doccano_layout!r} (expected {', '.join(DOCCANO_LAYOUTS)})")
    if options.doccano_layout != "label" and options.format != "doccano":
        raise ExportError("--doccano-layout applies to the doccano format")
    if options.labelstudio_config is not None:
        if options.format != "labelstudio":
            raise ExportError("--labelstudio-config applies to the labelstudio format")
        try:
            fmt.labelstudio_names(options.labelstudio_config)
        except ValueError as err:
            raise ExportError(f"--labelstudio-config: {err}") from None
    if options.chars and options.format != "bio":
        raise ExportError("--chars applies to the bio format")
    if options.max_tokens is not None:
        if options.format not in {"bio", "conll", "conllu"}:
            raise ExportError("--max-tokens applies to the bio, conll and conllu formats")
        if options.max_tokens < 1:
            raise ExportError(f"--max-tokens must be at least 1, not {options.max_tokens}")
    if options.include_model and options.format not in TRAINING:
        raise ExportError(f"--include-model applies to the training formats ({', '.join(sorted(TRAINING))}); "
                          f"{options.format} always holds the model layer")
    if options.format in ONE_SET and not options.gold and options.annotator is None:
        raise ExportError("a CoNLL file holds one annotation set: choose one annotator's layer or the gold layer "
                          "(--annotator NAME or --gold) "
                          f"(annotators: {', '.join(store.annotators_with_layers()) or 'none yet'})")


def why_nothing(store: Store, options: ExportOptions) -> str:
    """Why an export wrote no line, naming the filter that left everything out (one clause)."""
    total = store.count_documents()
    if total == 0:
        return "the database has no documents (annotator import FILES)"
    where = (f" among the {counted(len(options.ids), 'document')} of --ids" if options.ids else "") + \
        (f" in language {options.lang}" if options.lang else "")
    if options.gold:
        if options.status is not None:
            return f"no gold layer{where} has status {options.status.value}"
        return f"no document{where} has a gold layer yet (annotator adjudicate, or Review in the window)"
    who = f"by {options.annotator}" if options.annotator else "by anyone"
    untouched = "untouched documents are left out; --include-untouched keeps them"
    if options.status is not None:
        hint = f" ({untouched})" if options.status is Status.NEW and not options.include_untouched else ""
        return f"no layer {who}{where} has status {options.status.value}{hint}"
    return f"no document{where} has spans, themes or a status {who} ({untouched})"


def carries_relations(options: ExportOptions) -> bool:
    """Whether the export writes relations: annotator's JSONL, Label Studio's relation results,
    doccano's relation projects (``--doccano-layout relations``) and INCEpTION's XMI and TSV."""
    return options.format in RELATED or (options.format == "doccano" and options.doccano_layout == "relations")


def _keep(by_annotator: dict[str, dict[str, Any]], gold: dict[str, Any] | None) -> list[tuple[int, int]]:
    spans = [(s.start, s.end) for entry in by_annotator.values() for s in entry["spans"]]
    if gold:
        spans += [(s.start, s.end) for s, _ in gold["spans"]]
    return sorted(set(spans))


def _without_model(options: ExportOptions) -> bool:
    """Whether the model layer (suggestions imported as predictions) is left out: by the training
    formats, unless asked for (``include_model``, or ``--annotator model``)."""
    return options.format in TRAINING and not options.include_model and options.annotator != MODEL


def layers(store: Store, options: ExportOptions, report: ExportReport | None = None) -> Iterator[Layer]:
    """The annotation sets to export, in document order, one page of documents at a time. The
    model layer left out (see :func:`_without_model`) is counted in ``report`` and shapes no
    token or sentence of the others."""
    wanted_status = options.status.value if options.status else None
    tokens = options.format in TOKEN_FORMATS
    no_model = _without_model(options)
    up_to = LONG if options.format in STREAMED else None
    for docs in store.document_pages(PAGE, lang=options.lang, ids=options.ids, text_up_to=up_to):
        stopping.check()  # a stop a SQLite query or a cleanup swallowed still ends the export here
        ids = [doc.id for doc in docs]
        gold = store.gold_layers(ids) if options.gold or tokens else {}
        found = store.layers(ids)
        # issue 25: the formats that carry relations write them; the others count what they leave out
        related = carries_relations(options)
        relations = store.relation_layers(ids) if not options.gold else {}
        gold_relations = store.gold_relation_layers(ids) if options.gold else {}
        for doc in docs:
            by_annotator = found.get(doc.id, {})
            if no_model and MODEL in by_annotator:
                by_annotator = {name: entry for name, entry in by_annotator.items() if name != MODEL}
                if report is not None and not options.gold and options.annotator is None:
                    report.model_left_out += 1
            keep = _keep(by_annotator, gold.get(doc.id)) if tokens else []
            if options.gold:
                entry = gold.get(doc.id)
                if entry is None:
                    continue
                status = "done" if entry["status"] == "adjudicated" else entry["status"]
                if wanted_status and status != wanted_status:
                    continue
                decided = gold_relations.get(doc.id, [])
                if report is not None:
                    setattr(report, "relations" if related else "relations_left_out",
                            getattr(report, "relations" if related else "relations_left_out") + len(decided))
                decided = decided if related else []
                yield Layer(doc, GOLD, entry["status"], [s for s, _ in entry["spans"]], entry["themes"],
                            entry["updated_at"], [p for _, p in entry["spans"]], keep,
                            [r for r, _ in decided], [p for _, p in decided])
                continue
            names = [options.annotator] if options.annotator else sorted(by_annotator)
            if not names and wanted_status is None and options.include_untouched:
                yield Layer(doc, None, Status.NEW.value, [], [], "", keep=keep)
            for name in names:
                entry = by_annotator.get(name)
                if entry is None:
                    if not options.include_untouched:
                        continue  # never touched: not a claim that there is nothing here
                    entry = {"spans": [], "themes": [], "status": Status.NEW, "updated_at": ""}
                if wanted_status and entry["status"].value != wanted_status:
                    continue
                mine = relations.get(doc.id, {}).get(name, [])
                if report is not None and mine:
                    if related:
                        report.relations += len(mine)
                    else:
                        report.relations_left_out += len(mine)
                yield Layer(doc, name, entry["status"].value, entry["spans"], entry["themes"], entry["updated_at"],
                            keep=keep, relations=mine if related else [])


def _each_layer(store: Store, options: ExportOptions, report: ExportReport,
                progress: Callable[[int], None] | None) -> Iterator[Layer]:
    last_doc = None
    for layer in layers(store, options, report):
        check(layer)
        report.spans += len(layer.spans)
        if layer.annotator:
            report.by_annotator[layer.annotator] = report.by_annotator.get(layer.annotator, 0) + 1
        if layer.doc.id != last_doc:
            report.documents += 1
            last_doc = layer.doc.id
            if progress:
                progress(1)
        yield layer


def _by_document(items: Iterator[Layer]) -> Iterator[list[Layer]]:
    group: list[Layer] = []
    for layer in items:
        if group and group[0].doc.id != layer.doc.id:
            yield group
            group = []
        group.append(layer)
    if group:
        yield group


def export(store: Store, out: TextIO, options: ExportOptions,
           progress: Callable[[int], None] | None = None) -> ExportReport:
    """Write the export to a text stream; returns what was written. spaCy DocBin and brat need
    a file or folder: :func:`export_file`."""
    check_options(store, options)
    if options.format in FILE_ONLY:
        raise ExportError(f"{options.format} is written to {FILE_ONLY[options.format]}: give -o")
    report = ExportReport(format=options.format, overlap_risk=OVERLAP_RISK.get(options.format, ""))
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def dumps(record: Any) -> str:
        return escape_line_separators(encode(record))

    items = _each_layer(store, options, report, progress)
    unit = options.offsets or DEFAULT_UNITS.get(options.format, "codepoints")
    try:
        if options.format == "labelstudio":
            names = _ls_names(options)
            undirected = frozenset(kind.name for kind in store.schema().relations if not kind.directed)
            first = True
            out.write("[")
            for group in _by_document(items):
                out.write(("\n" if first else ",\n") + dumps(fmt.labelstudio_task(group, unit, names, undirected)))
                report.lines += 1
                first = False
            out.write("\n]\n")
            return report
        views = _views(store, options, report)
        themes = [t.name for t in store.schema().themes] if options.format == "spacy" else []
        times = store.active_seconds() if options.format == "jsonl" else {}
        for layer in items:
            if options.format == "jsonl":
                records = [fmt.jsonl_record(layer, times.get((layer.annotator, layer.doc.id)))]
            elif options.format == "doccano":
                records = [fmt.doccano_record(layer, unit, options.doccano_layout, report.tokens)]
            elif options.format == "spacy":
                records = [fmt.prodigy_record(layer, views.of(layer), report.tokens, themes)]
            elif options.format == "bio":
                for record in fmt.bio_records(layer, views.blocks(layer), report.tokens):
                    out.write(dumps(record))
                    out.write("\n")
                    report.lines += 1
                    report.sentences += 1
                continue
            elif options.format == "conll":
                for lines in conll.conll_lines(layer, views.blocks(layer), report.tokens):
                    out.write(lines)
                    report.sentences += 1
                report.sentences -= 1  # the first piece is the -DOCSTART- line
                report.lines += 1
                continue
            else:  # conllu
                for lines in conll.conllu_lines(layer, views.blocks(layer), report.tokens):
                    out.write(lines)
                    report.sentences += 1
                report.lines += 1
                continue
            for record in records:
                out.write(dumps(record))
                out.write("\n")
                report.lines += 1
    except (fmt.OffsetsError, conll.LabelError) as err:
        raise ExportError(str(err)) from None
    return report


def _views(store: Store, options: ExportOptions, report: ExportReport) -> Views:
    """The token views of the export; spacy-docbin and spacy (Prodigy) cut tokens at every span
    edge, so doc.spans and a Prodigy task hold every span (a city inside a longer word too)."""
    return Views(store, report.tokens, chars=options.chars, max_tokens=options.max_tokens,
                 split=options.format in ("spacy-docbin", "spacy"))


def _ls_names(options: ExportOptions) -> fmt.LabelStudioNames:
    if options.labelstudio_config is None:
        return fmt.LabelStudioNames()
    return fmt.labelstudio_names(options.labelstudio_config)


def label_list(store: Store) -> list[str]:
    """The BIO tag names for this database's schema (stable across exports of one schema)."""
    return tag_names([label.name for label in store.schema().labels])


def export_file(store: Store, path: str | Path, options: ExportOptions,
                progress: Callable[[int], None] | None = None, *, label_list_path: Path | None = None,
                sidecars: bool = True) -> ExportReport:
    """Export to ``path``: written beside it as ``NAME.partial`` and renamed only when complete,
    so a failed or cancelled export never leaves a file that looks finished. BIO and CoNLL write
    their tag list beside it (``NAME.labels.json``, or ``label_list_path``), Label Studio its
    labeling config (``NAME.config.xml``); brat writes a folder."""
    check_options(store, options)
    target = Path(path)
    if options.format == "brat":
        return _export_brat(store, target, options, progress)
    if options.format in INCEPTION:
        from annotator.core import inception_export

        report = ExportReport(format=options.format)
        return inception_export.export(target, options.format, _each_layer(store, options, report, progress),
                                       report, ExportError)
    if target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name")
    partial = target.with_name(target.name + ".partial")
    try:
        if options.format == "spacy-docbin":
            report = _export_docbin(store, partial, options, progress)
        else:
            with partial.open("w", encoding="utf-8", newline="\n") as handle:
                report = export(store, handle, options, progress)
        partial.replace(target)
        if options.format in {"bio", "conll", "conllu"} and (sidecars or label_list_path):
            report.files.append(write_label_list(store, label_list_path or _sidecar(target, ".labels.json")))
        if options.format == "labelstudio" and sidecars and options.labelstudio_config is None:
            schema = store.schema()
            config = _sidecar(target, ".config.xml")
            config.write_text(fmt.labelstudio_config([(label.name, label.colour) for label in schema.labels],
                                                     [t.name for t in schema.themes],
                                                     relations=[(kind.name, kind.colour) for kind in schema.relations]),
                              encoding="utf-8")
            report.files.append(config)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {err.strerror}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


def write_label_list(store: Store, path: Path) -> Path:
    path.write_text(json.dumps(label_list(store), ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _sidecar(target: Path, suffix: str) -> Path:
    stem = target.name.rsplit(".", 1)[0] if "." in target.name else target.name
    return target.with_name(stem + suffix)


def _export_docbin(store: Store, path: Path, options: ExportOptions,
                   progress: Callable[[int], None] | None) -> ExportReport:
    try:
        from annotator.core import docbin
    except ImportError:  # spaCy is an optional extra
        raise ExportError("spacy-docbin needs spaCy: pip install 'annotator[spacy]'") from None
    report = ExportReport(format=options.format)
    views = _views(store, options, report)
    themes = [t.name for t in store.schema().themes]
    writer = docbin.Writer(themes)
    for layer in _each_layer(store, options, report, progress):
        report.lines += 1
        text = layer.doc.text
        if (len(text) if text is not None else store.document_chars(layer.doc.id) or 0) <= docbin.SPLIT:
            view = views.of(layer)
            writer.add(layer, view, report.tokens)
            report.sentences += len(view.sentences)
            continue
        report.split += 1
        for part, (offset, view, aligned) in enumerate(fmt.in_blocks(layer, views.blocks(layer), report.tokens)):
            writer.add(layer, view, report.tokens, aligned, (part, offset))
            report.sentences += len(view.sentences)
            report.parts += 1
    writer.save(path)
    return report


def _export_brat(store: Store, folder: Path, options: ExportOptions,
                 progress: Callable[[int], None] | None) -> ExportReport:
    """A brat collection: ``annotation.conf`` at the top, and a folder per annotation set with a
    ``.txt`` and an ``.ann`` per document. Written under a temporary name and renamed at the end."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExportError(f"{folder} exists already and is not an empty folder")
    partial = folder.with_name(folder.name + ".partial")
    import shutil

    shutil.rmtree(partial, ignore_errors=True)
    report = ExportReport(format=options.format)
    try:
        if not partial.parent.is_dir():
            raise ExportError(f"cannot write {folder}: the folder {partial.parent} does not exist")
        partial.mkdir()
        schema = store.schema()
        (partial / "annotation.conf").write_text(fmt.brat_conf([label.name for label in schema.labels],
                                                               schema.relations), encoding="utf-8")
        folders: dict[str | None, str] = {}  # annotation set -> its folder, unique even ignoring case
        used: set[str] = {"annotation.conf"}
        taken: dict[str, set[str]] = {}
        for layer in _each_layer(store, options, report, progress):
            if layer.annotator not in folders:
                folders[layer.annotator] = fmt.brat_name(layer.annotator or "unannotated", used)
            folder_name = folders[layer.annotator]
            sub = partial / folder_name
            sub.mkdir(exist_ok=True)
            name = fmt.brat_name(layer.doc.id, taken.setdefault(folder_name, set()))
            if name != layer.doc.id:
                report.renamed[layer.doc.id] = f"{folder_name}/{name}"
            (sub / f"{name}.txt").write_text(layer.doc.text, encoding="utf-8", newline="\n")
            ann, unmarked = fmt.brat_ann(layer, report.tokens)
            report.relations -= unmarked  # counted as written when the layer was read
            report.relations_unmarked += unmarked
            (sub / f"{name}.ann").write_text(ann, encoding="utf-8", newline="\n")
            report.lines += 1
        if report.renamed:  # which file holds which document, where the name is not the id
            (partial / BRAT_NAMES).write_text("".join(f"{name}\t{doc_id}\n" for doc_id, name in report.renamed.items()),
                                              encoding="utf-8", newline="\n")
        sets = {folder_name: name for name, folder_name in folders.items() if name}
        if sets:  # whose annotation set each folder holds (a/b in a_b/), so that an import puts it back there
            (partial / BRAT_LAYERS).write_text("".join(f"{folder_name}\t{name}\n" for folder_name, name in
                                                       sorted(sets.items())), encoding="utf-8", newline="\n")
        if folder.exists():
            folder.rmdir()
        partial.replace(folder)
    except OSError as err:
        shutil.rmtree(partial, ignore_errors=True)
        raise ExportError(f"cannot write {folder}: {err.strerror}") from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return report


def count_documents(store: Store, options: ExportOptions) -> int:
    """How many documents an export with these options will go through, for a progress bar."""
    return store.count_summaries(options.annotator or "", lang=options.lang, ids=options.ids)
