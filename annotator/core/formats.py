"""Other tools' exports, turned into annotator's own record shape before the usual checks.

How each counts offsets (and what is done about it):

- doccano: Python string indices, i.e. code points, like annotator: kept as they are.
- Prodigy / spaCy: Python string indices (code points): kept. Only answers "accept" (or none)
  are imported; "reject" and "ignore" examples are skipped and counted.
- Label Studio (JSON and JSON_MIN): JavaScript string indices, i.e. UTF-16 code units: converted
  to code points, so that a span after an emoji covers the same characters. Each span's "text",
  when given, must then equal what the converted offsets cover, or the task is refused.

Every record then goes through the same validation as annotator's own JSONL: offsets in range,
NFC normalisation with span remapping, and the file and line (or task) named on any error.
"""

from __future__ import annotations

from typing import Any

from annotator.core.utf16 import Utf16Index

FORMATS = ("auto", "annotator", "doccano", "prodigy", "labelstudio")
MODEL = "model"  # the annotator that Label Studio predictions are imported as


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
    if isinstance(label, list) and label and all(isinstance(x, (list, str)) for x in label):
        return "doccano"  # [[start, end, LABEL]], or text classification labels
    if isinstance(obj.get("entities"), list) and any(isinstance(e, dict) and "start_offset" in e
                                                      for e in obj["entities"]):
        return "doccano"
    if obj.get("answer") in ("accept", "reject", "ignore") or "_input_hash" in obj or "_task_hash" in obj:
        return "prodigy"
    if "annotations" in obj or "predictions" in obj:
        return "labelstudio"
    if isinstance(obj.get("data"), dict) and not isinstance(obj.get("text"), str):
        return "labelstudio"
    if isinstance(label, list) and label and isinstance(label[0], dict) and "spans" not in obj:
        return "labelstudio"  # JSON_MIN, one task per line
    return "annotator"


def from_doccano(obj: dict[str, Any]) -> dict[str, Any]:
    """doccano JSONL: "label": [[start, end, LABEL]] (or "entities" with start_offset/end_offset);
    text classification labels ("label" as strings, or "cats") become themes."""
    out: dict[str, Any] = {"text": obj.get("text")}
    if "id" in obj:
        out["id"] = obj["id"]
    spans: list[Any] = []
    themes: list[Any] = list(obj.get("cats") or [])
    label = obj.get("label")
    if isinstance(label, list):
        for item in label:
            if isinstance(item, list) and len(item) == 3:
                spans.append({"start": item[0], "end": item[1], "label": item[2]})
            elif isinstance(item, str):
                themes.append(item)
            else:
                spans.append(item)  # let the checks name what is wrong with it
    for entity in obj.get("entities") or []:
        if isinstance(entity, dict):
            spans.append({"start": entity.get("start_offset"), "end": entity.get("end_offset"),
                          "label": entity.get("label")})
    out["spans"] = spans
    out["themes"] = themes
    if isinstance(obj.get("annotator"), str):  # our own doccano export names the layer
        out["annotator"] = obj["annotator"]
    meta = {k: v for k, v in obj.items()
            if k not in {"id", "text", "label", "entities", "cats", "relations", "annotator"}}
    if meta:
        out["meta"] = meta
    return out


def from_prodigy(obj: dict[str, Any]) -> dict[str, Any]:
    """Prodigy / spaCy JSONL: "spans" with start, end and label; "accept" (choices) as themes."""
    answer = obj.get("answer", "accept")
    if answer != "accept":
        raise Skip(answer)
    out: dict[str, Any] = {"text": obj.get("text"),
                           "spans": [{"start": s.get("start"), "end": s.get("end"), "label": s.get("label")}
                                     if isinstance(s, dict) else s for s in obj.get("spans") or []],
                           "themes": [t for t in obj.get("accept") or [] if isinstance(t, str)]}
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    if "id" in meta:
        out["id"] = meta["id"]
    if isinstance(meta.get("lang"), str):
        out["lang"] = meta["lang"]
    if isinstance(obj.get("_annotator_id"), str):
        out["annotator"] = obj["_annotator_id"]
    elif isinstance(meta.get("annotator"), str):  # our own spaCy export names the layer
        out["annotator"] = meta["annotator"]
    rest = {k: v for k, v in meta.items() if k not in {"id", "lang", "annotator"}}
    if rest:
        out["meta"] = rest
    return out


def _ls_text(task: dict[str, Any]) -> Any:
    data = task.get("data")
    if isinstance(data, dict):
        if "text" in data:
            return data["text"]
        return next((v for v in data.values() if isinstance(v, str)), None)
    return task.get("text")


_LABEL_TYPES = {"labels", "hypertextlabels"}


def _ls_spans(results: list[Any], index: Utf16Index | None) -> tuple[list[Any], list[str]]:
    """Label results become spans, choices become themes; other results (relations, text areas,
    ratings) carry no span and are passed over."""
    spans: list[Any] = []
    themes: list[str] = []
    if not isinstance(results, list):
        raise FormatError(f"result must be a list, not {results!r}"[:200])
    for item in results:
        if not isinstance(item, dict):
            raise FormatError(f"a result must be an object, not {item!r}"[:200])
        value = item.get("value", item)  # JSON: {"value": {...}}; JSON_MIN: the value itself
        if not isinstance(value, dict):
            continue
        kind = item.get("type")
        if "choices" in value and kind in (None, "choices"):
            themes += _strings(value["choices"], "choices")
            continue
        labels = value.get("labels", value.get("hypertextlabels"))
        if labels is None or (kind is not None and kind not in _LABEL_TYPES):
            continue  # a relation, a text area, a rating: nothing to mark in the text
        start, end = value.get("start"), value.get("end")
        if index is not None and isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool):
            start, end = index.to_code_point(start), index.to_code_point(end)  # UTF-16 -> code points
        for label in _strings(labels, "labels") or [None]:
            span = {"start": start, "end": end, "label": label}
            if isinstance(value.get("text"), str):
                span["text"] = value["text"]
            spans.append(span)
    return spans, themes


def _ls_person(who: Any) -> str:
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    return f"ls-{who}" if isinstance(who, int) else str(who) if who else "labelstudio"


def from_label_studio(task: dict[str, Any]) -> list[dict[str, Any]]:
    """One Label Studio task: one record per annotation (as its annotator) and per prediction
    (as ``model``), or one plain record when nobody annotated it."""
    text = _ls_text(task)
    index = Utf16Index(text) if isinstance(text, str) else None
    base: dict[str, Any] = {"text": text}
    if "id" in task:
        base["id"] = task["id"]
    records = []
    if "data" not in task:  # JSON_MIN: the task holds its one annotation
        spans, themes = _ls_spans(task.get("label") or [], index)
        themes += [v for k, v in task.items() if isinstance(v, str) and k not in {"text", "id"} and k.startswith("choice")]
        record = {**base, "spans": spans, "themes": themes}
        if task.get("annotator") is not None:
            record["annotator"] = _ls_person(task["annotator"])
        return [record]
    for annotation in task.get("annotations") or []:
        if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
            continue
        spans, themes = _ls_spans(annotation.get("result") or [], index)
        records.append({**base, "spans": spans, "themes": themes,
                        "annotator": _ls_person(annotation.get("completed_by"))})
    for prediction in task.get("predictions") or []:
        if isinstance(prediction, dict):
            spans, themes = _ls_spans(prediction.get("result") or [], index)
            records.append({**base, "spans": spans, "themes": themes, "annotator": MODEL})
    return records or [base]
