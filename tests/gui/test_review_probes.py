"""Review mode under the cases a review found: a unit does not follow you to the next document,
model votes do not count, edited gold names its real proposers, undo undoes exactly one decision.
Each once failed."""
from __future__ import annotations

import json

from PySide6.QtCore import Qt

from tests.gui.conftest import key
from tests.gui.test_review import TEXT, at, gold, reviewing  # noqa: F401
from tests.helpers import write


def _second_document(qtbot, w, tmp_path) -> None:
    """Document r2, with three units, annotated by the same two people."""
    lines = [{"id": "r2", "text": TEXT, "annotator": n,
              "spans": [{"start": at(x)[0], "end": at(x)[1], "label": l} for x, l in
                        (("대구시", "GPE"), ("권혁원", "PER"), ("과장", "ROLE"))]} for n in ("sara", "minji")]
    assert w.files.run_import([str(write(tmp_path / "r2.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)))])
    qtbot.waitUntil(w.isActiveWindow)


def test_stale_unit_index_carries_to_next_document(qtbot, reviewing, tmp_path):
    w, view = reviewing, reviewing.view
    _second_document(qtbot, w, tmp_path)
    w.open_document("r")
    view.setFocus()
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key_F8)  # unit 3 of "r" (권혁원), not decided
    assert w.review.current == 2
    w.open_document("r2")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_Return)  # reviewer has not picked a unit in r2 yet
    assert gold_of(w, "r2") == []


def test_f8_on_new_document_skips_earlier_units(qtbot, reviewing, tmp_path):
    w, view = reviewing, reviewing.view
    _second_document(qtbot, w, tmp_path)
    w.open_document("r")
    view.setFocus()
    for _ in range(2):
        qtbot.keyClick(view, Qt.Key_F8)
    w.open_document("r2")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_F8)  # should go to the first undecided unit of r2
    assert w.review.current == 0


def gold_of(w, doc):
    e = w.store.gold_layers([doc]).get(doc, {"spans": []})
    return [(s.label, s.text, p["proposed_by"]) for s, p in e["spans"]]


def test_model_theme_counts_as_a_vote(qtbot, window, tmp_path):
    lines = [{"id": "m", "text": TEXT, "annotator": "sara", "themes": ["economy"],
              "spans": [{"start": 0, "end": 3, "label": "GPE"}]},
             {"id": "m", "text": TEXT, "annotator": "minji", "themes": [],
              "spans": [{"start": 0, "end": 3, "label": "GPE"}]},
             {"id": "m", "text": TEXT, "annotator": "model", "themes": ["economy"], "spans": []}]
    assert window.files.run_import([str(write(tmp_path / "m.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)))])
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document("m")
    window.review.mode_action.trigger()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)  # auto-accept: all must agree
    assert window.store.gold_themes("m") == []  # only sara (of sara, minji) ticked it


def test_relabel_gold_keeps_wrong_proposers(qtbot, reviewing):
    w, view = reviewing, reviewing.view
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key_F8)  # 권혁원: PER (sara) vs ORG (minji)
    qtbot.keyClick(view, Qt.Key_2, Qt.AltModifier)  # version 2: sara's PER
    [span] = [s for s in w.store.gold_spans("r") if s.text == "권혁원"]
    w.clear_selection()
    w.select_span(span.id)
    key(qtbot, w, "o")  # relabel to ORG
    assert ("ORG", "권혁원", ["sara"], "tester") not in gold(w)  # sara never proposed ORG


def test_undo_redo_accept_and_status(qtbot, reviewing):
    w, view = reviewing, reviewing.view
    qtbot.keyClick(view, Qt.Key_F8)
    qtbot.keyClick(view, Qt.Key_Return)
    g1 = w.store.gold_layers(["r"])["r"]["spans"][0]
    assert w.store.gold_status("r") == "in_progress"
    w.undo_action.trigger()
    s_undo = w.store.gold_status("r")
    w.redo_action.trigger()
    g2 = w.store.gold_layers(["r"])["r"]["spans"][0]
    assert s_undo is None and w.store.gold_status("r") == "in_progress"
    assert g1[1]["proposed_by"] == g2[1]["proposed_by"]


def test_reject_only_doc_not_started(qtbot, reviewing):
    w, view = reviewing, reviewing.view
    for _ in range(4):
        qtbot.keyClick(view, Qt.Key_F8)
        qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)
    assert w.store.gold_status("r") == "in_progress"


def test_untick_gold_theme_undo_loses_provenance(qtbot, reviewing):
    w = reviewing
    w.store.add_gold_theme("r", "economy", proposed_by=["minji", "sara"], decided_by="auto",
                           decided_at="2024-01-01T00:00:00")
    w.refresh_annotations()
    w.annotating.toggle_theme("economy")  # untick
    w.undo_action.trigger()
    row = w.store.db.execute("SELECT proposed_by, decided_by, decided_at FROM gold_themes").fetchall()
    assert row == [('["minji", "sara"]', "auto", "2024-01-01T00:00:00")]


def test_accept_all_from_undo(qtbot, reviewing):
    w, view = reviewing, reviewing.view
    qtbot.keyClick(view, Qt.Key_1, Qt.ControlModifier | Qt.AltModifier)
    n = len(gold(w))
    w.undo_action.trigger()
    w.redo_action.trigger()
    assert gold(w) and len(gold(w)) == n


def test_double_reject_then_one_undo(qtbot, reviewing):
    w, view = reviewing, reviewing.view
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key_F8)  # 권혁원 PER vs ORG
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)  # reject
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)  # pressed again: nothing new to reject
    assert w.undo_stack.count() == 1 and len(w.store.rejected_proposals("r")) == 2  # the no-op is not kept
    w.undo_action.trigger()  # so one undo undoes the rejection itself
    assert w.store.rejected_proposals("r") == set()
