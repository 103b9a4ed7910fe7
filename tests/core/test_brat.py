"""brat standoff with relations (issue 25): the export writes a layer's relations as R lines and the
schema's relation types in annotation.conf; `annotator import` reads a brat collection (or .ann
files) back, T lines as spans and R lines as relations, exactly, in Persian and Korean with an
emoji before the spans; a relation or span that cannot be stored is refused with the .ann file and
its line, the database unchanged; importing twice changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.exporting import ExportOptions, export_file
from annotator.core.importing import import_paths
from annotator.core.model import GOLD
from annotator.core.project import open_project
from annotator.core.schema import RelationType
from annotator.storage import Store
from tests.helpers import write

FA = "🙂 محمدجواد رجائیان مدیرعامل سازمان فاوا شهرداری مشهد گفت.\nاین خبر از مشهد است."
KO = "🎉 대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다.\n김 과장은 대구\n시청에서 말했다."


def _span(text: str, word: str, label: str, span_id: str, note: str | None = None) -> dict:
    start = text.index(word)  # after an emoji: code points
    return {"id": span_id, "start": start, "end": start + len(word), "label": label, **({"note": note} if note else {})}


PERSIAN = {"id": "fa/1", "text": FA, "lang": "fa", "annotator": "sara", "spans": [
    _span(FA, "محمدجواد رجائیان", "PER", "p"), _span(FA, "مدیرعامل", "ROLE", "r", "سمت\nرسمی"),
    _span(FA, "سازمان فاوا شهرداری مشهد", "ORG", "o"), _span(FA, "مشهد", "GPE", "g")],
    "relations": [{"from": "p", "to": "r", "label": "holds_role"}, {"from": "r", "to": "o", "label": "role_in"},
                  {"from": "o", "to": "g", "label": "located_in", "note": "شهرداری"}]}
KOREAN = {"id": "ko1", "text": KO, "lang": "ko", "annotator": "minji", "spans": [
    _span(KO, "대구시", "GPE", "d"), _span(KO, "스마트시티 엑스포 월드 콩그레스", "EVENT", "e"),
    _span(KO, "과장", "ROLE", "k"), _span(KO, "대구\n시청", "ORG", "c")],  # across a line break: two fragments
    "relations": [{"from": "d", "to": "e", "label": "participates_in"}, {"from": "k", "to": "c", "label": "role_in"}]}


def _lines(*objs: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def _rows(store: Store, docs=("fa/1", "ko1"), layers=("sara", "minji", GOLD)) -> tuple[set, set]:
    """Every span and every relation (its ends as offsets and labels), by document and layer."""
    spans, relations = set(), set()
    for doc_id in docs:
        for name in layers:
            found = store.gold_spans(doc_id) if name == GOLD else store.spans(doc_id, name)
            spans |= {(doc_id, name, s.start, s.end, s.label, s.text, s.note) for s in found}
            ends = {s.id: (s.start, s.end, s.label) for s in found}
            kept = store.gold_relations(doc_id) if name == GOLD else store.relations(doc_id, name)
            relations |= {(doc_id, name, ends[r.from_id], ends[r.to_id], r.label, r.note) for r in kept}
    return spans, relations


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()}


def test_relations_go_out_as_r_lines_and_come_back_exactly(store: Store, tmp_path: Path):
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN))], annotator="tester")
    rows = _rows(store)
    assert len(rows[0]) == 8 and len(rows[1]) == 5
    report = export_file(store, tmp_path / "out", ExportOptions(format="brat"))
    assert report.relations == 5 and "5 relations" in report.summary() and "left out" not in report.summary()
    out = tmp_path / "out"
    ann = (out / "minji" / "ko1.ann").read_text(encoding="utf-8").splitlines()
    at = KO.index("대구\n시청")
    assert f"T4\tORG {at} {at + 2};{at + 3} {at + 5}\t대구 시청" in ann
    assert ann[-2:] == ["R1\tparticipates_in Arg1:T1 Arg2:T2", "R2\trole_in Arg1:T3 Arg2:T4"]
    persian = (out / "sara" / "fa_1.ann").read_text(encoding="utf-8").splitlines()
    assert "#1\tAnnotatorNotes T2\tسمت رسمی" in persian and "#2\tAnnotatorNotes R3\tشهرداری" in persian
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert "[relations]\nholds_role\tArg1:PER, Arg2:ROLE\nrole_in\tArg1:ROLE, Arg2:ORG|GPE\n" in conf

    with open_project(tmp_path / "back.db") as back:
        first = import_paths(back, [out], annotator="tester")
        assert (first.documents_added, first.spans_added, first.relations_added) == (2, 8, 5)
        back_rows = _rows(back)
        assert back_rows[1] == rows[1]
        assert back_rows[0] == {(*row[:6], row[6] and " ".join(row[6].split())) for row in rows[0]}  # notes: one line
        before = back.dump()
        again = import_paths(back, [out], annotator="tester")
        assert (again.relations_added, again.relations_unchanged, again.spans_added) == (0, 5, 0)
        assert back.dump() == before  # the same folder twice changes nothing
        export_file(back, tmp_path / "again", ExportOptions(format="brat"))
    assert _files(tmp_path / "again") == _files(out)  # file-names.tsv (fa/1 in fa_1) included


def test_a_brat_collection_imports_into_either_backend_with_its_layers(store: Store, tmp_path: Path):
    with open_project(tmp_path / "source.db") as source:
        import_paths(source, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN))], annotator="tester")
        rows = _rows(source)
        export_file(source, tmp_path / "out", ExportOptions(format="brat"))
    import_paths(store, [tmp_path / "out"], annotator="tester")
    assert _rows(store)[1] == rows[1] and len(_rows(store)[0]) == 8
    assert store.get_document("fa/1").text == FA  # the id from file-names.tsv, not the file's name fa_1
    before = store.dump()
    import_paths(store, [tmp_path / "out"], annotator="tester")
    assert store.dump() == before
    export_file(store, tmp_path / "again", ExportOptions(format="brat"))
    assert _files(tmp_path / "again") == _files(tmp_path / "out")


def test_gold_relations_come_back_into_the_gold_layer(store: Store, tmp_path: Path):
    gold = {**KOREAN, "annotator": GOLD, "status": "adjudicated"}
    import_paths(store, [write(tmp_path / "gold.jsonl", _lines(gold))], annotator="tester")
    export_file(store, tmp_path / "out", ExportOptions(format="brat", gold=True))
    assert (tmp_path / "out" / "gold" / "ko1.ann").read_text(encoding="utf-8").count("\nR") == 2
    with open_project(tmp_path / "back.db") as back:
        import_paths(back, [tmp_path / "out"], annotator="leila")
        assert _rows(back, ("ko1",), (GOLD,)) == _rows(store, ("ko1",), (GOLD,))


def test_whose_layer_a_file_is(store: Store, tmp_path: Path):
    import_paths(store, [write(tmp_path / "in.jsonl", _lines({**KOREAN, "annotator": "a/b"}, PERSIAN))],
                 annotator="x")
    export_file(store, tmp_path / "out", ExportOptions(format="brat"))
    assert (tmp_path / "out" / "layer-names.tsv").read_text(encoding="utf-8") == "a_b\ta/b\nsara\tsara\n"
    with open_project(tmp_path / "named.db") as named:  # the folder's annotation set, by layer-names.tsv
        import_paths(named, [tmp_path / "out"], annotator="tester")
        assert len(named.relations("ko1", "a/b")) == 2 and len(named.relations("fa/1", "sara")) == 3
    with open_project(tmp_path / "one.db") as one:  # a file of the export named alone: the same
        import_paths(one, [tmp_path / "out" / "a_b" / "ko1.ann"], annotator="tester")
        assert len(one.relations("ko1", "a/b")) == 2
    with open_project(tmp_path / "given.db") as given:  # --annotator given: everything is theirs
        import_paths(given, [tmp_path / "out"], annotator="leila", annotator_given=True)
        assert len(given.relations("ko1", "leila")) == 2 and len(given.relations("fa/1", "leila")) == 3
    (tmp_path / "out" / "layer-names.tsv").unlink()  # a brat collection's folders are sub-collections, not people
    with open_project(tmp_path / "plain.db") as plain:
        import_paths(plain, [tmp_path / "out"], annotator="tester")
        assert plain.annotators() == ["tester"] and len(plain.relations("ko1", "tester")) == 2


def test_an_undirected_type_is_symmetric_in_annotation_conf(store: Store, tmp_path: Path):
    schema = store.schema()
    store.replace_schema(replace(schema, relations=schema.relations + (
        RelationType("mentions", directed=False, from_labels=("PER",)),)))
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN))], annotator="x")
    export_file(store, tmp_path / "out", ExportOptions(format="brat"))
    conf = (tmp_path / "out" / "annotation.conf").read_text(encoding="utf-8")
    assert "\nmentions\tArg1:PER, Arg2:<ENTITY>, <REL-TYPE>:symmetric\n" in conf
    assert "\n<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n" in conf  # spans may nest, as here


def test_a_relation_to_a_span_brat_cannot_mark_is_counted_as_left_out(store: Store, tmp_path: Path):
    text = "Ali\n\nmet Reza"
    line = {"id": "n", "text": text, "annotator": "sara", "spans": [
        {"id": "a", "start": 0, "end": 3, "label": "PER"}, {"id": "b", "start": 3, "end": 5, "label": "ROLE"}],
        "relations": [{"from": "a", "to": "b", "label": "holds_role"}]}
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(line))], annotator="x")
    report = export_file(store, tmp_path / "out", ExportOptions(format="brat"))
    assert (report.relations, report.relations_unmarked, report.skipped_spans) == (0, 1, 1)
    assert "1 relation left out: an end is a span of line breaks only, which brat cannot mark" in report.summary()
    assert (tmp_path / "out" / "sara" / "n.ann").read_text(encoding="utf-8") == "T1\tPER 0 3\tAli\n"


# --- brat's own files ---------------------------------------------------------------------------


def _collection(tmp_path: Path, ann: str, text: str = KO, name: str = "ko1") -> Path:
    folder = tmp_path / "brat"
    write(folder / "annotation.conf", "[entities]\nGPE\n")
    (folder / f"{name}.txt").write_bytes(text.encode("utf-8"))
    write(folder / f"{name}.ann", ann)
    return folder


def _t(n: int, label: str, word: str, text: str = KO) -> str:
    start = text.index(word)
    return f"T{n}\t{label} {start} {start + len(word)}\t{word}\n"


GOOD = _t(1, "GPE", "대구시") + _t(2, "EVENT", "스마트시티 엑스포 월드 콩그레스") + "R1\tparticipates_in Arg1:T1 Arg2:T2\n"


def test_brat_offsets_count_code_points_over_the_text_with_universal_newlines(store: Store, tmp_path: Path):
    raw = "\ufeff" + KO.replace("\n", "\r\n")  # a BOM and CR LF: brat reads the .txt with universal newlines
    ann = "".join(f"T{n}\t{label} {KO.index(w) + 1} {KO.index(w) + 1 + len(w)}\t{w}\n"
                  for n, (label, w) in enumerate((("ROLE", "과장"), ("GPE", "대구")), 1))
    folder = _collection(tmp_path, ann + "E1\tEVENT:T1\nR1\trole_in Arg1:T1 Arg2:T2\nR2\trole_in Arg1:E1 Arg2:T2\n",
                         raw)
    report = import_paths(store, [folder], annotator="tester")
    assert store.get_document("ko1").text == KO
    assert {(s.label, s.text) for s in store.spans("ko1", "tester")} == {("ROLE", "과장"), ("GPE", "대구")}
    assert report.relations_added == 1 and report.brat_unread == 2
    assert "left out 2 brat annotations of kinds annotator does not read" in report.summary()


def test_arg1_is_the_from_end_wherever_the_line_puts_it(store: Store, tmp_path: Path):
    ann = GOOD.replace("Arg1:T1 Arg2:T2", "Arg2:T2 Arg1:T1")
    import_paths(store, [_collection(tmp_path, ann)], annotator="t")
    spans = {s.id: s.text for s in store.spans("ko1", "t")}
    assert [(spans[r.from_id], spans[r.to_id]) for r in store.relations("ko1", "t")] == [
        ("대구시", "스마트시티 엑스포 월드 콩그레스")]


def test_fragments_apart_by_white_space_only_are_one_span(store: Store, tmp_path: Path):
    a = KO.index("대구\n시청")
    import_paths(store, [_collection(tmp_path, f"T1\tORG {a} {a + 2};{a + 3} {a + 5}\t대구 시청\n")], annotator="t")
    assert [s.text for s in store.spans("ko1", "t")] == ["대구\n시청"]


@pytest.mark.parametrize("ann, line, said", [
    (GOOD + "R2\tlikes Arg1:T1 Arg2:T2\n", 4, "R2: relation type 'likes' is not in the schema"),
    (GOOD + "R2\tparticipates_in Arg1:T2 Arg2:T1\n", 4,
     "R2: a participates_in relation joins PER|ORG|GPE -> EVENT, not 'EVENT' -> 'GPE'"),
    (GOOD + "R2\tparticipates_in Arg1:T1 Arg2:T9\n", 4, "R2: its Arg2 'T9' is no T line of this file"),
    (GOOD + "R2\tparticipates_in Arg1:T1 Arg2:T1\n", 4, "R2: joins a span to itself"),
    (GOOD + "R2\tparticipates_in T1 T2\n", 4, "R2: a relation is TYPE Arg1:ID Arg2:ID"),
    (GOOD + "R1\tparticipates_in Arg1:T1 Arg2:T2\n", 4, "R1 is given twice"),
    (GOOD + "R2\tparticipates_in Arg1:T1 Arg1:T2\n", 4, "R2: both arguments are Arg1"),
    (GOOD + "T1\tGPE 2 5\t대구시\n", 4, "T1 is given twice"),
    (GOOD + "T3\tORG 0 6;30 33\tx\n", 4, "T3: its fragments are apart by"),
    (GOOD + "T3\tORG 2 999\tx\n", 4, "T3: end 999 is past the end of its .txt"),
    (GOOD + "T3\tORG 2 4\t대구시\n", 4, "T3: its text '대구시' is not what 2 4 covers in the .txt ('대구'"),
    (GOOD + "T3\tORG 5 2\t\n", 4, "T3: 5 2 is no character"),
    (GOOD + "T3\tORG two 5\t\n", 4, "T3: offsets 'two 5' are not START END"),
    (GOOD + "T3\tO\"RG 2 5\tx\n", 4, "T3: label 'O\"RG' must be 1-64 characters"),
    (GOOD + "just words\n", 4, "not a brat annotation line"),
], ids=["unknown-type", "reversed", "no-end", "itself", "no-roles", "r-twice", "one-role", "t-twice", "fragments", "past-end",
        "other-text", "backwards", "not-numbers", "bad-label", "not-brat"])
def test_a_bad_ann_line_is_refused_with_file_and_line(store: Store, tmp_path: Path, ann, line, said):
    import_paths(store, [write(tmp_path / "first.jsonl", _lines(PERSIAN))], annotator="tester")
    folder = _collection(tmp_path, ann)
    before = store.dump()
    with pytest.raises(InputError) as refused:
        import_paths(store, [folder], annotator="tester")
    message = str(refused.value)
    assert message.startswith(f"{folder / 'ko1.ann'}:{line}: ") and said in message and "\n" not in message
    assert store.dump() == before


def test_strict_names_the_line_of_a_label_the_schema_lacks(store: Store, tmp_path: Path):
    folder = _collection(tmp_path, GOOD + _t(3, "PLACE", "대구"))
    before = store.dump()
    with pytest.raises(InputError, match=r"ko1\.ann:4: label 'PLACE' is not in the schema \(--strict\)"):
        import_paths(store, [folder], annotator="tester", strict=True)
    assert store.dump() == before
    report = import_paths(store, [folder], annotator="tester")  # without --strict: added, as other imports do
    assert report.labels_added == ["PLACE"] and report.relations_added == 1


def test_a_text_that_differs_from_the_stored_document_is_refused(store: Store, tmp_path: Path):
    import_paths(store, [write(tmp_path / "first.jsonl", _lines(KOREAN))], annotator="tester")
    folder = _collection(tmp_path, GOOD, KO + " 끝")
    before = store.dump()
    with pytest.raises(InputError, match=r"ko1\.ann: document 'ko1' is already in the database with a different text"):
        import_paths(store, [folder], annotator="tester")
    assert store.dump() == before


def test_a_text_that_is_no_text_is_refused_naming_the_txt(store: Store, tmp_path: Path):
    folder = _collection(tmp_path, "", "대구\x07시")
    with pytest.raises(InputError, match=r"ko1\.txt: the text holds the control character U\+0007"):
        import_paths(store, [folder], annotator="tester")


def test_an_ann_file_without_its_text_is_refused(store: Store, tmp_path: Path):
    folder = _collection(tmp_path, GOOD)
    (folder / "ko1.txt").unlink()
    with pytest.raises(InputError, match=r"ko1\.ann: no ko1\.txt beside it"):
        import_paths(store, [folder / "ko1.ann"], annotator="tester")


def test_other_files_beside_a_collection_are_read_as_they_are(store: Store, tmp_path: Path):
    folder = _collection(tmp_path, GOOD)
    write(folder / "more" / "fa.jsonl", _lines(PERSIAN))
    write(folder / "photo.png", "not text")
    report = import_paths(store, [folder], annotator="tester")
    assert report.relations_added == 4 and report.documents_added == 2  # ko1 from brat, fa/1 from the JSONL
    assert report.skipped_files == [str(folder / "photo.png")]
    assert "skipped 1 file annotator does not read (it reads .txt, .jsonl, .json, .ann," in report.summary()
