"""Peers' files come back whole: one layer name per person whichever export a peer wrote,
--layer-map to rename them, a warning that names what a peer's file merged, and the same file
imported twice deciding the same way. Files are in the shapes Label Studio 1.23.2 and doccano
1.8.4 write (scripts/peers/roundtrip.py drove them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.importing import import_paths
from annotator.core.project import open_project
from annotator.storage import Store
from tests.helpers import write

TEXT = "😀 خبر: رجائیان در مشهد و 대구시에서"


def at(word: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def ls_region(word: str, label: str, text: str = TEXT, **extra) -> dict:
    start, end = at(word, text)
    return {"id": f"r{start}", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
            "value": {"start": start, "end": end, "text": word, "labels": [label]}, **extra}


def ls_task(annotations: list[dict], task_id: int = 1) -> dict:
    """A task as Label Studio 1.23.2's JSON export writes it (completed_by: the user's id)."""
    return {"id": task_id, "annotations": annotations, "file_upload": "tasks.json", "drafts": [], "predictions": [],
            "data": {"text": TEXT, "doc_id": "fa-1", "title": "t", "lang": "fa", "meta": {}}, "meta": {},
            "created_at": "2026-12-01T10:00:00.000000Z", "updated_at": "2026-12-01T10:00:00.000000Z",
            "inner_id": task_id, "total_annotations": len(annotations), "cancelled_annotations": 0,
            "total_predictions": 0, "comment_count": 0, "unresolved_comment_count": 0,
            "last_comment_updated_at": None, "project": 1, "updated_by": 1, "comment_authors": []}


def ls_annotation(result: list[dict], completed_by, annotation_id: int = 1) -> dict:
    return {"id": annotation_id, "completed_by": completed_by, "result": result, "was_cancelled": False,
            "ground_truth": False, "created_at": "2026-12-01T10:00:00.000000Z", "lead_time": 12.5,
            "prediction": {}, "result_count": len(result), "task": 1, "project": 1, "updated_by": 1}


def ls_min_item(spans: list[tuple[str, str]], annotator, annotation_id: int, **fields) -> dict:
    """One JSON_MIN item: the task's data, one annotation's results under their control names."""
    label = [{"start": at(w)[0], "end": at(w)[1], "text": w, "labels": [lab]} for w, lab in spans]
    return {"id": 1, "text": TEXT, "doc_id": "fa-1", "title": "t", "lang": "fa", "meta": {}, "label": label,
            **fields, "annotator": annotator, "annotation_id": annotation_id,
            "created_at": "2026-12-01T10:00:00.000000Z", "updated_at": "2026-12-01T10:00:00.000000Z",
            "lead_time": 12.5}


def dump(path: Path, data) -> Path:
    return write(path, json.dumps(data, ensure_ascii=False))


def jsonl(path: Path, *lines: dict) -> Path:
    return write(path, "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))


def layers(store: Store, doc_id: str = "fa-1") -> dict[str, list[str]]:
    return {name: sorted(s.text for s in store.spans(doc_id, name)) for name in store.span_counts(doc_id)}


# --- one name per person ------------------------------------------------------------------------


def test_a_label_studio_user_has_one_name_in_json_json_min_and_the_snapshot(store: Store, tmp_path: Path):
    spans = [ls_region("رجائیان", "PER"), ls_region("مشهد", "GPE")]
    plain = dump(tmp_path / "export-JSON.json", [ls_task([ls_annotation(spans, 1)])])
    minimal = dump(tmp_path / "export-JSON_MIN.json", [ls_min_item([("رجائیان", "PER"), ("مشهد", "GPE")], 1, 1)])
    user = {"id": 1, "first_name": "", "last_name": "", "avatar": None, "email": "admin@example.com",
            "initials": "ad"}
    snapshot = dump(tmp_path / "snapshot.json", [ls_task([ls_annotation(spans, user)])])
    # The snapshot's JSON_MIN names the user by email alone (the converter's get_annotator).
    snapshot_min = dump(tmp_path / "snapshot-min.json",
                        [ls_min_item([("رجائیان", "PER"), ("مشهد", "GPE")], "admin@example.com", 1)])
    reports = [import_paths(store, [path], annotator="tester") for path in (plain, minimal, snapshot)]
    assert layers(store) == {"ls-1": ["رجائیان", "مشهد"]}  # not also admin@example.com
    assert "Label Studio users: ls-1 is admin@example.com" in reports[-1].summary()
    again = import_paths(store, [snapshot_min], annotator="tester")  # a later import: the database knows
    assert layers(store) == {"ls-1": ["رجائیان", "مشهد"]}
    assert again.spans_added == 0 and again.warnings == []


def test_a_snapshot_json_min_alone_names_the_user_by_email_and_says_how_to_map_it(run, db_path, tmp_path: Path):
    path = dump(tmp_path / "snapshot-min.json", [ls_min_item([("مشهد", "GPE")], "kim@example.com", 1)])
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert ("warning: Label Studio user kim@example.com is named by email: a snapshot's JSON_MIN gives no id"
            in result.stderr and "--layer-map kim@example.com=ls-ID" in result.stderr)
    with open_project(db_path) as store:
        assert layers(store) == {"kim@example.com": ["مشهد"]}


# --- --layer-map ----------------------------------------------------------------------------------


def test_layer_map_puts_two_prodigy_sessions_of_one_person_in_one_layer(run, db_path, tmp_path: Path):
    text = "استاندار سمنان گفت"
    path = jsonl(tmp_path / "prodigy.jsonl",
                 {"text": text, "spans": [{"start": 9, "end": 14, "label": "GPE"}], "answer": "accept",
                  "_input_hash": 1, "_task_hash": 2, "_view_id": "ner_manual", "_session_id": "news_ner-sara",
                  "_annotator_id": "news_ner-sara", "meta": {"id": "fa-2"}},
                 {"text": text, "accept": ["public_safety"], "answer": "accept", "_input_hash": 1, "_task_hash": 3,
                  "_view_id": "choice", "_session_id": "news_cat-sara", "_annotator_id": "news_cat-sara",
                  "meta": {"id": "fa-2"}})
    apart = run("import", str(path), db=tmp_path / "apart.db")
    assert ("warning: Prodigy named news_cat-sara, news_ner-sara apart (a session is dataset-session): if they "
            "are one person, import again with --layer-map news_cat-sara=sara --layer-map news_ner-sara=sara"
            in apart.stderr)
    result = run("import", "--layer-map", "news_ner-sara=sara", "--layer-map", "news_cat-sara=sara", str(path))
    assert "warning" not in result.stderr
    assert result.exit_code == 0, result.output
    assert "annotators added: sara" in result.stdout
    with open_project(db_path) as store:
        assert layers(store, "fa-2") == {"sara": ["سمنان"]}
        assert store.doc_themes("fa-2", "sara") == ["public_safety"]
        assert not {"news_ner-sara", "news_cat-sara"} & set(store.annotators())


def test_prodigy_sessions_that_name_no_person_are_not_offered_as_names(run, db_path, tmp_path: Path):
    text = "استاندار سمنان گفت"
    lines = [{"text": text, "spans": [{"start": 9, "end": 14, "label": "GPE"}], "answer": "accept",
              "_input_hash": 1, "_task_hash": n, "_view_id": "ner_manual", "_session_id": session,
              "_annotator_id": session, "meta": {"id": "fa-2"}}
             for n, session in enumerate(("news_ner-2026-12-01_10-00-00", "news_cat-2026-12-02_11-30-00",
                                          "news_ner-default", "news_cat-default"))]
    result = run("import", str(jsonl(tmp_path / "prodigy.jsonl", *lines)))
    assert result.exit_code == 0, result.output
    assert "=00" not in result.stderr and "=default" not in result.stderr and "apart" not in result.stderr
    assert ("warning: Prodigy sessions news_cat-2026-12-02_11-30-00, news_cat-default, news_ner-2026-12-01_10-00-00, "
            "news_ner-default name no person (a timestamp or 'default' session)" in result.stderr)
    assert "--layer-map news_ner-default=NAME" in result.stderr


def test_layer_map_names_label_studio_users_and_says_which_names_it_never_met(run, db_path, tmp_path: Path):
    path = dump(tmp_path / "export.json", [ls_task([ls_annotation([ls_region("مشهد", "GPE")], 3)])])
    result = run("import", "--layer-map", "ls-3=sara", "--layer-map", "ls-9=kim", str(path))
    assert result.exit_code == 0, result.output
    assert "warning: --layer-map ls-9=kim: no record in these files is by 'ls-9'" in result.stderr
    with open_project(db_path) as store:
        assert layers(store) == {"sara": ["مشهد"]}


def test_a_layer_map_that_is_not_old_equals_new_is_one_line_and_changes_nothing(run, db_path, tmp_path: Path):
    path = dump(tmp_path / "export.json", [ls_task([ls_annotation([ls_region("مشهد", "GPE")], 3)])])
    for bad, said in (("sara", "'sara' is not OLD=NEW"), ("ls-3=gold", "'gold' is the adjudicated layer"),
                      ("=sara", "'=sara' is not OLD=NEW"), ("ls-3=model", "'model' holds a model's suggestions"),
                      ("model=sara", "'model' holds a model's suggestions")):
        result = run("import", "--layer-map", bad, str(path))
        assert result.exit_code == 1 and said in result.output and "Traceback" not in result.output, result.output
    with open_project(db_path) as store:
        assert store.count_documents() == 0


# --- merged layers are named ----------------------------------------------------------------------


def test_json_min_with_several_annotations_of_one_task_warns_that_they_were_merged(run, db_path, tmp_path: Path):
    # annotator's export imported into Label Studio by its admin: four layers, all completed_by 1.
    items = [ls_min_item([("رجائیان", "PER")], 1, 1), ls_min_item([("مشهد", "GPE")], 1, 2),
             ls_min_item([("مشهد", "LOC")], 1, 3), ls_min_item([("대구시", "GPE")], 1, 4)]
    path = dump(tmp_path / "export-JSON_MIN.json", items)
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert (f"warning: {path}: on 1 document, several annotations were merged into the one layer 'ls-1': "
            "Label Studio's JSON_MIN names only the user") in result.stderr
    single = run("import", str(dump(tmp_path / "one.json", [ls_min_item([("مشهد", "GPE")], 2, 5)])))
    assert "warning" not in single.stderr  # one annotation per task: nothing merged


def test_a_doccano_export_that_merged_layers_says_whose_lines_it_merged(run, db_path, tmp_path: Path):
    def line(example: int, spans: list, who: str) -> dict:  # doccano 1.8.4's export of our own file
        return {"id": example, "text": TEXT, "Comments": [], "label": spans, "annotator": who, "doc_id": "fa-1",
                "title": "t", "lang": "fa"}
    u = len("😀".encode("utf-16-le")) // 2 - 1  # one more UTF-16 unit than code points before the words
    (a, b), (c, d) = at("رجائیان"), at("مشهد")
    path = jsonl(tmp_path / "admin.jsonl", line(1, [[a + u, b + u, "PER"]], "sara"),
                 line(2, [[c + u, d + u, "GPE"]], "minji"), line(3, [[c + u, d + u, "LOC"]], "model"))
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert (f"warning: {path}: on 1 document, several lines (the lines name minji, model, sara) were merged "
            "into the one layer 'admin': doccano exports one file per member") in result.stderr
    # renamed on the way in, the warning names the layer they are in now
    result = run("import", "--layer-map", "admin=doccano", str(path))
    assert result.exit_code == 0, result.output
    assert "were merged into the one layer 'doccano'" in result.stderr


# --- the same file twice ----------------------------------------------------------------------------


def test_a_json_min_file_imported_twice_decides_the_same_and_the_second_changes_nothing(store: Store,
                                                                                      tmp_path: Path):
    # "transport" is no theme of the schema; task 1 ticks it with another (a {"choices": [...]}),
    # task 2 alone (a bare string, like any data field).
    first = ls_min_item([("مشهد", "GPE")], 1, 1, theme={"choices": ["transport", "economy"]}, source_name="irna")
    second = {**ls_min_item([("رجائیان", "PER")], 1, 2, theme="transport", source_name="irna"),
              "id": 2, "doc_id": "fa-2", "text": TEXT + "!"}
    path = dump(tmp_path / "export-JSON_MIN.json", [first, second])
    report = import_paths(store, [path], annotator="tester")
    assert report.themes_created == ["transport"]
    assert store.doc_themes("fa-2", "ls-1") == ["transport"]
    assert store.get_document("fa-2").meta == {"source_name": "irna"}
    before = store.dump()
    again = import_paths(store, [path], annotator="tester")
    assert (again.spans_added, again.themes_added, again.statuses_set, again.documents_added) == (0, 0, 0, 0)
    assert store.dump() == before


# --- statuses kept as they were ---------------------------------------------------------------------


def test_statuses_come_back_from_label_studio_as_they_were(run, db_path, tmp_path: Path):
    text = "استاندار سمنان گفت"
    start, end = at("سمنان", text)
    span = {"start": start, "end": end, "label": "GPE"}
    ours = jsonl(tmp_path / "ours.jsonl",
                 {"id": "fa-3", "text": text, "annotator": "gold", "status": "in_progress", "spans": [span]},
                 {"id": "fa-3", "text": text, "annotator": "sara", "status": "in_progress", "spans": [span]},
                 {"id": "fa-4", "text": text + "!", "annotator": "gold", "status": "adjudicated", "spans": [span]})
    assert run("import", str(ours)).exit_code == 0
    gold, everyone = tmp_path / "gold.json", tmp_path / "all.json"
    assert run("export", "--format", "labelstudio", "--gold", "-o", str(gold)).exit_code == 0
    assert run("export", "--format", "labelstudio", "-o", str(everyone)).exit_code == 0
    back = tmp_path / "back.db"
    for path in (gold, everyone):
        result = run("import", str(path), db=back)
        assert result.exit_code == 0, result.output
    with open_project(back) as store:
        statuses = {doc: entry["status"] for doc, entry in store.gold_layers(["fa-3", "fa-4"]).items()}
        assert statuses == {"fa-3": "in_progress", "fa-4": "adjudicated"}
        assert store.layers(["fa-3"])["fa-3"]["sara"]["status"].value == "in_progress"


def _peer_files(tmp_path: Path) -> list[Path]:
    u = len("😀".encode("utf-16-le")) // 2 - 1
    (a, b), (c, d) = at("رجائیان"), at("مشهد")
    ours = [{**ls_region("مشهد", "GPE"), "annotator": "gold", "annotator_status": "in_progress"}]
    user = {"id": 2, "email": "kim@example.com"}
    return [
        jsonl(tmp_path / "admin.jsonl",
              {"id": 1, "text": TEXT, "Comments": [], "label": [[a + u, b + u, "PER"]], "annotator": "sara"},
              {"id": 2, "text": TEXT, "Comments": [], "label": [[c + u, d + u, "GPE"]], "annotator": "minji"}),
        dump(tmp_path / "export-JSON.json", [ls_task([ls_annotation(ours, 1, 1),
                                                      ls_annotation([ls_region("و", "ORG")], user, 2)])]),
        dump(tmp_path / "export-JSON_MIN.json",
             [ls_min_item([("مشهد", "GPE")], 1, 1, theme={"choices": ["transport"]}),
              {**ls_min_item([], 1, 2, theme="transport"), "id": 2, "doc_id": "fa-2", "text": TEXT + "!"}]),
        jsonl(tmp_path / "prodigy.jsonl", {"text": TEXT, "spans": [{"start": a, "end": b, "label": "PER"}],
                                           "accept": ["economy"], "answer": "accept", "_annotator_id": "news-sara"}),
    ]


def test_every_peer_file_imported_again_changes_nothing(store: Store, tmp_path: Path):
    files = _peer_files(tmp_path)
    import_paths(store, files, annotator="tester")
    before = store.dump()
    again = import_paths(store, files, annotator="tester")
    assert (again.documents_added, again.spans_added, again.themes_added, again.statuses_set) == (0, 0, 0, 0)
    assert again.themes_created == [] and again.annotators_added == []
    assert store.dump() == before


def test_a_bad_label_studio_status_names_the_key_it_came_from(store: Store, tmp_path: Path):
    region = {**ls_region("مشهد", "GPE"), "annotator": "sara", "annotator_status": "adjudicated"}
    path = dump(tmp_path / "export.json", [ls_task([ls_annotation([region], 1)])])
    with pytest.raises(InputError) as err:
        import_paths(store, [path], annotator="tester")
    assert ("task 1 (id 1): 'annotator_status' in the annotation's results: unknown status 'adjudicated'"
            in str(err.value) and "only the gold layer is adjudicated" in str(err.value)), str(err.value)
    assert "field 'status'" not in str(err.value)
    assert store.count_documents() == 0


def _ls_files(tmp_path: Path) -> dict[str, Path]:
    """One Label Studio user's annotation in the four exports: JSON and JSON_MIN name the id, the
    snapshot's JSON both id and email, the snapshot's JSON_MIN the email alone."""
    spans = [ls_region("رجائیان", "PER"), ls_region("مشهد", "GPE")]
    words = [("رجائیان", "PER"), ("مشهد", "GPE")]
    user = {"id": 1, "first_name": "", "last_name": "", "avatar": None, "email": "admin@example.com", "initials": "ad"}
    return {"plain": dump(tmp_path / "export-JSON.json", [ls_task([ls_annotation(spans, 1)])]),
            "min": dump(tmp_path / "export-JSON_MIN.json", [ls_min_item(words, 1, 1)]),
            "snap": dump(tmp_path / "snapshot.json", [ls_task([ls_annotation(spans, user)])]),
            "snapmin": dump(tmp_path / "snapshot-min.json", [ls_min_item(words, "admin@example.com", 1)])}


@pytest.mark.parametrize("order", [("snapmin", "snap", "plain", "min"), ("snapmin", "min", "snap", "plain"),
                                   ("plain", "snap", "snapmin", "min"), ("min", "snapmin", "plain", "snap"),
                                   ("snap", "snapmin", "min", "plain")])
def test_one_label_studio_user_is_one_layer_in_import_orders(store: Store, tmp_path: Path, order):
    files = _ls_files(tmp_path)
    warnings = []
    for name in order:
        warnings += import_paths(store, [files[name]], annotator="tester").warnings
    found = layers(store)
    before_snap = order[:order.index("snap")]
    if "snapmin" in before_snap and {"plain", "min"} & set(before_snap):
        # the email and the id each named a layer before a snapshot linked them: said, with the way out
        assert len(found) == 2 and any("--layer-map admin@example.com=ls-1" in w and "one person's" in w
                                       for w in warnings), warnings
        return
    assert list(found.values()) == [["رجائیان", "مشهد"]], found
    for name in order:  # again: nothing changes
        again = import_paths(store, [files[name]], annotator="tester")
        assert again.spans_added == 0 and again.statuses_set == 0
    assert layers(store) == found


def test_a_user_named_by_email_by_the_previous_release_keeps_that_layer(store: Store, tmp_path: Path):
    """A database that imported a snapshot JSON when annotator named its users by email."""
    files = _ls_files(tmp_path)
    old = jsonl(tmp_path / "old.jsonl", {"id": "fa-1", "text": TEXT, "annotator": "admin@example.com",
                                         "spans": [{"start": at(w)[0], "end": at(w)[1], "label": lab}
                                                   for w, lab in (("رجائیان", "PER"), ("مشهد", "GPE"))]})
    import_paths(store, [old], annotator="tester")
    for name in ("snap", "plain", "min", "snapmin"):
        report = import_paths(store, [files[name]], annotator="tester")
        assert report.spans_added == 0 and report.warnings == [], (name, report.warnings)
    assert layers(store) == {"admin@example.com": ["رجائیان", "مشهد"]}


def test_the_layer_map_the_warning_names_joins_the_two_names(store: Store, tmp_path: Path):
    files = _ls_files(tmp_path)
    for name in ("plain", "snapmin", "snap", "min"):
        import_paths(store, [files[name]], annotator="tester", layer_map={"admin@example.com": "ls-1"})
    assert layers(store) == {"ls-1": ["رجائیان", "مشهد"]}
