"""Merging another annotator's database: read-only, matched by id and text, nothing overwritten."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from annotator.core.errors import DatabaseError
from annotator.core.importing import import_paths
from annotator.core.merging import merge
from annotator.core.model import Status
from annotator.core.project import open_project
from annotator.storage import Store
from tests.helpers import DAEGU_SEED, PERSIAN_SEED, SEEDS, write


def jsonl(path: Path, *objs: dict) -> Path:
    return write(path, "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs))


def test_merge_brings_in_layers_and_reports_conflicts(store: Store, tmp_path: Path):
    daegu = (SEEDS / f"{DAEGU_SEED}.txt").read_text(encoding="utf-8")
    import_paths(store, [SEEDS, jsonl(tmp_path / "mine.jsonl",
        {"id": DAEGU_SEED, "text": daegu, "annotator": "minji", "status": "in_progress",
         "spans": [{"start": 8, "end": 11, "label": "GPE"}]},
        {"id": "clash", "text": "متن اینجا"})], annotator="sara")
    other_path = tmp_path / "other.db"
    with open_project(other_path) as other:
        import_paths(other, [SEEDS, jsonl(tmp_path / "theirs.jsonl",
            {"id": DAEGU_SEED, "text": daegu, "annotator": "minji", "status": "done", "themes": ["health"],
             "spans": [{"start": 8, "end": 11, "label": "GPE"}, {"start": 55, "end": 58, "label": "PERSON_NAME"}]},
            {"id": "clash", "text": "متن آنجا", "annotator": "minji", "spans": [{"start": 0, "end": 3, "label": "ORG"}]},
            {"id": "new-doc", "text": "خبر تازه از مشهد", "annotator": "minji", "status": "done",
             "spans": [{"start": 12, "end": 16, "label": "GPE"}]})], annotator="minji")
    digest = hashlib.sha256(other_path.read_bytes()).hexdigest()
    report = merge(store, other_path)
    assert (report.documents_added, report.documents_matched) == (1, 5)  # clash is neither: a conflict
    assert report.spans_added == 2 and report.spans_already == 1  # 대구시 was here already
    assert [(s.label, s.text) for s in store.spans(DAEGU_SEED, "minji")] == [("GPE", "대구시"), ("PERSON_NAME", "안남훈")]
    assert "PERSON_NAME" in store.label_names()  # the other file's label comes with it
    assert store.doc_themes(DAEGU_SEED, "minji") == ["health"]
    assert store.status(DAEGU_SEED, "minji") is Status.IN_PROGRESS  # kept, and reported
    assert store.status("new-doc", "minji") is Status.DONE
    assert store.spans("clash", "minji") == [] and store.get_document("clash").text == "متن اینجا"
    assert any("'clash'" in c and "another text" in c for c in report.conflicts)
    assert any(DAEGU_SEED in c and "status done there, in_progress here" in c for c in report.conflicts)
    assert hashlib.sha256(other_path.read_bytes()).hexdigest() == digest  # only read
    assert merge(store, other_path).spans_added == 0  # merging again adds nothing
    assert store.get_document(PERSIAN_SEED) is not None


def test_merge_refuses_a_newer_or_foreign_file(store: Store, tmp_path: Path):
    from sqlite_utils import Database

    other = tmp_path / "newer.db"
    Store.open(other).close()
    db = Database(other)
    db["_sqlite_migrations"].insert({"migration_set": "annotator", "name": "m999_future", "applied_at": "x"})
    db.close()
    with pytest.raises(DatabaseError, match="a newer version of annotator wrote it"):
        merge(store, other)
    with pytest.raises(DatabaseError, match="no such database file"):
        merge(store, tmp_path / "missing.db")


def test_merge_carries_a_layers_relations_and_golds_and_new_relation_types(store: Store, tmp_path: Path):
    """Issue 25: a member's offline file brings its relations (ends found by offsets and label here,
    whatever the ids were there), gold's with their provenance, and a relation type this schema lacks."""
    text = "🙂 محمدجواد رجائیان مدیرعامل سازمان فاوا شهرداری مشهد گفت."

    def at(word: str, label: str, span_id: str) -> dict:
        return {"id": span_id, "start": text.index(word), "end": text.index(word) + len(word), "label": label}

    spans = [at("محمدجواد رجائیان", "PER", "p"), at("مدیرعامل", "ROLE", "r"), at("مشهد", "GPE", "g")]
    import_paths(store, [jsonl(tmp_path / "mine.jsonl", {"id": "fa", "text": text, "annotator": "sara",
                                                         "spans": [spans[2]]})], annotator="sara")
    other_path = tmp_path / "other.db"
    with open_project(other_path) as other:
        other.replace_schema(other.schema().__class__(**{**other.schema().__dict__, "relations": (
            *other.schema().relations, other.schema().relations[0].__class__("mentions", hotkey="x"))}))
        import_paths(other, [jsonl(tmp_path / "theirs.jsonl",
            {"id": "other-first", "text": "یک خبر دیگر از تهران", "annotator": "sara",  # other ids there
             "spans": [{"start": 15, "end": 20, "label": "GPE"}]},
            {"id": "fa", "text": text, "annotator": "sara", "spans": spans,
             "relations": [{"from": "p", "to": "r", "label": "holds_role"}, {"from": "r", "to": "g",
                                                                               "label": "mentions"}]},
            {"id": "fa", "text": text, "annotator": "gold", "spans": spans[:2],
             "relations": [{"from": "p", "to": "r", "label": "holds_role", "proposed_by": ["sara"],
                            "decided_by": "leila", "decided_at": "2026-12-01T00:00:00.000+00:00"}]})],
            annotator="sara")
    report = merge(store, other_path)
    assert (report.relations_added, report.relations_already) == (3, 0)
    assert "3 relations (0 already here)" in report.summary()
    kinds = {kind.name: kind for kind in store.schema().relations}
    assert "mentions" in kinds and kinds["mentions"].hotkey == "x"  # its key, free here too
    here = {s.id: (s.text, s.label) for s in store.spans("fa", "sara")}
    assert sorted((here[r.from_id], here[r.to_id], r.label) for r in store.relations("fa", "sara")) == [
        (("محمدجواد رجائیان", "PER"), ("مدیرعامل", "ROLE"), "holds_role"),
        (("مدیرعامل", "ROLE"), ("مشهد", "GPE"), "mentions")]
    (gold,) = store.gold_relations("fa")
    assert store.get_gold_relation(gold.id)[1]["decided_by"] == "leila"
    assert merge(store, other_path).relations_already == 3  # merging again adds nothing
