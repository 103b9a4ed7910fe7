"""Active time, honestly measured (issue 24): the rule (core/activity.py), written through the
store on a file and on a team database, and carried by export, import and merge."""

from __future__ import annotations

import io
import json
from pathlib import Path

from annotator.core.activity import ActiveTime
from annotator.core.exporting import ExportOptions, export
from annotator.core.importing import import_paths
from annotator.core.merging import merge
from annotator.core.model import Status
from annotator.core.project import open_project
from annotator.storage import Store
from tests.helpers import SEEDS, write

def _core(wall=lambda: "2026-12-07T10:00:00.000+00:00") -> ActiveTime:
    core = ActiveTime(wall)
    core.document_changed("d1", 0.0)
    return core


def _write(store: Store, core: ActiveTime, session: str, now: float, clock: str = "host:boot") -> None:
    for pending in core.flush(now):
        store.record_active_time("sara", pending.doc_id, session, clock=clock, started_at=pending.started_at,
                                 ranges=list(pending.ranges))
        core.written(pending)


def _ids(store: Store) -> list[str]:
    return [doc.id for docs in store.document_pages() for doc in docs]


def test_events_100_s_apart_count_and_130_s_apart_do_not():
    core = _core()
    for t in (0.0, 100.0, 200.0):
        core.activity(t)
    assert core.seconds("d1") == 200.0
    core.activity(330.0)  # 130 s after the last: a new stretch, the gap not counted
    core.activity(340.0)
    assert core.seconds("d1") == 210.0


def test_a_lone_event_counts_nothing_and_hiding_ends_the_stretch_at_its_last_event():
    core = _core()
    core.activity(5.0)
    assert core.seconds("d1") == 0.0
    core.activity(65.0)
    core.hidden(70.0)
    core.activity(100.0)  # shown again: 35 s after the last event, yet hidden in between
    assert core.seconds("d1") == 60.0
    core.activity(110.0)
    assert core.seconds("d1") == 70.0


def test_a_change_of_document_moves_the_stretch_to_the_new_one():
    core = _core()
    core.activity(0.0)
    core.activity(50.0)
    core.document_changed("d2", 60.0)  # a click in the list, 10 s after the last key
    core.activity(90.0)
    assert (core.seconds("d1"), core.seconds("d2")) == (60.0, 30.0)
    core.hidden(95.0)
    core.document_changed("d3", 400.0)  # opened long after: nothing counted until a key
    core.activity(401.0)
    assert core.seconds("d3") == 0.0


def test_a_jump_of_the_wall_clock_changes_no_second(store: Store):
    import_paths(store, [SEEDS], annotator="sara")
    store.ensure_annotator("sara")
    doc = _ids(store)[0]
    walls = iter(["2026-12-07T10:00:00.000+00:00", "2026-12-07T09:00:00.000+00:00"])  # an hour back
    core = ActiveTime(lambda: next(walls))
    core.document_changed(doc, 0.0)
    core.activity(10.0)
    core.activity(40.0)
    _write(store, core, "s1", 45.0)
    core.activity(170.0)  # a new stretch begins while the wall clock says an hour earlier
    core.activity(200.0)
    _write(store, core, "s1", 205.0)
    assert store.active_seconds() == {("sara", doc): 60.0}


def test_two_sessions_on_one_document_count_their_overlap_once(store: Store):
    import_paths(store, [SEEDS], annotator="sara")
    store.ensure_annotator("sara")
    doc = _ids(store)[0]
    one, two = ActiveTime(lambda: "2026-12-07T10:00:00.000+00:00"), ActiveTime(lambda: "2026-12-07T10:00:01.000+00:00")
    for core in (one, two):
        core.document_changed(doc, 0.0)
    for t in range(0, 101, 10):
        one.activity(float(t))
    for t in range(50, 151, 10):
        two.activity(float(t))
    _write(store, one, "s1", 151.0)
    _write(store, two, "s2", 151.0)
    assert store.active_seconds() == {("sara", doc): 150.0}
    three = ActiveTime(lambda: "2026-12-07T10:00:02.000+00:00")  # the same minutes on another machine
    three.document_changed(doc, 0.0)
    three.activity(0.0)
    three.activity(100.0)
    _write(store, three, "s3", 151.0, clock="laptop:boot")  # another clock is not merged
    assert store.active_seconds() == {("sara", doc): 250.0}


def test_a_crash_between_flushes_loses_less_than_30_seconds(store: Store, db_path):
    import_paths(store, [SEEDS], annotator="sara")
    store.ensure_annotator("sara")
    doc = _ids(store)[0]
    core = _core()
    core.document_changed(doc, 0.0)
    for t in range(0, 86, 5):  # active from 0 to 85 s
        core.activity(float(t))
        if t in (30, 60):
            _write(store, core, "s1", float(t))
    # the window dies at 85 s without closing: what was flushed is committed
    if isinstance(db_path, Path):
        with open_project(db_path) as again:
            held = again.active_seconds()[("sara", doc)]
    else:
        held = store.active_seconds()[("sara", doc)]
    assert held >= 60.0 and 85.0 - held < 30.0


