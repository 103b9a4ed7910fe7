"""Units and their kinds, and auto-accept into gold with provenance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.adjudication import (
    AGREED,
    AGREED_BY_SOME,
    BOUNDARY_CONFLICT,
    LABEL_CONFLICT,
    PROPOSED_BY_ONE,
    auto_accept,
    units,
)
from annotator.core.importing import import_paths
from annotator.core.model import Span
from annotator.storage import Store
from tests.helpers import write

TEXT = "대구시는 지난 18일 스마트시티 엑스포에서 권혁원 과장이 발표했다"


def sp(annotator: str, word: str, label: str, cut: int = 0) -> Span:
    start = TEXT.index(word)
    return Span("d", annotator, start, start + len(word) - cut, label, word[: len(word) - cut])


LAYERS = {
    "a": [sp("a", "대구시", "GPE"), sp("a", "지난 18일", "DATE"), sp("a", "스마트시티 엑스포", "EVENT"),
          sp("a", "권혁원", "PER")],
    "b": [sp("b", "대구시", "GPE"), sp("b", "지난 18일", "DATE"), sp("b", "스마트시티 엑스포", "ORG"),
          sp("b", "과장", "ROLE")],
    "c": [sp("c", "대구시", "GPE"), sp("c", "18일", "DATE"), sp("c", "스마트시티 엑스포", "EVENT")],
}


def test_units_are_classified():
    found = {(u.start, u.kind) for u in units(LAYERS)}
    kinds = [u.kind for u in units(LAYERS)]
    assert kinds == [AGREED, BOUNDARY_CONFLICT, LABEL_CONFLICT, PROPOSED_BY_ONE, PROPOSED_BY_ONE]
    assert len(found) == 5
    two = {"a": LAYERS["a"], "b": LAYERS["b"], "c": [sp("c", "대구시", "LOC")]}
    assert units(two)[0].kind == LABEL_CONFLICT
    some = {"a": [sp("a", "권혁원", "PER")], "b": [sp("b", "권혁원", "PER")], "c": []}
    [unit] = units(some)
    assert unit.kind == AGREED_BY_SOME and unit.best.annotators == ["a", "b"]


@pytest.fixture
def three(store: Store, tmp_path: Path) -> Store:
    lines = [{"id": "d", "text": TEXT, "annotator": name, "themes": ["economy"] if name != "c" else ["health"],
              "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in spans]}
             for name, spans in LAYERS.items()]
    import_paths(store, [write(tmp_path / "l.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))],
                 annotator="unused")
    return store


def gold(store: Store) -> list[tuple[str, str, list[str]]]:
    entry = store.gold_layers(["d"]).get("d", {"spans": []})
    return [(s.label, s.text, p["proposed_by"]) for s, p in entry["spans"]]


def test_auto_accept_what_all_agree_on_with_provenance(three: Store):
    before = {name: three.spans("d", name) for name in "abc"}
    report = auto_accept(three, reviewer="leila")
    assert gold(three) == [("GPE", "대구시", ["a", "b", "c"])]
    assert report.spans == 1 and report.themes == 0 and report.documents == 1
    entry = three.gold_layers(["d"])["d"]
    assert entry["spans"][0][1]["decided_by"] == "leila" and entry["status"] == "in_progress"
    assert {name: three.spans("d", name) for name in "abc"} == before  # annotators' layers unchanged
    assert auto_accept(three, reviewer="leila").spans == 0  # again: nothing new


def test_auto_accept_at_least_n(three: Store):
    report = auto_accept(three, min_agree=2)
    # GPE (3 of 3), DATE "지난 18일" (a, b: 2), EVENT (a, c: 2); themes: economy (a, b).
    assert [(label, text) for label, text, _ in gold(three)] == [
        ("GPE", "대구시"), ("DATE", "지난 18일"), ("EVENT", "스마트시티 엑스포")]
    assert report.themes == 1 and three.gold_layers(["d"])["d"]["themes"] == ["economy"]
    with pytest.raises(ValueError):
        auto_accept(three, min_agree=1)


def test_nested_spans_with_other_labels_are_separate_units():
    """An organisation's name holding a city: both can be gold, so they are not one decision."""
    text = "سازمان فاوا شهرداری مشهد"
    org = Span("d", "a", 0, len(text), "ORG", text)
    city = Span("d", "a", text.index("مشهد"), len(text), "GPE", "مشهد")
    found = units({"a": [org, city], "b": [org._replace(annotator="b"), city._replace(annotator="b")]})
    assert [(u.kind, u.versions[0].label) for u in found] == [(AGREED, "ORG"), (AGREED, "GPE")]
    # Same label, overlapping: alternatives. Same characters, other label: alternatives.
    alt = units({"a": [org], "b": [Span("d", "b", 7, len(text), "ORG", text[7:])]})
    assert [u.kind for u in alt] == [BOUNDARY_CONFLICT]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12), st.sampled_from("AB")), max_size=40),
       st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12), st.sampled_from("AB")), max_size=40))
def test_gold_found_by_position_decides_as_reading_all_of_it(proposed, gold_made):
    """decided_by_gold reads only the gold near a unit (Overlaps): the same answer as every gold span."""
    from annotator.core.adjudication import Overlaps, competes, decided_by_gold, units

    def spans(rows, who):
        return [Span("d", who, s, s + n, label, "x" * n) for s, n, label in rows]

    gold = spans(gold_made, "gold")
    index = Overlaps(gold)
    for unit in units({"sara": spans(proposed, "sara"), "minji": spans(proposed[::2], "minji")}):
        every = any(competes((g.start, g.end, g.label), (v.start, v.end, v.label)) for g in gold for v in unit.versions)
        assert decided_by_gold(unit, index) == every
    for start in range(0, 75, 5):
        assert sorted(index.overlapping(start, start + 7)) == sorted(g for g in gold if g.start < start + 7 and g.end > start)
