"""Work queues and active time in the database (issue 24), on a file and on a team database."""

from __future__ import annotations

import pytest

from annotator.core.assigning import assign_queues
from annotator.core.errors import AnnotatorError
from annotator.core.importing import import_paths
from annotator.core.model import Status
from annotator.storage import Store
from tests.helpers import SEEDS


def _ids(store: Store) -> list[str]:
    return [doc.id for docs in store.document_pages() for doc in docs]


def test_assign_records_queues_and_the_same_arguments_change_nothing(store: Store):
    import_paths(store, [SEEDS], annotator="lead")
    ids = _ids(store)
    counts = assign_queues(store, ["sara", "minji", "reza"], overlap=2)
    assert sum(counts.values()) == 2 * len(ids)
    queues = store.queues()
    assert set(queues) == {"sara", "minji", "reza"}
    for doc_id in ids:  # every document is in exactly two queues
        assert sum(doc_id in q for q in queues.values()) == 2
    before = store.dump()["queue_items"]
    assign_queues(store, ["sara", "minji", "reza"], overlap=2)
    assert store.dump()["queue_items"] == before  # not even the times were rewritten


def test_append_adds_only_what_is_new_and_clear_empties_one_queue(store: Store):
    import_paths(store, [SEEDS], annotator="lead")
    ids = _ids(store)
    assign_queues(store, ["sara"], ids=ids[:2])
    assert store.queue("sara") == ids[:2]
    assert assign_queues(store, ["sara"], ids=ids[1:4], append=True) == {"sara": 2}
    assert store.queue("sara") == ids[:4]
    assert assign_queues(store, ["minji"], ids=ids[2:], append=True) == {"minji": len(ids) - 2}
    assert store.clear_queue("minji") == len(ids) - 2
    assert store.queue("minji") == []
    assert store.queue("sara") == ids[:4]  # another's queue is left as it was


def test_a_queue_shows_each_documents_status_and_a_bad_id_changes_nothing(store: Store):
    import_paths(store, [SEEDS], annotator="lead")
    ids = _ids(store)
    assign_queues(store, ["sara"], ids=ids[:3])
    store.set_status(ids[1], "sara", Status.DONE)
    assert [(d, s) for d, _title, s in store.queue_status("sara")] == [
        (ids[0], Status.NEW), (ids[1], Status.DONE), (ids[2], Status.NEW)]
    before = store.dump()
    with pytest.raises(AnnotatorError, match="no document 'nope'"):
        assign_queues(store, ["sara"], ids=[ids[0], "nope"])
    assert store.dump() == before
    with pytest.raises(AnnotatorError, match="overlap"):
        assign_queues(store, ["sara"], overlap=2)
    assert store.dump() == before


def test_a_deleted_document_leaves_the_queue(store: Store):
    import_paths(store, [SEEDS], annotator="lead")
    ids = _ids(store)
    assign_queues(store, ["sara"], ids=ids[:2])
    store.delete_document(ids[0])
    assert store.queue("sara") == ids[1:2]


def test_active_time_is_an_upsert_per_session_and_overlaps_count_once(store: Store):
    import_paths(store, [SEEDS], annotator="lead")
    doc, other = _ids(store)[:2]
    store.ensure_annotator("sara")
    start = "2026-12-07T10:00:00.000+00:00"
    # A flush rewrites the session's running total: the second call replaces the first.
    assert store.record_active_time("sara", doc, "s1", clock="host:boot1", started_at=start,
                                    ranges=[(100.0, 130.0)]) == 30.0
    assert store.record_active_time("sara", doc, "s1", clock="host:boot1", started_at=start,
                                    ranges=[(100.0, 130.0), (200.0, 215.0)]) == 45.0
    assert store.active_seconds() == {("sara", doc): 45.0}
    # A second window on the same document, same machine: its ranges overlap the first's.
    store.record_active_time("sara", doc, "s2", clock="host:boot1", started_at=start, ranges=[(120.0, 140.0)])
    assert store.active_seconds(annotator="sara", doc_id=doc) == {("sara", doc): 55.0}  # 100-140, 200-215
    # Another boot's clock is another clock: its time adds.
    store.record_active_time("sara", doc, "s3", clock="host:boot2", started_at="2026-12-08T09:00:00.000+00:00",
                             ranges=[(5.0, 15.0)])
    assert store.active_seconds(doc_id=doc) == {("sara", doc): 65.0}
    assert store.active_seconds(since="2026-12-08T00:00:00") == {("sara", doc): 10.0}
    # Time another tool measured, per layer, is added in (not with since: it has no start).
    store.set_imported_seconds("sara", other, 42.5, source="label-studio")
    assert store.active_seconds(annotator="sara") == {("sara", doc): 65.0, ("sara", other): 42.5}
    store.set_imported_seconds("sara", other, 40.0, source="label-studio")
    assert store.active_seconds(doc_id=other) == {("sara", other): 40.0}
    store.set_imported_seconds("sara", other, None)
    assert store.active_seconds(doc_id=other) == {}
    assert store.active_seconds(annotator="minji") == {}
