"""The next document to review (Ctrl+Enter in review mode) counts relation units too, on a store
(SQLite and the team database): a document whose span units are all decided but whose relation
units are not is still to review; gold's relations and the rejected ones are read for a page of
documents at once, never document by document."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.adjudication import next_to_review, undecided_units
from annotator.core.model import GOLD, Relation, Span
from annotator.storage import Store
from tests.core.test_relation_review import load, units_of


def spans_into_gold(store: Store, doc_id: str) -> dict[tuple[int, int, str], int]:
    """Every span unit of the document decided: its spans (all agreed) accepted; {place: gold id}."""
    ids = {}
    for unit in units_of(store, doc_id):
        for end in unit.ends:
            if end not in ids:
                span = Span(doc_id, GOLD, end[0], end[1], end[2], unit.texts[end])
                ids[end] = store.add_gold_span(span, proposed_by=["minji", "sara"], decided_by="leila")
    return ids


@pytest.fixture
def spans_decided(store: Store, tmp_path: Path) -> Store:
    load(store, tmp_path)
    for doc_id in ("fa", "ko"):
        spans_into_gold(store, doc_id)
    return store


def test_relation_units_count_as_undecided(spans_decided: Store):
    store = spans_decided
    # Every span is in gold: only the relation units are left, 3 on the Persian, 1 on the Korean.
    assert (undecided_units(store, "fa"), undecided_units(store, "ko")) == (3, 1)
    assert next_to_review(store, None) == "fa" and next_to_review(store, "fa") == "ko"
    assert next_to_review(store, "ko", page=1) == "fa"  # wrapping round, a document a page


def test_a_relation_unit_is_decided_by_a_gold_relation_between_its_ends_or_all_its_versions_rejected(
        spans_decided: Store):
    store = spans_decided
    holds, one, conflict = units_of(store, "fa")
    ids = {s.start: s.id for s in store.gold_spans("fa")}
    # A gold relation of another type, the other way round, between the type conflict's ends decides it.
    target, source = conflict.ends
    store.add_gold_relation(Relation("fa", GOLD, ids[source[0]], ids[target[0]], "mentions"),
                            proposed_by=[], decided_by="leila")
    store.reject_relation("fa", one.versions[0].source, one.versions[0].target, one.versions[0].label,
                          proposed_by=["sara"], decided_by="leila")
    assert undecided_units(store, "fa") == 1  # holds_role is left
    store.add_gold_relation(Relation("fa", GOLD, ids[holds.ends[0][0]], ids[holds.ends[1][0]], "holds_role"),
                            proposed_by=["minji", "sara"], decided_by="leila")
    assert undecided_units(store, "fa") == 0
    assert next_to_review(store, None) == "ko" and next_to_review(store, "ko") is None
    [ko] = units_of(store, "ko")
    first = ko.versions[0]
    store.reject_relation("ko", first.source, first.target, first.label, proposed_by=first.annotators,
                          decided_by="leila")
    assert undecided_units(store, "ko") == 1  # one version of two rejected: not decided
    for version in ko.versions[1:]:
        store.reject_relation("ko", version.source, version.target, version.label, proposed_by=version.annotators,
                              decided_by="leila")
    assert next_to_review(store, None) is None and next_to_review(store, "fa", page=1) is None


def test_next_to_review_reads_relations_a_page_at_a_time(spans_decided: Store, monkeypatch):
    store = spans_decided
    for one_by_one in ("gold_relations", "rejected_relations", "gold_relation_layers"):
        monkeypatch.setattr(store, one_by_one, lambda *a, **k: pytest.fail("read document by document"))
    pages = []
    real = store.relation_layers
    monkeypatch.setattr(store, "relation_layers", lambda ids, *a: pages.append(list(ids)) or real(ids, *a))
    assert next_to_review(store, "fa") == "ko"
    assert pages == [["ko"]]  # one query for the page after "fa"


def test_gold_relation_pairs_and_rejected_relation_sets_of_many_documents(spans_decided: Store):
    store = spans_decided
    [ko] = units_of(store, "ko")
    ids = {s.start: s.id for s in store.gold_spans("ko")}
    second, first = ko.ends[1], ko.ends[0]
    store.add_gold_relation(Relation("ko", GOLD, ids[second[0]], ids[first[0]], "mentions"),
                            proposed_by=["jun"], decided_by="leila")
    version = units_of(store, "fa")[1].versions[0]
    store.reject_relation("fa", version.source, version.target, version.label, proposed_by=["sara"],
                          decided_by="leila")
    assert store.gold_relation_pairs(["fa", "ko"]) == {"ko": {(first, second)}}  # the ends in text order
    assert store.rejected_relation_sets(["fa", "ko"]) == {"fa": {(version.source, version.target, "role_in")}}
