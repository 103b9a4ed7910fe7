"""Reading articles from .txt, .jsonl and .json files (over 400 lines: every check a record meets
before it is stored): every record parsed and checked, in file order, with the file and line named
on the first bad one. Other tools' records pass through
annotator.core.formats, and their offsets through annotator.core.offsets, first. Nothing here
writes: annotator.core.importing does, a page at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core import formats
from annotator.core.errors import InputError
from annotator.core.model import GOLD, Status
from annotator.core.schema import has_invisible
from annotator.core.offsets import UNIT_NAMES, OffsetError, Units, fitting_units, misread, unit_matters
from annotator.storage import text_hash

Progress = Callable[[int], None]

SUFFIXES = (".txt", ".jsonl", ".json")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 controls but tab, LF, CR; DEL; C1
_ID_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # an id is one line: no control at all
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_KNOWN_FIELDS = {"id", "title", "text", "lang", "meta", "spans", "themes", "annotator", "status", "source"}
_EXPORT_FIELDS = {"format", "version", "direction", "updated_at"}  # written by our export; not document data
GOLD_STATUSES = {"adjudicated": "adjudicated", "done": "adjudicated", "in_progress": "in_progress"}


@dataclass
class RawSpan:
    start: int
    end: int
    label: str
    note: str | None = None
    provenance: dict[str, Any] | None = None  # gold spans: proposed_by, decided_by, decided_at


@dataclass
class Record:
    """One article as read from a file, before normalisation."""

    path: Path
    line: int | None
    id: str
    text: str
    title: str | None = None
    lang: str | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    spans: list[RawSpan] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    annotator: str | None = None
    status: Status | None = None
    gold_status: str | None = None  # for gold lines: in_progress or adjudicated
    where: str | None = None  # "task 3 (id 7)" for Label Studio files, which have no line to name
    id_from_tool: str = ""  # "ls", "doccano": the id is that tool's own (a task id): match by text
    units_matter: str | None = None  # the unit its spans were counted in, where another would differ
    tool: str = "annotator"  # which tool's format the record was read from
    origin: str | None = None  # what a peer's line itself called its layer, where that is not trusted

    @property
    def gold(self) -> bool:
        return self.annotator == GOLD

    def error(self, message: str) -> InputError:
        return InputError(self.path, f"{self.where}: {message}" if self.where else message, self.line)


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
        if path.is_dir():
            found = 0
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or not child.is_file():
                    continue
                if child.suffix.lower() in SUFFIXES:
                    add(child)
                    found += 1
                else:
                    skipped.append(child)
            if not found:
                raise InputError(path, "folder holds no .txt, .jsonl or .json files")
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise InputError(path, f"unsupported file type {path.suffix or '(none)'!r}; expected .txt, .jsonl or .json")
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
    control = _CONTROL.search(text)
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


def read_jsonl(path: Path, progress: Progress | None = None,
               options: ReadOptions = ReadOptions()) -> Iterator[Record | Tally]:
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
            record = _record(path, lineno, obj, options.units(kind))
            record.id_from_tool, record.tool, record.origin = from_tool, kind, origin
            yield record
    if not seen:
        raise InputError(path, "empty file: no JSON lines to import")


def _label_studio_task(path: Path, line: int | None, task: dict[str, Any], options: ReadOptions,
                       where: str | None, choices: frozenset[str] = frozenset()) -> Iterator[Record | Tally]:
    try:
        found = formats.from_label_studio(task, options.text_field, options.themes, choices)
        records = []
        for item in found.records:
            from_tool = str(item.pop("_id_from_tool", ""))
            record = _record(path, line, item, options.units("labelstudio"))
            record.id_from_tool, record.tool, record.where = from_tool, "labelstudio", where
            records.append(record)
    except InputError as err:
        raise InputError(path, f"{where}: {err.reason}" if where else err.reason, line) from None
    except formats.FormatError as err:
        raise InputError(path, f"{where}: {err}" if where else str(err), line) from None
    yield from records
    if found.prediction_ids:
        yield Tally("prediction_ids", found.prediction_ids)


def read_label_studio(path: Path, progress: Progress | None = None,
                      options: ReadOptions = ReadOptions()) -> Iterator[Record | Tally]:
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
        raise InputError(path, f"a Label Studio export is a list of tasks, not {_type_name(tasks)}")
    choices = formats.ls_min_choices(tasks)
    for i, task in enumerate(tasks, 1):
        where = f"task {i}" + (f" (id {task['id']})" if isinstance(task, dict) and "id" in task else "")
        if not isinstance(task, dict):
            raise InputError(path, f"{where}: a task must be a JSON object, not {_type_name(task)}")
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
        raise InputError(path, f"each line must be a JSON object, not {_type_name(obj)}", line)
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


def _want(path: Path, line: int, obj: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InputError(path, f"field {key!r} must be {what}, not {_type_name(value)}", line)
    return value


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _record(path: Path, line: int | None, obj: Any, units: tuple[str, str] = ("codepoints", "")) -> Record:
    if not isinstance(obj, dict):
        raise InputError(path, f"each line must be a JSON object, not {_type_name(obj)}", line)
    if "text" not in obj:
        raise InputError(path, "missing required field 'text'", line)
    text = obj["text"]
    if not isinstance(text, str):
        raise InputError(path, f"field 'text' must be a string, not {_type_name(text)}", line)
    if not text.strip():
        raise InputError(path, "field 'text' is empty", line)
    control = _CONTROL.search(text)
    if control:
        raise InputError(path, f"field 'text' holds the control character U+{ord(control.group()):04X} at "
                               f"{control.start()}: not text (only tab and line breaks are)", line)
    doc_id = _want(path, line, obj, "id", (str, int), "a string")
    doc_id = str(doc_id).strip() if doc_id is not None else ""
    if "id" in obj and not doc_id:
        raise InputError(path, "field 'id' is empty", line)
    control = _ID_CONTROL.search(doc_id)
    if control:  # a line break, BEL or ESC in an id breaks every table and file name it shows in
        raise InputError(path, f"field 'id' holds the control character U+{ord(control.group()):04X}: an id is "
                               "one line of visible characters", line)
    if not doc_id:
        doc_id = "h" + text_hash(text)[:16]  # the same text gets the same id on every import
    title = _want(path, line, obj, "title", str, "a string")
    lang = _want(path, line, obj, "lang", str, "a language code such as fa or ko")
    if lang is not None and not _LANG.match(lang):
        raise InputError(path, f"field 'lang' must be a language code such as fa or ko, not {lang!r}", line)
    meta = _want(path, line, obj, "meta", dict, "an object") or {}
    meta = dict(meta)
    for key in sorted(set(obj) - _KNOWN_FIELDS - _EXPORT_FIELDS):
        meta.setdefault(key, obj[key])  # other fields are kept, not dropped
    source = _want(path, line, obj, "source", str, "a string") or f"{path}:{line}"
    annotator = _want(path, line, obj, "annotator", str, "a string")
    if annotator is not None:
        annotator = annotator.strip()
        if not annotator:
            raise InputError(path, "field 'annotator' is empty", line)
        if has_invisible(annotator):
            raise InputError(path, f"field 'annotator' {annotator!r} holds an invisible or direction-changing "
                                   "character", line)
    status = _want(path, line, obj, "status", str, "a string")
    gold_status = None
    if annotator == GOLD:  # the adjudicated layer, from our own export
        gold_status = GOLD_STATUSES.get((status or "in_progress").strip().lower().replace(" ", "_"))
        if gold_status is None:
            raise InputError(path, f"field 'status': a gold line is in_progress or adjudicated, not {status!r}", line)
        status = None
    if status is not None:
        try:
            status = Status.parse(status)
        except ValueError as err:
            raise InputError(path, f"field 'status': {err}", line) from None
    themes = _want(path, line, obj, "themes", list, "a list of theme names") or []
    for i, theme in enumerate(themes, 1):
        if not isinstance(theme, str) or not theme.strip():
            raise InputError(path, f"theme {i} must be a non-empty string, not {_type_name(theme)}", line)
    spans_raw = _want(path, line, obj, "spans", list, "a list of spans") or []
    counter = _Counter(text, *units)
    spans = [_span(path, line, i, raw, text, counter, gold=annotator == GOLD) for i, raw in enumerate(spans_raw, 1)]
    if "annotator" in obj and annotator is None and (spans or themes or (status and status is not Status.NEW)):
        raise InputError(path, "spans, themes or a status with \"annotator\": null: say whose they are", line)
    matters = None
    if spans and units[1] and unit_matters(text, max(s.end for s in spans)):
        matters = units[0]  # another tool's offsets, and the unit changes where its spans land
        if not any(isinstance(raw, dict) and raw.get("text") is not None for raw in spans_raw):
            why = misread(text, [(raw["start"], raw["end"]) for raw in spans_raw], units[0],
                          unit_chosen=units[1] == "--offsets")
            if why:  # no text to check the spans against, and they do not fit the unit
                raise InputError(path, why.replace("{counted}", counter.counted()), line)
    return Record(
        path=path, line=line, id=doc_id, text=text, title=title, lang=lang, source=source, meta=meta,
        spans=spans, themes=[t.strip() for t in themes], annotator=annotator, status=status,
        gold_status=gold_status, units_matter=matters,
    )


class _Counter:
    """The unit a record's offsets are counted in, converted to code points over its raw text."""

    def __init__(self, text: str, unit: str, source: str):
        self.text = text
        self.unit = unit
        self.source = source  # "doccano's default", "--offsets"; empty for annotator's own
        self._units: Units | None = None

    def convert(self, start: int, end: int) -> tuple[int, int]:
        if self.unit == "codepoints":
            return start, end
        if self._units is None:
            self._units = Units(self.text, self.unit)
        return self._units.to_code_point(start), self._units.to_code_point(end)

    def counted(self) -> str:
        if not self.source:
            return ""
        return f" (offsets counted in {UNIT_NAMES[self.unit]}, {self.source})"

    def hint(self, start: int, end: int, covered: str | None) -> str:
        """Which other --offsets choice would make this span fit, if one does."""
        fits = fitting_units(self.text, start, end, covered, exclude=self.unit)
        if not fits:
            return ""
        return "; " + " or ".join(f"--offsets {unit}" for unit in fits) + " would fit"


