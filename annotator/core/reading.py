"""Reading articles from .txt, .jsonl and .json files: every record parsed and checked (the checks
are annotator.core.records), in file order, with the file and line named on the first bad one.
Other tools' records pass through annotator.core.formats, and their offsets through
annotator.core.offsets, first. Nothing here writes: annotator.core.importing does, a page at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core import brat, formats, inception
from annotator.core.errors import InputError
from annotator.core.records import CONTROL, RawRelation, Record, check_record, type_name

Progress = Callable[[int], None]

SUFFIXES = (".txt", ".jsonl", ".json")


# --- finding files ---------------------------------------------------------------------------


def collect_files(paths: list[str | Path]) -> tuple[list[Path], list[Path]]:
    """The files to import (folders searched recursively, in name order) and the ones skipped."""
    files: list[Path] = []
    skipped: list[Path] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:  # the same file named twice (or by two folders) is read once
            seen.add(key)
            files.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir() and brat.is_collection(path):
            add(path)  # one collection, read as a whole: its .ann files are paired with their .txt files
            for child in sorted(path.rglob("*")):  # beside them, other files of ours are read as they are
                if not child.is_file() or any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                if child.suffix.lower() in (".jsonl", ".json") or inception.wanted(child):
                    add(child)
                elif not brat.own_file(child):
                    skipped.append(child)
        elif path.is_dir() and inception.is_export_folder(path):
            add(path)  # one export, read as a whole: its layout says whose layer each file is
        elif path.is_dir():
            found = 0
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or not child.is_file():
                    continue
                if child.suffix.lower() in SUFFIXES or inception.wanted(child):
                    add(child)
                    found += 1
                else:
                    skipped.append(child)
            if not found:
                raise InputError(path, "folder holds no .txt, .jsonl or .json files")
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES + inception.SUFFIXES + (brat.SUFFIX,):
                raise InputError(path, f"unsupported file type {path.suffix or '(none)'!r}; expected .txt, .jsonl, "
                                       ".json, brat's .ann, or INCEpTION's .xmi, .zip or WebAnno .tsv")
            add(path)
        else:
            raise InputError(path, "no such file or folder")
    return files, skipped


# --- reading ---------------------------------------------------------------------------------


def _decode(path: Path, data: bytes, line: int | None, *, first: bool = True) -> str:
    if first and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(path, "encoded as UTF-16, not UTF-8: save it as UTF-8 and import again", line or 1)
    if b"\x00" in data:
        at = line if line is not None else data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise InputError(path, "binary data (NUL bytes), not UTF-8 text", at)
    try:
        return data.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as err:
        at = line if line is not None else data.count(b"\n", 0, err.start) + 1
        raise InputError(path, f"not valid UTF-8 (byte 0x{data[err.start]:02x} at column {_column(data, err.start)})", at) from None


def _column(data: bytes, pos: int) -> int:
    return pos - (data.rfind(b"\n", 0, pos) + 1) + 1


def read_txt(path: Path, progress: Progress | None = None) -> Iterator[Record]:
    """One article per file: id is the file name without .txt; title is the first non-empty line."""
    data = path.read_bytes()
    text = _decode(path, data, None)
    if progress:
        progress(len(data))
    if not text.strip():
        raise InputError(path, "empty file: no text to import")
    control = CONTROL.search(text)
    if control:
        raise InputError(path, f"holds the control character U+{ord(control.group()):04X}: not text (only tab and "
                               "line breaks are)", text.count("\n", 0, control.start()) + 1)
    yield Record(path=path, line=None, id=path.stem, text=text, source=str(path))


@dataclass(frozen=True)
class ReadOptions:
    """How to read other tools' files: which tool (``auto``: tell by each line), the unit their
    offsets are counted in (None: what that tool's editor writes), and Label Studio's text field."""

    fmt: str = "auto"
    offsets: str | None = None
    text_field: str | None = None
    themes: frozenset[str] = frozenset()  # the schema's themes (Label Studio JSON_MIN's bare choices)
    member_names: bool = True  # a doccano export's file name names its layer (unless --annotator is given)

    def units(self, kind: str) -> tuple[str, str]:
        """The unit for a record of ``kind``, and where that choice came from (for messages)."""
        if self.offsets:
            return self.offsets, "--offsets"
        if kind == "annotator":  # our own format: code points, not a choice worth reporting
            return "codepoints", ""
        return formats.DEFAULT_UNITS[kind], f"{formats.TOOL_NAMES[kind]}'s default"


@dataclass(frozen=True)
class Tally:
    """What a reader yields for something it counts instead of importing."""

    field: str
    n: int = 1


SKIPPED = Tally("skipped_records")  # an example its format marks as rejected


@dataclass(frozen=True)
class Users:
    """Label Studio users a snapshot export names by both id and email: email -> ``ls-ID``."""

    names: dict[str, str]


def read_jsonl(path: Path, progress: Progress | None = None,
               options: ReadOptions = ReadOptions()) -> Iterator[Record | Tally | Users]:
    """One JSON object per line (annotator's own, doccano, Prodigy or Label Studio); blank lines
    are allowed."""
    seen = False
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, 1):
            if progress:
                progress(len(raw))
            line = _decode(path, raw, lineno, first=lineno == 1)
            if not line.strip():
                continue
            obj = _parse(path, line.rstrip("\r\n"), lineno)  # a string cut by the line end is unterminated
            seen = True
            kind = formats.detect(obj) if options.fmt == "auto" else options.fmt
            try:
                if kind == "doccano":
                    obj = formats.from_doccano(_object(path, lineno, obj),
                                               member=path.stem if options.member_names else None)
                elif kind == "prodigy":
                    obj = formats.from_prodigy(_object(path, lineno, obj))
                elif kind == "labelstudio":
                    yield from _label_studio_task(path, lineno, _object(path, lineno, obj), options, None)
                    continue
            except formats.Skip:
                yield SKIPPED
                continue
            except formats.FormatError as err:
                raise InputError(path, str(err), lineno) from None
            from_tool = str(obj.pop("_id_from_tool", "")) if kind != "annotator" else ""
            origin = obj.pop("_origin", None) if kind != "annotator" else None
            record = check_record(path, lineno, obj, options.units(kind), own=kind != "prodigy")
            record.id_from_tool, record.tool, record.origin = from_tool, kind, origin
            yield record
    if not seen:
        raise InputError(path, "empty file: no JSON lines to import")


def _label_studio_task(path: Path, line: int | None, task: dict[str, Any], options: ReadOptions,
                       where: str | None, choices: frozenset[str] = frozenset()) -> Iterator[Record | Tally | Users]:
    try:
        found = formats.from_label_studio(task, options.text_field, options.themes, choices)
        records = []
        for item in found.records:
            from_tool = str(item.pop("_id_from_tool", ""))
            record = check_record(path, line, item, options.units("labelstudio"))
            record.id_from_tool, record.tool, record.where = from_tool, "labelstudio", where
            records.append(record)
    except InputError as err:
        raise InputError(path, f"{where}: {err.reason}" if where else err.reason, line) from None
    except formats.FormatError as err:
        raise InputError(path, f"{where}: {err}" if where else str(err), line) from None
    if found.users:
        yield Users(found.users)
    yield from records
    if found.prediction_ids:
        yield Tally("prediction_ids", found.prediction_ids)


def read_label_studio(path: Path, progress: Progress | None = None,
                      options: ReadOptions = ReadOptions()) -> Iterator[Record | Tally | Users]:
    """A Label Studio export (JSON or JSON_MIN): a list of tasks. Errors name the task."""
    data = path.read_bytes()
    if progress:
        progress(len(data))
    text = _decode(path, data, None)
    if not text.strip():
        raise InputError(path, "empty file: no tasks to import")
    tasks = _parse(path, text, None)
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InputError(path, f"a Label Studio export is a list of tasks, not {type_name(tasks)}")
    choices = formats.ls_min_choices(tasks)
    for i, task in enumerate(tasks, 1):
        where = f"task {i}" + (f" (id {task['id']})" if isinstance(task, dict) and "id" in task else "")
        if not isinstance(task, dict):
            raise InputError(path, f"{where}: a task must be a JSON object, not {type_name(task)}")
        yield from _label_studio_task(path, None, task, options, where, choices)


# Python's words for the JSON mistakes a hand-edited file has most, as a person would put them.
_JSON_REASONS = {
    "Invalid control character at": "a raw control character (a tab or a line break) inside a string; write it as \\t or \\n",
    "Unterminated string starting at": "a string that never ends (a missing closing quote)",
}


def _json_reason(message: str) -> str:
    """The JSON decoder's message without its dangling "at" (the column follows)."""
    return _JSON_REASONS.get(message, message.removesuffix(" at"))


def _parse(path: Path, text: str, lineno: int | None) -> Any:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        line = lineno if lineno is not None else err.lineno
        column = err.pos + 1 if lineno is not None else err.colno
        raise InputError(path, f"malformed JSON: {_json_reason(err.msg)} at column {column}", line) from None
    except (ValueError, RecursionError) as err:  # a 5,000-digit number, nesting 100,000 deep
        raise InputError(path, f"malformed JSON: {str(err).split(';')[0]}", lineno) from None
    if "\\u" in text and _has_lone_surrogate(obj):
        raise InputError(path, "holds a lone UTF-16 surrogate escape (like \\ud800), which is not text", lineno)
    return obj


def _object(path: Path, line: int | None, obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise InputError(path, f"each line must be a JSON object, not {type_name(obj)}", line)
    return obj


def _has_lone_surrogate(value: Any) -> bool:
    """JSON can spell half of a surrogate pair (\\ud800) that no UTF-8 text can hold."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _exported(path: Path, where: str | None, obj: dict[str, Any]) -> Record:
    """A document from an export of many files (INCEpTION's), named by its place in it."""
    relations = obj.pop("relations", [])  # INCEpTION's relation layer, its ends as places among the spans
    try:
        rec = check_record(path, None, obj, peer=True, own=False)
    except InputError as err:
        raise InputError(path, f"{where}: {err.reason}" if where else err.reason) from None
    rec.relations = [RawRelation(r["from"], r["to"], r["label"], line=r["line"]) for r in relations]
    rec.where = where
    rec.source = f"{path}:{where}" if where else str(path)
    return rec


def iter_records(files: list[Path], progress: Progress | None = None,
                 options: ReadOptions = ReadOptions()) -> Iterator[Record | Tally | Users]:
    for path in files:
        suffix = path.suffix.lower()
        if suffix == brat.SUFFIX or (path.is_dir() and brat.is_collection(path)):
            try:
                for item in brat.read(path, progress, options.member_names):
                    yield Tally("brat_unread", item) if isinstance(item, int) else item
            except OSError as err:
                raise InputError(path, f"cannot read: {err.strerror}") from None
            continue
        if path.is_dir() or suffix in inception.SUFFIXES:
            try:
                for where, obj in inception.read(path, progress, options.member_names):
                    yield _exported(path, where, obj)
            except OSError as err:
                raise InputError(path, f"cannot read: {err.strerror}") from None
            continue
        reader = read_jsonl if suffix == ".jsonl" else read_label_studio if suffix == ".json" else read_txt
        try:
            if reader is read_txt:
                yield from read_txt(path, progress)
            else:
                yield from reader(path, progress, options)
        except OSError as err:
            raise InputError(path, f"cannot read: {err.strerror}") from None


