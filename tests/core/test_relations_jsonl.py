"""Relations in annotator's own JSONL (issue 25): spans carry ids unique within their line, a line's
relations join them; the round trip is exact, an import twice changes nothing, and a relation
that cannot be stored is refused with the file and line, the database unchanged."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.exporting import ExportOptions, export
from annotator.core.importing import import_paths
from annotator.core.model import GOLD
from annotator.storage import Store
from tests.helpers import write

FA = "🙂 محمدجواد رجائیان مدیرعامل سازمان فاوا شهرداری مشهد گفت."
KO = "🎉 대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다."


def _span(text: str, word: str, label: str, span_id: str | None = None) -> dict:
    start = text.index(word)  # after an emoji: code points
    return {**({"id": span_id} if span_id else {}), "start": start, "end": start + len(word), "label": label}


def _lines(*objs: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


PERSIAN = {"id": "fa1", "text": FA, "lang": "fa", "annotator": "sara", "spans": [
    _span(FA, "محمدجواد رجائیان", "PER", "p"), _span(FA, "مدیرعامل", "ROLE", "r"),
    _span(FA, "سازمان فاوا شهرداری مشهد", "ORG", "o"), _span(FA, "مشهد", "GPE", "g")],
    "relations": [{"from": "p", "to": "r", "label": "holds_role"}, {"from": "r", "to": "o", "label": "role_in"},
                  {"from": "o", "to": "g", "label": "located_in", "note": "شهرداری"}]}
KOREAN = {"id": "ko1", "text": KO, "lang": "ko", "annotator": "minji", "spans": [
    _span(KO, "대구시", "GPE", 7), _span(KO, "스마트시티 엑스포 월드 콩그레스", "EVENT", 8)],
    "relations": [{"from": 7, "to": 8, "label": "participates_in"}]}


def _export(store: Store, **options) -> list[dict]:
    out = io.StringIO()
    export(store, out, ExportOptions(**options))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _rows(store: Store) -> set[tuple]:
    """Every relation with its ends as offsets and labels: what a round trip must keep."""
    out = set()
    for doc_id in ("fa1", "ko1"):
        for name in ("sara", "minji", GOLD):
            spans = {s.id: (s.start, s.end, s.label) for s in (
                store.gold_spans(doc_id) if name == GOLD else store.spans(doc_id, name))}
            relations = store.gold_relations(doc_id) if name == GOLD else store.relations(doc_id, name)
            out |= {(doc_id, name, spans[r.from_id], spans[r.to_id], r.label, r.note) for r in relations}
    return out


def test_relations_import_export_and_import_again_exactly(store: Store, tmp_path: Path, db_path):
    report = import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN))], annotator="tester")
    assert (report.relations_added, report.relations_unchanged) == (4, 0)
    assert "4 relations added" in report.summary()
    rows = _rows(store)
    assert len(rows) == 4 and ("ko1", "minji", (2, 5, "GPE"), (7, 24, "EVENT"), "participates_in", None) in rows
    before = store.dump()
    again = import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN))], annotator="tester")
    assert (again.relations_added, again.relations_unchanged) == (0, 4)
    assert store.dump() == before  # the same file twice changes nothing

    lines = _export(store)
    persian = next(line for line in lines if line["id"] == "fa1")
    assert [s["id"] for s in persian["spans"]] == ["s0", "s1", "s2", "s3"]  # by place: start, end, label
    assert persian["relations"] == [{"from": "s0", "to": "s1", "label": "holds_role"},
                                    {"from": "s1", "to": "s2", "label": "role_in"},
                                    {"from": "s2", "to": "s3", "label": "located_in", "note": "شهرداری"}]
    assert _export(store) == lines  # the same each time
    exported = write(tmp_path / "out.jsonl", _lines(*lines))
    from annotator.core.project import open_project

    other_path = tmp_path / "other.db"
    with open_project(other_path) as other:
        import_paths(other, [exported], annotator="tester")
        assert _rows(other) == rows
        unstamped = lambda found: [{**line, "updated_at": None} for line in found]  # noqa: E731 (when, not what)
        assert unstamped(_export(other)) == unstamped(lines)


def test_an_export_counts_its_relations_and_says_what_a_format_without_them_left_out(store: Store, tmp_path: Path):
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN))], annotator="tester")
    written = export(store, io.StringIO(), ExportOptions())
    assert written.relations == 4 and "4 relations" in written.summary()
    assert "left out" not in written.summary()
    for fmt in ("spacy", "bio"):
        report = export(store, io.StringIO(), ExportOptions(format=fmt))
        assert (report.relations, report.relations_left_out) == (0, 4)
        assert f"4 relations left out: {fmt} has no relations (jsonl, labelstudio, brat, xmi and webanno keep them)" in report.summary()
    one = export(store, io.StringIO(), ExportOptions(format="doccano", annotator="minji"))
    assert one.relations_left_out == 1  # only the layers written


def test_a_line_without_relations_is_written_as_before(store: Store, tmp_path: Path):
    plain = {**PERSIAN, "relations": []}
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(plain))], annotator="tester")
    line = _export(store)[0]
    assert "relations" not in line and all("id" not in s for s in line["spans"])


def test_gold_relations_round_trip_with_their_provenance(store: Store, tmp_path: Path):
    gold = {**KOREAN, "annotator": GOLD, "status": "adjudicated",
            "relations": [{"from": 7, "to": 8, "label": "participates_in", "proposed_by": ["minji"],
                           "decided_by": "leila", "decided_at": "2026-12-01T00:00:00.000+00:00"}]}
    import_paths(store, [write(tmp_path / "gold.jsonl", _lines(gold))], annotator="tester")
    (line,) = _export(store, gold=True)
    assert line["relations"] == [{"from": "s0", "to": "s1", "label": "participates_in", "proposed_by": ["minji"],
                                  "decided_by": "leila", "decided_at": "2026-12-01T00:00:00.000+00:00"}]
    before = store.dump()
    import_paths(store, [write(tmp_path / "again.jsonl", _lines(line))], annotator="tester")
    assert store.dump() == before


@pytest.mark.parametrize("change, said", [
    (lambda o: o["relations"].append({"from": "p", "to": "x", "label": "holds_role"}),
     "relation 4: its 'to' end 'x' is the id of no span on this line"),
    (lambda o: o["relations"].append({"from": "p", "to": "r", "label": "likes"}),
     "relation 4: relation type 'likes' is not in the schema"),
    (lambda o: o["relations"].append({"from": "r", "to": "p", "label": "holds_role"}),
     "relation 4: a holds_role relation joins PER -> ROLE, not 'ROLE' -> 'PER'"),
    (lambda o: o["relations"].append({"from": "p", "to": "p", "label": "holds_role"}),
     "relation 4: joins a span to itself"),
    (lambda o: o["spans"][1].update(id="p"), "span 2: id 'p' is span 1's too"),
    (lambda o: o["relations"].append({"from": "p", "label": "holds_role"}), "relation 4: missing 'to'"),
    (lambda o: o.update(relations={"from": "p"}), "field 'relations' must be a list of relations"),
])
def test_a_relation_that_cannot_be_stored_is_refused_with_file_and_line(store: Store, tmp_path: Path, change, said):
    bad = json.loads(json.dumps(PERSIAN))
    change(bad)
    path = write(tmp_path / "bad.jsonl", _lines(KOREAN, bad))
    before = store.dump()
    with pytest.raises(InputError) as refused:
        import_paths(store, [path], annotator="tester")
    assert refused.value.line == 2 and str(path) in str(refused.value) and said in str(refused.value)
    assert "\n" not in str(refused.value)
    assert store.dump() == before



def test_importing_again_uses_up_no_relation_ids(store: Store, tmp_path: Path):
    """The same file again writes nothing, not even the relations' id counter (SQLite's
    sqlite_sequence, PostgreSQL's sequence, which an INSERT that is then ignored advanced): the
    relation made next gets the id after the last, however often the file came in."""
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN))], annotator="tester")
    last = max(r.id for d, n in (("fa1", "sara"), ("ko1", "minji")) for r in store.relations(d, n))
    for _ in range(3):
        again = import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN))], annotator="tester")
        assert (again.relations_added, again.relations_unchanged) == (0, 4)
    twice = dict(PERSIAN, relations=PERSIAN["relations"] + PERSIAN["relations"][:1])  # one relation twice in a line
    again = import_paths(store, [write(tmp_path / "twice.jsonl", _lines(twice))], annotator="tester")
    assert (again.relations_added, again.relations_unchanged) == (0, 4)
    ends = {s.label: s.id for s in store.spans("fa1", "sara")}
    made = store.add_relation(store.relations("fa1", "sara")[0]._replace(
        id=None, from_id=ends["ROLE"], to_id=ends["GPE"], label="role_in"))  # a new one
    assert made == last + 1


def test_importing_gold_again_uses_up_no_gold_relation_ids(store: Store, tmp_path: Path):
    gold = dict(PERSIAN, annotator=GOLD)
    import_paths(store, [write(tmp_path / "gold.jsonl", _lines(gold))], annotator="tester")
    last = max(r.id for r in store.gold_relations("fa1"))
    for _ in range(3):
        again = import_paths(store, [write(tmp_path / "gold.jsonl", _lines(gold))], annotator="tester")
        assert (again.relations_added, again.relations_unchanged) == (0, 3)
    ends = {s.label: s.id for s in store.gold_spans("fa1")}
    made = store.add_gold_relation(store.gold_relations("fa1")[0]._replace(
        id=None, from_id=ends["ROLE"], to_id=ends["GPE"], label="role_in"), proposed_by=[], decided_by="tester")
    assert made == last + 1