def _span(path: Path, line: int | None, i: int, raw: Any, text: str, counter: _Counter, *,
          gold: bool = False) -> RawSpan:
    where = f"span {i}"
    if not isinstance(raw, dict):
        raise InputError(path, f"{where} must be an object with start, end and label, not {_type_name(raw)}", line)
    for key in ("start", "end", "label"):
        if key not in raw:
            raise InputError(path, f"{where}: missing {key!r}", line)
    start, end, label = raw["start"], raw["end"], raw["label"]
    for key, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(path, f"{where}: {key!r} must be a whole number, not {_type_name(value)}", line)
    if not isinstance(label, str) or not label.strip():
        raise InputError(path, f"{where}: 'label' must be a non-empty string", line)
    if start < 0:
        raise InputError(path, f"{where}: start {start} is negative", line)
    if start >= end:
        raise InputError(path, f"{where}: start {start} is not before end {end}", line)
    covered = raw.get("text")
    if covered is not None and not isinstance(covered, str):
        raise InputError(path, f"{where}: 'text' must be a string, not {_type_name(covered)}", line)
    raw_start, raw_end = start, end
    try:
        start, end = counter.convert(start, end)
    except OffsetError as err:
        raise InputError(path, f"{where}: {err}{counter.counted()}{counter.hint(raw_start, raw_end, covered)}",
                         line) from None
    if end > len(text):
        raise InputError(path, f"{where}: end {end} is past the end of the text ({len(text)} characters)"
                         f"{counter.counted()}{counter.hint(raw_start, raw_end, covered)}", line)
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise InputError(path, f"{where}: 'note' must be a string, not {_type_name(note)}", line)
    if covered is not None and covered != text[start:end]:
        raise InputError(
            path, f"{where}: its text {covered!r} is not what [{raw_start}, {raw_end}) covers ({text[start:end]!r})"
            f"{counter.counted()}{counter.hint(raw_start, raw_end, covered)}", line
        )
    provenance = None
    if gold:
        proposed = raw.get("proposed_by", [])
        if not isinstance(proposed, list) or not all(isinstance(p, str) for p in proposed):
            raise InputError(path, f"{where}: 'proposed_by' must be a list of annotator names", line)
        for key in ("decided_by", "decided_at"):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                raise InputError(path, f"{where}: {key!r} must be a string", line)
        provenance = {"proposed_by": proposed, "decided_by": raw.get("decided_by"), "decided_at": raw.get("decided_at")}
    return RawSpan(start, end, label.strip(), note or None, provenance)


def iter_records(files: list[Path], progress: Progress | None = None,
                 options: ReadOptions = ReadOptions()) -> Iterator[Record | Tally]:
    for path in files:
        suffix = path.suffix.lower()
        reader = read_jsonl if suffix == ".jsonl" else read_label_studio if suffix == ".json" else read_txt
        try:
            if reader is read_txt:
                yield from read_txt(path, progress)
            else:
                yield from reader(path, progress, options)
        except OSError as err:
            raise InputError(path, f"cannot read: {err.strerror}") from None


