"""Other tools' exports, turned into annotator's own record shape before the usual checks (over
400 lines: one reader per tool, Label Studio's the longest, sharing their helpers).

Each reader leaves span offsets in the unit its tool counts in (``DEFAULT_UNITS``); the importer
converts them to code points over the raw text (annotator.core.offsets) before anything
else. The defaults are what each tool's editor writes; ``annotator import --offsets`` overrides
them:

- doccano: UTF-16 code units (its editor counts JavaScript string indices; a project in grapheme
  mode counts grapheme clusters: ``--offsets graphemes``). Its export has no span text, so a
  conversion that lands inside a character is refused.
- Label Studio (JSON and JSON_MIN): code points (its editor stores Python string indices, with
  each span's ``text`` beside it, which is checked).
- Prodigy / spaCy: code points. Only answers "accept" (or none) are imported; "reject" and
  "ignore" examples are skipped and counted.

Every record then goes through the same validation as annotator's own JSONL: offsets in range,
NFC normalisation with span remapping, relations between the spans' ids (doccano's entity ids,
Label Studio's region ids), and the file and line (or task) named on any error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


FORMATS = ("auto", "annotator", "doccano", "prodigy", "labelstudio")
DEFAULT_UNITS = {"annotator": "codepoints", "doccano": "utf16", "prodigy": "codepoints",
                 "labelstudio": "codepoints"}
TOOL_NAMES = {"annotator": "annotator", "doccano": "doccano", "prodigy": "Prodigy", "labelstudio": "Label Studio"}
MODEL = "model"  # the annotator that Label Studio predictions are imported as
LS_DOC_ID = "doc_id"  # the data field annotator's Label Studio export keeps the document id in
LS_LAYER_KEY = "annotator"  # the key in each result item that names annotator's layer
LS_STATUS_KEY = "annotator_status"  # ... and the one that keeps its status (in_progress, adjudicated)
STATUS_FIELD = "_status_field"  # in a record a reader made: the field its status came from, for messages


class Skip(Exception):
    """A record the format itself marks as not to be used (a rejected Prodigy example)."""


class FormatError(ValueError):
    """A record that does not have the shape its tool writes; the reader names the file and line."""


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(f"{what} must be a list of strings, not {value!r}"[:200])
    return value


def detect(obj: Any) -> str:
    """Which tool wrote this JSON line."""
    if not isinstance(obj, dict) or obj.get("format") == "annotator":
        return "annotator"
    label = obj.get("label")
    if isinstance(label, list) and "spans" not in obj and all(isinstance(x, (list, str)) for x in label):
        return "doccano"  # [[start, end, LABEL]], or text classification labels (or none yet)
    entities = obj.get("entities")
    if isinstance(entities, list) and "spans" not in obj and all(
            (isinstance(e, dict) and "start_offset" in e) or isinstance(e, list) for e in entities):
        return "doccano"
    if obj.get("answer") in ("accept", "reject", "ignore") or "_input_hash" in obj or "_task_hash" in obj:
        return "prodigy"
    if "annotations" in obj or "predictions" in obj:
        return "labelstudio"
    if isinstance(obj.get("data"), dict) and not isinstance(obj.get("text"), str):
        return "labelstudio"
    if any(_ls_min_spans(v) for v in obj.values()) and "spans" not in obj:
        return "labelstudio"  # JSON_MIN, one task per line
    return "annotator"


def from_doccano(obj: dict[str, Any], member: str | None = None) -> dict[str, Any]:
    """doccano JSONL: "label": [[start, end, LABEL]] (or "entities" with start_offset/end_offset);
    text classification labels ("label" as strings, or "cats") become themes.

    A line that came out of doccano's own export (it adds "Comments") holds the spans of the
    doccano member its file is named after (doccano writes one file per member: ``admin.jsonl``),
    so ``member`` names the layer; an "annotator" field there is only what annotator's export put
    in and doccano copied back, whoever annotated since."""
    if "spans" in obj and "label" not in obj and "entities" not in obj:  # --format doccano on another file
        raise FormatError("holds 'spans', not doccano's 'label' or 'entities': it is annotator's own JSONL or "
                          "Prodigy's; leave --format out (or give --format jsonl or prodigy)")
    out: dict[str, Any] = {"text": obj.get("text")}
    if isinstance(obj.get("doc_id"), (str, int)) and not isinstance(obj["doc_id"], bool):
        out["id"] = obj["doc_id"]  # annotator's own doccano export
    elif "id" in obj:
        out["id"] = obj["id"]
        out["_id_from_tool"] = "doccano"  # doccano's export gives its own example ids: matched by text
    spans: list[Any] = []
    themes: list[Any] = list(_strings(obj["cats"], "cats")) if obj.get("cats") is not None else []
    label = obj.get("label")
    if isinstance(label, list):
        for item in label:
            if isinstance(item, list) and len(item) == 3:
                spans.append({"start": item[0], "end": item[1], "label": item[2]})
            elif isinstance(item, str):
                themes.append(item)
            else:
                spans.append(item)  # let the checks name what is wrong with it
    relations = _dc_relations(obj.get("relations"))
    for entity in obj.get("entities") or []:
        if isinstance(entity, dict):
            span = {"start": entity.get("start_offset"), "end": entity.get("end_offset"), "label": entity.get("label")}
            if relations and "id" in entity:  # what the relations name
                span["id"] = entity["id"]
            spans.append(span)
        elif isinstance(entity, list) and len(entity) == 3:  # spans + categories: [start, end, LABEL]
            spans.append({"start": entity[0], "end": entity[1], "label": entity[2]})
        else:
            spans.append(entity)
    out["spans"] = spans
    out["themes"] = themes
    if relations:
        out["relations"] = relations
    if "Comments" in obj and member:
        out["annotator"] = member
        if isinstance(obj.get("annotator"), str) and obj["annotator"]:
            out["_origin"] = obj["annotator"]  # named in the warning when lines are merged
    elif isinstance(obj.get("annotator"), str) and obj["annotator"]:  # our own doccano export names the layer
        out["annotator"] = obj["annotator"]
    meta = {k: v for k, v in obj.items()
            if k not in {"id", "doc_id", "text", "label", "entities", "cats", "relations", "annotator", "Comments"}}
    if isinstance(obj.get("meta"), dict):  # our own export nests meta; doccano may flatten it back
        meta = {**{k: v for k, v in meta.items() if k != "meta"}, **obj["meta"]}
    if meta:
        out["meta"] = meta
    return out


def _dc_relations(value: Any) -> list[dict[str, Any]]:
    """doccano's relations (a relation project's JSONL): each ``{"id", "from_id", "to_id", "type"}``,
    its ends the ``id`` of two of the line's entities, in annotator's shape (``from``, ``to``,
    ``label``) for the same checks as annotator's own lines."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError(f"'relations' must be a list of relations, not {value!r}"[:200])
    out = []
    for n, raw in enumerate(value, 1):
        if not isinstance(raw, dict):
            raise FormatError(f"relation {n} must be an object with from_id, to_id and type, not {raw!r}"[:200])
        missing = [key for key in ("from_id", "to_id", "type") if key not in raw]
        if missing:
            raise FormatError(f"relation {n}: missing {missing[0]!r}")
        if not isinstance(raw["type"], str) or not raw["type"].strip():  # named as doccano names it, not 'label'
            raise FormatError(f"relation {n}: 'type' must be a non-empty string (a relation type), "
                              f"not {'null' if raw['type'] is None else repr(raw['type'])}"[:200])
        out.append({"from": raw["from_id"], "to": raw["to_id"], "label": raw["type"]})
    return out


