"""Reading brat standoff (issue 25): a collection folder, or ``.ann`` files, each beside the ``.txt``
of the same name. Nothing here writes (annotator.core.importing does); annotator's brat export
is annotator.core.export_formats (``brat_ann``, ``brat_conf``).

What is read (docs/format.md, "brat"): ``T`` lines become spans, ``R`` lines relations between
them (Arg1 the from end, Arg2 the to end), ``AnnotatorNotes`` on either their notes. Events,
attributes, normalisations and equivalences (``E``, ``A``/``M``, ``N``, ``*``) are counted and
left out, with a relation whose end is an event. A span in fragments (``T1 PER 0 5;6 10``) is one
span from its first start to its last end when only white space lies between its fragments (the
export writes a span across a line break so), and is refused otherwise: a span is continuous.

Offsets: brat reads the ``.txt`` as UTF-8 with universal newlines (CR LF and CR become LF), and
counts code points over that (brat is Python); ``_text`` makes the same text, so the offsets need
no conversion; a byte order mark, which brat counts, is taken off with the offsets after it.

Which document: the id ``file-names.tsv`` (our export's, one folder above the ``.ann``) lists for
the file, else the file's name. Whose layer: the annotation set ``layer-names.tsv`` (our export's,
one folder above) lists for the file's folder (``sara/``, ``gold/``); any other file (a brat
collection's folders are its own sub-collections, not people), or any file with ``--annotator``
given, the import's annotator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.errors import InputError
from annotator.core.records import Record, check_record
from annotator.core.schema import valid_name

SUFFIX = ".ann"
NAMES = "file-names.tsv"  # our export: FOLDER/FILE, a tab, the id of a document not named by its file
LAYERS = "layer-names.tsv"  # our export: FOLDER, a tab, the annotation set it holds
OWN_FILES = (".txt", ".ann", ".conf", ".tsv")  # what a brat collection holds (.conf: brat's settings)
NOT_READ = {"E": "event", "A": "attribute", "M": "attribute", "N": "normalization", "*": "equivalence"}
_OFFSETS = re.compile(r"^(\d+) (\d+)$")


def is_collection(folder: Path) -> bool:
    """A folder read as one brat collection: it holds an .ann file (not in a hidden folder)."""
    return any(p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
               for p in folder.rglob(f"*{SUFFIX}"))


def own_file(path: Path) -> bool:
    return path.suffix.lower() in OWN_FILES


@dataclass
class _Ann:
    """One .ann file as read: its spans and relations as check_record takes them, each with its line."""

    spans: list[dict[str, Any]] = field(default_factory=list)
    span_lines: list[int] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    relation_lines: list[tuple[int, str]] = field(default_factory=list)
    unread: int = 0


def _tsv(path: Path, cache: dict[Path, dict[str, str]]) -> dict[str, str]:
    """A two-column list (file-names.tsv, layer-names.tsv): first column -> second; {} if none."""
    if path not in cache:
        listed: dict[str, str] = {}
        if path.is_file():
            for lineno, line in enumerate(_decode(path, path.read_bytes()).splitlines(), 1):
                if not line.strip():
                    continue
                name, tab, value = line.partition("\t")
                if not tab or not name or not value.strip():
                    raise InputError(path, f"each line must be a name, a tab and what it stands for, not {line[:60]!r}",
                                     lineno)
                listed[name] = value.strip()
        cache[path] = listed
    return cache[path]


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(path, f"not valid UTF-8 (byte 0x{data[err.start]:02x})",
                         data.count(b"\n", 0, err.start) + 1) from None


def _text(path: Path, data: bytes) -> tuple[str, int]:
    """The .txt as brat reads it (universal newlines), without a byte order mark, and how many
    code points came off its start (1 with a mark, which brat's offsets count)."""
    text = _decode(path, data).replace("\r\n", "\n").replace("\r", "\n")
    return (text[1:], 1) if text.startswith("\ufeff") else (text, 0)


def _fragments(ann: Path, lineno: int, span_id: str, where: str, text: str, lead: int, covered: str
               ) -> tuple[int, int]:
    """The span a T line's offsets give, in code points of ``text``; ``covered``, the line's text
    (brat writes the fragments' texts joined by a space), must be what they cover, white space
    aside, if the line gives one."""
    pieces = []
    for piece in where.split(";"):
        match = _OFFSETS.match(piece.strip())
        if not match:
            raise InputError(ann, f"{span_id}: offsets {piece.strip()!r} are not START END (whole numbers)", lineno)
        start, end = int(match.group(1)) - lead, int(match.group(2)) - lead
        if start < 0 or start >= end:
            raise InputError(ann, f"{span_id}: {piece.strip()} is no character: a span needs start before end", lineno)
        if end > len(text):
            raise InputError(ann, f"{span_id}: end {end + lead} is past the end of its .txt ({len(text) + lead} "
                                  "characters, counted in code points as brat does)", lineno)
        pieces.append((start, end))
    pieces.sort()
    for (_, end), (start, _) in zip(pieces, pieces[1:]):
        if text[end:start].strip():
            raise InputError(ann, f"{span_id}: its fragments are apart by {text[end:start][:30]!r}: annotator's "
                                  "spans are continuous (join the fragments in brat, or make two spans)", lineno)
    given = " ".join(text[a:b] for a, b in pieces)
    if covered.strip() and covered.split() != given.split():
        raise InputError(ann, f"{span_id}: its text {covered[:40]!r} is not what {where.strip()} covers in the .txt "
                              f"({given[:40]!r}; brat counts code points)", lineno)
    return pieces[0][0], max(end for _, end in pieces)


def _parse(ann: Path, content: str, text: str, lead: int) -> _Ann:
    out = _Ann()
    spans: dict[str, tuple[int, int, int, str]] = {}  # T id -> (its place in out.spans, start, end, label)
    others: set[str] = set()  # ids of the lines not read (events, ...)
    relations: list[tuple[int, str, str, list[str]]] = []
    notes: list[tuple[int, str, str]] = []
    for lineno, line in enumerate(content.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        ann_id, tab, rest = line.partition("\t")
        data, _, tail = rest.partition("\t")
        kind = ann_id[:1]
        if not tab or len(ann_id) < 2 and kind != "*" or kind not in "TR#" and kind not in NOT_READ:
            raise InputError(ann, f"not a brat annotation line (ID, a tab, the annotation): {line[:60]!r}", lineno)
        if kind in NOT_READ:
            out.unread += 1
            others.add(ann_id)
        elif kind == "#":
            words = data.split()
            if len(words) == 2 and words[0] == "AnnotatorNotes":
                notes.append((lineno, words[1], " ".join(tail.split())))
        elif kind == "T":
            label, _, where = data.partition(" ")
            if ann_id in spans:
                raise InputError(ann, f"{ann_id} is given twice: a brat id names one annotation", lineno)
            if not valid_name(label):
                raise InputError(ann, f"{ann_id}: label {label[:40]!r} must be 1-64 characters without spaces or "
                                      "quotes", lineno)
            start, end = _fragments(ann, lineno, ann_id, where, text, lead, tail)
            spans[ann_id] = (len(out.spans), start, end, label)
            out.spans.append({"id": ann_id, "start": start, "end": end, "label": label})
            out.span_lines.append(lineno)
        else:  # R
            words = data.split()
            if len(words) != 3 or not all(":" in w for w in words[1:]):
                raise InputError(ann, f"{ann_id}: a relation is TYPE Arg1:ID Arg2:ID, not {data[:60]!r}", lineno)
            roles, named = zip(*(w.split(":", 1) for w in words[1:]))
            if roles[0] == roles[1]:
                raise InputError(ann, f"{ann_id}: both arguments are {roles[0]}: a relation's two roles differ", lineno)
            reverse = roles == ("Arg2", "Arg1")  # brat's Arg1 is the from end wherever the line puts it
            relations.append((lineno, ann_id, words[0], list(named[::-1] if reverse else named)))
    said: dict[str, int] = {}
    for lineno, ann_id, label, ends in relations:
        if ann_id in said:
            raise InputError(ann, f"{ann_id} is given twice: a brat id names one annotation", lineno)
        said[ann_id] = lineno
        if any(end in others for end in ends):
            out.unread += 1  # an end annotator does not read (an event)
            continue
        for end, role in zip(ends, ("Arg1", "Arg2")):  # by role: from, to
            if end not in spans:
                raise InputError(ann, f"{ann_id}: its {role} {end!r} is no T line of this file", lineno)
        if spans[ends[0]][1:] == spans[ends[1]][1:]:
            raise InputError(ann, f"{ann_id}: joins a span to itself", lineno)
        out.relations.append({"from": ends[0], "to": ends[1], "label": label})
        out.relation_lines.append((lineno, ann_id))
    by_relation = {ann_id: i for i, (_, ann_id) in enumerate(out.relation_lines)}
    for lineno, target, note in notes:
        if not note:
            continue
        item = (out.spans[spans[target][0]] if target in spans else
                out.relations[by_relation[target]] if target in by_relation else None)
        if item is not None:
            item["note"] = f"{item['note']} {note}" if item.get("note") else note
    return out


@dataclass
class _Layout:
    """How a collection names its documents and layers (``file-names.tsv``, ``layer-names.tsv``)."""

    member_names: bool
    cache: dict[Path, dict[str, str]] = field(default_factory=dict)

    def doc_id(self, txt: Path) -> str:
        listed = _tsv(txt.parent.parent / NAMES, self.cache)
        return listed.get(f"{txt.parent.name}/{txt.stem}") or txt.stem

    def layer(self, path: Path) -> str | None:
        if not self.member_names:  # --annotator given: everything is theirs
            return None
        return _tsv(path.parent.parent / LAYERS, self.cache).get(path.parent.name)


def read(path: Path, progress: Callable[[int], None] | None = None, member_names: bool = True
         ) -> Iterator[Record | int]:
    """Every document of a brat collection (a folder) or one .ann file: a checked record each,
    and, where some were not read, how many annotations (events, attributes, ...) were left out."""
    layout = _Layout(member_names)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".ann", ".txt")
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        anns = [p for p in found if p.suffix.lower() == SUFFIX]
        paired = {p.with_suffix(".txt") for p in anns}
        files = anns + [p for p in found if p.suffix.lower() == ".txt" and p not in paired]  # texts with no .ann
    else:
        files = [path]
    for item in sorted(files):
        yield from _document(item, layout, progress)


def _document(path: Path, layout: _Layout, progress: Callable[[int], None] | None) -> Iterator[Record | int]:
    txt = path.with_suffix(".txt")
    if not txt.is_file():
        raise InputError(path, f"no {txt.name} beside it: brat keeps the text in a .txt of the same name")
    data = txt.read_bytes()
    text, lead = _text(txt, data)
    parsed = _Ann()
    if path.suffix.lower() == SUFFIX:
        raw = path.read_bytes()
        parsed = _parse(path, _decode(path, raw).removeprefix("\ufeff"), text, lead)
        data += raw
    if progress:
        progress(len(data))
    obj: dict[str, Any] = {"id": layout.doc_id(txt), "text": text, "spans": parsed.spans,
                           "relations": parsed.relations, "source": str(txt)}
    layer = layout.layer(path)
    if layer is not None:
        obj["annotator"] = layer
    try:
        rec = check_record(path, None, obj)
    except InputError as err:  # the text itself (a control character, nothing but white space): the .txt's fault
        raise InputError(txt, err.reason.replace("field 'text'", "the text")) from None
    rec.tool = "brat"
    for span, lineno in zip(rec.spans, parsed.span_lines):
        span.line = lineno
    for relation, (lineno, ann_id) in zip(rec.relations, parsed.relation_lines):
        relation.line, relation.name = lineno, ann_id
    yield rec
    if parsed.unread:
        yield parsed.unread
