"""One record as read from a file, checked before it is stored: its fields' types, its text (no
control characters), its id, language and status, and each span, its offsets converted from the
unit the file counted in (annotator.core.offsets) to code points and refused with the file and
line named when they do not fit. annotator.core.reading finds and parses the files; nothing here
reads a file or writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.errors import InputError
from annotator.core.formats import STATUS_FIELD
from annotator.core.model import GOLD, Status
from annotator.core.offsets import UNIT_NAMES, OffsetError, Units, fitting_units, misread, unit_matters
from annotator.core.schema import has_invisible
from annotator.storage import text_hash

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 controls but tab, LF, CR; DEL; C1
_ID_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # an id is one line: no control at all
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_KNOWN_FIELDS = {"id", "title", "text", "lang", "meta", "spans", "themes", "annotator", "status", "source", "relations"}
_EXPORT_FIELDS = {"format", "version", "direction", "updated_at"}  # written by our export; not document data
_READER_FIELDS = {STATUS_FIELD}  # put in by a reader of another tool's file (annotator.core.formats)
GOLD_STATUSES = {"adjudicated": "adjudicated", "done": "adjudicated", "in_progress": "in_progress"}


@dataclass
class RawSpan:
    start: int
    end: int
    label: str
    note: str | None = None
    provenance: dict[str, Any] | None = None  # gold spans: proposed_by, decided_by, decided_at
    line: int | None = None  # its own line, in a file that gives each annotation one (brat's .ann)


@dataclass
class RawRelation:
    """A relation as a line gives it (issue 25): its ends as indexes into the line's spans."""

    from_index: int
    to_index: int
    label: str
    note: str | None = None
    provenance: dict[str, Any] | None = None  # gold relations: proposed_by, decided_by, decided_at
    line: int | None = None  # its own line, in a file that gives annotations lines of their own (brat's .ann,
    # INCEpTION's XMI and TSV)
    name: str | None = None  # what that file calls it (brat's R3), for messages


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
    gold_status: str | None = None  # for gold lines: in_progress or adjudicated; None: the file gave none
    where: str | None = None  # "task 3 (id 7)" for Label Studio files, which have no line to name
    id_from_tool: str = ""  # "ls", "doccano": the id is that tool's own (a task id): match by text
    units_matter: str | None = None  # the unit its spans were counted in, where another would differ
    tool: str = "annotator"  # which tool's format the record was read from
    origin: str | None = None  # what a peer's line itself called its layer, where that is not trusted
    active_seconds: float | None = None  # the layer's active time (meta.active_seconds, Label Studio's lead_time)
    relations: list[RawRelation] = field(default_factory=list)  # between its spans (annotator, doccano, Label Studio)

    @property
    def gold(self) -> bool:
        return self.annotator == GOLD

    def error(self, message: str, line: int | None = None) -> InputError:
        """``message`` with the file and line named (``line``: the annotation's own, where it has one)."""
        return InputError(self.path, f"{self.where}: {message}" if self.where else message, line or self.line)