def from_prodigy(obj: dict[str, Any]) -> dict[str, Any]:
    """Prodigy / spaCy JSONL: "spans" with start, end and label; "accept" (choices) as themes."""
    answer = obj.get("answer", "accept")
    if answer != "accept":
        raise Skip(answer)
    out: dict[str, Any] = {"text": obj.get("text"),
                           "spans": [{"start": s.get("start"), "end": s.get("end"), "label": s.get("label")}
                                     if isinstance(s, dict) else s for s in obj.get("spans") or []],
                           "themes": _strings(obj.get("accept") or [], "accept")}
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    if "id" in meta:
        out["id"] = meta["id"]
    if isinstance(meta.get("lang"), str):
        out["lang"] = meta["lang"]
    if isinstance(obj.get("_annotator_id"), str):
        out["annotator"] = obj["_annotator_id"]
    elif isinstance(meta.get("annotator"), str):
        out["annotator"] = meta["annotator"]
    rest = {k: v for k, v in meta.items() if k not in {"id", "lang", "annotator"}}
    if rest:
        out["meta"] = rest
    return out


# --- Label Studio ----------------------------------------------------------------------------

# Fields Label Studio itself writes beside the task data (JSON_MIN flattens data into the task).
_LS_FIELDS = {"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "data", "annotations",
              "predictions", "drafts", "project", "file_upload", "inner_id", "total_annotations",
              "cancelled_annotations", "total_predictions", "comment_count", "unresolved_comment_count",
              "last_comment_updated_at", "updated_by", "comment_authors", "agreement", "is_labeled"}
