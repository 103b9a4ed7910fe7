"""Other tools' exports import and cover the same characters, each read in the unit its editor
counts in (doccano UTF-16, Label Studio and Prodigy code points), with an emoji before the spans."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.importing import import_paths
from annotator.core.offsets import OffsetError, Units, unit_matters
from annotator.storage import Store
from tests.helpers import write

TEXT = "😀 👩\u200d💻 🇮🇷 김정은 위원장과 حمید رضایی در مشهد"  # astral characters and clusters before the entities


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def where(word: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def in_utf16(word: str, text: str = TEXT) -> tuple[int, int]:
    start, end = where(word, text)
    return utf16(text, start), utf16(text, end)


def covered(store: Store, doc_id: str, annotator: str) -> list[tuple[str, str]]:
    return [(s.label, s.text) for s in store.spans(doc_id, annotator)]


def jsonl(tmp_path: Path, name: str, *lines: dict) -> Path:
    return write(tmp_path / name, "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))


# --- the units themselves ----------------------------------------------------------------------


def test_units_convert_each_way_and_refuse_positions_inside_a_character():
    text = "a😀b👩\u200d💻c"
    assert Units(text, "utf16").to_code_point(3) == 2 and Units(text, "utf16").from_code_point(2) == 3
    with pytest.raises(OffsetError, match="inside a character"):
        Units(text, "utf16").to_code_point(2)  # between the two halves of 😀
    graphemes = Units(text, "graphemes")
    assert graphemes.length == 5  # a, 😀, b, 👩‍💻, c
    assert graphemes.to_code_point(4) == len(text) - 1 and graphemes.from_code_point(len(text) - 1) == 4
    with pytest.raises(OffsetError, match="inside a grapheme cluster"):
        graphemes.from_code_point(4)  # after 👩, before the ZWJ
    with pytest.raises(OffsetError, match="outside the text"):
        Units(text, "codepoints").to_code_point(99)
    assert unit_matters("می\u200cکند") and unit_matters("😀") and not unit_matters("대구시는 مشهد")


# --- doccano -----------------------------------------------------------------------------------


def test_doccano_offsets_are_utf16_by_default_so_spans_after_an_emoji_land_right(store: Store, tmp_path: Path):
    (a, b), (c, d), (e, f) = in_utf16("김정은"), in_utf16("حمید رضایی"), in_utf16("مشهد", TEXT + "!")
    assert a != where("김정은")[0]  # the units really differ here
    path = jsonl(tmp_path, "doccano.jsonl",
                 {"id": 7, "text": TEXT, "label": [[a, b, "PER"], [c, d, "PER"]], "cats": ["international"]},
                 {"id": 8, "text": TEXT + "!", "entities": [{"id": 1, "label": "GPE", "start_offset": e,
                                                              "end_offset": f}], "relations": []},
                 {"id": 9, "text": TEXT, "entities": [[e, f, "GPE"]]})  # doccano's id for a text we have
    report = import_paths(store, [path], annotator="minji")
    assert covered(store, "7", "minji") == [("PER", "김정은"), ("PER", "حمید رضایی"), ("GPE", "مشهد")]
    assert store.doc_themes("7", "minji") == ["international"]
    assert covered(store, "8", "minji") == [("GPE", "مشهد")]
    assert report.documents_added == 2 and report.matched_by_text == 1 and store.get_document("9") is None
    assert "offsets read as UTF-16 code units: 2 documents with spans after characters" in report.summary()


def test_doccano_in_grapheme_mode_with_offsets_graphemes(store: Store, tmp_path: Path):
    text = "👩\u200d👩\u200d👧 🇮🇷 سامانه\u200cهای هوشمند مشهد"
    clusters = Units(text, "graphemes")
    a, b = where("مشهد", text)
    path = jsonl(tmp_path, "g.jsonl", {"id": "g", "text": text, "label": [
        [clusters.from_code_point(a), clusters.from_code_point(b), "GPE"]]})
    import_paths(store, [path], annotator="minji", offsets="graphemes")
    assert covered(store, "g", "minji") == [("GPE", "مشهد")]


def test_doccano_offset_inside_a_surrogate_pair_is_refused_with_the_unit_that_fits(store: Store, tmp_path: Path):
    a, b = where("김정은")  # code points: read as UTF-16, the start lands inside 🇮🇷
    path = jsonl(tmp_path, "cp.jsonl", {"id": 1, "text": "ok"}, {"id": 2, "text": TEXT, "label": [[1, 4, "PER"]]})
    before = store.dump()
    with pytest.raises(InputError, match=r"cp\.jsonl:2: span 1: 1 falls inside a character .* "
                                         r"\(offsets counted in UTF-16 code units, doccano's default\); "
                                         r"--offsets graphemes would fit$"):  # [1, 4) in code points cuts 👩‍💻
        import_paths(store, [path], annotator="minji")
    assert store.dump() == before
    path = jsonl(tmp_path, "cp2.jsonl", {"id": 2, "text": TEXT, "label": [[a, b, "PER"]]})
    import_paths(store, [path], annotator="minji", offsets="codepoints")
    assert covered(store, "2", "minji") == [("PER", "김정은")]


def test_doccano_lines_of_our_own_export_name_their_layer_and_keep_meta(store: Store, tmp_path: Path):
    a, b = in_utf16("مشهد")
    path = jsonl(tmp_path, "own.jsonl",
                 {"id": "x", "text": TEXT, "label": [[a, b, "GPE"]], "annotator": "sara", "meta": {"url": "u"}},
                 {"id": "y", "text": "다른 기사", "label": [], "annotator": "", "meta": {}})
    import_paths(store, [path], annotator="unused")
    assert covered(store, "x", "sara") == [("GPE", "مشهد")]
    assert store.get_document("x").meta == {"url": "u"} and store.get_document("y").meta == {}


# --- Prodigy -----------------------------------------------------------------------------------


def test_prodigy_accepts_only_accepted_examples(store: Store, tmp_path: Path):
    a, b = where("김정은")
    path = jsonl(tmp_path, "prodigy.jsonl",
                 {"text": TEXT, "spans": [{"start": a, "end": b, "label": "PER", "token_start": 2, "token_end": 2}],
                  "tokens": [], "answer": "accept", "accept": ["health"], "meta": {"id": "p1", "source": "news"},
                  "_input_hash": 1, "_annotator_id": "ner-sara"},
                 {"text": "다른 기사", "spans": [], "answer": "reject", "meta": {"id": "p2"}})
    report = import_paths(store, [path], annotator="unused")
    assert report.skipped_records == 1 and store.get_document("p2") is None
    assert covered(store, "p1", "ner-sara") == [("PER", "김정은")]
    assert store.doc_themes("p1", "ner-sara") == ["health"]
    assert store.get_document("p1").meta == {"source": "news"}


# --- Label Studio ------------------------------------------------------------------------------


def _ls_value(word: str, label: str, text: str = TEXT) -> dict:
    start, end = where(word, text)  # Label Studio's editor stores code points, with the text beside them
    return {"start": start, "end": end, "text": word, "labels": [label]}


def test_label_studio_json_code_points_any_control_names_and_predictions_as_model(store: Store, tmp_path: Path):
    tasks = [{
        "id": 41,
        "data": {"text": TEXT},
        "annotations": [{"completed_by": {"email": "sara@example.org"}, "was_cancelled": False, "result": [
            {"value": _ls_value("김정은", "PER"), "from_name": "ner", "to_name": "text", "type": "labels", "id": "a"},
            {"value": _ls_value("حمید رضایی", "PER"), "from_name": "ner", "to_name": "text", "type": "labels"},
            {"value": {"choices": ["international", "health"]}, "from_name": "theme", "to_name": "text",
             "type": "choices"},
            {"value": {"text": ["a comment"]}, "from_name": "comment", "to_name": "text", "type": "textarea"},
        ]}],
        "predictions": [{"model_version": "ner-v2", "result": [
            {"value": _ls_value("مشهد", "GPE"), "type": "labels", "from_name": "ner", "to_name": "text"}]}],
    }]
    path = write(tmp_path / "ls.json", json.dumps(tasks, ensure_ascii=False))
    report = import_paths(store, [path], annotator="unused")
    assert covered(store, "41", "sara@example.org") == [("PER", "김정은"), ("PER", "حمید رضایی")]
    assert sorted(store.doc_themes("41", "sara@example.org")) == ["health", "international"]
    assert covered(store, "41", "model") == [("GPE", "مشهد")]
    assert "offsets read as" not in report.summary()  # every span's text was checked: nothing can look shifted


def test_label_studio_json_min_with_named_controls_one_or_several_choices(store: Store, tmp_path: Path):
    tasks = [{"id": 5, "text": TEXT, "ner": [_ls_value("مشهد", "GPE")], "theme": "health", "annotator": 3,
              "annotation_id": 9, "created_at": "2026-11-20T09:00:00Z", "lead_time": 3.2},
             {"id": 6, "text": "대구시 발표", "ner": [_ls_value("대구시", "GPE", "대구시 발표")],
              "theme": {"choices": ["health", "mobility"]}, "annotator": 3}]
    path = write(tmp_path / "min.json", json.dumps(tasks, ensure_ascii=False))
    import_paths(store, [path], annotator="unused")
    assert covered(store, "5", "ls-3") == [("GPE", "مشهد")] and store.doc_themes("5", "ls-3") == ["health"]
    assert covered(store, "6", "ls-3") == [("GPE", "대구시")]
    assert sorted(store.doc_themes("6", "ls-3")) == ["health", "mobility"]
    assert "theme" not in store.get_document("5").meta and "annotator" not in store.get_document("5").meta


def test_label_studio_offsets_in_utf16_are_refused_with_the_unit_that_fits(store: Store, tmp_path: Path):
    start, end = in_utf16("حمید رضایی")
    tasks = [{"id": 1, "data": {"text": "ok"}, "annotations": []},
             {"id": 2, "data": {"text": TEXT}, "annotations": [{"completed_by": 1, "result": [
                 {"value": {"start": start, "end": end, "text": "حمید رضایی", "labels": ["PER"]}, "type": "labels"}]}]}]
    path = write(tmp_path / "bad.json", json.dumps(tasks, ensure_ascii=False))
    before = store.dump()
    with pytest.raises(InputError, match=r"bad\.json: task 2 \(id 2\): span 1: its text 'حمید رضایی' is not what "
                                         r".*Label Studio's default\); --offsets utf16 would fit"):
        import_paths(store, [path], annotator="unused")
    assert store.dump() == before
    import_paths(store, [path], annotator="unused", offsets="utf16")
    assert covered(store, "2", "ls-1") == [("PER", "حمید رضایی")]


def test_label_studio_keeps_our_document_ids_and_matches_unknown_tasks_by_text(store: Store, tmp_path: Path):
    import_paths(store, [jsonl(tmp_path, "docs.jsonl", {"id": "fa-1", "text": TEXT}, {"id": "ko-1", "text": "대구시 발표"})],
                 annotator="me")
    tasks = [{"id": 901, "data": {"text": TEXT, "doc_id": "fa-1", "meta": {"url": "u"}},
              "annotations": [{"completed_by": 2, "result": [
                  {"value": _ls_value("مشهد", "GPE"), "type": "labels", "from_name": "ner", "to_name": "text"}]}]},
             {"id": 902, "data": {"text": "대구시 발표"}, "annotations": []},  # a task id we never gave out
             {"id": 903, "data": {"text": "새 기사"}, "annotations": []}]
    path = write(tmp_path / "back.json", json.dumps(tasks, ensure_ascii=False))
    report = import_paths(store, [path], annotator="me")
    assert report.documents_added == 1 and report.documents_unchanged == 2 and report.matched_by_text == 1
    assert [doc.id for _, doc in store.documents_after(0, 10)] == ["fa-1", "ko-1", "903"]
    assert covered(store, "fa-1", "ls-2") == [("GPE", "مشهد")]
    again = import_paths(store, [path], annotator="me")
    assert again.documents_added == 0 and store.count_documents() == 3


def test_label_studio_task_id_that_is_one_of_our_ids_for_another_text_is_not_an_error(store: Store, tmp_path: Path):
    import_paths(store, [jsonl(tmp_path, "d.jsonl", {"id": "1", "text": "첫 기사"})], annotator="me")
    path = write(tmp_path / "t.json", json.dumps([{"id": 1, "data": {"text": "다른 기사"}}], ensure_ascii=False))
    import_paths(store, [path], annotator="me")
    assert store.get_document("ls-1").text == "다른 기사" and store.get_document("1").text == "첫 기사"


def test_label_studio_text_field_by_name_or_a_clear_error(store: Store, tmp_path: Path):
    tasks = [{"id": 3, "data": {"uid": "a-77", "content": TEXT, "source": "yjc"}, "annotations": [
        {"completed_by": 1, "result": [{"value": _ls_value("مشهد", "GPE"), "type": "labels"}]}]}]
    path = write(tmp_path / "content.json", json.dumps(tasks, ensure_ascii=False))
    with pytest.raises(InputError, match=r"task 1 \(id 3\): no field named 'text', and several string fields "
                                         r"\(content, source, uid\): say which holds the article with --text-field"):
        import_paths(store, [path], annotator="me")
    import_paths(store, [path], annotator="me", text_field="content")
    assert covered(store, "3", "ls-1") == [("GPE", "مشهد")]
    assert store.get_document("3").meta == {"uid": "a-77", "source": "yjc"}
    with pytest.raises(InputError, match=r"no text field 'body' \(fields: content, source, uid\)"):
        import_paths(store, [path], annotator="me", text_field="body")


def test_label_studio_predictions_given_as_ids_are_counted_and_explained(store: Store, tmp_path: Path):
    tasks = [{"id": 1, "data": {"text": TEXT}, "annotations": [], "predictions": [11, 12]}]
    report = import_paths(store, [write(tmp_path / "q.json", json.dumps(tasks))], annotator="me")
    assert report.prediction_ids == 2
    assert "skipped 2 predictions given only as ids" in report.summary() and "in full" in report.summary()


def test_nfd_text_from_another_tool_is_converted_then_normalised(store: Store, tmp_path: Path):
    text = unicodedata.normalize("NFD", "😀 대구시는 발표")
    start = utf16(text, text.index(unicodedata.normalize("NFD", "대구시")))
    end = start + len(unicodedata.normalize("NFD", "대구시"))
    import_paths(store, [jsonl(tmp_path, "nfd.jsonl", {"id": "n", "text": text, "label": [[start, end, "GPE"]]})],
                 annotator="minji")
    assert covered(store, "n", "minji") == [("GPE", "대구시")]


def test_forced_format_and_unknown_format_and_unit(store: Store, tmp_path: Path):
    a, b = where("김정은")
    path = jsonl(tmp_path, "x.jsonl", {"text": TEXT, "label": [[a, b, "PER"]]})
    import_paths(store, [path], annotator="minji", fmt="doccano", offsets="codepoints")
    doc_id = "h" + hashlib.sha256(TEXT.encode()).hexdigest()[:16]  # no id: made from the text
    assert [s.text for s in store.spans(doc_id, "minji")] == ["김정은"]
    with pytest.raises(InputError, match="unknown format 'brat'"):
        import_paths(store, [path], annotator="minji", fmt="brat")
    with pytest.raises(InputError, match="unknown unit 'bytes'"):
        import_paths(store, [path], annotator="minji", offsets="bytes")


# --- what a real Label Studio and doccano do to annotator's files (scripts/peers/) ---------------


def test_a_doccano_export_belongs_to_the_member_its_file_is_named_after(store: Store, tmp_path: Path):
    a, b = in_utf16("مشهد")
    # doccano copies the "annotator" it was given back into its export, whoever annotated since.
    path = jsonl(tmp_path, "admin.jsonl", {"id": 12, "text": TEXT, "doc_id": "fa-1", "annotator": "sara",
                                           "cats": [], "meta": {}, "label": [[a, b, "GPE"]], "Comments": []})
    import_paths(store, [path], annotator="me")
    assert covered(store, "fa-1", "admin") == [("GPE", "مشهد")] and store.layers(["fa-1"])["fa-1"].keys() == {"admin"}


def test_label_studio_names_the_layer_from_its_results_and_keeps_region_notes(store: Store, tmp_path: Path):
    value = _ls_value("مشهد", "GPE")
    tasks = [{"id": 7, "data": {"text": TEXT, "doc_id": "fa-1"}, "annotations": [
        {"completed_by": 1, "ground_truth": False, "result": [
            {"value": value, "type": "labels", "from_name": "label", "to_name": "text", "annotator": "sara",
             "meta": {"text": ["the city"]}}]},
        {"completed_by": 1, "result": [{"value": _ls_value("김정은", "PER"), "type": "labels"}]}]}]
    import_paths(store, [write(tmp_path / "t.json", json.dumps(tasks, ensure_ascii=False))], annotator="me")
    assert covered(store, "fa-1", "sara") == [("GPE", "مشهد")] and covered(store, "fa-1", "ls-1") == [("PER", "김정은")]
    assert [s.note for s in store.spans("fa-1", "sara")] == ["the city"]


# --- found by a review that tried to break the import -------------------------------------------


def test_task_ids_that_clash_get_the_tools_prefix_whatever_the_order_or_page(store: Store, tmp_path: Path):
    own = jsonl(tmp_path, "c.jsonl", {"id": "3", "text": "우리 기사"})
    a = write(tmp_path / "a.json", json.dumps([{"id": 3, "data": {"text": "첫 기사"}}], ensure_ascii=False))
    b = write(tmp_path / "b.json", json.dumps([{"id": 3, "data": {"text": "둘째 기사"}}], ensure_ascii=False))
    c = write(tmp_path / "c.json", json.dumps([{"id": 3, "data": {"text": "셋째 기사"}}], ensure_ascii=False))
    import_paths(store, [own, a, b], annotator="me")  # one command, one page: our "3" keeps its id
    import_paths(store, [c], annotator="me")
    texts = {doc.id: doc.text for _, doc in store.documents_after(0, 10)}
    assert texts == {"3": "우리 기사", "ls-3": "첫 기사", "ls-3-2": "둘째 기사", "ls-3-3": "셋째 기사"}
    assert import_paths(store, [a, b, c], annotator="me").documents_added == 0  # matched by text


def test_json_min_bare_strings_are_themes_only_when_the_schema_has_them(store: Store, tmp_path: Path):
    tasks = [{"id": 1, "text": TEXT, "ner": [_ls_value("مشهد", "GPE")], "author": "Ali", "category": "politics",
              "theme": "health", "topic": "Foreign Affairs", "annotator": 2},
             {"id": 2, "text": "다른 기사", "author": "Reza"}]
    report = import_paths(store, [write(tmp_path / "min.json", json.dumps(tasks, ensure_ascii=False))], annotator="me")
    assert store.doc_themes("1", "ls-2") == ["health"] and report.themes_created == []
    assert store.get_document("1").meta == {"author": "Ali", "category": "politics", "topic": "Foreign Affairs"}
    assert store.layers(["2"]) == {}  # nothing ticked, nothing claimed


def test_themes_given_as_a_string_are_refused_not_split_into_letters(store: Store, tmp_path: Path):
    for line, name in (({"text": "abc", "label": [], "cats": "foo"}, "d.jsonl"),
                       ({"text": "abc", "spans": [], "answer": "accept", "accept": "xyz"}, "p.jsonl")):
        path = jsonl(tmp_path, name, line)
        with pytest.raises(InputError, match=r"(cats|accept) must be a list of strings"):
            import_paths(store, [path], annotator="me")
    assert store.theme_names().isdisjoint({"f", "o", "x", "y", "z"})


def test_an_explicit_annotator_owns_a_doccano_export(store: Store, tmp_path: Path):
    a, b = in_utf16("مشهد")
    path = jsonl(tmp_path, "admin.jsonl", {"id": 12, "text": TEXT, "label": [[a, b, "GPE"]], "Comments": []})
    import_paths(store, [path], annotator="minji", annotator_given=True)
    assert list(store.layers([d.id for _, d in store.documents_after(0, 5)]).popitem()[1]) == ["minji"]


def test_two_annotations_claiming_one_layer_name_stay_apart(store: Store, tmp_path: Path):
    sara = [{"value": _ls_value("حمید رضایی", "PER"), "type": "labels", "annotator": "sara"}]
    copy = [{"value": _ls_value("حمید رضایی", "ORG"), "type": "labels", "annotator": "sara"},
            {"value": _ls_value("مشهد", "GPE"), "type": "labels"}]
    tasks = [{"id": 1, "data": {"text": TEXT, "doc_id": "d"}, "annotations": [
        {"completed_by": 1, "result": sara}, {"completed_by": 2, "result": copy}]}]
    import_paths(store, [write(tmp_path / "t.json", json.dumps(tasks, ensure_ascii=False))], annotator="me")
    assert covered(store, "d", "sara") == [("PER", "حمید رضایی")]
    assert covered(store, "d", "ls-2") == [("ORG", "حمید رضایی"), ("GPE", "مشهد")]
    assert store.status("d", "sara").value == "done"  # submitted in Label Studio
