"""Import articles from .txt files, .jsonl files and folders into a store.

One import is one transaction: every file is read and checked while it is written (the reading
and checking is annotator.core.reading), and the first bad line rolls everything back, so the
database is exactly as it was. Files are read as streams, so memory stays flat however large
they are.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core import formats, inception, stopping
from annotator.core.errors import InputError
from annotator.core.model import GOLD, Document, Span, Status
from annotator.core.offsets import UNIT_NAMES, UNITS
from annotator.core.peer_layers import LayerNames
from annotator.core.reading import Progress, ReadOptions, Record, Tally, Users, collect_files, iter_records
from annotator.core.relation_import import check_relations, write_gold_relations, write_relations
from annotator.core.schema import Label, colour_for, free_hotkey, has_invisible, valid_name
from annotator.core.text import OffsetMap, counted, detect_language, direction_of, shown, title_of
from annotator.storage import Store, text_hash

@dataclass
class ImportReport:
    files: int = 0
    documents_added: int = 0
    documents_unchanged: int = 0
    spans_added: int = 0
    spans_unchanged: int = 0
    relations_added: int = 0
    relations_unchanged: int = 0
    themes_added: int = 0
    statuses_set: int = 0
    labels_added: list[str] = field(default_factory=list)
    themes_created: list[str] = field(default_factory=list)
    annotators_added: list[str] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    skipped_records: int = 0  # examples the source format marks as rejected (Prodigy reject/ignore)
    prediction_ids: int = 0  # Label Studio predictions given as bare ids: nothing to import
    brat_unread: int = 0  # brat's events, attributes, normalisations, equivalences (and relations to events)
    matched_by_text: int = 0  # another tool's ids that were unknown, matched to a stored text
    unit_documents: dict[str, int] = field(default_factory=dict)  # unit -> documents where it mattered
    warnings: list[str] = field(default_factory=list)  # what the import command prints as "warning: ..."
    ls_users: dict[str, str] = field(default_factory=dict)  # ls-ID -> the email a snapshot export gave

    def summary(self) -> str:
        parts = [
            counted(self.files, "file"),
            counted(self.documents_added, "document") + " added",
            f"{self.documents_unchanged} unchanged",
            counted(self.spans_added, "span") + " added",
        ]
        if self.spans_unchanged:
            parts.append(counted(self.spans_unchanged, "span") + " already there")
        if self.relations_added or self.relations_unchanged:
            parts.append(counted(self.relations_added, "relation") + " added"
                         + (f" ({self.relations_unchanged} already there)" if self.relations_unchanged else ""))
        if self.themes_added:
            parts.append(counted(self.themes_added, "document theme") + " added")
        if self.statuses_set:
            parts.append(counted(self.statuses_set, "status", "statuses") + " set")
        lines = [", ".join(parts)]
        if self.labels_added:
            lines.append("labels added to the schema: " + ", ".join(self.labels_added))
        if self.themes_created:
            lines.append("themes added to the schema: " + ", ".join(self.themes_created))
        if self.annotators_added:
            lines.append("annotators added: " + ", ".join(self.annotators_added))
        if self.skipped_files:
            lines.append(f"skipped {counted(len(self.skipped_files), 'file')} annotator does not read (it reads .txt, .jsonl, .json, .ann, .xmi, .tsv, .zip)")
        if self.skipped_records:
            lines.append(f"skipped {counted(self.skipped_records, 'rejected or ignored example')}")
        if self.brat_unread:  # a relation to an event among them
            lines.append(f"left out {counted(self.brat_unread, 'brat annotation')} of kinds annotator does not read "
                         "(events, attributes, normalizations, equivalences)")
        if self.matched_by_text:
            lines.append(f"{counted(self.matched_by_text, 'task')} matched to documents already stored by their text")
        if self.prediction_ids:
            lines.append(f"skipped {counted(self.prediction_ids, 'prediction')} given only as ids (Label Studio's "
                         "quick export): export from Label Studio in JSON with predictions included in full "
                         "(a snapshot export), then import that file")
        if self.ls_users:
            lines.append("Label Studio users: " + ", ".join(f"{name} is {email}" for name, email in
                                                            sorted(self.ls_users.items()))
                         + " (--layer-map ls-ID=NAME names their layers)")
        for unit, n in sorted(self.unit_documents.items()):
            lines.append(f"offsets read as {UNIT_NAMES[unit]}: {counted(n, 'document')} with spans after "
                         "characters that other units count differently (emoji, combined letters); if spans "
                         "look shifted, import again with --offsets")
        return "\n".join(lines)


# --- writing ---------------------------------------------------------------------------------


PAGE = 500  # records written per batch of executemany calls
LS_USERS = "labelstudio_users"  # the setting that keeps Label Studio users' ids by email


@dataclass
class _Pending:
    """A record read and checked, waiting for its page to be written."""

    rec: Record
    mapping: OffsetMap
    doc: Document


class _Importer:
    """Writes records a page at a time: one query for the page's known ids and one executemany per
    table, instead of a dozen statements per document. Records are still checked in file order,
    so the first bad one is the one reported."""

    def __init__(self, store: Store, default_annotator: str, strict: bool, report: ImportReport,
                 layer_map: dict[str, str] | None = None):
        self.store = store
        self.default_annotator = default_annotator
        self.annotators = set(store.annotators())
        self.names = LayerNames(layer_map or {}, json.loads(store.setting(LS_USERS) or "{}"), self.annotators)
        self.strict = strict
        self.report = report
        self.labels = store.label_names()
        self.themes = store.theme_names()
        self.hotkeys = store.hotkeys()
        schema = self.schema = store.schema()
        self.colours = {"labels": [item.colour for item in schema.labels],
                        "themes": [item.colour for item in schema.themes]}
        self.pending: list[_Pending] = []
        self.hash_ids: dict[str, str] = {}  # texts added in this import under another tool's id
        self.unit_seen: set[tuple[str, str]] = set()  # (unit, document) counted in the report

    def add(self, rec: Record) -> None:
        mapping = OffsetMap(rec.text)
        text = mapping.text
        if rec.lang:
            lang, direction = rec.lang, direction_of(rec.lang, text)
        else:
            detected = detect_language(text)
            lang, direction = detected.code, detected.direction
        doc = Document(id=rec.id, title=(rec.title or title_of(text)).strip(), text=text, lang=lang,
                       direction=direction, source=rec.source, meta=rec.meta, text_hash=text_hash(text))
        self.pending.append(_Pending(rec, mapping, doc))
        if len(self.pending) >= PAGE:
            self.flush()

    def flush(self) -> None:
        """Write the pending page: its new documents, then their spans, themes and statuses, then
        its gold lines (few, and with provenance: one at a time)."""
        if not self.pending:
            return
        stopping.check()  # a stop a SQLite query or a cleanup swallowed: the import rolls back here
        page, self.pending = self.pending, []
        known = self.store.document_hashes(list(dict.fromkeys(item.rec.id for item in page)))
        self._match_by_text(page, known)
        new_docs: list[Document] = []
        spans: list[Span] = []
        themes: list[tuple[str, str, str]] = []
        statuses: list[tuple[str, str, Status]] = []
        gold: list[_Pending] = []
        times: list[tuple[str, str, float, str]] = []
        related: list[tuple[Record, str, OffsetMap]] = []  # lines with relations, written after their spans
        for item in page:
            rec, doc = item.rec, item.doc
            existing = known.get(rec.id)
            if existing is None:
                new_docs.append(doc)
                known[rec.id] = doc.text_hash or ""
                self.report.documents_added += 1
            elif existing == doc.text_hash:
                self.report.documents_unchanged += 1
            else:
                raise rec.error(f"document {rec.id!r} is already in the database with a different text")
            if rec.units_matter and (rec.units_matter, rec.id) not in self.unit_seen:
                self.unit_seen.add((rec.units_matter, rec.id))
                self.report.unit_documents[rec.units_matter] = self.report.unit_documents.get(rec.units_matter, 0) + 1
            if rec.gold:
                for raw in rec.spans:  # checked here, in file order; written below
                    self._ensure(rec, raw.label, "labels", raw.line)
                for theme in rec.themes:
                    self._ensure(rec, theme, "themes")
                check_relations(rec, self.schema)
                gold.append(item)
                continue
            if not (rec.spans or rec.themes or (rec.status and rec.status is not Status.NEW) or rec.active_seconds):
                continue
            annotator = self.default_annotator if rec.annotator is None else self.names.layer(rec)
            if annotator not in self.annotators:
                self.store.ensure_annotator(annotator)
                self.annotators.add(annotator)
                self.report.annotators_added.append(annotator)
            text = item.mapping.text
            for raw in rec.spans:
                self._ensure(rec, raw.label, "labels", raw.line)
                start, end = item.mapping.span(raw.start, raw.end)
                spans.append(Span(rec.id, annotator, start, end, raw.label, text[start:end], raw.note))
            for theme in rec.themes:
                self._ensure(rec, theme, "themes")
                themes.append((rec.id, annotator, theme))
            if rec.relations:
                check_relations(rec, self.schema)
                related.append((rec, annotator, item.mapping))
            if rec.status is not None:
                statuses.append((rec.id, annotator, rec.status))
            if rec.active_seconds:
                times.append((rec.id, annotator, rec.active_seconds, rec.tool))
        self.store.insert_documents(new_docs)
        added = self.store.add_spans(self._not_stored(spans, {doc.id for doc in new_docs}))
        self.report.spans_added += added
        self.report.spans_unchanged += len(spans) - added
        write_relations(self.store, related, self.report)
        self.report.themes_added += self.store.add_doc_themes(themes)
        for doc_id, annotator, status in statuses:
            self.report.statuses_set += self.store.set_status(doc_id, annotator, status)
        for doc_id, annotator, seconds, tool in times:
            carry_time(self.store, annotator, doc_id, seconds, tool)
        for item in gold:
            self._add_gold(item.rec, item.mapping)

    def _not_stored(self, spans: list[Span], new_ids: set[str]) -> list[Span]:
        """The spans not stored already: on a document stored before this page (a file imported
        again), the ones there are left out, so that they cost a lookup instead of a write."""
        stored = list(dict.fromkeys(s.doc_id for s in spans if s.doc_id not in new_ids))
        if not stored:
            return spans
        there = self.store.span_keys(stored, list(dict.fromkeys(s.annotator for s in spans)))
        return [s for s in spans if (s.doc_id, s.annotator, s.start, s.end, s.label) not in there]

    def _match_by_text(self, page: list[_Pending], known: dict[str, str]) -> None:
        """Another tool's ids (Label Studio task ids, doccano example ids) name no document of
        ours: a task whose id is unknown but whose text is stored already is that document, never
        a second copy; one whose id is taken by another text gets ``TOOL-ID`` (or the first free
        ``TOOL-ID-N``), whichever file or page the other text came from."""
        foreign = [item for item in page if item.rec.id_from_tool and known.get(item.rec.id) != item.doc.text_hash]
        if not foreign:
            return
        stored = self.store.ids_by_hash([item.doc.text_hash for item in foreign])
        ours: dict[str, str] = {}  # ids this page gives to documents of its own (not another tool's)
        for item in page:
            if not item.rec.id_from_tool:
                ours.setdefault(item.rec.id, item.doc.text_hash)
        this_page: set[str] = set()  # ids first given in this page: the page's own loop counts them
        for item in foreign:
            text = item.doc.text_hash
            matched = stored.get(text) or self.hash_ids.get(text)
            if matched is None:
                doc_id = self._free_id(item.rec, text, known, ours)
                self.hash_ids[text] = doc_id
                this_page.add(doc_id)
            else:
                doc_id = matched
                if doc_id not in this_page:
                    known.setdefault(doc_id, text)
                if doc_id != item.rec.id:
                    self.report.matched_by_text += 1
            if doc_id != item.rec.id:
                item.rec.id = doc_id
                item.doc = dataclasses.replace(item.doc, id=doc_id)

    def _free_id(self, rec: Record, text: str, known: dict[str, str], ours: dict[str, str]) -> str:
        """The tool's id if no other text has it, else ``TOOL-ID``, ``TOOL-ID-2``, ..."""
        def taken(candidate: str) -> bool:
            if candidate in ours and ours[candidate] != text:
                return True
            if candidate in self.hash_ids.values():
                return True
            found = known.get(candidate) or self.store.document_hashes([candidate]).get(candidate)
            return found is not None and found != text

        candidate, n = rec.id, 1
        while taken(candidate):
            n += 1
            candidate = f"{rec.id_from_tool}-{rec.id}" if n == 2 else f"{rec.id_from_tool}-{rec.id}-{n - 1}"
        return candidate

    def _add_gold(self, rec: Record, mapping: OffsetMap) -> None:
        """A gold line: spans, themes and status go to the adjudicated layer, with provenance."""
        decider = self.default_annotator
        for raw in rec.spans:
            self._ensure(rec, raw.label, "labels")
            start, end = mapping.span(raw.start, raw.end)
            span = Span(rec.id, GOLD, start, end, raw.label, mapping.text[start:end], raw.note)
            prov = raw.provenance or {}
            added = self.store.add_gold_span(span, proposed_by=prov.get("proposed_by") or [],
                                             decided_by=prov.get("decided_by") or decider,
                                             decided_at=prov.get("decided_at"))
            if added is None:
                self.report.spans_unchanged += 1
            else:
                self.report.spans_added += 1
        write_gold_relations(self.store, rec, mapping, decider, self.report)
        for theme in rec.themes:
            self._ensure(rec, theme, "themes")
            self.report.themes_added += self.store.add_gold_theme(rec.id, theme, proposed_by=[], decided_by=decider)
        if rec.gold_status:
            self.report.statuses_set += self.store.set_gold_status(rec.id, rec.gold_status, decided_by=decider)
        elif self.store.gold_status(rec.id) is None:  # no status given: a new gold layer starts in progress,
            self.report.statuses_set += self.store.set_gold_status(rec.id, "in_progress", decided_by=decider)

    def _ensure(self, rec: Record, name: str, kind: str, line: int | None = None) -> None:
        known = self.labels if kind == "labels" else self.themes
        if name in known:
            return
        noun = "label" if kind == "labels" else "theme"
        if not valid_name(name):
            raise rec.error(f"{noun} name {shown(name)} must be 1-64 characters without spaces or quotes", line)
        if self.strict:
            raise rec.error(f"{noun} {shown(name)} is not in the schema (--strict)", line)
        hotkey = free_hotkey(self.hotkeys)
        colour = colour_for(self.colours["labels"], self.colours["themes"], kind=kind)
        self.colours[kind].append(colour)
        self.store.add_label(Label(name=name, colour=colour, hotkey=hotkey), kind)
        if hotkey:
            self.hotkeys.add(hotkey)
        known.add(name)
        (self.report.labels_added if kind == "labels" else self.report.themes_created).append(name)


