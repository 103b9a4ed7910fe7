"""Exports and imports under the edge cases a review found: white space at span edges, theme
order, status-only and empty gold layers, spaCy white space, misdetected lines, Label Studio
results that are not spans, names, and file errors. Each once failed."""

from __future__ import annotations

import io
import json

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.exporting import ExportOptions, export
from annotator.core.importing import import_paths
from annotator.core.model import Status
from annotator.core.schema import Label


def imp(store, tmp_path, lines, name="in.jsonl", annotator="tester", **kw):
    p = tmp_path / name
    p.write_text(lines if isinstance(lines, str) else "".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
    return import_paths(store, [p], annotator=annotator, **kw)


def exp(store, **kw):
    buf = io.StringIO(); export(store, buf, ExportOptions(**kw))
    return [json.loads(l) for l in buf.getvalue().splitlines()]


def strip(lines):
    return [{k: v for k, v in l.items() if k != "updated_at"} for l in lines]


def round_trip(store, tmp_path, tmp_path_factory):
    from annotator.storage import Store
    first = exp(store, include_untouched=True) + exp(store, gold=True)
    other = tmp_path_factory.mktemp("fresh")
    with Store.open(other / "f.db") as fresh:
        imp(fresh, other, first)
        return strip(first), strip(exp(fresh, include_untouched=True) + exp(fresh, gold=True))


@pytest.mark.parametrize("fmt", ["spacy", "bio"])
def test_span_with_leading_space_exports_in_token_formats(store, tmp_path, fmt):
    imp(store, tmp_path, [{"id": "a", "text": "in Tehran today", "annotator": "sara",
                           "spans": [{"start": 2, "end": 9, "label": "GPE"}]}])
    [line] = exp(store, format=fmt)  # once: TypeError, the span's edge was white space
    if fmt == "spacy":
        assert [(s["start"], s["end"]) for s in line["spans"]] == [(3, 9)]  # trimmed to "Tehran"
    else:
        assert line["ner_tags"] == ["O", "B-GPE", "O"]


def test_themes_order_survives_round_trip(store, tmp_path, tmp_path_factory):
    store.add_label(Label("t_first"), "themes"); store.add_label(Label("t_second"), "themes")
    imp(store, tmp_path, [{"id": "t0", "text": "zero", "annotator": "sara", "themes": ["t_second"]},
                          {"id": "t1", "text": "one", "annotator": "sara", "themes": ["t_first", "t_second"]}])
    a, b = round_trip(store, tmp_path, tmp_path_factory)
    assert a == b


def test_layer_with_explicit_new_status_survives_round_trip(store, tmp_path, tmp_path_factory):
    imp(store, tmp_path, [{"id": "n1", "text": "new doc"}])
    store.ensure_annotator("sara"); store.set_status("n1", "sara", Status.IN_PROGRESS); store.set_status("n1", "sara", Status.NEW)  # GUI undo
    a, b = round_trip(store, tmp_path, tmp_path_factory)
    assert a == b


def test_empty_in_progress_gold_survives_round_trip(store, tmp_path, tmp_path_factory):
    imp(store, tmp_path, [{"id": "g1", "text": "gold doc"}])
    store.set_gold_status("g1", "in_progress", decided_by="leila")
    a, b = round_trip(store, tmp_path, tmp_path_factory)
    assert a == b


def test_spacy_tokens_and_ws_rebuild_the_text(store, tmp_path):
    imp(store, tmp_path, [{"id": "a", "text": "Tehran\n\n  Sara said.", "annotator": "sara",
                           "spans": [{"start": 10, "end": 14, "label": "PER"}]}])
    rec = exp(store, format="spacy")[0]
    assert "".join(t["text"] + " " * t["ws"] for t in rec["tokens"]) == rec["text"]


def test_plain_line_with_a_data_field_keeps_its_text(store, tmp_path):
    imp(store, tmp_path, [{"id": "n1", "text": "خبر از تهران", "data": {"source": "yjc.ir"}}])
    assert store.get_document("n1").text == "خبر از تهران"  # once: 'yjc.ir'


def test_plain_line_with_an_answer_field_is_imported(store, tmp_path):
    assert imp(store, tmp_path, [{"id": "n2", "text": "خبر مهم", "answer": "yes"}]).documents_added == 1


LS_TEXT = "Ali met Sara in Tehran."
NER = {"id": "r1", "type": "labels", "value": {"start": 0, "end": 3, "text": "Ali", "labels": ["PER"]}}


def ls(results, **ann):
    return json.dumps([{"id": 7, "data": {"text": LS_TEXT}, "annotations": [{"completed_by": 1, "result": results}]}])


def test_a_label_studio_relation_without_a_type_is_refused_with_its_task(store, tmp_path):
    # issue 25: relation results are read; one drawn without a label has no type for annotator
    before = store.dump()
    rel = {"from_id": "r1", "to_id": "r1", "type": "relation", "direction": "right", "labels": []}
    with pytest.raises(AnnotatorError, match=r"ls\.json: task 1 \(id 7\): relation 1 \(from_id 'r1'\) has no label"):
        imp(store, tmp_path, ls([NER, rel]), name="ls.json")
    assert store.dump() == before


def test_label_studio_labels_string_is_refused_not_split_into_letters(store, tmp_path):
    before = store.dump()
    with pytest.raises(AnnotatorError, match=r"ls\.json: task 1 \(id 7\): labels must be a list of strings"):
        imp(store, tmp_path, ls([{"value": {"start": 0, "end": 3, "text": "Ali", "labels": "PER"}}]), name="ls.json")
    assert not {"P", "E", "R"} & store.label_names() and store.dump() == before


def test_label_studio_bad_choices_is_a_one_line_error(store, tmp_path):
    with pytest.raises(AnnotatorError, match="task 1"):
        imp(store, tmp_path, ls([{"value": {"choices": 5}}]), name="ls.json")


def test_label_studio_importer_errors_name_the_task(store, tmp_path):
    bad = {"id": 2, "data": {"text": "b"}, "annotations": [{"result": [{"type": 5, "value": {"start": 0, "end": 1}}]}]}
    with pytest.raises(AnnotatorError, match=r"task 2 \(id 2\): a result's type must be a string, not 5"):
        imp(store, tmp_path, json.dumps([{"id": 1, "data": {"text": "a"}}, bad]), name="ls.json")


@pytest.mark.parametrize("fmt", ["doccano", "spacy"])
def test_own_foreign_exports_keep_annotators_apart(store, tmp_path, tmp_path_factory, fmt):
    from annotator.storage import Store
    imp(store, tmp_path, [{"id": "k1", "text": "대구시는 좋다", "annotator": "sara", "spans": [{"start": 0, "end": 3, "label": "GPE"}]},
                          {"id": "k1", "text": "대구시는 좋다", "annotator": "minji", "spans": [{"start": 0, "end": 4, "label": "ORG"}]}])
    other = tmp_path_factory.mktemp("f")
    with Store.open(other / "f.db") as fresh:
        imp(fresh, other, exp(store, format=fmt))
        assert sorted(fresh.layers(["k1"])["k1"]) == ["minji", "sara"]


def test_doccano_classification_labels_become_themes(store, tmp_path):
    imp(store, tmp_path, [{"id": "k1", "text": "대구시는 좋다", "label": ["politics"]}])
    assert "politics" in store.theme_names()


def test_imported_label_names_follow_the_schema_rules(store, tmp_path):
    with pytest.raises(AnnotatorError):
        imp(store, tmp_path, [{"id": "a", "text": "Ali met", "annotator": "s", "spans": [{"start": 0, "end": 3, "label": "<b>PER SON</b>"}]}])


def test_gold_is_not_usable_as_a_plain_annotator(store, tmp_path):
    with pytest.raises(AnnotatorError):
        imp(store, tmp_path, [{"id": "a", "text": "Ali met", "spans": [{"start": 0, "end": 3, "label": "PER"}], "status": "skipped"}], annotator="gold")


def test_status_with_null_annotator_is_refused(store, tmp_path):
    with pytest.raises(AnnotatorError):
        imp(store, tmp_path, [{"id": "a", "text": "Ali met", "annotator": None, "status": "done"}])


def test_cli_export_to_missing_folder_is_one_line(run, tmp_path):
    result = run("export", "-o", str(tmp_path / "nodir" / "x.jsonl"))
    assert result.exit_code == 1 and "Error:" in result.output