def _want(path: Path, line: int, obj: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InputError(path, f"field {key!r} must be {what}, not {type_name(value)}", line)
    return value


def type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def check_record(path: Path, line: int | None, obj: Any, units: tuple[str, str] = ("codepoints", ""), *,
                 peer: bool = False, own: bool = True) -> Record:
    """``obj`` checked. ``units``: the unit its offsets count and where that choice came from (empty
    for annotator's own JSONL). ``peer``: another tool's file whose reader converted the offsets to
    code points already (INCEpTION's): its spans, without text of their own, are still checked for
    edges that cut a character, with no --offsets to suggest. ``own``: a line whose spans may carry ids
    and whose ``relations`` join them in annotator's shape: annotator's own, or what a reader made
    of doccano's and Label Studio's relations (annotator.core.formats); otherwise (Prodigy's)
    a ``relations`` field, in its tool's own shape, is kept in meta as any other field."""
    if not isinstance(obj, dict):
        raise InputError(path, f"each line must be a JSON object, not {type_name(obj)}", line)
    if "text" not in obj:
        raise InputError(path, "missing required field 'text'", line)
    text = obj["text"]
    if not isinstance(text, str):
        raise InputError(path, f"field 'text' must be a string, not {type_name(text)}", line)
    if not text.strip():
        raise InputError(path, "field 'text' is empty", line)
    control = CONTROL.search(text)
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
    kept = set(obj) - _KNOWN_FIELDS - _EXPORT_FIELDS - _READER_FIELDS
    if not own and "relations" in obj:
        kept.add("relations")  # another tool's relations, in its own shape: kept as they were
    for key in sorted(kept):
        meta.setdefault(key, obj[key])  # other fields are kept, not dropped
    seconds = meta.pop("active_seconds", None)  # the layer's active time, not the document's data
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not 0 <= seconds < float("inf")):
        raise InputError(path, f"field 'meta.active_seconds' must be a number of seconds, not {seconds!r}"[:200], line)
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
    status_field = obj.get(STATUS_FIELD) or "field 'status'"
    gold_status = None
    if annotator == GOLD:  # the adjudicated layer, from our own export
        # No status (our own xmi/webanno export carries none): the layer's status is left alone
        gold_status = None if status is None else GOLD_STATUSES.get(status.strip().lower().replace(" ", "_"))
        if status is not None and gold_status is None:
            raise InputError(path, f"{status_field}: a gold line is in_progress or adjudicated, not {status!r}", line)
        status = None
    if status is not None:
        try:
            status = Status.parse(status)
        except ValueError as err:
            only = "; only the gold layer is adjudicated" if status.strip().lower() == "adjudicated" else ""
            raise InputError(path, f"{status_field}: {err}{only}", line) from None
    themes = _want(path, line, obj, "themes", list, "a list of theme names") or []
    for i, theme in enumerate(themes, 1):
        if not isinstance(theme, str) or not theme.strip():
            raise InputError(path, f"theme {i} must be a non-empty string, not {type_name(theme)}", line)
    spans_raw = _want(path, line, obj, "spans", list, "a list of spans") or []
    counter = _Counter(text, *units, spans_raw if not peer else None)
    spans = [_span(path, line, i, raw, text, counter, gold=annotator == GOLD) for i, raw in enumerate(spans_raw, 1)]
    relations = _relations(path, line, obj, spans_raw, spans, gold=annotator == GOLD) if own else []
    if "annotator" in obj and annotator is None and (spans or themes or (status and status is not Status.NEW)):
        raise InputError(path, "spans, themes or a status with \"annotator\": null: say whose they are", line)
    matters = None
    checked = any(isinstance(raw, dict) and raw.get("text") is not None for raw in spans_raw)
    if spans and (units[1] or peer) and not checked and unit_matters(text, max(s.end for s in spans)):
        # another tool's offsets with no text to check them against, and the unit changes where they land
        matters = units[0] if units[1] else None
        why = misread(text, [(raw["start"], raw["end"]) for raw in spans_raw], units[0],
                      unit_chosen=units[1] == "--offsets" or peer, hint=not peer)
        if why:  # they do not fit the unit
            raise InputError(path, why.replace("{counted}", counter.counted()), line)
    return Record(
        path=path, line=line, id=doc_id, text=text, title=title, lang=lang, source=source, meta=meta,
        spans=spans, themes=[t.strip() for t in themes], annotator=annotator, status=status,
        gold_status=gold_status, units_matter=matters, active_seconds=seconds, relations=relations,
    )


class _Counter:
    """The unit a record's offsets are counted in, converted to code points over its raw text."""

    def __init__(self, text: str, unit: str, source: str, spans_raw: list[Any] | None):
        self.text = text
        # every span of the record with whole-number offsets: a unit is named when it fits them all
        # (None: a peer's file that --offsets does not apply to, so no unit is named)
        self.hinted = spans_raw is not None
        self.pairs = [(raw["start"], raw["end"], raw.get("text")) for raw in spans_raw
                      if isinstance(raw, dict) and all(isinstance(raw.get(k), int) and not isinstance(raw.get(k), bool)
                                                       for k in ("start", "end"))] if spans_raw else []
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
        if not self.hinted:
            return ""
        pairs = self.pairs if (start, end, covered) in self.pairs else [(start, end, covered)]
        covers = [c if isinstance(c, str) else None for _, _, c in pairs]
        fits = fitting_units(self.text, [(a, b) for a, b, _ in pairs], covers, exclude=self.unit)
        if not fits:
            return ""
        return "; " + " or ".join(f"--offsets {unit}" for unit in fits) + " would fit"


