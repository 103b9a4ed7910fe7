"""Agreement figures against small examples worked out by hand (the working is in the comments)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.agreement import (
    cohen_kappa,
    compute,
    exact_matches,
    f1,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    overlap_matches,
)
from annotator.core.importing import import_paths
from annotator.core.schema import Label, Schema
from annotator.storage import Store
from tests.helpers import write

A = [(0, 3, "PER"), (5, 9, "GPE"), (10, 12, "ORG")]
B = [(0, 3, "PER"), (5, 8, "GPE"), (10, 12, "LOC"), (20, 25, "DATE")]


def test_span_f1_exact_and_by_overlap():
    # Exact: only (0, 3, PER) is in both: 2·1 / (3 + 4) = 2/7.
    assert exact_matches(A, B) == 1 and f1(1, 3, 4) == pytest.approx(2 / 7)
    # Overlap: PER, and GPE 5-9 with 5-8 (same label, 3 characters in common); ORG/LOC differ: 4/7.
    assert overlap_matches(A, B) == 2 and f1(2, 3, 4) == pytest.approx(4 / 7)
    assert f1(0, 0, 0) is None


def test_overlap_matching_is_one_to_one():
    # One span of A overlaps two of B: it matches only one of them (the larger overlap): 2·1 / 3.
    assert overlap_matches([(0, 10, "X")], [(0, 4, "X"), (5, 10, "X")]) == 1


def test_cohen_kappa_textbook_example():
    # 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15.
    # po = 35/50 = 0.7; pA(yes) = 0.5, pB(yes) = 0.6; pe = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2/0.5 = 0.4.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa([1, 1], [1, 1]) is None  # no variation: chance agreement is 1, kappa undefined


def test_fleiss_kappa_by_hand():
    # Items [Y,Y,Y], [Y,Y,N], [N,N,N]: P_i = 1, 1/3, 1; P̄ = 7/9.
    # p_Y = 5/9, p_N = 4/9; P̄e = 41/81; κ = (63/81 − 41/81) / (40/81) = 22/40 = 0.55.
    assert fleiss_kappa([["Y", "Y", "Y"], ["Y", "Y", "N"], ["N", "N", "N"]]) == pytest.approx(0.55)
    with pytest.raises(ValueError):
        fleiss_kappa([["Y", "Y"], ["Y", "Y", "N"]])


def test_krippendorff_alpha_nominal_by_hand():
    # Units [a,a], [a,b], [b,b]: o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n_a = n_b = 3, n = 6.
    # α = 1 − (n − 1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k = 1 − 5·2/18 = 4/9.
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "b"], ["b", "b"]]) == pytest.approx(4 / 9)
    # With a unit of three values [a,a,b] (pairs weigh 1/2) and one of one value (not pairable):
    # o_aa = 3, o_ab = o_ba = 2, o_bb = 2; n_a = 5, n_b = 4, n = 9; α = 1 − 8·4/40 = 0.2.
    units = [["a", "a"], ["a", "b"], ["b", "b"], ["a", "a", "b"], ["a"]]
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.2)


@pytest.fixture
def three(store: Store, tmp_path: Path) -> Store:
    """d1: a [PER 0-3] {x}; b [PER 0-3, GPE 4-6] {x}; c [GPE 0-3] {x, y}.
    d2: a [GPE 0-2] {}; b [GPE 0-2] {y}; c has no layer."""
    store.replace_schema(Schema(labels=(Label("PER", hotkey="p"), Label("GPE", hotkey="g")),
                                themes=(Label("x", hotkey="1"), Label("y", hotkey="2"))))
    lines = [
        {"id": "d1", "text": "abc de fgh", "annotator": "a", "spans": [[0, 3, "PER"]], "themes": ["x"]},
        {"id": "d1", "text": "abc de fgh", "annotator": "b", "spans": [[0, 3, "PER"], [4, 6, "GPE"]], "themes": ["x"]},
        {"id": "d1", "text": "abc de fgh", "annotator": "c", "spans": [[0, 3, "GPE"]], "themes": ["x", "y"]},
        {"id": "d2", "text": "ab cd", "annotator": "a", "spans": [[0, 2, "GPE"]], "status": "done"},
        {"id": "d2", "text": "ab cd", "annotator": "b", "spans": [[0, 2, "GPE"]], "themes": ["y"]},
    ]
    for line in lines:
        line["spans"] = [{"start": s, "end": e, "label": label} for s, e, label in line["spans"]]
    import_paths(store, [write(tmp_path / "three.jsonl", "".join(json.dumps(x) + "\n" for x in lines))],
                 annotator="unused", strict=True)
    return store


def test_compute_on_a_store(three: Store):
    figures = compute(three)
    # Span F1, micro over pairs: (a,b) 2 exact of 2+3 spans; (a,c) 0 of 1+1; (b,c) 0 of 2+1:
    # 2·2 / 10 = 0.4.
    assert figures["span_f1_exact"] == pytest.approx(0.4)
    pairs = {(p["a"], p["b"]): p for p in figures["pairs"]}
    assert pairs[("a", "b")]["f1_exact"] == pytest.approx(0.8) and pairs[("a", "b")]["documents"] == 2
    assert pairs[("a", "c")]["documents"] == 1 and pairs[("a", "c")]["f1_exact"] == 0
    # Themes, (a,b) over d1 and d2 × {x, y}: a = [T,F,F,F], b = [T,F,F,T]: po = 3/4, pe = 1/2, κ = 0.5.
    # (a,c) and (b,c) over d1: [T,F] vs [T,T]: po = 1/2, pe = 1/2, κ = 0. Mean: 1/6.
    assert pairs[("a", "b")]["theme_kappa"] == pytest.approx(0.5)
    assert figures["theme_kappa"] == pytest.approx(1 / 6)
    # Fleiss over d1 (the only document all three annotated): x [T,T,T], y [F,F,T]: κ = 1/4.
    assert figures["theme_fleiss_kappa"] == pytest.approx(0.25)
    # Krippendorff over d1x [T,T,T], d1y [F,F,T], d2x [F,F], d2y [F,T]: α = 1 − 9·4/50 = 0.28.
    assert figures["theme_krippendorff_alpha"] == pytest.approx(0.28)
    assert figures["counts"] == {"a": {"GPE": 1, "PER": 1}, "b": {"GPE": 2, "PER": 1}, "c": {"GPE": 1}}
    assert figures["finished"] == {"a": ["d2"], "b": [], "c": []}
    # Per label, over pairs: PER: (a,b) 1 exact of 1+1; (a,c) 0 of 1+0; (b,c) 0 of 1+0 → 2/4.
    assert figures["per_label"]["PER"]["f1_exact"] == pytest.approx(0.5)


def test_krippendorff_alpha_on_krippendorffs_own_example():
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": four observers, twelve
    units, missing values; nominal alpha = 0.743."""
    rows = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3", ". 3 3 3 2 3 4 2 2 5 1 .",
            "1 2 3 3 2 4 4 1 2 5 1 ."]
    units = [[v for v in unit if v != "."] for unit in zip(*(row.split() for row in rows))]
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_fleiss_kappa_on_the_published_example():
    """Fleiss (1971) as worked on Wikipedia: 10 items, 14 raters, 5 categories; kappa = 0.210."""
    counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
              [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    items = [[category for category, n in enumerate(row) for _ in range(n)] for row in counts]
    assert fleiss_kappa(items) == pytest.approx(0.210, abs=5e-4)


def test_a_skipped_document_is_not_an_annotated_one(store: Store, tmp_path: Path):
    lines = [{"id": "d", "text": "대구시는", "annotator": n, "spans": [{"start": 0, "end": 3, "label": "GPE"}]}
             for n in ("a", "b")] + [{"id": "d", "text": "대구시는", "annotator": "c", "status": "skipped"}]
    import_paths(store, [write(tmp_path / "s.jsonl", "".join(json.dumps(x) + "\n" for x in lines))], annotator="x")
    figures = compute(store)
    assert figures["span_f1_exact"] == 1.0  # c skipped the document: it is not a disagreement
    assert {(p["a"], p["b"]): p["documents"] for p in figures["pairs"]}[("a", "c")] == 0
