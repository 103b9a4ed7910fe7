"""Training exports: annotator's own JSONL, doccano, spaCy/Prodigy and BIO, streamed.

Documents are read a page at a time with their layers, so memory stays flat however large the
corpus. Offsets in every format are code points over exactly the exported text (the stored NFC
text), and every span's text is checked against ``text[start:end]`` before a line is written: a
mismatch stops the export with an error naming the document and the span.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from annotator.core.errors import AnnotatorError
from annotator.core.model import GOLD, Document, Span, Status
from annotator.core.tokens import Token, split_at, token_index, tokenize
from annotator.storage import Store

FORMATS = ("jsonl", "doccano", "spacy", "bio")
FORMAT_VERSION = 1
PAGE = 500


class ExportError(AnnotatorError):
    """The data would not export exactly; nothing claims it did."""


@dataclass
class ExportOptions:
    format: str = "jsonl"
    annotator: str | None = None  # one annotator's layer; None: every layer
    gold: bool = False  # the adjudicated layer instead
    status: Status | None = None  # only layers with this status (gold: DONE means adjudicated)
    lang: str | None = None
    ids: list[str] | None = None


@dataclass
class ExportReport:
    lines: int = 0
    documents: int = 0
    spans: int = 0
    split_spans: int = 0  # token formats: spans whose edge fell inside a token (the token was split)
    dropped_overlaps: int = 0  # bio: spans dropped because they overlap a longer one
    skipped_spans: int = 0  # token formats: spans of white space only
    by_annotator: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{self.lines} line{'s' * (self.lines != 1)}",
                 f"{self.documents} document{'s' * (self.documents != 1)}",
                 f"{self.spans} span{'s' * (self.spans != 1)}"]
        if self.split_spans:
            parts.append(f"{self.split_spans} span edges inside a token (token split there)")
        if self.dropped_overlaps:
            parts.append(f"{self.dropped_overlaps} overlapping spans left out of BIO (the longer one kept)")
        if self.skipped_spans:
            parts.append(f"{self.skipped_spans} white-space-only spans left out of the token format")
        return ", ".join(parts)


@dataclass
class Layer:
    """One line's worth: a document and one annotation set on it."""

    doc: Document
    annotator: str | None
    status: str
    spans: list[Span]
    themes: list[str]
    updated_at: str
    provenance: list[dict[str, Any]] | None = None  # gold: per span


def layers(store: Store, options: ExportOptions) -> Iterator[Layer]:
    """The annotation sets to export, in document order, one page of documents at a time."""
    wanted_status = options.status.value if options.status else None
    for docs in store.document_pages(PAGE, lang=options.lang, ids=options.ids):
        ids = [doc.id for doc in docs]
        if options.gold:
            gold = store.gold_layers(ids)
            for doc in docs:
                entry = gold.get(doc.id)
                if entry is None:
                    continue
                status = "done" if entry["status"] == "adjudicated" else entry["status"]
                if wanted_status and status != wanted_status:
                    continue
                yield Layer(doc, GOLD, entry["status"], [s for s, _ in entry["spans"]], entry["themes"],
                            entry["updated_at"], [p for _, p in entry["spans"]])
            continue
        found = store.layers(ids)
        for doc in docs:
            by_annotator = found.get(doc.id, {})
            names = [options.annotator] if options.annotator else sorted(by_annotator)
            if not names and wanted_status is None:
                yield Layer(doc, None, Status.NEW.value, [], [], "")  # keeps unannotated documents
            for name in names:
                entry = by_annotator.get(name, {"spans": [], "themes": [], "status": Status.NEW, "updated_at": ""})
                if wanted_status and entry["status"].value != wanted_status:
                    continue
                yield Layer(doc, name, entry["status"].value, entry["spans"], entry["themes"], entry["updated_at"])


def _check(layer: Layer) -> None:
    text = layer.doc.text
    for span in layer.spans:
        if not (0 <= span.start < span.end <= len(text)) or text[span.start:span.end] != span.text:
            raise ExportError(
                f"document {layer.doc.id!r}, {layer.annotator or 'no annotator'}: span [{span.start}, {span.end}) "
                f"{span.label} says {span.text!r} but the text there is {text[span.start:span.end]!r}")


def _ordered(spans: list[Span]) -> list[Span]:
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))


# --- the formats ------------------------------------------------------------------------------


def jsonl_record(layer: Layer) -> dict[str, Any]:
    doc = layer.doc
    spans = []
    provenance = dict(zip((s.id for s in layer.spans), layer.provenance or []))
    for span in _ordered(layer.spans):
        item: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label, "text": span.text}
        if span.note:
            item["note"] = span.note
        if span.id in provenance:
            item.update(provenance[span.id])
        spans.append(item)
    return {
        "format": "annotator", "version": FORMAT_VERSION, "id": doc.id, "title": doc.title, "text": doc.text,
        "lang": doc.lang, "meta": doc.meta, "annotator": layer.annotator, "status": layer.status,
        "spans": spans, "themes": layer.themes, "updated_at": layer.updated_at or None,
    }


def doccano_record(layer: Layer) -> dict[str, Any]:
    record = {"id": layer.doc.id, "text": layer.doc.text,
              "label": [[s.start, s.end, s.label] for s in _ordered(layer.spans)], "cats": layer.themes}
    if layer.annotator:
        record["annotator"] = layer.annotator
    return record


