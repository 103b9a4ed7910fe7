"""Exports INCEpTION imports: UIMA CAS XMI (``xmi``, written with dkpro-cassis) and WebAnno TSV 3.3
(``webanno``), one file per document per annotation set: ``<layer>/<document>.xmi`` (with
``TypeSystem.xml`` at the top) or ``<layer>/<document>.tsv``, in a zip (``-o NAME.zip``) or a
folder.

Each file holds the text's sentences and tokens (annotator.core.token_view; tokens are split
at every span edge of the document, so each entity starts and ends on a token as INCEpTION's
named-entity layer expects), ``NamedEntity`` annotations with the label as ``value``, the layer's
relations as ``webanno.custom.Relation`` (``Governor`` -> ``Dependent``, the type as ``value``: a
relation layer on the named-entity layer, as INCEpTION defines one), the themes
as ``webanno.custom.Theme`` document-level annotations (XMI only: TSV has no place for them) and
``DocumentMetaData`` with the id, title and language. Offsets are Java's UTF-16 code units in both
(cassis converts the XMI's; webanno_tsv the TSV's). A document XML 1.0 cannot hold (U+FFFE,
U+FFFF in its text, id, title, labels or themes) stops an XMI export with one line (``not_xml``).
"""

from __future__ import annotations

import bisect
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from annotator.core import export_formats as fmt
from annotator.core import inception as names
from annotator.core import webanno_tsv
from annotator.core.export_formats import Layer
from annotator.core.model import Span
from annotator.core.token_view import DocTokens, TokenStats, align, doc_tokens
from annotator.core.tokens import split_at

NAMES = names.NAMES  # as brat's export: which file holds a document whose id is not its name
# what XML 1.0 cannot hold; import lets U+FFFE and U+FFFF through (and refuses the controls)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def not_xml(layer: Layer) -> str | None:
    """Why the layer cannot be written as XMI (a character XML 1.0 cannot hold), or None."""
    doc = layer.doc
    fields = [("text", doc.text), ("id", doc.id), ("title", doc.title or ""), ("language", doc.lang or "")]
    fields += [(f"label of the span at {s.start}-{s.end}", s.label) for s in layer.spans]
    fields += [("theme", t) for t in layer.themes]
    fields += [(f"relation type of {r.from_id} -> {r.to_id}", r.label) for r in layer.relations]
    for what, value in fields:
        bad = _NOT_XML.search(value)
        if bad:
            where = f" at {bad.start()} (code points)" if what == "text" else ""
            return (f"document {doc.id!r}: its {what} holds U+{ord(bad.group()):04X}{where}, which XML 1.0 cannot "
                    "hold: UIMA CAS XMI cannot carry it (export as webanno, or edit the text)")
    return None


def type_system() -> Any:
    """The types annotator's XMI uses, as DKPro Core and INCEpTION name them."""
    import cassis

    ts = cassis.TypeSystem()
    meta = ts.create_type(names.METADATA, supertypeName="uima.tcas.DocumentAnnotation")
    for feature in ("documentTitle", "documentId", "documentUri", "collectionId", "documentBaseUri"):
        ts.create_feature(meta, feature, "uima.cas.String")
    ts.create_feature(meta, "isLastSegment", "uima.cas.Boolean")
    sentence = ts.create_type(names.SENTENCE, supertypeName="uima.tcas.Annotation")
    ts.create_feature(sentence, "id", "uima.cas.String")
    token = ts.create_type(names.TOKEN, supertypeName="uima.tcas.Annotation")
    ts.create_feature(token, "id", "uima.cas.String")
    entity = ts.create_type(names.NAMED_ENTITY, supertypeName="uima.tcas.Annotation")
    ts.create_feature(entity, "value", "uima.cas.String")
    ts.create_feature(entity, "identifier", "uima.cas.String")
    theme = ts.create_type(names.THEME, supertypeName="uima.cas.AnnotationBase")
    ts.create_feature(theme, "value", "uima.cas.String")
    # a relation layer attached to the named-entity layer, as INCEpTION defines one (its offsets the dependent's)
    relation = ts.create_type(webanno_tsv.RELATION, supertypeName="uima.tcas.Annotation")
    ts.create_feature(relation, webanno_tsv.GOVERNOR, names.NAMED_ENTITY)
    ts.create_feature(relation, webanno_tsv.DEPENDENT, names.NAMED_ENTITY)
    ts.create_feature(relation, webanno_tsv.RELATION_LABEL, "uima.cas.String")
    return ts


