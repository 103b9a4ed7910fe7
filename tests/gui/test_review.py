"""Review mode, driven with the keyboard: units, accept, reject, edit gold, accept-all-from, undo,
auto-accept, adjudicated; annotators' layers never change."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import key
from tests.helpers import write

TEXT = "대구시는 지난 18일 스마트시티 엑스포에서 권혁원 과장이 발표했다"


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


@pytest.fixture
def reviewing(qtbot, window, tmp_path):
    def span(word, label):
        s, e = at(word)
        return {"start": s, "end": e, "label": label}

    lines = [
        {"id": "r", "text": TEXT, "annotator": "sara", "themes": ["economy", "international"],
         "spans": [span("대구시", "GPE"), span("권혁원", "PER"), span("지난 18일", "DATE")]},
        {"id": "r", "text": TEXT, "annotator": "minji", "themes": ["economy"],
         "spans": [span("대구시", "GPE"), span("권혁원", "ORG"), span("18일", "DATE"), span("과장", "ROLE")]},
    ]
    assert window.files.run_import([str(write(tmp_path / "two.jsonl",
                                        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)))])
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document("r")
    window.review.mode_action.trigger()
    assert window.review_mode and window.annotator_label.text().startswith("Reviewing as \u2068tester\u2069")
    window.view.setFocus()
    return window


def gold(window):
    entry = window.store.gold_layers(["r"]).get("r", {"spans": []})
    return [(s.label, s.text, p["proposed_by"], p["decided_by"]) for s, p in entry["spans"]]


def test_units_are_listed_with_their_kinds(reviewing):
    kinds = [(u.kind, len(u.versions)) for u in reviewing.review.units]
    # 대구시 agreed; 지난 18일 / 18일 boundary conflict; 권혁원 PER/ORG label conflict; 과장 by one.
    assert kinds == [("agreed", 1), ("boundary_conflict", 2), ("label_conflict", 2), ("proposed_by_one", 1)]
    assert reviewing.review.panel.tree.topLevelItemCount() == 4
    assert len(reviewing.view.suggestions) == 6  # every proposal still to decide, drawn dotted
    assert "— 2/2 (minji, sara)" in reviewing.themes_panel.boxes["economy"].text()


def test_keyboard_review_flow(qtbot, reviewing):
    w, view = reviewing, reviewing.view
    before = {name: w.store.spans("r", name) for name in ("sara", "minji")}
    qtbot.keyClick(view, Qt.Key_F8)  # the first undecided unit: 대구시
    assert view.selection() == at("대구시")
    qtbot.keyClick(view, Qt.Key_Return)  # accept the version both proposed
    assert gold(w) == [("GPE", "대구시", ["minji", "sara"], "tester")]
    qtbot.keyClick(view, Qt.Key_F8)  # 지난 18일 vs 18일
    qtbot.keyClick(view, Qt.Key_1, Qt.AltModifier)  # version 1 (in text order): sara's "지난 18일"
    assert ("DATE", "지난 18일", ["sara"], "tester") in gold(w)
    qtbot.keyClick(view, Qt.Key_F8)  # 권혁원: PER (sara) vs ORG (minji)
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)  # reject both
    assert {(s, e, label) for s, e, label in w.store.rejected_proposals("r")} == {
        (*at("권혁원"), "PER"), (*at("권혁원"), "ORG")}
    # Edit gold directly: select 권혁원 and label it PER; then relabel it and delete it.
    view.select(*at("권혁원"))
    key(qtbot, w, "p")
    assert ("PER", "권혁원", [], "tester") in gold(w)
    w.undo_action.trigger()  # undo the direct edit
    assert all(text != "권혁원" for _, text, _, _ in gold(w))
    w.undo_action.trigger()  # undo the rejection: the unit is undecided again
    assert w.store.rejected_proposals("r") == set()
    qtbot.keyClick(view, Qt.Key_1, Qt.ControlModifier | Qt.AltModifier)  # accept all from annotator 1 (minji)
    assert ("ORG", "권혁원", ["minji"], "tester") in gold(w) and ("ROLE", "과장", ["minji"], "tester") in gold(w)
    qtbot.keyClick(view, Qt.Key_Return, Qt.ControlModifier)  # adjudicated, and on to the next document
    assert w.store.gold_status("r") == "adjudicated"
    assert {name: w.store.spans("r", name) for name in ("sara", "minji")} == before  # never changed


def test_auto_accept_in_the_window_is_one_undo_step(qtbot, reviewing):
    w = reviewing
    qtbot.keyClick(w.view, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)
    assert gold(w) == [("GPE", "대구시", ["minji", "sara"], "tester")]
    assert w.store.gold_themes("r") == ["economy"]  # both ticked it; international only sara
    w.undo_action.trigger()
    assert gold(w) == [] and w.store.gold_themes("r") == []


def test_blind_review_hides_names(qtbot, reviewing):
    reviewing.review.panel.blind.setChecked(True)
    tree = reviewing.review.panel.tree
    who = {tree.topLevelItem(0).child(0).text(1).replace("\u2068", "").replace("\u2069", "")}  # without isolates
    assert who == {"annotator 1, annotator 2"}
    assert "annotator 1" in reviewing.themes_panel.boxes["economy"].text()
    assert "sara" not in reviewing.review.panel.summary.text()


def test_leaving_review_mode_returns_to_the_annotators_layer(qtbot, reviewing):
    reviewing.review.mode_action.trigger()
    assert not reviewing.review_mode
    assert [s.annotator for s in reviewing.view.spans] == []  # tester has no spans of their own here


def test_relabel_and_delete_a_gold_span(qtbot, reviewing):
    w = reviewing
    view = w.view
    qtbot.keyClick(view, Qt.Key_F8)
    qtbot.keyClick(view, Qt.Key_Return)  # 대구시 GPE into gold
    [span] = w.store.gold_spans("r")
    w.clear_selection()
    w.select_span(span.id)
    key(qtbot, w, "l")  # relabel: a hotkey on the selected gold span
    assert [(s.label, s.text) for s in w.store.gold_spans("r")] == [("LOC", "대구시")]
    qtbot.keyClick(view, Qt.Key_Delete)
    assert w.store.gold_spans("r") == []


def test_done_when_a_reviewer_works_through_without_leaving_the_app(qtbot, window, tmp_path):
    """Import two annotators' files, auto-accept what they agree on, resolve the rest with the
    keyboard, export gold JSONL, and read the agreement table and charts."""
    from annotator.gui.agreement_view import AgreementDialog
    from annotator.gui.export_dialog import ExportDialog

    def span(word, label):
        s, e = at(word)
        return {"start": s, "end": e, "label": label}

    sara = write(tmp_path / "sara.jsonl", json.dumps({"id": "r", "text": TEXT, "annotator": "sara", "status": "done",
        "themes": ["economy"], "spans": [span("대구시", "GPE"), span("권혁원", "PER"), span("지난 18일", "DATE")]},
        ensure_ascii=False) + "\n")
    minji = write(tmp_path / "minji.jsonl", json.dumps({"id": "r", "text": TEXT, "annotator": "minji", "status": "done",
        "themes": ["economy"], "spans": [span("대구시", "GPE"), span("권혁원", "ORG"), span("지난 18일", "DATE"),
                                         span("과장", "ROLE")]}, ensure_ascii=False) + "\n")
    assert window.files.run_import([str(sara), str(minji)])  # File → Import files…
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document("r")
    view = window.view
    view.setFocus()
    qtbot.keyClick(window, Qt.Key_R, Qt.ControlModifier)  # review mode
    assert window.review_mode
    qtbot.keyClick(view, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)  # auto-accept agreed units
    assert {s.text for s in window.store.gold_spans("r")} == {"대구시", "지난 18일"}
    qtbot.keyClick(view, Qt.Key_F8)  # 권혁원: PER vs ORG
    qtbot.keyClick(view, Qt.Key_1, Qt.AltModifier)  # take version 1 (ORG, minji's; in label order)
    qtbot.keyClick(view, Qt.Key_F8)  # 과장: one proposer
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)  # reject it
    qtbot.keyClick(view, Qt.Key_F8)
    assert "Every unit in this document is decided" in window.statusBar().currentMessage()
    qtbot.keyClick(view, Qt.Key_Return, Qt.ControlModifier)  # adjudicated
    assert window.store.gold_status("r") == "adjudicated"

    dialog = ExportDialog(window, window.store, "tester")  # File → Export…
    qtbot.addWidget(dialog)
    dialog.layer.setCurrentIndex(dialog.layer.findData("__gold__"))
    options = dialog.options()
    assert options.gold and options.format == "jsonl"
    out = tmp_path / "gold.jsonl"
    assert window.files.run_export(options, str(out))
    [line] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["annotator"] == "gold" and line["status"] == "adjudicated" and line["themes"] == ["economy"]
    assert [(s["label"], s["text"], s["proposed_by"]) for s in line["spans"]] == [
        ("GPE", "대구시", ["minji", "sara"]), ("DATE", "지난 18일", ["minji", "sara"]), ("ORG", "권혁원", ["minji"])]
    assert all(s["decided_by"] == "tester" for s in line["spans"])
    assert line == json.loads(out.read_text(encoding="utf-8"))  # one document, one gold line

    agreement = AgreementDialog(window, window.store)  # Review → Agreement…
    qtbot.addWidget(agreement)
    assert agreement.pairs.item(0, 3).text() == f"{2 * 2 / (3 + 4):.3f}"  # GPE, DATE exact of 3 + 4 spans
    assert [p.name for p in agreement.save_charts(tmp_path)] == ["labels-per-annotator.png", "agreement-per-label.png"]


def test_review_leads_to_the_next_document_with_undecided_units(qtbot, reviewing, tmp_path):
    """Ctrl+Enter skips documents with nothing to decide; the list shows adjudication; the menu
    names versions and annotators; the units panel is big enough to work in."""
    w = reviewing
    other = {"id": "z", "text": "포항시 발표", "annotator": "sara", "spans": [{"start": 0, "end": 3, "label": "GPE"}]}
    other2 = dict(other, annotator="minji")
    assert w.files.run_import([str(write(tmp_path / "z.jsonl", "".join(
        json.dumps(x, ensure_ascii=False) + "\n" for x in (other, other2))))])
    qtbot.waitUntil(w.isActiveWindow)
    w.open_document("r")
    w.view.setFocus()
    model = w.documents.model
    assert model.headerData(2, Qt.Horizontal) == "Gold"
    assert model.data(model.index(model.row_of("r"), 2)) == "not started"
    assert model.data(model.index(model.row_of("r"), 3)) == "0"  # gold's spans, not the reviewer's layer's
    dock = w.findChild(type(w.findChildren(type(w.review.panel.parent()))[0]), "dock-units")
    assert dock.isVisible() and dock.height() >= 200
    view = w.view
    qtbot.keyClick(view, Qt.Key_F8)  # 대구시: agreed by both
    assert w.review.version_actions[0].text().startswith("Accept version 1: GPE «\u2068대구시\u2069» (")
    assert "minji" in w.review.version_actions[0].text() and not w.review.version_actions[1].isVisible()
    assert w.review.annotator_actions[0].text() == "Accept all undecided units from \u2068minji\u2069"
    qtbot.keyClick(view, Qt.Key_Return)  # accepted into gold
    assert model.data(model.index(model.row_of("r"), 3)) == str(len(w.store.gold_spans("r"))) == "1"
    qtbot.keyClick(view, Qt.Key_Return, Qt.ControlModifier)  # adjudicated; on to the next with work in it
    assert model.data(model.index(model.row_of("r"), 2)) == "adjudicated"
    assert w.document.id == "z"  # the seeds in between have no annotators' layers to decide
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier | Qt.ControlModifier)  # auto-accept the agreement
    qtbot.keyClick(view, Qt.Key_Return, Qt.ControlModifier)
    assert "Every document is adjudicated" in w.statusBar().currentMessage()


def test_label_every_occurrence_in_gold_leaves_out_a_unit_the_reviewer_rejected(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    text = "😀 대구시는 대구시와 대구시 그리고 대구시"
    places = [i for i in range(len(text)) if text.startswith("대구시", i)]
    line = {"id": "again", "text": text, "annotator": "sara",
            "spans": [{"start": places[1], "end": places[1] + 3, "label": "GPE"}]}
    assert window.files.run_import([str(write(tmp_path / "again.jsonl", json.dumps(line, ensure_ascii=False) + "\n"))])
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document("again")
    window.review.mode_action.trigger()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_F8)
    assert window.view.selection() == (places[1], places[1] + 3)
    qtbot.keyClick(window.view, Qt.Key_Return, Qt.ShiftModifier)  # reject sara's proposal
    window.view.select(places[0], places[0] + 3)
    key(qtbot, window, "g")
    asked = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or QMessageBox.Yes)
    qtbot.keyClick(window.view, Qt.Key_L, Qt.ControlModifier | Qt.ShiftModifier)
    assert asked[-1].startswith("Label 2 more occurrences") and "1 left out: you rejected a proposal there" in asked[-1]
    assert sorted((s.start, s.label) for s in window.store.gold_spans("again")) == [
        (places[0], "GPE"), (places[2], "GPE"), (places[3], "GPE")]


def test_a_label_renamed_in_the_editor_shows_at_once_in_the_units_panel(qtbot, reviewing):
    from tests.gui.test_schema_editor import _shown, _type_in_cell, names

    dialog = _shown(qtbot, reviewing)
    _type_in_cell(qtbot, dialog, "labels", names(reviewing).index("PER"), 0, "PERSON")
    qtbot.waitUntil(lambda: "PERSON" in names(reviewing))
    tree = reviewing.review.panel.tree
    versions = [tree.topLevelItem(i).child(k).text(0) for i in range(tree.topLevelItemCount())
                for k in range(tree.topLevelItem(i).childCount())]
    assert any(". PERSON «" in v for v in versions) and not any(". PER «" in v for v in versions)
    assert "PERSON" in {s.label for s in reviewing.view.suggestions}  # the proposals drawn in the article


def test_f8_steps_to_a_unit_after_a_click_in_the_document_list(qtbot, reviewing):
    """F8 acts wherever the keyboard is in the window, not only in the article."""
    from PySide6.QtWidgets import QApplication

    panel = reviewing.documents
    row = panel.model.row_of("r")
    qtbot.mouseClick(panel.view.viewport(), Qt.LeftButton, pos=panel.view.visualRect(panel.model.index(row, 0)).center())
    assert QApplication.focusWidget() is panel.view
    qtbot.keyClick(panel.view, Qt.Key_F8)
    assert reviewing.view.selection() == at("대구시")


@pytest.fixture
def relating(qtbot, window, tmp_path):
    """A Persian and a Korean document with three annotators' relations (tests/core/test_relation_review.py),
    the schema with an undirected type; review mode on the Persian one."""
    from dataclasses import replace

    from annotator.core.schema import RelationType
    from tests.core.test_relation_review import LINES

    schema = window.store.schema()
    window.store.replace_schema(replace(schema, relations=schema.relations + (RelationType("mentions", directed=False),)))
    window.menus.schema_changed()
    assert window.files.run_import([str(write(tmp_path / "team.jsonl", "".join(
        json.dumps(x, ensure_ascii=False) + "\n" for x in LINES)))])
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document("fa")
    window.review.mode_action.trigger()
    window.view.setFocus()
    return window


def gold_relations(window, doc_id):
    spans = {s.id: s for s in window.store.gold_spans(doc_id)}
    return [(spans[r.from_id].text, r.label, spans[r.to_id].text, p["proposed_by"])
            for r, p in window.store.gold_relation_layers([doc_id]).get(doc_id, [])]


def test_relation_units_decided_by_keyboard_with_undo(qtbot, relating):
    from tests.core.test_relation_review import FA

    w, view = relating, relating.view
    tree = w.review.relations.tree
    assert tree.isVisibleTo(w) and tree.topLevelItemCount() == 3
    assert [tree.topLevelItem(i).text(1) for i in range(3)] == ["agreed by all", "proposed by one", "type conflict"]
    assert "4 units, 0 decided · 3 relation units, 0 decided · gold" in w.review.panel.summary.text()
    for _ in range(w.review.panel.tree.topLevelItemCount() + 1):  # past the 4 span units to the first relation unit
        qtbot.keyClick(view, Qt.Key_F8)
    assert w.review.relations.current == 0 and w.review.current is None
    assert "Relation unit 1/3, agreed by all: 1. holds_role" in w.statusBar().currentMessage()
    assert view.selection() == (FA.index("محمدجواد"), FA.index("محمدجواد") + len("محمدجواد رجائیان"))
    qtbot.keyClick(view, Qt.Key_Return)  # accept it: its two ends go to gold with it
    assert gold_relations(w, "fa") == [("محمدجواد رجائیان", "holds_role", "مدیرعامل", ["minji", "sara"])]
    assert tree.topLevelItem(0).text(2) == "accepted"
    assert "4 units, 2 decided · 3 relation units, 1 decided · gold" in w.review.panel.summary.text()
    states = [w.review.panel.tree.topLevelItem(i).text(2) for i in range(4)]
    assert states == ["accepted", "accepted", "undecided", "undecided"]  # the ends' span units: decided too
    assert [r.label for r in w.relating.relations] == ["holds_role"]  # the arc is drawn in gold
    w.undo_action.trigger()  # the relation and its ends, in one step
    assert gold_relations(w, "fa") == [] and w.store.gold_spans("fa") == []
    assert tree.topLevelItem(0).text(2) == "undecided" and w.review.panel.tree.topLevelItem(0).text(2) == "undecided"
    w.redo_action.trigger()
    assert len(gold_relations(w, "fa")) == 1 and len(w.store.gold_spans("fa")) == 2
    qtbot.keyClick(view, Qt.Key_F8)  # on to the relation unit proposed by one
    assert w.review.relations.current == 1
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)  # reject it
    assert tree.topLevelItem(1).text(2) == "rejected" and len(gold_relations(w, "fa")) == 1
    r, o = FA.index("مدیرعامل"), FA.index("سازمان")
    assert w.store.rejected_relations("fa") == {((r, r + 8, "ROLE"), (o, o + len("سازمان فاوا شهرداری مشهد"), "ORG"),
                                                 "role_in")}
    w.undo_action.trigger()
    assert tree.topLevelItem(1).text(2) == "undecided" and w.store.rejected_relations("fa") == set()
    qtbot.keyClick(view, Qt.Key_F8)  # the type conflict
    assert w.review.relations.current == 2
    assert w.review.version_actions[1].text().startswith("Accept version 2: mentions")
    qtbot.keyClick(view, Qt.Key_2, Qt.AltModifier)  # minji's undirected mentions, with the ends it needs
    assert ("سازمان فاوا شهرداری مشهد", "mentions", "مشهد", ["minji"]) in gold_relations(w, "fa")
    assert [w.review.panel.tree.topLevelItem(i).text(2) for i in range(4)] == ["accepted"] * 4
    qtbot.keyClick(view, Qt.Key_F8)  # wraps around: only the unit proposed by one is left
    assert w.review.relations.current == 1 and w.review.current is None
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)
    qtbot.keyClick(view, Qt.Key_F8)
    assert "Every unit in this document is decided" in w.statusBar().currentMessage()
    assert {name: len(w.store.relations("fa", name)) for name in ("sara", "minji")} == {"sara": 3, "minji": 2}


def test_auto_accept_in_the_window_takes_agreed_relations_with_their_spans(qtbot, relating):
    w = relating
    qtbot.keyClick(w.view, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)
    assert len(w.store.gold_spans("fa")) == 4  # every span is agreed
    assert gold_relations(w, "fa") == [("محمدجواد رجائیان", "holds_role", "مدیرعامل", ["minji", "sara"])]
    w.undo_action.trigger()  # one step
    assert gold_relations(w, "fa") == [] and w.store.gold_spans("fa") == []
    w.open_document("ko")  # three annotators: mentions by two, either way round, is not all of them
    qtbot.keyClick(w.view, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)
    assert len(w.store.gold_spans("ko")) == 2 and gold_relations(w, "ko") == []
    assert w.review.relations.tree.topLevelItem(0).text(1) == "type conflict"


def test_a_relation_whose_end_gold_labelled_otherwise_is_refused_and_said(qtbot, relating):
    from tests.core.test_relation_review import FA

    w, view = relating, relating.view
    city = FA.rindex("مشهد")
    view.select(city, city + 4)
    key(qtbot, w, "l")  # the reviewer labels the city LOC in gold: its GPE span unit is decided
    for _ in range(6):  # the 3 span units left, then the 3 relation units: the type conflict
        qtbot.keyClick(view, Qt.Key_F8)
    assert w.review.relations.current == 2
    qtbot.keyClick(view, Qt.Key_Return)
    assert "not accepted: gold has «مشهد» as LOC there, not GPE" in w.statusBar().currentMessage()
    assert gold_relations(w, "fa") == [] and [(s.text, s.label) for s in w.store.gold_spans("fa")] == [("مشهد", "LOC")]
    assert w.review.relations.tree.topLevelItem(2).text(2) == "undecided"


def test_accept_all_from_an_annotator_takes_their_relations_in_the_same_step(qtbot, relating):
    w, view = relating, relating.view
    qtbot.keyClick(view, Qt.Key_2, Qt.ControlModifier | Qt.AltModifier)  # annotator 2: sara
    assert w.statusBar().currentMessage() == "Accepted 4 spans and 3 relations from sara"
    assert sorted((label, p) for _, label, _, p in gold_relations(w, "fa")) == [
        ("holds_role", ["minji", "sara"]), ("located_in", ["sara"]), ("role_in", ["sara"])]
    assert [w.review.relations.tree.topLevelItem(i).text(2) for i in range(3)] == ["accepted"] * 3
    w.undo_action.trigger()  # spans and relations: one step
    assert gold_relations(w, "fa") == [] and w.store.gold_spans("fa") == []
    w.redo_action.trigger()
    assert len(gold_relations(w, "fa")) == 3 and len(w.store.gold_spans("fa")) == 4


def test_accept_all_from_an_annotator_leaves_a_relation_whose_end_gold_decided_otherwise(qtbot, relating):
    from tests.core.test_relation_review import FA

    w, view = relating, relating.view
    city = FA.rindex("مشهد")
    view.select(city, city + 4)
    key(qtbot, w, "l")  # the reviewer labels the city LOC in gold: minji's GPE there is decided
    qtbot.keyClick(view, Qt.Key_1, Qt.ControlModifier | Qt.AltModifier)  # annotator 1: minji
    assert w.statusBar().currentMessage() == (
        "Accepted 3 spans and 1 relation from minji (1 left: gold decided an end otherwise)")
    assert gold_relations(w, "fa") == [("محمدجواد رجائیان", "holds_role", "مدیرعامل", ["minji", "sara"])]
    assert w.saved_label.text() != "Not saved"  # the one left out was not tried and refused
    w.undo_action.trigger()
    assert gold_relations(w, "fa") == [] and [(s.text, s.label) for s in w.store.gold_spans("fa")] == [("مشهد", "LOC")]


def test_ctrl_enter_goes_on_to_a_document_whose_relation_units_are_undecided(qtbot, relating):
    w, view = relating, relating.view
    w.open_document("ko")
    qtbot.keyClick(view, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)  # its spans; not its type conflict
    assert w.review._undecided() == [] and w.review.relations.undecided() == [0]
    w.open_document("fa")
    qtbot.keyClick(view, Qt.Key_Return, Qt.ControlModifier)  # fa adjudicated; ko has a relation unit to decide
    assert w.store.gold_status("fa") == "adjudicated" and w.document.id == "ko"
    qtbot.keyClick(view, Qt.Key_F8)
    assert w.review.relations.current == 0
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)  # reject it: nothing is left anywhere
    qtbot.keyClick(view, Qt.Key_Return, Qt.ControlModifier)
    assert "Every document is adjudicated" in w.statusBar().currentMessage()
