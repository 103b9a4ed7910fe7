"""Adjudication, agreement and merge under the cases a review found: auto-accept never overrides
a reviewer's decision, gold provenance and rejections survive a merge, gold conflicts are
reported, agreement counts only real layers. Each once failed."""
from __future__ import annotations

import json

import pytest

from annotator.core.adjudication import auto_accept
from annotator.core.agreement import compute
from annotator.core.importing import import_paths
from annotator.core.merging import merge
from annotator.core.project import open_project
from tests.helpers import write

TEXT = "대구시는 지난 18일 스마트시티 엑스포에서 권혁원 과장이 발표했다"


def at(word):
    s = TEXT.index(word)
    return s, s + len(word)


def load(store, tmp_path, layers, name="l.jsonl", doc="d", text=TEXT):
    lines = []
    for ann, (spans, themes, *status) in layers.items():
        o = {"id": doc, "text": text, "annotator": ann, "themes": themes,
             "spans": [{"start": at(w)[0], "end": at(w)[1], "label": lab} for w, lab in spans]}
        if status:
            o["status"] = status[0]
        lines.append(o)
    import_paths(store, [write(tmp_path / name, "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))],
                 annotator="unused")


def gold(store, doc="d"):
    e = store.gold_layers([doc]).get(doc, {"spans": []})
    return [(s.label, s.text, p["proposed_by"], p["decided_by"]) for s, p in e["spans"]]


def test_cli_auto_accept_readds_rejected_unit(store, tmp_path):
    load(store, tmp_path, {"a": ([("대구시", "GPE")], []), "b": ([("대구시", "GPE")], [])})
    s, e = at("대구시")
    store.reject_proposal("d", s, e, "GPE", proposed_by=["a", "b"], decided_by="leila")  # reviewer rejected it
    store.set_gold_status("d", "adjudicated", decided_by="leila")
    auto_accept(store)
    assert gold(store) == []


def test_cli_auto_accept_adds_competitor_to_relabelled_gold(store, tmp_path):
    load(store, tmp_path, {"a": ([("대구시", "GPE")], []), "b": ([("대구시", "GPE")], [])})
    auto_accept(store)
    [g] = store.gold_spans("d")
    store.update_gold_span(g.id, decided_by="leila", label="LOC")  # reviewer: it is a LOC
    auto_accept(store)
    assert len(gold(store)) == 1


def test_auto_accept_readds_gold_theme_reviewer_removed(store, tmp_path):
    load(store, tmp_path, {"a": ([], ["economy"]), "b": ([], ["economy"])})
    auto_accept(store)
    from annotator.core.layers import GoldLayer

    GoldLayer(store, "leila").set_theme("d", "economy", False)  # the reviewer unticks it: a decision
    auto_accept(store)
    assert store.gold_themes("d") == []


def _other_with_gold(tmp_path, status="adjudicated"):
    other_path = tmp_path / "other.db"
    with open_project(other_path) as other:
        load(other, tmp_path, {"a": ([("대구시", "GPE"), ("권혁원", "PER")], ["economy"]),
                               "b": ([("대구시", "GPE"), ("권혁원", "ORG")], ["economy"])}, name="o.jsonl")
        other.add_gold_theme("d", "economy", proposed_by=["a", "b"], decided_by="leila", decided_at="2024-01-01T00:00:00")
        s, e = at("권혁원")
        other.reject_proposal("d", s, e, "PER", proposed_by=["a"], decided_by="leila")
        other.reject_proposal("d", s, e, "ORG", proposed_by=["b"], decided_by="leila")
        other.add_gold_span(other_span("GPE"), proposed_by=["a", "b"], decided_by="leila")
        other.set_gold_status("d", status, decided_by="leila", decided_at="2024-01-01T00:00:00")
    return other_path


def other_span(label):
    from annotator.core.model import Span
    s, e = at("대구시")
    return Span("d", "gold", s, e, label, "대구시")


def test_merge_loses_gold_theme_provenance(store, tmp_path):
    p = _other_with_gold(tmp_path)
    merge(store, p)
    row = store.db.execute("SELECT proposed_by, decided_by, decided_at FROM gold_themes").fetchall()
    assert row == [('["a", "b"]', "leila", "2024-01-01T00:00:00")]


def test_merge_loses_gold_rejections(store, tmp_path):
    p = _other_with_gold(tmp_path)
    merge(store, p)
    assert store.rejected_proposals("d")


def test_merge_gold_conflicts_not_reported(store, tmp_path):
    p = _other_with_gold(tmp_path)
    load(store, tmp_path, {"a": ([("대구시", "GPE")], [])}, name="m.jsonl")
    store.add_gold_span(other_span("LOC"), proposed_by=[], decided_by="me")
    store.set_gold_status("d", "in_progress", decided_by="me")
    report = merge(store, p)
    assert report.conflicts


def test_agreement_named_gold_layer_counts_nothing(store, tmp_path):
    load(store, tmp_path, {"a": ([("대구시", "GPE")], []), "b": ([("대구시", "GPE")], [])})
    auto_accept(store)
    with pytest.raises(ValueError, match="gold is not an annotator's layer"):
        compute(store, annotators=["a", "gold"])  # refused, rather than silently counting nothing


def test_agreement_registered_reviewer_kills_fleiss(store, tmp_path):
    load(store, tmp_path, {"a": ([("대구시", "GPE")], ["economy"], "done"),
                           "b": ([("대구시", "GPE")], ["economy"], "done"),
                           "c": ([("대구시", "GPE")], ["health"], "done")})
    fig = compute(store)
    assert fig["theme_fleiss_kappa"] is not None


def test_agreement_reviewer_registered_in_gui(store, tmp_path):
    load(store, tmp_path, {"a": ([("대구시", "GPE")], ["economy"], "done"),
                           "b": ([("대구시", "GPE")], ["economy"], "done"),
                           "c": ([("대구시", "GPE")], ["health"], "done")})
    store.ensure_annotator("leila")  # what MainWindow does for whoever opens the app, e.g. the reviewer
    fig = compute(store)
    assert fig["theme_fleiss_kappa"] is not None


def test_themes_only_and_skipped_layers_count_for_spans(store, tmp_path):
    load(store, tmp_path, {"a": ([("대구시", "GPE")], []), "b": ([("대구시", "GPE")], []),
                           "c": ([], ["economy"]), "s": ([], [], "skipped")})
    fig = compute(store)
    pairs = {(p["a"], p["b"]): p for p in fig["pairs"]}
    # a layer with themes and no spans says "no entities here": it counts, and disagrees
    assert pairs[("a", "c")]["documents"] == 1 and pairs[("a", "c")]["f1_exact"] == 0.0
    # a skipped layer is no annotation at all: no pair with it counts a document
    assert all(p["documents"] == 0 for pair, p in pairs.items() if "s" in pair)
    assert fig["span_f1_exact"] == 0.5  # micro over a~b (1 of 1), a~c and b~c (0 of 1 each)
