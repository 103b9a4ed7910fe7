"""Other tools' exports import and cover the same characters; samples written in each tool's layout."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.importing import import_paths
from annotator.storage import Store
from tests.helpers import write

TEXT = "😀 👩\u200d💻 대구시는 مشهد را دید"  # three astral characters before the entities


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def where(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def covered(store: Store, doc_id: str, annotator: str) -> list[tuple[str, str]]:
    return [(s.label, s.text) for s in store.spans(doc_id, annotator)]


def test_doccano_jsonl_label_lists_and_entities(store: Store, tmp_path: Path):
    (a, b), (c, d) = where("대구시"), where("مشهد")
    path = write(tmp_path / "doccano.jsonl", "\n".join([
        json.dumps({"id": 7, "text": TEXT, "label": [[a, b, "GPE"], [c, d, "GPE"]], "cats": ["international"]},
                   ensure_ascii=False),
        json.dumps({"id": 8, "text": TEXT, "entities": [{"id": 1, "label": "LOC", "start_offset": c, "end_offset": d}],
                    "relations": []}, ensure_ascii=False),
    ]) + "\n")
    import_paths(store, [path], annotator="minji")
    assert covered(store, "7", "minji") == [("GPE", "대구시"), ("GPE", "مشهد")]
    assert store.doc_themes("7", "minji") == ["international"]
    assert covered(store, "8", "minji") == [("LOC", "مشهد")]


def test_prodigy_accepts_only_accepted_examples(store: Store, tmp_path: Path):
    a, b = where("대구시")
    lines = [
        {"text": TEXT, "spans": [{"start": a, "end": b, "label": "GPE", "token_start": 2, "token_end": 2}],
         "tokens": [], "answer": "accept", "accept": ["health"], "meta": {"id": "p1", "source": "news"},
         "_input_hash": 1, "_annotator_id": "ner-sara"},
        {"text": "다른 기사", "spans": [], "answer": "reject", "meta": {"id": "p2"}},
    ]
    path = write(tmp_path / "prodigy.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    report = import_paths(store, [path], annotator="unused")
    assert report.skipped_records == 1 and store.get_document("p2") is None
    assert covered(store, "p1", "ner-sara") == [("GPE", "대구시")]
    assert store.doc_themes("p1", "ner-sara") == ["health"]
    assert store.get_document("p1").meta == {"source": "news"}


def _ls_value(word: str, label: str) -> dict:
    start, end = where(word)
    return {"start": utf16(TEXT, start), "end": utf16(TEXT, end), "text": word, "labels": [label]}


def test_label_studio_json_converts_utf16_offsets_and_imports_predictions_as_model(store: Store, tmp_path: Path):
    tasks = [{
        "id": 41,
        "data": {"text": TEXT},
        "annotations": [{"completed_by": {"email": "sara@example.org"}, "was_cancelled": False, "result": [
            {"value": _ls_value("대구시", "GPE"), "from_name": "label", "to_name": "text", "type": "labels", "id": "a"},
            {"value": _ls_value("مشهد", "GPE"), "from_name": "label", "to_name": "text", "type": "labels", "id": "b"},
            {"value": {"choices": ["international"]}, "from_name": "theme", "to_name": "text", "type": "choices"},
        ]}],
        "predictions": [{"model_version": "ner-v2", "result": [
            {"value": _ls_value("대구시는", "ORG"), "type": "labels", "from_name": "label", "to_name": "text"}]}],
    }]
    assert utf16(TEXT, where("대구시")[0]) == where("대구시")[0] + 3  # the offsets really differ
    path = write(tmp_path / "ls.json", json.dumps(tasks, ensure_ascii=False))
    import_paths(store, [path], annotator="unused")
    assert covered(store, "41", "sara@example.org") == [("GPE", "대구시"), ("GPE", "مشهد")]
    assert store.doc_themes("41", "sara@example.org") == ["international"]
    assert covered(store, "41", "model") == [("ORG", "대구시는")]


def test_label_studio_json_min(store: Store, tmp_path: Path):
    tasks = [{"id": 5, "text": TEXT, "label": [_ls_value("مشهد", "GPE")], "annotator": 3, "annotation_id": 9}]
    path = write(tmp_path / "min.json", json.dumps(tasks, ensure_ascii=False))
    import_paths(store, [path], annotator="unused")
    assert covered(store, "5", "ls-3") == [("GPE", "مشهد")]


def test_label_studio_offsets_that_do_not_match_their_text_name_the_task(store: Store, tmp_path: Path):
    start, end = where("مشهد")  # code points where Label Studio would have UTF-16 units
    tasks = [{"id": 1, "data": {"text": "ok"}, "annotations": []},
             {"id": 2, "data": {"text": TEXT}, "annotations": [{"completed_by": 1, "result": [
                 {"value": {"start": start, "end": end, "text": "مشهد", "labels": ["GPE"]}, "type": "labels"}]}]}]
    path = write(tmp_path / "bad.json", json.dumps(tasks, ensure_ascii=False))
    before = store.dump()
    with pytest.raises(InputError, match=r"bad\.json: task 2 \(id 2\): span 1: its text 'مشهد' is not what"):
        import_paths(store, [path], annotator="unused")
    assert store.dump() == before


def test_forced_format_and_unknown_format(store: Store, tmp_path: Path):
    a, b = where("대구시")
    path = write(tmp_path / "x.jsonl", json.dumps({"text": TEXT, "label": [[a, b, "GPE"]]}, ensure_ascii=False) + "\n")
    import_paths(store, [path], annotator="minji", fmt="doccano")
    doc_id = "h" + hashlib.sha256(TEXT.encode()).hexdigest()[:16]  # no id: made from the text
    assert [s.text for s in store.spans(doc_id, "minji")] == ["대구시"]
    with pytest.raises(InputError, match="unknown format 'brat'"):
        import_paths(store, [path], annotator="minji", fmt="brat")