def test_a_write_that_failed_comes_again_at_the_next_flush():
    core = _core()
    core.activity(0.0)
    core.activity(20.0)
    [first] = core.flush(30.0)  # not confirmed: the database was gone
    core.activity(40.0)
    [again] = core.flush(60.0)
    assert first.ranges == ((0.0, 20.0),) and again.ranges == ((0.0, 40.0),)
    core.written(again)
    assert core.flush(61.0) == []


def _export(store: Store) -> list[dict]:
    out = io.StringIO()
    export(store, out, ExportOptions(format="jsonl"))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_export_carries_active_seconds_and_import_and_merge_keep_them_once(store: Store, tmp_path: Path):
    import_paths(store, [SEEDS], annotator="sara")
    store.ensure_annotator("sara")
    for doc_id in _ids(store)[:2]:
        store.set_status(doc_id, "sara", Status.IN_PROGRESS)  # two layers of hers go out
    plain = io.StringIO()
    export(store, plain, ExportOptions(format="jsonl"))
    assert "active_seconds" not in plain.getvalue()  # nothing recorded: the export as it always was
    doc = _ids(store)[0]
    store.record_active_time("sara", doc, "s1", clock="h:b", started_at="2026-12-07T10:00:00.000+00:00",
                             ranges=[(0.0, 42.5)])
    lines = _export(store)
    [timed] = [line for line in lines if line["id"] == doc and line["annotator"] == "sara"]
    assert timed["meta"]["active_seconds"] == 42.5
    assert sum("active_seconds" in line["meta"] for line in lines) == 1
    path = write(tmp_path / "out.jsonl", "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))

    # One's own export brought back counts nothing twice, however often, and writes nothing.
    before = store.dump()
    for _ in range(2):
        import_paths(store, [path], annotator="sara")
        assert store.active_seconds()[("sara", doc)] == 42.5
    assert store.dump() == before

    # Another database takes it as the layer's imported time; the same file twice changes nothing,
    # and the document's meta does not hold it.
    other_db = tmp_path / "other.db"
    with open_project(other_db) as other:
        import_paths(other, [path], annotator="sara")
        once = other.dump()
        import_paths(other, [path], annotator="sara")
        assert other.dump() == once and other.active_seconds() == {("sara", doc): 42.5}
        assert "active_seconds" not in other.get_document(doc).meta
        def timing(records: list[dict]) -> list:
            return [(r["id"], r["annotator"], r["meta"]) for r in records]

        assert timing(_export(other)) == timing(lines)  # and it goes out again as it came

    # merge: the other file's time comes in once, beside what is recorded here for other layers.
    with open_project(tmp_path / "peer.db") as peer:
        import_paths(peer, [SEEDS], annotator="minji")
        peer.ensure_annotator("minji")
        peer.set_status(doc, "minji", Status.IN_PROGRESS)
        peer.record_active_time("minji", doc, "p1", clock="pc:b", started_at="2026-12-07T11:00:00.000+00:00",
                                ranges=[(0.0, 10.0), (20.0, 30.0)])
    merge(store, tmp_path / "peer.db")
    once = store.dump()
    merge(store, tmp_path / "peer.db")
    assert store.dump() == once
    assert store.active_seconds() == {("minji", doc): 20.0, ("sara", doc): 42.5}


def test_label_studio_lead_time_is_the_layers_active_time(store: Store, tmp_path: Path):
    task = {"id": 7, "data": {"text": "대구시는 지난 18일 발표했다."}, "annotations": [
        {"id": 1, "completed_by": 3, "lead_time": 93.25, "result": [
            {"from_name": "label", "to_name": "text", "type": "labels",
             "value": {"start": 0, "end": 3, "text": "대구시", "labels": ["LOC"]}}]}]}
    path = write(tmp_path / "ls.json", json.dumps([task], ensure_ascii=False))
    for _ in range(2):
        import_paths(store, [path], annotator="tester")
        [(key, seconds)] = store.active_seconds().items()
        assert seconds == 93.25
    doc_id = key[1]
    assert "active_seconds" not in store.get_document(doc_id).meta


def test_a_bad_active_seconds_is_one_line_naming_the_file(store: Store, tmp_path: Path):
    from annotator.core.errors import InputError
    import pytest

    path = write(tmp_path / "bad.jsonl", json.dumps({"id": "x", "text": "متن", "annotator": "sara",
                                                     "meta": {"active_seconds": "soon"}}) + "\n")
    with pytest.raises(InputError) as err:
        import_paths(store, [path], annotator="sara")
    assert "bad.jsonl" in str(err.value) and "active_seconds" in str(err.value)
    assert store.count_documents() == 0