# Data fields annotator's own export writes; never themes.
_DATA_FIELDS = {LS_DOC_ID, "title", "lang", "meta", "source", "url"}


@dataclass
class LabelStudioTask:
    """What one task holds: a record per annotation (and per prediction), and how many predictions
    came as bare ids (Label Studio's quick export), which carry nothing to import."""

    records: list[dict[str, Any]]
    prediction_ids: int = 0
    notes: list[str] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # email -> ls-ID, where completed_by gives both


def _ls_text_field(values: dict[str, Any], text_field: str | None, skip: set[str]) -> str:
    if text_field is not None:
        if text_field not in values:
            fields = ", ".join(sorted(k for k in values if k not in skip)) or "none"
            raise FormatError(f"no text field {text_field!r} (fields: {fields})")
        return text_field
    if "text" in values:
        return "text"
    ours = {LS_DOC_ID, "title", "lang", "source", "url"} if LS_DOC_ID in values else set()  # our own export
    strings = sorted(k for k, v in values.items() if isinstance(v, str) and k not in skip and k not in ours)
    if len(strings) == 1:
        return strings[0]
    if not strings:
        raise FormatError("no text: the task's data has no string field")
    raise FormatError(f"no field named 'text', and several string fields ({', '.join(strings)}): "
                      "say which holds the article with --text-field NAME")