def carry_time(store: Store, annotator: str, doc_id: str, seconds: float, source: str) -> None:
    """A layer's active time measured elsewhere (an export's ``meta.active_seconds``, Label
    Studio's ``lead_time``, a merged file's): the layer counts at least that much. What this
    database recorded itself is taken off, so one's own export brought back counts nothing twice;
    the same file twice changes nothing."""
    key = (annotator, doc_id)
    recorded = store.active_seconds(annotator, doc_id, since="").get(key, 0.0)  # since: without imported time
    imported = store.active_seconds(annotator, doc_id).get(key, 0.0) - recorded
    extra = seconds - recorded
    want = extra if extra >= 0.05 else 0.0  # an export rounds to a tenth of a second
    if abs(want - imported) > 1e-6:  # the same file again writes nothing, not even a time
        store.set_imported_seconds(annotator, doc_id, want or None, source=source)


def import_paths(
    store: Store,
    paths: list[str | Path],
    *,
    annotator: str,
    strict: bool = False,
    progress: Progress | None = None,
    fmt: str = "auto",
    offsets: str | None = None,
    text_field: str | None = None,
    annotator_given: bool = False,
    layer_map: dict[str, str] | None = None,
) -> ImportReport:
    """Import files and folders in one transaction; raises :class:`InputError` and changes nothing
    on the first bad input.

    ``annotator`` owns the spans, themes and status of records that do not name one. ``fmt``
    says which tool wrote .jsonl files (see annotator.core.formats); "auto" tells by each line.
    ``offsets`` (codepoints, utf16, graphemes) overrides the unit each tool's offsets are read
    in; ``text_field`` names Label Studio's data field that holds the text. With
    ``annotator_given`` (an explicit --annotator), ``annotator`` also owns a doccano export's
    lines, which otherwise belong to the doccano member the file is named after. ``layer_map``
    renames the layers the files name (``{"news_ner-sara": "sara", "news_cat-sara": "sara"}``).
    """
    if fmt not in formats.FORMATS:
        raise InputError("--format", f"unknown format {fmt!r} (expected one of {', '.join(formats.FORMATS)})")
    if offsets is not None and offsets not in UNITS:
        raise InputError("--offsets", f"unknown unit {offsets!r} (expected one of {', '.join(UNITS)})")
    if annotator == GOLD:
        raise InputError("--annotator", f"{GOLD!r} is reserved for the adjudicated layer; choose another name")
    if has_invisible(annotator) or annotator != annotator.strip() or not annotator:
        raise InputError("--annotator", f"{annotator!r} holds invisible, direction-changing or outer space characters")
    files, skipped = collect_files(paths)
    report = ImportReport(files=len(files), skipped_files=[str(p) for p in skipped])
    with store.transaction():
        importer = _Importer(store, annotator, strict, report, layer_map)
        options = ReadOptions(fmt, offsets, text_field, frozenset(store.theme_names()), not annotator_given)
        notes = inception.Notes.start(annotator)  # what INCEpTION files left out or merged, for the warnings
        records = iter_records(files, progress, options)
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except InputError:
                importer.flush()  # a bad record read earlier, still pending, is the first error
                raise
            if isinstance(record, Tally):
                setattr(report, record.field, getattr(report, record.field) + record.n)
            elif isinstance(record, Users):
                importer.names.learn(record.names)
            else:
                importer.add(record)  # type: ignore[arg-type]
        importer.flush()
        report.warnings += importer.names.warnings() + notes.finish()
        report.ls_users = importer.names.emails
        if importer.names.learnt:
            store.set_setting(LS_USERS, json.dumps(importer.names.ls_users, ensure_ascii=False, sort_keys=True))
    return report


def total_bytes(paths: list[str | Path]) -> int:
    """Bytes an import of ``paths`` will read, for a progress bar."""
    files, _ = collect_files(paths)
    return sum(p.stat().st_size for p in files)