def tokens_of(layer: Layer) -> DocTokens:
    """The document's sentences and tokens, tokens split at every span edge of every layer."""
    text = layer.doc.text
    view = doc_tokens(text, layer.keep)
    edges = {edge for span in layer.keep for edge in span}
    tokens, _ = split_at(view.tokens, edges)
    bounds = [(view.tokens[a].start, view.tokens[b - 1].end) for a, b in view.sentences if b > a]
    starts = [t.start for t in tokens]
    sentences = [(bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi)) for lo, hi in bounds]
    return DocTokens(text, tokens, [(a, b) for a, b in sentences if b > a])


def xmi_bytes(layer: Layer, view: DocTokens, ts: Any) -> bytes:
    import cassis

    doc = layer.doc
    cas = cassis.Cas(typesystem=ts)
    cas.sofa_string = doc.text
    cas.sofa_mime = "text"
    end = len(doc.text)
    cas.add(ts.get_type(names.METADATA)(begin=0, end=end, language=doc.lang or "x-unspecified",
                                        documentTitle=doc.title or doc.id, documentId=doc.id,
                                        isLastSegment=False))
    sentence, token = ts.get_type(names.SENTENCE), ts.get_type(names.TOKEN)
    for a, b in view.sentences:
        cas.add(sentence(begin=view.tokens[a].start, end=view.tokens[b - 1].end))
    for t in view.tokens:
        cas.add(token(begin=t.start, end=t.end))
    entity = ts.get_type(names.NAMED_ENTITY)
    entities = {}
    for span in fmt.ordered(layer.spans):  # every span: an annotation need not sit on tokens
        entities[span.id] = entity(begin=span.start, end=span.end, value=span.label)
        cas.add(entities[span.id])
    relation = ts.get_type(webanno_tsv.RELATION)
    for kind, governor, dependent in _relations(layer):
        cas.add(relation(begin=dependent.start, end=dependent.end, value=kind, Governor=entities[governor.id],
                         Dependent=entities[dependent.id]))
    theme = ts.get_type(names.THEME)
    for name in layer.themes:
        cas.add(theme(value=name))
    return cas.to_xmi(pretty_print=True).encode("utf-8")


def _relations(layer: Layer) -> list[tuple[str, Span, Span]]:
    """The layer's relations as (type, governor, dependent), in the order of their ends, then type."""
    by_id = {span.id: span for span in layer.spans}
    found = [(r.label, by_id[r.from_id], by_id[r.to_id]) for r in layer.relations
             if r.from_id in by_id and r.to_id in by_id]
    return sorted(found, key=lambda r: (r[1].start, r[1].end, r[1].label, r[2].start, r[2].end, r[2].label, r[0]))


def tsv_text(layer: Layer, view: DocTokens, stats: TokenStats, report: Any) -> str:
    """The layer as WebAnno TSV; a relation whose end was left out of the token format (a span of
    white space) is left out too, and counted in ``report``."""
    sentences = [[(t.start, t.end) for t in view.tokens[a:b]] for a, b in view.sentences]
    # as in the other token formats: white space at a span's edges trimmed, a span of white space left out
    aligned = align(layer.doc.id, layer.annotator, view, layer.spans, stats)
    spans = [(a.span.start, a.span.end, a.span.label) for a in aligned]
    place = {a.span.id: i for i, a in enumerate(aligned)}
    relations = []
    for kind, governor, dependent in _relations(layer):
        ends = place.get(governor.id), place.get(dependent.id)
        if ends[0] is None or ends[1] is None or spans[ends[0]] == spans[ends[1]]:  # trimmed into one
            report.relations -= 1
            report.relations_left_out += 1
            continue
        relations.append((ends[0], ends[1], kind))
    return "".join(webanno_tsv.write(layer.doc.text, sentences, spans, relations))