def _ls_min_spans(value: Any) -> bool:
    """A JSON_MIN result of a Labels control: a list of {start, end, <...>labels: [...]}."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, dict) and "start" in v and "end" in v and _labels_of(v) is not None for v in value)


def _labels_of(value: dict[str, Any]) -> Any:
    """The label list of a Labels-type value: ``labels``, ``hypertextlabels``, or any ``*labels``."""
    if "labels" in value:
        return value["labels"]
    return next((v for k, v in value.items() if k.endswith("labels")), None)


def _ls_note(meta: Any) -> str | None:
    """A region's (or relation's) note, where Label Studio keeps it: ``meta.text``."""
    if isinstance(meta, dict) and isinstance(meta.get("text"), list):
        return " ".join(t for t in meta["text"] if isinstance(t, str)) or None
    return None


def _ls_span(value: dict[str, Any], labels: Any, spans: list[Any], meta: Any = None, region: Any = None) -> None:
    """The spans of one region, one per label; ``region``: its id, which relations name (given to
    the first of them)."""
    note = _ls_note(meta)
    for n, label in enumerate(_strings(labels, "labels") or [None]):
        span = {"start": value.get("start"), "end": value.get("end"), "label": label}
        if region is not None and n == 0:
            span["id"] = region
        if isinstance(value.get("text"), str):
            span["text"] = value["text"]
        if note:
            span["note"] = note
        spans.append(span)


def _ls_relation(item: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """A relation result, ``{"type": "relation", "from_id", "to_id", "direction", "labels"}``, in
    annotator's shape: its ends the ids of two regions (``direction`` "left" turns them round;
    "right" and "bi" keep them), one relation per label."""
    ends = [item.get("from_id"), item.get("to_id")]
    if any(isinstance(end, bool) or not isinstance(end, (str, int)) for end in ends):
        raise FormatError(f"relation {n}: from_id and to_id must be the ids of two regions, not {ends!r}"[:200])
    if item.get("direction") == "left":
        ends.reverse()
    labels = _strings(item.get("labels") or [], f"relation {n}'s labels")
    if not labels or not all(label.strip() for label in labels):  # an empty one is no type either
        raise FormatError(f"relation {n} (from_id {ends[0]!r}) has no label: each of annotator's relations has a "
                          "type (give it one of the <Relations> values in Label Studio)"[:300])
    note = _ls_note(item.get("meta"))
    return [{"from": ends[0], "to": ends[1], "label": label, **({"note": note} if note else {})} for label in labels]


def _ls_results(results: Any) -> tuple[list[Any], list[str], list[dict[str, Any]]]:
    """Spans from every Labels-type result, themes from every Choices-type result, whatever the
    control is named, and relations from every relation result (their regions' ids kept on the
    spans then); other results (text areas, ratings) are passed over."""
    spans: list[Any] = []
    themes: list[str] = []
    relations: list[dict[str, Any]] = []
    if not isinstance(results, list):
        raise FormatError(f"result must be a list, not {results!r}"[:200])
    related = any(isinstance(item, dict) and item.get("type") == "relation" for item in results)
    seen = 0  # relation results so far
    for item in results:
        if not isinstance(item, dict):
            raise FormatError(f"a result must be an object, not {item!r}"[:200])
        value = item.get("value")
        kind = item.get("type")
        if kind is not None and not isinstance(kind, str):
            raise FormatError(f"a result's type must be a string, not {kind!r}"[:200])
        if kind == "relation":
            seen += 1
            relations += _ls_relation(item, seen)
            continue
        if not isinstance(value, dict):
            continue
        if kind == "choices" or (kind is None and "choices" in value):
            themes += _strings(value.get("choices", []), "choices")
            continue
        labels = _labels_of(value)
        if labels is None or (kind is not None and not kind.endswith("labels")):
            continue  # a relation, a text area, a rating: nothing to mark in the text
        _ls_span(value, labels, spans, item.get("meta"), item.get("id") if related else None)
    return spans, themes, relations


def _ls_layer_name(results: Any) -> tuple[str | None, str]:
    """annotator's Label Studio export names the layer in each result (Label Studio keeps extra
    keys there, and drops an annotation's own meta), and its status beside it: the first such
    name, if any, and its status (``done`` if none is written: Label Studio keeps only
    submitted annotations)."""
    for item in results if isinstance(results, list) else []:
        if isinstance(item, dict) and isinstance(item.get(LS_LAYER_KEY), str) and item[LS_LAYER_KEY].strip():
            status = item.get(LS_STATUS_KEY)
            return item[LS_LAYER_KEY].strip(), status if isinstance(status, str) and status.strip() else "done"
    return None, "done"


def _ls_person(who: Any) -> str:
    """One name per Label Studio user whichever export wrote it: ``ls-ID``. JSON and JSON_MIN give
    only the user's id (a number), the snapshot's JSON an object with id and email; the id is the
    one thing all three have. The snapshot's JSON_MIN gives only the email: the importer maps it to
    the ``ls-ID`` a snapshot JSON showed beside it (``LabelStudioTask.users``), if any."""
    if isinstance(who, dict):
        who = next((who[k] for k in ("id", "email", "username") if _ls_named(who.get(k))), None)
    if isinstance(who, str) and who.strip().isdigit():
        who = int(who)
    if not _ls_named(who):
        return "labelstudio"  # no one named: Label Studio's own user
    return f"ls-{who}" if isinstance(who, int) else who.strip()


def _ls_named(who: Any) -> bool:
    return isinstance(who, (int, str)) and not isinstance(who, bool) and str(who).strip() != ""


def _ls_base(values: dict[str, Any], text_field: str | None, task_id: Any, skip: set[str]) -> dict[str, Any]:
    key = _ls_text_field(values, text_field, skip)
    base: dict[str, Any] = {"text": values[key]}
    doc_id = values.get(LS_DOC_ID)
    if doc_id is not None and (isinstance(doc_id, bool) or not isinstance(doc_id, (str, int))):
        raise FormatError(f"data.{LS_DOC_ID} must be a string, not {doc_id!r}"[:200])
    if doc_id is not None:
        base["id"] = doc_id
    elif task_id is not None:
        base["id"] = task_id
        base["_id_from_tool"] = "ls"  # Label Studio's own task id: matched by text if unknown
    for name in ("title", "lang"):
        if isinstance(values.get(name), str):
            base[name] = values[name]
    meta = dict(values["meta"]) if isinstance(values.get("meta"), dict) else {}
    for name, value in values.items():
        if name not in skip and name not in {key, LS_DOC_ID, "title", "lang", "meta"}:
            meta.setdefault(name, value)
    if meta:
        base["meta"] = meta
    return base


def ls_min_choices(tasks: list[Any]) -> frozenset[str]:
    """A JSON_MIN file's Choices controls, by name, and every choice ticked in them: the fields
    that hold ``{"choices": [...]}`` in some task, and the choices there. A bare string in such a
    field, or equal to such a choice, is a ticked choice too, whatever the schema holds, so that
    an import decides the same the first time and the second (when its own themes are in the
    schema)."""
    found: set[str] = set()
    for task in tasks:
        if isinstance(task, dict) and not isinstance(task.get("data"), dict):
            for name, value in task.items():
                if name not in _LS_FIELDS and isinstance(value, dict) and set(value) == {"choices"}:
                    found.add(name)
                    found.update(v for v in value["choices"] if isinstance(v, str))
    return frozenset(found)


def from_label_studio(task: dict[str, Any], text_field: str | None = None,
                      themes: frozenset[str] = frozenset(), choices: frozenset[str] = frozenset()) -> LabelStudioTask:
    """One Label Studio task, JSON or JSON_MIN: one record per annotation (as its annotator) and
    per prediction (as ``model``), or one plain record when nobody annotated it. ``themes`` are
    the schema's theme names and ``choices`` the file's Choices controls and choices
    (:func:`ls_min_choices`): JSON_MIN writes a single ticked choice as a bare string."""
    if not isinstance(task.get("data"), dict):
        return _from_label_studio_min(task, text_field, themes, choices)
    base = _ls_base(task["data"], text_field, task.get("id"), set())
    out = LabelStudioTask([])
    annotations = task.get("annotations")
    if annotations is not None and not isinstance(annotations, list):
        raise FormatError(f"annotations must be a list, not {annotations!r}"[:200])
    named: set[str] = set()
    for annotation in annotations or []:
        if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
            continue
        spans, themes, relations = _ls_results(annotation.get("result") or [])
        name, status = _ls_layer_name(annotation.get("result"))
        ours = name is not None and name not in named
        if not ours:
            # No name of ours, or a second annotation claiming one (another user's copy of that
            # layer, edited in Label Studio): it is the work of its Label Studio user, submitted.
            name, status = _ls_person(annotation.get("completed_by")), "done"
        who = annotation.get("completed_by")
        if isinstance(who, dict) and _ls_named(who.get("email")) and isinstance(who.get("id"), int):
            out.users[str(who["email"]).strip()] = _ls_person(who["id"])  # the snapshot export's user
        named.add(name)
        lead = annotation.get("lead_time")  # seconds Label Studio measured: the layer's active time
        timed = ({"active_seconds": lead} if isinstance(lead, (int, float)) and not isinstance(lead, bool)
                 and lead >= 0 else {})
        record = {**base, "spans": spans, "themes": themes, "annotator": name, "status": status, **timed,
                  **({"relations": relations} if relations else {})}
        if ours:  # an error about the status names the key it came from, not a 'status' the file lacks
            record[STATUS_FIELD] = f"{LS_STATUS_KEY!r} in the annotation's results"
        out.records.append(record)
    for prediction in task.get("predictions") or []:
        if isinstance(prediction, dict):
            spans, themes, relations = _ls_results(prediction.get("result") or [])
            out.records.append({**base, "spans": spans, "themes": themes, "annotator": MODEL,
                                **({"relations": relations} if relations else {})})
        elif isinstance(prediction, int) and not isinstance(prediction, bool):
            out.prediction_ids += 1
    if not out.records:
        out.records.append(base)
    return out


def _from_label_studio_min(task: dict[str, Any], text_field: str | None,
                           known_themes: frozenset[str], choices: frozenset[str]) -> LabelStudioTask:
    """JSON_MIN: the task's data fields, Label Studio's own fields and one annotation's results
    side by side, each result under its control's name: a Labels control as a list of
    {start, end, text, labels}, a Choices control as a bare string (one ticked) or
    {"choices": [...]} (several). A bare string cannot be told from a data field by its shape,
    so it counts as a ticked choice only when the schema has a theme of that name, or the file
    shows its field is a Choices control or its value a choice (``choices``)."""
    spans: list[Any] = []
    themes: list[str] = []
    results: set[str] = set()
    for name, value in task.items():
        if name in _LS_FIELDS:
            continue
        if _ls_min_spans(value):
            for item in value:
                _ls_span(item, _labels_of(item), spans)
            results.add(name)
        elif isinstance(value, dict) and set(value) == {"choices"}:
            themes += _strings(value["choices"], "choices")
            results.add(name)
    base_fields = {k: v for k, v in task.items() if k not in results and k not in _LS_FIELDS}
    base = _ls_base(base_fields, text_field, task.get("id"), set())
    text_key = next((k for k, v in base_fields.items() if v is base.get("text")), None)
    for name, value in list(base_fields.items()):
        if (name != text_key and name not in _DATA_FIELDS and isinstance(value, str) and name in base.get("meta", {})
                and (value in known_themes or name in choices or value in choices)):
            themes.append(value)
            del base["meta"][name]
    if "meta" in base and not base["meta"]:
        del base["meta"]
    record = {**base, "spans": spans, "themes": themes}
    if task.get("annotator") is not None:
        record["annotator"] = _ls_person(task["annotator"])
    return LabelStudioTask([record])
