"""Relations in and out of Label Studio and doccano (issue 25): Label Studio's relation results
join two regions by their ids, doccano's relation projects join two entities by theirs. The round
trip is exact (an emoji before the spans, Persian and Korean), an import twice changes nothing, and
a relation that cannot be stored is refused naming the file and the line (or task), the database
unchanged."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.exporting import ExportOptions, export, export_file
from annotator.core.importing import import_paths
from annotator.core.project import open_project
from annotator.storage import Store
from tests.core.test_relations_jsonl import KOREAN, PERSIAN, _lines, _rows
from tests.helpers import write


def _ls_tasks(store: Store) -> list[dict]:
    out = io.StringIO()
    export(store, out, ExportOptions(format="labelstudio"))
    return json.loads(out.getvalue())


def _doccano(store: Store, **options) -> list[dict]:
    out = io.StringIO()
    export(store, out, ExportOptions(format="doccano", doccano_layout="relations", **options))
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def related(store: Store, tmp_path: Path) -> Store:
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN))], annotator="tester")
    return store


def _only_document(store: Store) -> str:
    (doc,) = next(store.document_pages(10))
    return doc.id


def _import_into_fresh(tmp_path: Path, path: Path, **kw) -> set[tuple]:
    with open_project(tmp_path / "fresh.db") as other:
        first = import_paths(other, [path], annotator="tester", **kw)
        assert first.relations_added == 4
        rows, before = _rows(other), other.dump()
        again = import_paths(other, [path], annotator="tester", **kw)
        assert (again.relations_added, again.relations_unchanged) == (0, 4)
        assert other.dump() == before  # the same file twice changes nothing
        return rows


def test_label_studio_relations_join_region_ids_and_come_back_exactly(related: Store, tmp_path: Path):
    tasks = _ls_tasks(related)
    korean = next(t for t in tasks if t["data"]["doc_id"] == "ko1")
    (result,) = [a["result"] for a in korean["annotations"]]
    regions = {r["id"]: r["value"] for r in result if r["type"] == "labels"}
    (relation,) = [r for r in result if r["type"] == "relation"]
    assert relation == {"from_id": "a1-1", "to_id": "a1-2", "type": "relation", "direction": "right",
                        "labels": ["participates_in"], "annotator": "minji", "annotator_status": "new"}
    assert regions["a1-1"]["text"] == "대구시" and regions["a1-1"]["start"] == 2  # code points after 🎉
    assert regions["a1-2"]["text"] == "스마트시티 엑스포 월드 콩그레스"
    persian = next(t for t in tasks if t["data"]["doc_id"] == "fa1")
    noted = [r for r in persian["annotations"][0]["result"] if r.get("labels") == ["located_in"]]
    assert noted[0]["meta"] == {"text": ["شهرداری"]}  # a relation's note, where a region's goes
    report = export(related, io.StringIO(), ExportOptions(format="labelstudio"))
    assert (report.relations, report.relations_left_out) == (4, 0) and "left out" not in report.summary()

    path = write(tmp_path / "ls.json", json.dumps(tasks, ensure_ascii=False))
    assert _import_into_fresh(tmp_path, path) == _rows(related)


def test_label_studio_relations_as_the_tool_writes_them(store: Store, tmp_path: Path):
    """Label Studio's own ids (random strings), a relation drawn right to left, and a prediction's."""
    text = KOREAN["text"]
    a, b = text.index("대구시"), text.index("스마트시티")

    def region(rid: str, start: int, end: int, label: str) -> dict:
        return {"id": rid, "from_name": "ner", "to_name": "text", "type": "labels",
                "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}

    result = [region("Xq1", a, a + 3, "GPE"), region("pZ9", b, b + 17, "EVENT"),
              {"from_id": "pZ9", "to_id": "Xq1", "type": "relation", "direction": "left",
               "labels": ["participates_in"]}]
    task = {"id": 7, "data": {"text": text}, "annotations": [{"completed_by": 3, "result": result}],
            "predictions": [{"model_version": "m", "result": result}]}
    import_paths(store, [write(tmp_path / "ls.json", json.dumps([task], ensure_ascii=False))], annotator="tester")
    doc_id = _only_document(store)
    for layer in ("ls-3", "model"):
        spans = {s.id: (s.start, s.end, s.label) for s in store.spans(doc_id, layer)}
        (relation,) = store.relations(doc_id, layer)
        assert (spans[relation.from_id], spans[relation.to_id], relation.label) == (
            (2, 5, "GPE"), (7, 24, "EVENT"), "participates_in")  # "left": drawn from the event to the city


def test_doccano_relation_project_lines_round_trip_exactly_in_utf16(related: Store, tmp_path: Path):
    lines = _doccano(related)
    korean = next(line for line in lines if line["doc_id"] == "ko1")
    assert korean["entities"] == [{"id": 0, "label": "GPE", "start_offset": 3, "end_offset": 6},  # 🎉 is 2 units
                                  {"id": 1, "label": "EVENT", "start_offset": 8, "end_offset": 25}]
    assert korean["relations"] == [{"id": 0, "from_id": 0, "to_id": 1, "type": "participates_in"}]
    assert {tuple(sorted(line)) for line in lines} == {
        ("annotator", "cats", "doc_id", "entities", "meta", "relations", "text")}  # the same keys on every line
    report = export(related, io.StringIO(), ExportOptions(format="doccano", doccano_layout="relations"))
    assert (report.relations, report.relations_left_out) == (4, 0)

    path = write(tmp_path / "dc.jsonl", _lines(*lines))
    noteless = {row[:5] + (None,) for row in _rows(related)}  # doccano's relations have no note
    assert _import_into_fresh(tmp_path, path) == noteless
    # doccano's own export of such a project: its database ids, and the member the file is named after
    line = {"id": 31, "text": KOREAN["text"], "Comments": [], "relations": [{"id": 5, "from_id": 58, "to_id": 57,
                                                                             "type": "participates_in"}],
            "entities": [{"id": 57, "label": "EVENT", "start_offset": 8, "end_offset": 25},
                         {"id": 58, "label": "GPE", "start_offset": 3, "end_offset": 6}]}
    with open_project(tmp_path / "peer.db") as other:
        import_paths(other, [write(tmp_path / "admin.jsonl", _lines(line))], annotator="tester")
        doc_id = _only_document(other)
        spans = {s.id: (s.start, s.end, s.label) for s in other.spans(doc_id, "admin")}
        (relation,) = other.relations(doc_id, "admin")
        assert (spans[relation.from_id], spans[relation.to_id]) == ((2, 5, "GPE"), (7, 24, "EVENT"))


def test_the_other_doccano_layouts_say_what_they_left_out(related: Store):
    for layout in ("label", "entities"):
        report = export(related, io.StringIO(), ExportOptions(format="doccano", doccano_layout=layout))
        assert (report.relations, report.relations_left_out) == (0, 4)
        assert ("4 relations left out: doccano's label and entities layouts have no relations "
                "(--doccano-layout relations keeps them)") in report.summary()


def test_the_label_studio_config_written_beside_the_export_has_the_relation_types(related: Store, tmp_path: Path):
    report = export_file(related, tmp_path / "tasks.json", ExportOptions(format="labelstudio"))
    (config,) = [f for f in report.files if f.name.endswith(".config.xml")]
    xml = config.read_text(encoding="utf-8")
    assert "<Relations>" in xml and '<Relation value="participates_in"' in xml and '<Relation value="holds_role"' in xml


def _ls_bad(change) -> list[dict]:
    text = KOREAN["text"]
    result = [{"id": "r1", "from_name": "label", "to_name": "text", "type": "labels",
               "value": {"start": 2, "end": 5, "text": "대구시", "labels": ["GPE"]}},
              {"id": "r2", "from_name": "label", "to_name": "text", "type": "labels",
               "value": {"start": 7, "end": 24, "text": text[7:24], "labels": ["EVENT"]}},
              {"from_id": "r1", "to_id": "r2", "type": "relation", "direction": "right", "labels": ["participates_in"]}]
    change(result[2])
    good = {"data": {"text": PERSIAN["text"], "doc_id": "fa1"}, "annotations": []}
    return [good, {"id": 9, "data": {"text": text, "doc_id": "ko1"}, "annotations": [{"result": result}]}]


@pytest.mark.parametrize("change, said", [
    (lambda r: r.update(to_id="gone"), "task 2 (id 9): relation 1: its 'to' end 'gone' is the id of no span"),
    (lambda r: r.update(labels=["likes"]), "task 2 (id 9): relation 1: relation type 'likes' is not in the schema"),
    (lambda r: r.update(from_id="r2", to_id="r1"),
     "task 2 (id 9): relation 1: a participates_in relation joins PER|ORG|GPE -> EVENT, not 'EVENT' -> 'GPE'"),
    (lambda r: r.update(labels=[]), "task 2 (id 9): relation 1 (from_id 'r1') has no label"),
    (lambda r: r.update(labels=[""]), "task 2 (id 9): relation 1 (from_id 'r1') has no label"),
])
def test_a_label_studio_relation_that_cannot_be_stored_is_refused_naming_the_task(store: Store, tmp_path: Path,
                                                                                  change, said):
    path = write(tmp_path / "bad.json", json.dumps(_ls_bad(change), ensure_ascii=False))
    before = store.dump()
    with pytest.raises(InputError) as refused:
        import_paths(store, [path], annotator="tester")
    assert str(path) in str(refused.value) and said in str(refused.value) and "\n" not in str(refused.value)
    assert store.dump() == before


def _dc_bad(change) -> str:
    text = KOREAN["text"]
    line = {"text": text, "entities": [{"id": 4, "label": "GPE", "start_offset": 3, "end_offset": 6},
                                       {"id": 5, "label": "EVENT", "start_offset": 8, "end_offset": 25}],
            "relations": [{"id": 1, "from_id": 4, "to_id": 5, "type": "participates_in"}]}
    change(line["relations"][0])
    return _lines({"text": PERSIAN["text"], "entities": [], "relations": []}, line)


@pytest.mark.parametrize("change, said", [
    (lambda r: r.update(to_id=6), "relation 1: its 'to' end '6' is the id of no span on this line"),
    (lambda r: r.update(type="likes"), "relation 1: relation type 'likes' is not in the schema"),
    (lambda r: r.pop("type"), "relation 1: missing 'type'"),
    (lambda r: r.update(type=None), "relation 1: 'type' must be a non-empty string (a relation type), not null"),
    (lambda r: r.update(type=""), "relation 1: 'type' must be a non-empty string (a relation type), not ''"),
    (lambda r: r.update(to_id=4), "relation 1: joins a span to itself"),
])
def test_a_doccano_relation_that_cannot_be_stored_is_refused_with_file_and_line(store: Store, tmp_path: Path,
                                                                                change, said):
    path = write(tmp_path / "bad.jsonl", _dc_bad(change))
    before = store.dump()
    with pytest.raises(InputError) as refused:
        import_paths(store, [path], annotator="tester")
    assert refused.value.line == 2 and str(path) in str(refused.value) and said in str(refused.value)
    assert store.dump() == before


def test_gold_relations_go_through_label_studio_into_gold(store: Store, tmp_path: Path):
    gold = {**KOREAN, "annotator": "gold", "status": "adjudicated",
            "relations": [{"from": 7, "to": 8, "label": "participates_in", "proposed_by": ["minji"]}]}
    import_paths(store, [write(tmp_path / "gold.jsonl", _lines(gold))], annotator="tester")
    out = io.StringIO()
    export(store, out, ExportOptions(format="labelstudio", gold=True))
    path = write(tmp_path / "gold.json", out.getvalue())
    with open_project(tmp_path / "fresh.db") as other:
        import_paths(other, [path], annotator="tester")
        spans = {s.id: (s.start, s.end, s.label) for s in other.gold_spans("ko1")}
        (relation,) = other.gold_relations("ko1")
        assert (spans[relation.from_id], spans[relation.to_id], relation.label) == (
            (2, 5, "GPE"), (7, 24, "EVENT"), "participates_in")
        before = other.dump()
        import_paths(other, [path], annotator="tester")
        assert other.dump() == before