def _trimmed(layer: Layer, report: ExportReport) -> list[Span]:
    """Spans for the token formats: white space at a span's edges is left out (tokens never hold
    any), and spans of white space only are dropped and counted."""
    text = layer.doc.text
    out = []
    for span in _ordered(layer.spans):
        start, end = span.start, span.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            report.skipped_spans += 1
            continue
        out.append(span._replace(start=start, end=end, text=text[start:end]))
    return out


def _split(layer: Layer, spans: list[Span], report: ExportReport) -> list[Token]:
    tokens, split = split_at(tokenize(layer.doc.text), {e for s in spans for e in (s.start, s.end)})
    report.split_spans += split
    return tokens


def _token_range(layer: Layer, tokens: list[Token], span: Span) -> tuple[int, int]:
    found = token_index(tokens, span.start, span.end)
    if found is None:  # cannot happen after split_at; say so loudly rather than write a wrong line
        raise ExportError(f"document {layer.doc.id!r}: span [{span.start}, {span.end}) does not fall on token edges")
    return found


def spacy_record(layer: Layer, report: ExportReport) -> dict[str, Any]:
    """spaCy's convention: ``ws`` is one trailing space; any other white space is a token of its
    own, so the tokens and their ``ws`` flags give back the text exactly."""
    text = layer.doc.text
    spans = _trimmed(layer, report)
    words = _split(layer, spans, report)
    tokens: list[dict[str, Any]] = []

    def gap(start: int, end: int) -> None:
        """White space between tokens: a single space becomes the previous token's ws."""
        if start == end:
            return
        space = text[start:end]
        if tokens and space == " ":
            tokens[-1]["ws"] = True
            return
        body, ws = (space[:-1], True) if space.endswith(" ") and len(space) > 1 else (space, False)
        tokens.append({"text": body, "start": start, "end": start + len(body), "id": len(tokens), "ws": ws})

    position = 0
    for word in words:
        gap(position, word.start)
        tokens.append({"text": text[word.start:word.end], "start": word.start, "end": word.end,
                       "id": len(tokens), "ws": False})
        position = word.end
    gap(position, len(text))
    all_tokens = [Token(t["start"], t["end"]) for t in tokens]
    out_spans = []
    for span in spans:
        first, last = _token_range(layer, all_tokens, span)
        out_spans.append({"start": span.start, "end": span.end, "label": span.label,
                          "token_start": first, "token_end": last})
    meta = {"id": layer.doc.id, "lang": layer.doc.lang, **({"annotator": layer.annotator} if layer.annotator else {})}
    return {"text": text, "tokens": tokens, "spans": out_spans, "accept": layer.themes,
            "answer": "accept", "meta": meta}


def bio_record(layer: Layer, report: ExportReport) -> dict[str, Any]:
    text = layer.doc.text
    # BIO cannot nest: keep the longest spans first, drop any that overlaps one already kept, and
    # only then split tokens, at the kept spans' edges.
    kept: list[Span] = []
    for span in sorted(_trimmed(layer, report), key=lambda s: (-(s.end - s.start), s.start, s.label)):
        if any(span.start < k.end and k.start < span.end for k in kept):
            report.dropped_overlaps += 1
            continue
        kept.append(span)
    tokens = _split(layer, kept, report)
    tags = ["O"] * len(tokens)
    for span in kept:
        first, last = _token_range(layer, tokens, span)
        tags[first] = f"B-{span.label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{span.label}"
    record: dict[str, Any] = {"id": layer.doc.id, "tokens": [text[t.start:t.end] for t in tokens], "ner_tags": tags}
    if layer.annotator:
        record["annotator"] = layer.annotator
    return record


def export(store: Store, out: TextIO, options: ExportOptions,
           progress: Callable[[int], None] | None = None) -> ExportReport:
    """Write one JSON line per document per annotation set; returns what was written."""
    if options.format not in FORMATS:
        raise ExportError(f"unknown format {options.format!r} (expected one of {', '.join(FORMATS)})")
    if options.gold and options.annotator:
        raise ExportError("--gold and --annotator choose different layers: give one of them")
    report = ExportReport()
    last_doc = None
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for layer in layers(store, options):
        _check(layer)
        if options.format == "jsonl":
            record = jsonl_record(layer)
        elif options.format == "doccano":
            record = doccano_record(layer)
        elif options.format == "spacy":
            record = spacy_record(layer, report)
        else:
            record = bio_record(layer, report)
        out.write(dumps(record))
        out.write("\n")
        report.lines += 1
        report.spans += len(layer.spans)
        if layer.annotator:
            report.by_annotator[layer.annotator] = report.by_annotator.get(layer.annotator, 0) + 1
        if layer.doc.id != last_doc:
            report.documents += 1
            last_doc = layer.doc.id
            if progress:
                progress(1)
    return report


def export_file(store: Store, path: str | Path, options: ExportOptions,
                progress: Callable[[int], None] | None = None) -> ExportReport:
    """Export to ``path``: written beside it as ``NAME.partial`` and renamed only when complete,
    so a failed or cancelled export never leaves a file that looks finished."""
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name")
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as handle:
            report = export(store, handle, options, progress)
        partial.replace(target)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {err.strerror}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


def count_documents(store: Store, options: ExportOptions) -> int:
    """How many documents an export with these options will go through, for a progress bar."""
    return store.count_summaries(options.annotator or "", lang=options.lang, ids=options.ids)