class _Target:
    """A zip or a folder, written under a temporary name and put in place when complete."""

    def __init__(self, target: Path, error: Callable[[str], Exception]):
        self.target = target
        self.zip = target.suffix.lower() == ".zip"
        if self.zip and target.is_dir():
            raise error(f"{target} is a folder; give a file name ending in .zip, or a folder without .zip")
        if not self.zip and target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise error(f"{target} exists already and is not an empty folder")  # as brat: never mixed with old files
        if not target.parent.is_dir():
            raise error(f"cannot write {target}: the folder {target.parent} does not exist")
        self.partial = target.with_name(target.name + ".partial")
        self._clear()
        self.archive = zipfile.ZipFile(self.partial, "w", zipfile.ZIP_DEFLATED) if self.zip else None

    def _clear(self) -> None:
        if self.partial.is_dir():
            shutil.rmtree(self.partial, ignore_errors=True)
        else:
            self.partial.unlink(missing_ok=True)

    def write(self, name: str, data: bytes) -> None:
        if self.archive is not None:
            self.archive.writestr(name, data)
            return
        path = self.partial / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def finish(self) -> None:
        if self.archive is not None:
            self.archive.close()
        elif not self.partial.exists():
            self.partial.mkdir()
        if self.target.is_dir():
            self.target.rmdir()  # an empty folder (checked above); a zip is replaced, as other exports' files
        self.partial.replace(self.target)

    def abandon(self) -> None:
        """Leave nothing behind: closing the zip may fail again (a full disk) before it is removed."""
        if self.archive is not None:
            try:
                self.archive.close()
            except OSError:
                pass
        self._clear()


def export(target: Path, kind: str, layers: Iterator[Layer], report: Any, error: Callable[[str], Exception]) -> Any:
    """Write every layer to ``target`` (a .zip, else a folder) as ``kind`` (xmi or webanno)."""
    out = _Target(target, error)
    try:
        ts = type_system() if kind == "xmi" else None
        if ts is not None:
            out.write("TypeSystem.xml", ts.to_xml().encode("utf-8"))
        folders: dict[str | None, str] = {}
        used: set[str] = {"typesystem.xml"}
        taken: dict[str, set[str]] = {}
        view: DocTokens | None = None
        view_of: str | None = None  # the document whose tokens ``view`` holds (layers come by document)
        for layer in layers:
            if view is None or view_of != layer.doc.id:
                view, view_of = tokens_of(layer), layer.doc.id
                report.sentences += len(view.sentences)
            if layer.annotator not in folders:
                folders[layer.annotator] = fmt.brat_name(layer.annotator or "unannotated", used)
            folder = folders[layer.annotator]
            name = fmt.brat_name(layer.doc.id, taken.setdefault(folder, set()))
            if name != layer.doc.id:
                report.renamed[layer.doc.id] = f"{folder}/{name}"
            if kind == "xmi":
                if (problem := not_xml(layer)) is not None:
                    raise error(problem)
                out.write(f"{folder}/{name}.xmi", xmi_bytes(layer, view, ts))
            else:
                out.write(f"{folder}/{name}.tsv", tsv_text(layer, view, report.tokens, report).encode("utf-8"))
            report.lines += 1
        if report.renamed:
            out.write(NAMES, "".join(f"{n}\t{i}\n" for i, n in report.renamed.items()).encode("utf-8"))
        out.finish()
    except OSError as err:
        out.abandon()
        raise error(f"cannot write {target}: {err.strerror}") from None
    except BaseException:
        out.abandon()
        raise
    return report

