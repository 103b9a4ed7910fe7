"""Review of relations (issue 25), on a store (SQLite and the team database), a Persian and a Korean
document: relation units and their kinds (an undirected type matched either way round), a relation
accepted into gold with its ends and provenance (one undoable step; refused when gold decided an end
otherwise), auto-accept taking relations whose ends are in gold, and relation F1 per pair and type."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from annotator.core.adjudication import AGREED, PROPOSED_BY_ONE, auto_accept
from annotator.core.agreement import compute
from annotator.core.importing import import_paths
from annotator.core.relation_review import TYPE_CONFLICT, gold_pairs, relation_units, unit_decided
from annotator.core.schema import RelationType
from annotator.core.workspace import Workspace
from annotator.core.workspace import operations as ops
from annotator.core.workspace.relation_operations import AcceptRelation
from annotator.storage import Store
from tests.helpers import write

FA = "🙂 محمدجواد رجائیان مدیرعامل سازمان فاوا شهرداری مشهد گفت."
KO = "🎉 대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다."


def _span(text: str, word: str, label: str, span_id: str) -> dict:
    start = text.rindex(word) if word == "مشهد" else text.index(word)  # the city alone, after its organisation
    return {"id": span_id, "start": start, "end": start + len(word), "label": label}


FA_SPANS = [_span(FA, "محمدجواد رجائیان", "PER", "p"), _span(FA, "مدیرعامل", "ROLE", "r"),
            _span(FA, "سازمان فاوا شهرداری مشهد", "ORG", "o"), _span(FA, "مشهد", "GPE", "g")]
KO_SPANS = [_span(KO, "대구시", "GPE", "g"), _span(KO, "스마트시티 엑스포 월드 콩그레스", "EVENT", "e")]
LINES = [
    {"id": "fa", "text": FA, "lang": "fa", "annotator": "sara", "spans": FA_SPANS, "relations": [
        {"from": "p", "to": "r", "label": "holds_role"}, {"from": "r", "to": "o", "label": "role_in"},
        {"from": "o", "to": "g", "label": "located_in"}]},
    {"id": "fa", "text": FA, "lang": "fa", "annotator": "minji", "spans": FA_SPANS, "relations": [
        {"from": "p", "to": "r", "label": "holds_role"}, {"from": "g", "to": "o", "label": "mentions"}]},
    {"id": "ko", "text": KO, "lang": "ko", "annotator": "sara", "spans": KO_SPANS, "relations": [
        {"from": "g", "to": "e", "label": "participates_in"}]},
    {"id": "ko", "text": KO, "lang": "ko", "annotator": "minji", "spans": KO_SPANS, "relations": [
        {"from": "e", "to": "g", "label": "mentions"}]},
    {"id": "ko", "text": KO, "lang": "ko", "annotator": "jun", "spans": KO_SPANS, "relations": [
        {"from": "g", "to": "e", "label": "mentions"}]},
]


def load(store: Store, tmp_path: Path) -> Store:
    """The two documents; the schema with an undirected type, ``mentions``, with any ends."""
    schema = store.schema()
    store.replace_schema(replace(schema, relations=schema.relations + (RelationType("mentions", directed=False),)))
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in LINES)
    import_paths(store, [write(tmp_path / "team.jsonl", text)], annotator="unused")
    return store


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    return load(store, tmp_path)


def units_of(store: Store, doc_id: str):
    layers = {name: layer["spans"] for name, layer in store.layers([doc_id])[doc_id].items()}
    return relation_units(layers, store.relation_layers([doc_id])[doc_id], {"mentions"})


def texts(unit) -> list[str]:
    return [unit.texts[end] for end in unit.ends]


def test_relation_units_and_their_kinds(loaded: Store):
    fa = units_of(loaded, "fa")
    assert [(texts(u), u.kind) for u in fa] == [
        (["محمدجواد رجائیان", "مدیرعامل"], AGREED),
        (["مدیرعامل", "سازمان فاوا شهرداری مشهد"], PROPOSED_BY_ONE),
        (["سازمان فاوا شهرداری مشهد", "مشهد"], TYPE_CONFLICT)]
    assert fa[0].best.annotators == ["minji", "sara"] and fa[1].versions[0].annotators == ["sara"]
    assert [(v.label, v.annotators) for v in fa[2].versions] == [("located_in", ["sara"]), ("mentions", ["minji"])]
    [ko] = units_of(loaded, "ko")
    # minji's e–g and jun's g–e are one undirected relation; sara's directed type is another version.
    assert ko.kind == TYPE_CONFLICT and [(v.label, v.annotators) for v in ko.versions] == [
        ("mentions", ["jun", "minji"]), ("participates_in", ["sara"])]
    assert ko.best.label == "mentions" and ko.ends[0][:2] == (2, 5)  # code points after the emoji


def gold(store: Store, doc_id: str) -> tuple[list, list]:
    spans = {s.id: s for s in store.gold_spans(doc_id)}
    relations = [(spans[r.from_id].text, r.label, spans[r.to_id].text, p["proposed_by"], p["decided_by"])
                 for r, p in store.gold_relation_layers([doc_id]).get(doc_id, [])]
    return sorted((s.text, s.label) for s in spans.values()), relations


def test_accepting_a_relation_takes_its_ends_into_gold_in_one_undoable_step(loaded: Store):
    workspace = Workspace(loaded, "leila")
    workspace.switch_layer(True)
    holds = units_of(loaded, "fa")[0]
    change = workspace.do(AcceptRelation(workspace, "fa", holds.best, holds.texts))
    assert change.relations and [s.text for s in change.delta[1]] == ["محمدجواد رجائیان", "مدیرعامل"]
    after = gold(loaded, "fa")
    assert after == ([("محمدجواد رجائیان", "PER"), ("مدیرعامل", "ROLE")],
                     [("محمدجواد رجائیان", "holds_role", "مدیرعامل", ["minji", "sara"], "leila")])
    spans = loaded.gold_layers(["fa"])["fa"]["spans"]
    assert [p["proposed_by"] for _, p in spans] == [["minji", "sara"]] * 2  # the ends' own proposers
    assert loaded.gold_status("fa") == "in_progress"
    assert unit_decided(holds, gold_pairs(loaded.gold_spans("fa"), loaded.gold_relations("fa")))
    workspace.history.undo()
    assert gold(loaded, "fa") == ([], []) and loaded.gold_status("fa") is None
    workspace.history.redo()
    assert gold(loaded, "fa") == after
    assert loaded.relations("fa", "sara") and loaded.relations("fa", "minji")  # their layers unchanged


def test_a_relation_whose_end_gold_decided_otherwise_is_refused(loaded: Store):
    workspace = Workspace(loaded, "leila")
    workspace.switch_layer(True)
    start = FA.rindex("مشهد")
    workspace.do(ops.AddSpan(workspace, "fa", start, start + 4, "LOC", "مشهد"))  # the reviewer chose LOC
    failed = []
    workspace.events.connect("failed", lambda what, error: failed.append(str(error)))
    conflict = units_of(loaded, "fa")[2]
    assert workspace.do(AcceptRelation(workspace, "fa", conflict.versions[0], conflict.texts)) is None
    assert failed == ["not accepted: gold has «مشهد» as LOC there, not GPE: accept the end's unit first"]
    assert gold(loaded, "fa") == ([("مشهد", "LOC")], [])  # nothing written, not even the other end


def test_auto_accept_takes_agreed_relations_whose_ends_are_in_gold(loaded: Store):
    report = auto_accept(loaded, reviewer="auto")
    # Every span is agreed, so every end is in gold; of the relations only holds_role is agreed by all.
    assert report.relations == 1 and "1 relation and" in report.summary()
    assert gold(loaded, "fa")[1] == [("محمدجواد رجائیان", "holds_role", "مدیرعامل", ["minji", "sara"], "auto")]
    assert gold(loaded, "ko")[1] == []  # a type conflict: the reviewer's
    assert auto_accept(loaded, reviewer="auto").relations == 0  # again: nothing new
    some = auto_accept(loaded, reviewer="auto", min_agree=2)
    assert some.relations == 1  # Korean: mentions, by minji and jun (either way round)
    assert gold(loaded, "ko")[1] == [("대구시", "mentions", "스마트시티 엑스포 월드 콩그레스", ["jun", "minji"], "auto")]


def test_auto_accept_leaves_a_relation_whose_end_is_not_in_gold(store: Store, tmp_path: Path):
    load(store, tmp_path)
    start = FA.index("مدیرعامل")
    store.reject_proposal("fa", start, start + len("مدیرعامل"), "ROLE", proposed_by=["minji", "sara"], decided_by="x")
    report = auto_accept(store, reviewer="auto")
    assert report.relations == 0 and ("مدیرعامل", "ROLE") not in gold(store, "fa")[0]


def test_relation_f1_per_pair_and_per_type(loaded: Store):
    figures = compute(loaded)["relations"]
    pairs = {(p["a"], p["b"]): p for p in figures["pairs"]}
    # sara / minji: Persian 1 match (holds_role) of 3 + 2, Korean 0 of 1 + 1: 2·1 / 7.
    assert pairs[("minji", "sara")]["f1"] == pytest.approx(2 / 7)
    assert (pairs[("minji", "sara")]["relations_a"], pairs[("minji", "sara")]["relations_b"]) == (3, 4)
    assert pairs[("jun", "minji")]["f1"] == 1.0 and pairs[("jun", "minji")]["documents"] == 1  # mentions either way
    assert pairs[("jun", "sara")]["f1"] == 0.0
    assert pairs[("minji", "sara")]["per_type"]["holds_role"] == {"f1": 1.0, "relations_a": 1, "relations_b": 1}
    assert figures["per_type"]["mentions"] == {"f1": pytest.approx(2 / 5), "relations": 5}
    assert figures["per_type"]["located_in"] == {"f1": 0.0, "relations": 1}
    assert figures["f1"] == pytest.approx(4 / 11)  # 2·(1 + 1 + 0) / (7 + 2 + 2)


def test_agreement_and_adjudicate_on_the_command_line(loaded: Store, run):
    figures = json.loads(run("agreement", "--json").stdout)
    assert figures["relations"]["f1"] == pytest.approx(4 / 11)
    assert [(p["a"], p["b"]) for p in figures["relations"]["pairs"]] == [("jun", "minji"), ("jun", "sara"),
                                                                         ("minji", "sara")]
    table = run("agreement").stdout
    assert "Relation F1 (both ends and the type exact): 0.364" in table
    assert "minji / sara                     2      3 / 4  0.286" in table
    assert "mentions                              5  0.400" in table
    result = run("adjudicate", "--auto", "--reviewer", "leila")
    assert result.stdout.startswith("6 spans, 1 relation and 0 themes accepted into gold on 2 documents")


def test_rejecting_a_relation_unit_decides_it_and_auto_accept_leaves_it(loaded: Store):
    from annotator.core.relation_review import unit_rejected
    from annotator.core.workspace.relation_operations import RejectRelationUnit

    workspace = Workspace(loaded, "leila")
    workspace.switch_layer(True)
    holds, _, conflict = units_of(loaded, "fa")
    workspace.do(RejectRelationUnit(workspace, "fa", conflict.versions))  # both versions, one step
    assert unit_rejected(conflict, loaded.rejected_relations("fa")) and loaded.gold_status("fa") == "in_progress"
    assert {label for _, _, label in loaded.rejected_relations("fa")} == {"located_in", "mentions"}
    workspace.history.undo()
    assert loaded.rejected_relations("fa") == set() and loaded.gold_status("fa") is None
    workspace.do(RejectRelationUnit(workspace, "fa", holds.versions))
    report = auto_accept(loaded, reviewer="auto")
    assert report.spans == 6 and report.relations == 0  # the agreed relation was rejected: never overridden
    # A label renamed is renamed in the rejected relations' ends; a type renamed follows too.
    loaded.rename_label("labels", "ROLE", "OFFICE")
    loaded.rename_relation_type("holds_role", "has_office")
    [(source, target, label)] = loaded.rejected_relations("fa")
    assert (source[2], target[2], label) == ("PER", "OFFICE", "has_office")


def test_a_merge_brings_a_files_rejected_relations(store: Store, tmp_path: Path):
    from annotator.core.merging import merge
    from annotator.core.project import open_project

    other = tmp_path / "leila.db"
    with open_project(other) as theirs:
        load(theirs, tmp_path)
        [_, one, _] = units_of(theirs, "fa")
        version = one.versions[0]
        theirs.reject_relation("fa", version.source, version.target, version.label, proposed_by=["sara"],
                               decided_by="leila", decided_at=NOW)
        theirs.set_gold_status("fa", "in_progress", decided_by="leila")
    load(store, tmp_path)
    merge(store, other)
    assert store.relation_rejections("fa") == [{"from": version.source, "to": version.target, "label": "role_in",
                                                "proposed_by": ["sara"], "decided_by": "leila", "decided_at": NOW}]
    before = store.dump()
    merge(store, other)  # again: nothing new
    assert store.dump() == before


NOW = "2026-12-07T10:00:00.000+00:00"


def test_agreement_csv_has_the_relation_figures_per_pair_and_type(loaded: Store, run, tmp_path: Path):
    import csv

    out = tmp_path / "agreement.csv"
    figures = json.loads(run("agreement", "--json", "--csv", str(out)).stdout)["relations"]
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    spans = [r for r in rows if r["label"]]
    assert spans and all(r["relation_type"] == "" for r in spans)  # the span rows as they were
    related = {(r["a"], r["b"], r["relation_type"]): r for r in rows if r["relation_type"]}
    assert len(related) == len(rows) - len(spans)
    assert all(r["label"] == r["spans_a"] == r["f1_exact"] == "" for r in related.values())
    one = related[("minji", "sara", "*")]
    assert (one["documents"], one["relations_a"], one["relations_b"]) == ("2", "3", "4")
    assert float(one["f1_relations"]) == pytest.approx(2 / 7)  # as the text table: 0.286
    assert related[("minji", "sara", "holds_role")]["f1_relations"] == "1.0"
    assert related[("jun", "sara", "*")]["f1_relations"] == "0.0"
    for pair in figures["pairs"]:  # every pair and type, the same figures as --json
        for kind, row in [("*", pair), *pair["per_type"].items()]:
            got = related.pop((pair["a"], pair["b"], kind))
            assert (int(got["relations_a"]), int(got["relations_b"])) == (row["relations_a"], row["relations_b"])
            assert got["f1_relations"] == ("" if row["f1"] is None else str(row["f1"]))
    every = related.pop(("*", "*", "*"))
    assert float(every["f1_relations"]) == pytest.approx(4 / 11) and every["documents"] == ""
    mentions = related.pop(("*", "*", "mentions"))
    assert int(mentions["relations_a"]) + int(mentions["relations_b"]) == figures["per_type"]["mentions"]["relations"] == 5
    assert float(mentions["f1_relations"]) == pytest.approx(0.4)
    assert set(related) == {("*", "*", kind) for kind in figures["per_type"] if kind != "mentions"}
