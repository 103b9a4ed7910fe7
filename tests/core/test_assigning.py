"""Assign, annotate offline, merge back: nothing lost, nothing duplicated."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.assigning import assign, batches
from annotator.core.errors import AnnotatorError
from annotator.core.importing import import_paths
from annotator.core.merging import merge
from annotator.core.model import Span, Status
from annotator.core.project import open_project
from annotator.storage import Store
from tests.helpers import SEEDS


def test_batches_are_balanced_with_overlap():
    plan = batches([f"d{i}" for i in range(7)], ["a", "b", "c"], 2)
    assert sorted(len(v) for v in plan.values()) == [4, 5, 5]  # 14 assignments over 3
    for i in range(7):  # every document goes to exactly two different annotators
        assert sum(f"d{i}" in docs for docs in plan.values()) == 2
    with pytest.raises(AnnotatorError, match="overlap"):
        batches(["d"], ["a"], 2)
    with pytest.raises(AnnotatorError, match="reserved"):
        batches(["d"], ["gold"], 1)


def test_a_round_of_assign_annotate_merge(store: Store, tmp_path: Path):
    import_paths(store, [SEEDS], annotator="lead")
    report = assign(store, ["sara", "minji", "reza"], tmp_path / "batch", overlap=2)
    assert sum(report.documents.values()) == 10  # 5 documents, two annotators each
    # Each annotator works offline in their own file, on their own documents.
    expected: dict[tuple[str, str], set] = {}
    for name, path in report.files.items():
        with open_project(path) as mine:
            assert mine.count_documents() == report.documents[name]
            assert [label.name for label in mine.schema().labels] == [label.name for label in store.schema().labels]
            for summary in mine.document_summaries(name):
                doc = mine.get_document(summary.id)
                span = Span(doc.id, name, 0, 3, "ORG", doc.text[0:3])
                mine.add_span(span)
                mine.set_status(doc.id, name, Status.DONE)
                expected[(doc.id, name)] = {(0, 3, "ORG")}
    with pytest.raises(AnnotatorError, match="exists already"):
        assign(store, ["sara"], tmp_path / "batch")  # a file is never overwritten
    for path in report.files.values():
        merged = merge(store, path)
        assert merged.conflicts == [] and merged.documents_added == 0
    for (doc_id, name), spans in expected.items():
        assert {(s.start, s.end, s.label) for s in store.spans(doc_id, name)} == spans
        assert store.status(doc_id, name) is Status.DONE
    total = store.db.execute("SELECT COUNT(*) FROM spans").fetchone()[0]
    assert total == len(expected) == 10
    for path in report.files.values():  # merging again: nothing duplicated
        assert merge(store, path).spans_added == 0
    assert store.db.execute("SELECT COUNT(*) FROM spans").fetchone()[0] == total
    # Every document now has two annotators' work: agreement and adjudication can start.
    from annotator.core.agreement import compute

    assert compute(store)["span_f1_exact"] == 1.0


def test_reassigning_carries_an_annotators_earlier_work(store: Store, tmp_path: Path):
    import_paths(store, [SEEDS], annotator="lead")
    doc = store.get_document("000_b57cd57af517ef66")
    store.ensure_annotator("sara")
    store.add_span(Span(doc.id, "sara", 0, 8, "ROLE", doc.text[:8]))
    report = assign(store, ["sara"], tmp_path / "b", ids=[doc.id])
    with open_project(report.files["sara"]) as mine:
        assert [(s.start, s.label) for s in mine.spans(doc.id, "sara")] == [(0, "ROLE")]


def test_reassigning_carries_an_annotators_relations_and_merging_back_changes_nothing(store: Store, tmp_path: Path):
    """A batch held the annotator's spans but not their relations: the offline window showed no
    arcs for work done before."""
    from annotator.core.model import Relation

    import_paths(store, [SEEDS], annotator="lead")
    doc = store.get_document("000_b57cd57af517ef66")
    store.ensure_annotator("sara")
    role = store.add_span(Span(doc.id, "sara", 0, 8, "ROLE", doc.text[:8]))
    start = doc.text.index("سازمان فاوا")
    org = store.add_span(Span(doc.id, "sara", start, start + len("سازمان فاوا"), "ORG", "سازمان فاوا"))
    store.add_relation(Relation(doc.id, "sara", role, org, "role_in", "یادداشت"))
    report = assign(store, ["sara"], tmp_path / "b", ids=[doc.id])
    with open_project(report.files["sara"]) as mine:
        ends = {s.id: (s.start, s.label) for s in mine.spans(doc.id, "sara")}
        assert [(ends[r.from_id], ends[r.to_id], r.label, r.note) for r in mine.relations(doc.id, "sara")] == [
            ((0, "ROLE"), (start, "ORG"), "role_in", "یادداشت")]
    before = store.dump()
    merge(store, report.files["sara"])
    assert store.dump() == before  # the same relation, not a second one