def _provenance(path: Path, line: int | None, where: str, raw: dict[str, Any]) -> dict[str, Any]:
    """A gold span's or relation's proposed_by, decided_by and decided_at, checked."""
    proposed = raw.get("proposed_by", [])
    if not isinstance(proposed, list) or not all(isinstance(p, str) for p in proposed):
        raise InputError(path, f"{where}: 'proposed_by' must be a list of annotator names", line)
    for key in ("decided_by", "decided_at"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise InputError(path, f"{where}: {key!r} must be a string", line)
    return {"proposed_by": proposed, "decided_by": raw.get("decided_by"), "decided_at": raw.get("decided_at")}


def _relations(path: Path, line: int | None, obj: dict[str, Any], spans_raw: list[Any], spans: list[RawSpan], *,
               gold: bool) -> list[RawRelation]:
    """The line's relations, each end an ``"id"`` of one of its spans (unique within the line)."""
    ids: dict[str, int] = {}
    for i, raw in enumerate(spans_raw):
        key = raw.get("id") if isinstance(raw, dict) else None
        if key is None:
            continue
        if isinstance(key, bool) or not isinstance(key, (str, int)) or not str(key).strip():
            raise InputError(path, f"span {i + 1}: 'id' must be a string or a whole number, not {type_name(key)}", line)
        if str(key) in ids:
            raise InputError(path, f"span {i + 1}: id {str(key)!r} is span {ids[str(key)] + 1}'s too: a span's id "
                                   "is unique within its line", line)
        ids[str(key)] = i
    out = []
    for n, raw in enumerate(_want(path, line, obj, "relations", list, "a list of relations") or [], 1):
        where = f"relation {n}"
        if not isinstance(raw, dict):
            raise InputError(path, f"{where} must be an object with from, to and label, not {type_name(raw)}", line)
        for key in ("from", "to", "label"):
            if key not in raw:
                raise InputError(path, f"{where}: missing {key!r}", line)
        label = raw["label"]
        if not isinstance(label, str) or not label.strip():
            raise InputError(path, f"{where}: 'label' must be a non-empty string", line)
        ends = []
        for key in ("from", "to"):
            ref = raw[key]
            found = ids.get(str(ref)) if isinstance(ref, (str, int)) and not isinstance(ref, bool) else None
            if found is None:
                raise InputError(path, f"{where}: its {key!r} end {str(ref)[:40]!r} is the id of no span on this "
                                       "line", line)
            ends.append(found)
        one, other = spans[ends[0]], spans[ends[1]]
        if (one.start, one.end, one.label) == (other.start, other.end, other.label):
            raise InputError(path, f"{where}: joins a span to itself", line)
        note = raw.get("note")
        if note is not None and not isinstance(note, str):
            raise InputError(path, f"{where}: 'note' must be a string, not {type_name(note)}", line)
        out.append(RawRelation(ends[0], ends[1], label.strip(), note or None,
                               _provenance(path, line, where, raw) if gold else None))
    return out


def _span(path: Path, line: int | None, i: int, raw: Any, text: str, counter: _Counter, *,
          gold: bool = False) -> RawSpan:
    where = f"span {i}"
    if not isinstance(raw, dict):
        raise InputError(path, f"{where} must be an object with start, end and label, not {type_name(raw)}", line)
    for key in ("start", "end", "label"):
        if key not in raw:
            raise InputError(path, f"{where}: missing {key!r}", line)
    start, end, label = raw["start"], raw["end"], raw["label"]
    for key, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(path, f"{where}: {key!r} must be a whole number, not {type_name(value)}", line)
    if not isinstance(label, str) or not label.strip():
        raise InputError(path, f"{where}: 'label' must be a non-empty string", line)
    if start < 0:
        raise InputError(path, f"{where}: start {start} is negative", line)
    if start >= end:
        raise InputError(path, f"{where}: start {start} is not before end {end}", line)
    covered = raw.get("text")
    if covered is not None and not isinstance(covered, str):
        raise InputError(path, f"{where}: 'text' must be a string, not {type_name(covered)}", line)
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
        raise InputError(path, f"{where}: 'note' must be a string, not {type_name(note)}", line)
    if covered is not None and covered != text[start:end]:
        raise InputError(
            path, f"{where}: its text {covered!r} is not what [{raw_start}, {raw_end}) covers ({text[start:end]!r})"
            f"{counter.counted()}{counter.hint(raw_start, raw_end, covered)}", line
        )
    provenance = _provenance(path, line, where, raw) if gold else None
    return RawSpan(start, end, label.strip(), note or None, provenance)
