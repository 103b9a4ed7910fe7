"""Exports: exact offsets in every format, the token rules, loud failure, and round trips."""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.exporting import ExportError, ExportOptions, export
from annotator.core.importing import import_paths
from annotator.core.model import Span, Status
from annotator.core.project import open_project
from annotator.storage import Store
from tests.helpers import ROOT, SEEDS, disable_span_check, write

DEMO = ROOT / "docs" / "demo-annotations.jsonl"
TRICKY = [
    {"id": "emoji", "lang": "fa", "annotator": "sara", "status": "done", "themes": ["health"],
     "text": "😀 👩\u200d👩\u200d👧 خبر: رجائیان در مشهد",
     "spans": [{"label": "PER", "word": "رجائیان"}, {"label": "GPE", "word": "مشهد", "note": "شهر"}]},
    {"id": "zwnj", "annotator": "sara", "text": "سامانه\u200cهای هوشمند در سمنان راه\u200cاندازی می\u200cشود",
     "spans": [{"label": "ORG", "word": "سامانه\u200cهای هوشمند"}, {"label": "GPE", "word": "سمنان"}]},
    {"id": "nfd", "annotator": "minji", "text": unicodedata.normalize("NFD", "지난 18일 대구시는 포항시와 발표"),
     "spans": [{"label": "GPE", "word": unicodedata.normalize("NFD", "대구시")},
               {"label": "DATE", "word": unicodedata.normalize("NFD", "지난 18일")}]},
    {"id": "crlf", "annotator": "minji", "text": "첫 줄\r\n서울특별시 경찰청\r\n끝",
     "spans": [{"label": "ORG", "word": "서울특별시 경찰청"}, {"label": "GPE", "word": "서울특별시"}]},
]


def tricky_file(tmp_path: Path) -> Path:
    lines = []
    for item in TRICKY:
        obj = {k: v for k, v in item.items() if k != "spans"}
        obj["spans"] = []
        for span in item["spans"]:
            start = item["text"].index(span["word"])
            entry = {"start": start, "end": start + len(span["word"]), "label": span["label"]}
            if "note" in span:
                entry["note"] = span["note"]
            obj["spans"].append(entry)
        lines.append(json.dumps(obj, ensure_ascii=False))
    return write(tmp_path / "tricky.jsonl", "\n".join(lines) + "\n")


@pytest.fixture
def filled(store: Store, tmp_path: Path) -> Store:
    import_paths(store, [SEEDS, DEMO, tricky_file(tmp_path)], annotator="tester")
    return store


def run_export(store: Store, **options) -> tuple[list[dict], object]:
    out = io.StringIO()
    report = export(store, out, ExportOptions(**options))
    return [json.loads(line) for line in out.getvalue().splitlines()], report


def test_jsonl_spans_are_exact_over_the_exported_text(filled: Store):
    lines, report = run_export(filled)
    assert report.spans == sum(len(line["spans"]) for line in lines) > 40
    for line in lines:
        assert line["format"] == "annotator" and line["version"] == 1
        assert {"id", "title", "text", "lang", "meta", "annotator", "status", "spans", "themes", "updated_at"} <= set(line)
        for span in line["spans"]:
            assert line["text"][span["start"]:span["end"]] == span["text"]
        assert line["spans"] == sorted(line["spans"], key=lambda s: (s["start"], s["end"], s["label"]))
    by = {(line["id"], line["annotator"]): line for line in lines}
    emoji = by[("emoji", "sara")]
    assert [(s["label"], s["text"]) for s in emoji["spans"]] == [("PER", "رجائیان"), ("GPE", "مشهد")]
    assert emoji["spans"][1]["note"] == "شهر" and emoji["themes"] == ["health"] and emoji["status"] == "done"
    assert [s["text"] for s in by[("nfd", "minji")]["spans"]] == ["지난 18일", "대구시"]  # NFC now
    assert by[("crlf", "minji")]["text"] == "첫 줄\n서울특별시 경찰청\n끝"
    assert ("004_07f1b5d4621585f7", None) not in by  # nobody touched it: not a claim of "no entities"
    lines, _ = run_export(filled, include_untouched=True)
    assert {(line["id"], line["annotator"]) for line in lines} >= {("004_07f1b5d4621585f7", None)}


def test_no_invented_negatives_and_unknown_names_are_errors(filled: Store):
    lines, _ = run_export(filled, annotator="minji", format="bio")
    assert {line["doc_id"] for line in lines} == {"nfd", "crlf"}  # only what minji touched
    lines, _ = run_export(filled, annotator="minji", format="bio", include_untouched=True)
    assert len({line["doc_id"] for line in lines}) > 2
    with pytest.raises(ExportError, match=r"no annotator 'ghost' has annotated anything here \(annotators: .*minji.*sara"):
        run_export(filled, annotator="ghost")
    with pytest.raises(ExportError, match=r"no document with the id 'nope' \(the database has \d+ documents"):
        run_export(filled, ids=["emoji", "nope"])


def _utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


def test_doccano_format_counts_utf16_like_its_editor_with_the_same_fields_on_every_line(filled: Store):
    lines, _ = run_export(filled, format="doccano", include_untouched=True)
    assert len({frozenset(line) for line in lines}) == 1  # doccano's DataFrame would fill gaps with NaN
    assert set(lines[0]) == {"doc_id", "text", "label", "cats", "annotator", "meta"}
    [emoji] = [line for line in lines if line["doc_id"] == "emoji"]
    assert emoji["cats"] == ["health"] and emoji["annotator"] == "sara"
    assert [_utf16_slice(emoji["text"], s, e) for s, e, _ in emoji["label"]] == ["رجائیان", "مشهد"]
    assert [emoji["text"][s:e] for s, e, _ in emoji["label"]] != ["رجائیان", "مشهد"]  # the units differ here
    lines, _ = run_export(filled, format="doccano", offsets="codepoints", doccano_layout="entities")
    [emoji] = [line for line in lines if line["doc_id"] == "emoji"]
    assert [emoji["text"][s:e] for s, e, _ in emoji["entities"]] == ["رجائیان", "مشهد"] and "label" not in emoji


def test_spacy_format_tokens_and_spans_line_up(filled: Store):
    lines, report = run_export(filled, format="spacy")
    for line in lines:
        text, tokens = line["text"], line["tokens"]
        assert [t["id"] for t in tokens] == list(range(len(tokens)))
        for token in tokens:
            assert text[token["start"]:token["end"]] == token["text"]
        # spaCy's convention: ws is one trailing space, other white space is a token of its own,
        # so the tokens give the text back exactly.
        assert "".join(t["text"] + " " * t["ws"] for t in tokens) == text
        for span in line["spans"]:
            assert tokens[span["token_start"]]["start"] == span["start"]
            assert tokens[span["token_end"]]["end"] == span["end"]
        assert line["answer"] == "accept" and "id" in line["meta"] and line["_view_id"] == "ner_manual"
        assert line["_annotator_id"] in {"sara", "minji", "tester", "reza", "minji"} or line["_annotator_id"]
        assert {o["id"] for o in line["options"]} >= set(line["accept"])
    nfd = next(line for line in lines if line["meta"]["id"] == "nfd")
    assert [t["text"] for t in nfd["tokens"]][:5] == ["지난", "18일", "대구시", "는", "포항시"]  # from the text alone
    assert report.misaligned == []


def test_bio_tokens_from_the_text_sentences_and_the_longer_of_overlapping_spans(filled: Store):
    lines, report = run_export(filled, format="bio", annotator="minji")
    by = {line["id"]: line for line in lines}
    nfd = by["nfd#0"]
    assert list(zip(nfd["tokens"], nfd["ner_tags"])) == [
        ("지난", "B-DATE"), ("18일", "I-DATE"), ("대구시", "B-GPE"), ("는", "O"), ("포항시", "O"), ("와", "O"),
        ("발표", "O")]
    assert [list(zip(by[f"crlf#{i}"]["tokens"], by[f"crlf#{i}"]["ner_tags"])) for i in range(3)] == [
        [("첫", "O"), ("줄", "O")], [("서울특별시", "B-ORG"), ("경찰청", "I-ORG")], [("끝", "O")]]
    assert by["crlf#1"]["doc_id"] == "crlf" and by["crlf#1"]["sentence"] == 1
    assert report.dropped_overlaps == 1 and report.misaligned == [] and report.sentences == len(lines)
    for line in lines:
        assert len(line["tokens"]) == len(line["ner_tags"])


def test_a_span_edge_inside_a_token_is_reported_not_retokenized(store: Store, tmp_path: Path):
    text = "동대구시장 방문. 대구시는 발표"
    path = write(tmp_path / "in.jsonl", json.dumps({"id": "k", "text": text, "annotator": "minji", "spans": [
        {"start": 1, "end": 4, "label": "GPE"}, {"start": 10, "end": 13, "label": "GPE"}]}, ensure_ascii=False) + "\n")
    import_paths(store, [path], annotator="minji")
    lines, report = run_export(store, format="bio")
    assert [line["tokens"] for line in lines] == [["동대구시장", "방문", "."], ["대구시", "는", "발표"]]
    assert [line["ner_tags"] for line in lines] == [["O", "O", "O"], ["B-GPE", "O", "O"]]
    [left_out] = report.misaligned
    assert (left_out.doc_id, left_out.annotator, left_out.text) == ("k", "minji", "대구시")
    assert "1 span left out of the token format" in report.summary()
    assert report.details() == ["document 'k', minji: GPE [1, 4) '대구시' has an edge inside a token"]


def test_chars_and_max_tokens(store: Store, tmp_path: Path):
    text = "김정은 위원장과 👩‍👩‍👧 حمید رضایی در مشهد"
    spans = [{"start": 0, "end": 3, "label": "PER"}, {"start": text.index("حمید"), "end": text.index("حمید") + 10,
                                                       "label": "PER"}]
    write(tmp_path / "c.jsonl", json.dumps({"id": "c", "text": text, "annotator": "a", "spans": spans},
                                           ensure_ascii=False) + "\n")
    import_paths(store, [tmp_path / "c.jsonl"], annotator="a")
    [line], _ = run_export(store, format="bio", chars=True)
    assert line["tokens"][:4] == ["김", "정", "은", " "] and "👩‍👩‍👧" in line["tokens"]
    assert line["ner_tags"][:4] == ["B-PER", "I-PER", "I-PER", "O"]
    assert "".join(line["tokens"]) == text
    lines, report = run_export(store, format="bio", max_tokens=3)
    assert all(len(x["tokens"]) <= 3 for x in lines)
    joined = [(t, g) for x in lines for t, g in zip(x["tokens"], x["ner_tags"])]
    assert ("حمید", "B-PER") in joined and ("رضایی", "I-PER") in joined
    assert any(x["tokens"][1:3] == ["حمید", "رضایی"] for x in lines)  # never cut inside the entity
    with pytest.raises(ExportError, match="--chars applies to the bio format"):
        run_export(store, format="spacy", chars=True)


def test_a_span_that_does_not_match_the_text_stops_the_export(filled: Store):
    disable_span_check(filled)
    filled.db.execute("UPDATE spans SET text = 'wrong' WHERE doc_id = 'emoji' AND label = 'GPE'")
    with pytest.raises(ExportError, match="document 'emoji', sara: span .* GPE says 'wrong' but the text there is 'مشهد'"):
        run_export(filled)


def test_filters_status_lang_ids_and_annotator(filled: Store):
    lines, _ = run_export(filled, status=Status.DONE)
    assert {(line["id"], line["annotator"]) for line in lines} == {("emoji", "sara"), ("002_26049669d35f669e", "sara")}
    lines, _ = run_export(filled, lang="ko", annotator="minji")
    assert {line["lang"] for line in lines} == {"ko"} and all(line["annotator"] == "minji" for line in lines)
    lines, _ = run_export(filled, ids=["zwnj", "crlf"])
    assert sorted(line["id"] for line in lines) == ["crlf", "zwnj"]
    with pytest.raises(ExportError, match="--gold and --annotator"):
        run_export(filled, gold=True, annotator="sara")


def test_gold_lines_carry_provenance(filled: Store):
    doc = filled.get_document("zwnj")
    start = doc.text.index("سمنان")
    filled.add_gold_span(Span("zwnj", "gold", start, start + 5, "GPE", "سمنان"), proposed_by=["sara", "minji"],
                         decided_by="reviewer", decided_at="2026-11-21T10:00:00.000+00:00")
    filled.set_gold_status("zwnj", "adjudicated", decided_by="reviewer")
    lines, _ = run_export(filled, gold=True)
    assert len(lines) == 1
    [line] = lines
    assert line["annotator"] == "gold" and line["status"] == "adjudicated"
    assert line["spans"] == [{"start": start, "end": start + 5, "label": "GPE", "text": "سمنان",
                              "proposed_by": ["minji", "sara"], "decided_by": "reviewer",
                              "decided_at": "2026-11-21T10:00:00.000+00:00"}]
    assert run_export(filled, gold=True, status=Status.DONE)[0] == lines


def _without_times(lines: list[dict]) -> list[dict]:
    return [{k: v for k, v in line.items() if k != "updated_at"} for line in lines]


def test_round_trip_through_a_fresh_database(filled: Store, tmp_path: Path):
    doc = filled.get_document("zwnj")
    start = doc.text.index("سمنان")
    filled.add_gold_span(Span("zwnj", "gold", start, start + 5, "GPE", "سمنان"), proposed_by=["sara"],
                         decided_by="reviewer", decided_at="2026-11-21T10:00:00.000+00:00")
    filled.add_gold_theme("zwnj", "mobility", proposed_by=[], decided_by="reviewer")
    filled.set_gold_status("zwnj", "adjudicated", decided_by="reviewer")
    first, _ = run_export(filled)
    gold, _ = run_export(filled, gold=True)
    path = write(tmp_path / "out.jsonl", "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in first + gold))
    with open_project(tmp_path / "fresh.db") as fresh:
        import_paths(fresh, [path], annotator="nobody")
        second, _ = run_export(fresh)
        gold_again, _ = run_export(fresh, gold=True)
        assert "nobody" not in fresh.annotators()
    assert _without_times(second) == _without_times(first)
    assert _without_times(gold_again) == _without_times(gold)


_PIECES = st.sampled_from(list("مشهدکیپ سمنان") + ["\u200c", "😀", "👩\u200d💻", "𠜎", " ", "\n", "\r\n"]
                          + list("대구시는서울 ") + [unicodedata.normalize("NFD", "한국"), "e\u0301"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.lists(_PIECES, min_size=1, max_size=40).map("".join).filter(str.strip),
                      min_size=1, max_size=3), data=st.data())
def test_round_trip_of_random_persian_hangul_and_emoji(tmp_path_factory, texts, data):
    tmp = tmp_path_factory.mktemp("rt")
    records = []
    for i, text in enumerate(texts):
        spans = []
        for _ in range(data.draw(st.integers(0, 4))):
            s = data.draw(st.integers(0, len(text) - 1))
            e = data.draw(st.integers(s + 1, len(text)))
            spans.append({"start": s, "end": e, "label": data.draw(st.sampled_from(["PER", "GPE"]))})
        records.append({"id": f"d{i}", "text": text, "annotator": "a", "spans": spans})
    source = write(tmp / "in.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    with open_project(tmp / "one.db") as one:
        import_paths(one, [source], annotator="a")
        first, _ = run_export(one, include_untouched=True)
    for line in first:
        for span in line["spans"]:
            assert line["text"][span["start"]:span["end"]] == span["text"]
    again = write(tmp / "again.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in first))
    with open_project(tmp / "two.db") as two:
        import_paths(two, [again], annotator="a")
        second, _ = run_export(two, include_untouched=True)
    assert _without_times(second) == _without_times(first)


@pytest.mark.parametrize("fmt", ["jsonl", "spacy", "bio"])
def test_exports_load_with_the_json_reader_datasets_uses(filled: Store, tmp_path: Path, fmt: str):
    """datasets.load_dataset("json", ...) reads with pyarrow.json, inferring each column's type from
    the lines it sees (null, string, optional fields and differing meta keys must all agree)."""
    import pyarrow.json as paj

    from annotator.core.exporting import export_file

    path = tmp_path / f"{fmt}.jsonl"
    export_file(filled, path, ExportOptions(format=fmt, include_untouched=True))
    table = paj.read_json(path, read_options=paj.ReadOptions(block_size=1 << 20))
    rows = table.to_pylist()
    assert len(rows) == len(path.read_text(encoding="utf-8").splitlines())
    if fmt == "jsonl":
        assert any(r["annotator"] is None for r in rows) and any(r["annotator"] for r in rows)
        for row in rows:  # exact spans for every document, emoji and NFD input included
            for span in row["spans"]:
                assert row["text"][span["start"]:span["end"]] == span["text"]
        assert {r["id"] for r in rows} >= {"emoji", "nfd", "crlf", "zwnj"}


def test_labelstudio_export_names_layers_in_results_and_follows_the_project_config(filled: Store):
    config = ('<View><Text name="content" value="$content"/><Labels name="ner" toName="content">'
              '<Label value="PER"/></Labels><Choices name="topic" toName="content"><Choice value="health"/>'
              '</Choices></View>')
    tasks = json.loads("".join(run_export_raw(filled, format="labelstudio", labelstudio_config=config)))
    emoji = next(t for t in tasks if t["data"]["doc_id"] == "emoji")
    [annotation] = emoji["annotations"]
    assert annotation["ground_truth"] is False and emoji["data"]["content"].startswith("😀")
    kinds = {(r["from_name"], r["to_name"], r["type"], r["annotator"]) for r in annotation["result"]}
    assert kinds == {("ner", "content", "labels", "sara"), ("topic", "content", "choices", "sara")}
    note = next(r for r in annotation["result"] if r["type"] == "labels" and r["value"]["text"] == "مشهد")
    assert note["meta"] == {"text": ["شهر"]}
    with pytest.raises(ExportError, match="--labelstudio-config: the labeling config has no <Labels"):
        run_export_raw(filled, format="labelstudio", labelstudio_config="<View/>")


def test_doccano_entities_layout_leaves_out_overlaps_doccano_would_drop(filled: Store):
    lines, report = run_export(filled, format="doccano", doccano_layout="entities", annotator="minji")
    crlf = next(line for line in lines if line["doc_id"] == "crlf")
    assert [label for _, _, label in crlf["entities"]] == ["ORG"]  # 서울특별시 inside 서울특별시 경찰청 left out
    assert report.dropped_overlaps == 1 and "1 overlapping span left out" in report.summary()


def run_export_raw(store: Store, **options) -> str:
    out = io.StringIO()
    export(store, out, ExportOptions(**options))
    return out.getvalue()


def test_spacy_docbin_without_spacy_says_which_extra_to_install(filled: Store, tmp_path: Path, monkeypatch):
    import sys

    from annotator.core.exporting import export_file

    for name in ["spacy", *(m for m in sys.modules if m.startswith("spacy."))]:
        monkeypatch.setitem(sys.modules, name, None)  # as if the extra were not installed
    import annotator.core

    monkeypatch.delitem(sys.modules, "annotator.core.docbin", raising=False)
    monkeypatch.delattr(annotator.core, "docbin", raising=False)
    with pytest.raises(ExportError, match=r"spacy-docbin needs spaCy: pip install 'annotator\[spacy\]'"):
        export_file(filled, tmp_path / "x.spacy", ExportOptions(format="spacy-docbin"))
    assert not (tmp_path / "x.spacy").exists() and not (tmp_path / "x.spacy.partial").exists()


def test_brat_keeps_every_annotation_set_in_a_folder_of_its_own(store: Store, tmp_path: Path):
    from annotator.core.exporting import export_file

    lines = [{"id": "d/1", "text": "Ali\nReza met", "annotator": name, "spans": spans} for name, spans in (
        ("a/b", [{"start": 0, "end": 3, "label": "PER"}, {"start": 3, "end": 4, "label": "PER"}]),
        ("a_b", [{"start": 4, "end": 8, "label": "PER"}]),
        ("A_B", [{"start": 0, "end": 8, "label": "PER"}]),
        ("unannotated", [{"start": 9, "end": 12, "label": "EVENT"}]))]
    import_paths(store, [write(tmp_path / "in.jsonl", "".join(json.dumps(x) + "\n" for x in lines))], annotator="x")
    report = export_file(store, tmp_path / "out", ExportOptions(format="brat"))
    folders = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir())
    assert len(folders) == 4 and len({f.lower() for f in folders}) == 4
    anns = {f: (tmp_path / "out" / f / "d_1.ann").read_text(encoding="utf-8") for f in folders}
    assert sum(a.count("\tPER ") + a.count("\tEVENT ") for a in anns.values()) == 4  # the line break left out
    assert report.skipped_spans == 1
    for ann in anns.values():
        for row in ann.splitlines():
            assert len(row.split("\t")) == 3 and row.split("\t")[1].split(" ")[1].isdigit()


def test_conll_asks_which_annotation_set(filled: Store):
    with pytest.raises(ExportError, match=r"a CoNLL file holds one annotation set: choose one annotator.s layer or the gold layer \(--annotator NAME or --gold\)"):
        run_export_raw(filled, format="conll")
    assert run_export_raw(filled, format="conll", annotator="minji").count("-DOCSTART-") == 2


def test_labelstudio_export_puts_the_text_where_the_projects_text_control_reads_it(filled: Store):
    config = ('<View><Labels name="ner" toName="txt"><Label value="PER"/></Labels>'
              '<Text name="txt" value="$article"/></View>')
    [task, *_] = json.loads(run_export_raw(filled, format="labelstudio", labelstudio_config=config))
    assert "article" in task["data"] and "txt" not in task["data"]
    assert {r["to_name"] for a in task["annotations"] for r in a["result"]} <= {"txt"}
    with pytest.raises(ExportError, match=r"\$title is one annotator's export writes itself"):
        run_export_raw(filled, format="labelstudio", labelstudio_config=config.replace("$article", "$title"))


def test_labelstudio_export_with_a_custom_text_field_imports_back_without_help(filled: Store, tmp_path: Path):
    config = ('<View><Labels name="ner" toName="txt"><Label value="PER"/></Labels>'
              '<Text name="txt" value="$article"/></View>')
    path = write(tmp_path / "t.json", run_export_raw(filled, format="labelstudio", labelstudio_config=config))
    with open_project(tmp_path / "again.db") as again:
        import_paths(again, [path], annotator="x")
        assert again.get_document("emoji").text == filled.get_document("emoji").text


def test_brat_writes_a_long_id_under_a_safe_file_name_and_lists_it(store: Store, tmp_path: Path):
    """Issue 20, 12: a legal 300-character id made `export --format brat` fail as a whole ("File
    name too long"): a Persian id of 300 letters is 600 bytes, a file name at most 255."""
    from annotator.core.exporting import BRAT_NAMES, export_file

    long_ids = ["س" * 300, "س" * 299 + "ش", "k" * 300]
    lines = [{"id": i, "text": "Ali met Reza", "annotator": "sara", "spans": [{"start": 0, "end": 3, "label": "PER"}]}
             for i in long_ids]
    import_paths(store, [write(tmp_path / "in.jsonl", "".join(json.dumps(x) + "\n" for x in lines))], annotator="x")
    report = export_file(store, tmp_path / "out", ExportOptions(format="brat"))
    anns = sorted((tmp_path / "out" / "sara").glob("*.ann"))
    assert len(anns) == 3 and all(len(a.name.encode("utf-8")) <= 200 for a in anns)
    listed = dict(row.split("\t")[::-1] for row in (tmp_path / "out" / BRAT_NAMES).read_text(encoding="utf-8").splitlines())
    assert set(listed) == set(long_ids) and len(set(listed.values())) == 3
    for doc_id, name in listed.items():
        assert (tmp_path / "out" / f"{name}.ann").read_text(encoding="utf-8").startswith("T1\tPER 0 3\tAli")
    assert "3 documents in a file not named by the id (listed in file-names.tsv)" in report.summary()


# --- issue 23: what the targets would lose is said before anyone uploads ----------------------


def test_doccano_default_layout_says_which_overlapping_spans_a_project_without_overlap_drops(filled: Store):
    raw = run_export_raw(filled, format="doccano", annotator="minji")
    lines, report = run_export(filled, format="doccano", annotator="minji")
    crlf = next(line for line in lines if line["doc_id"] == "crlf")
    assert sorted(label for _, _, label in crlf["label"]) == ["GPE", "ORG"]  # both written, as before
    assert raw == run_export_raw(filled, format="doccano", annotator="minji")
    assert report.tokens.risky_overlaps == 1 and report.dropped_overlaps == 0
    summary = report.summary()
    assert "1 span in 1 document overlaps a longer one (listed below): a doccano project that does not allow " \
           "overlapping spans (its default)" in summary
    assert report.details() == ["document 'crlf', minji: GPE [4, 9) '서울특별시' overlaps ORG [4, 13) '서울특별시 경찰청'"]
    _, entities = run_export(filled, format="doccano", annotator="minji", doccano_layout="entities")
    assert entities.tokens.risky_overlaps == 0 and entities.details() == [
        "document 'crlf', minji: GPE [4, 9) '서울특별시' overlaps ORG [4, 13) '서울특별시 경찰청' (left out)"]
    _, sara = run_export(filled, format="doccano", annotator="sara", ids=["emoji", "zwnj"])
    assert "overlap" not in sara.summary() and sara.details() == []


def test_prodigy_ner_manual_lines_say_their_overlapping_spans_may_be_lost(filled: Store):
    lines, report = run_export(filled, format="spacy", annotator="minji")
    crlf = next(line for line in lines if line["meta"]["id"] == "crlf")
    assert len(crlf["spans"]) == 2
    assert report.tokens.risky_overlaps == 1 and "Prodigy's ner_manual and spaCy's doc.ents" in report.summary()


def test_a_prodigy_task_holds_a_span_inside_a_word_on_tokens_cut_at_its_edges(store: Store, tmp_path: Path):
    # kim marks the city inside the organisation's one-word name: ner_manual's spans sit on
    # tokens, so the tokens are cut at every span edge (as spacy-docbin's), never the span dropped
    text = "😀 서울소방재난본부는 오늘 발표했다."
    line = {"id": "k", "text": text, "annotator": "kim", "spans": [
        {"start": 2, "end": 10, "label": "ORG"}, {"start": 2, "end": 4, "label": "GPE"}]}
    import_paths(store, [write(tmp_path / "k.jsonl", json.dumps(line, ensure_ascii=False) + "\n")], annotator="t")
    [task], report = run_export(store, format="spacy")
    tokens = task["tokens"]
    assert [t["text"] for t in tokens][:4] == ["😀", "서울", "소방재난본부", "는"]
    assert [(s["label"], text[s["start"]:s["end"]], tokens[s["token_start"]]["start"], tokens[s["token_end"]]["end"])
            for s in task["spans"]] == [("GPE", "서울", 2, 4), ("ORG", "서울소방재난본부", 2, 10)]
    assert report.misaligned == [] and "".join(t["text"] + " " * t["ws"] for t in tokens) == text


def test_bio_lists_the_overlapping_spans_it_leaves_out(filled: Store):
    _, report = run_export(filled, format="bio", annotator="minji")
    assert "1 overlapping span left out (the format cannot nest them; the longer one kept; listed below)" \
        in report.summary()
    assert report.details() == [
        "document 'crlf', minji: GPE [4, 9) '서울특별시' overlaps ORG [4, 13) '서울특별시 경찰청' (left out)"]


def _with_model_layer(store: Store, tmp_path: Path) -> None:
    text = "지난 18일 대구시는 포항시와 발표했다."
    line = {"id": "m", "text": text, "annotator": "sara", "status": "done",
            "spans": [{"start": 7, "end": 10, "label": "GPE"}]}
    model = {"id": "m", "text": text, "annotator": "model", "spans": [
        {"start": 0, "end": 6, "label": "DATE"}, {"start": 8, "end": 10, "label": "GPE"},
        {"start": 12, "end": 15, "label": "GPE"}]}
    write(tmp_path / "m.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in (line, model)))
    import_paths(store, [tmp_path / "m.jsonl"], annotator="tester")


@pytest.mark.parametrize("fmt", ["spacy", "bio"])
def test_training_formats_leave_the_model_layer_out_unless_asked(store: Store, tmp_path: Path, fmt: str):
    _with_model_layer(store, tmp_path)
    lines, report = run_export(store, format=fmt)
    who = "_annotator_id" if fmt == "spacy" else "annotator"
    assert {line[who] for line in lines} == {"sara"}
    assert report.misaligned == []  # the model's 구시 inside 대구시 is not a span of this export
    assert "the model layer (suggestions; 1 document) left out: --include-model or --annotator model exports it" \
        in report.summary()
    lines, report = run_export(store, format=fmt, include_model=True)
    assert {line[who] for line in lines} == {"sara", "model"} and "model layer" not in report.summary()
    # now the model's 구시 inside 대구시 is one of its spans: a Prodigy task cuts its tokens there,
    # a sentence format lists it as misaligned
    assert len(report.misaligned) == (0 if fmt == "spacy" else 1)
    lines, report = run_export(store, format=fmt, annotator="model")
    assert {line[who] for line in lines} == {"model"} and "model layer" not in report.summary()
    lines, report = run_export(store, format=fmt, annotator="sara")
    assert "model layer" not in report.summary()  # asked for one layer: nothing was left out
    jsonl, report = run_export(store, format="jsonl")
    assert {line["annotator"] for line in jsonl} == {"sara", "model"}  # annotator's own format keeps every layer
    with pytest.raises(ExportError, match="--include-model applies to the training formats"):
        run_export(store, format="jsonl", include_model=True)


def test_conll_starts_each_document_with_the_line_spacy_splits_at(filled: Store):
    raw = run_export_raw(filled, format="conll", annotator="minji")
    assert raw.startswith("-DOCSTART- -X- O O\n\n") and raw.count("-DOCSTART- -X- O O\n\n") == 2
    assert "-X- -X-" not in raw


def test_conllu_keeps_the_spacing_and_the_entities(filled: Store):
    raw = run_export_raw(filled, format="conllu", annotator="minji")
    assert raw.count("# newdoc id = ") == 2
    crlf = raw[raw.index("# newdoc id = crlf"):]
    assert crlf.split("\n\n")[:3] == [
        "# newdoc id = crlf\n# sent_id = crlf#0\n# text = 첫 줄\n"
        "1\t첫\t_\t_\t_\t_\t_\t_\t_\t_\n2\t줄\t_\t_\t_\t_\t_\t_\t_\tSpacesAfter=\\n",
        "# sent_id = crlf#1\n# text = 서울특별시 경찰청\n"
        "1\t서울특별시\t_\t_\t_\t_\t_\t_\t_\tNE=B-ORG\n2\t경찰청\t_\t_\t_\t_\t_\t_\t_\tNE=I-ORG|SpacesAfter=\\n",
        "# sent_id = crlf#2\n# text = 끝\n1\t끝\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No"]
    nfd = raw[raw.index("# newdoc id = nfd"):raw.index("# newdoc id = crlf")]
    assert "3\t대구시\t_\t_\t_\t_\t_\t_\t_\tNE=B-GPE|SpaceAfter=No\n4\t는\t_\t_\t_\t_\t_\t_\t_\t_\n" in nfd
    lines, report = run_export(filled, format="bio", annotator="minji")
    assert report.sentences == raw.count("# sent_id = ")
    with pytest.raises(ExportError, match=r"a CoNLL file holds one annotation set"):
        run_export_raw(filled, format="conllu")


def test_conllu_refuses_a_label_spacy_would_misread(store: Store, tmp_path: Path):
    line = {"id": "x", "text": "대구시는 발표", "annotator": "sara", "spans": [{"start": 0, "end": 3, "label": "Gpe2"}]}
    import_paths(store, [write(tmp_path / "x.jsonl", json.dumps(line, ensure_ascii=False) + "\n")], annotator="sara")
    with pytest.raises(ExportError, match=r"label 'Gpe2' cannot be read back from CoNLL-U by spaCy's converter"):
        run_export_raw(store, format="conllu", annotator="sara")


def test_the_command_says_what_was_left_out_and_lists_the_overlaps(store: Store, tmp_path: Path, run):
    _with_model_layer(store, tmp_path)
    import_paths(store, [tricky_file(tmp_path)], annotator="tester")
    result = run("export", "--format", "bio", "-o", str(tmp_path / "bio.jsonl"))
    assert result.exit_code == 0, result.output
    summary, *listed = result.stderr.splitlines()
    assert "the model layer (suggestions; 1 document) left out: --include-model or --annotator model exports it" \
        in summary
    assert "  document 'crlf', minji: GPE [4, 9) '서울특별시' overlaps ORG [4, 13) '서울특별시 경찰청' (left out)" in listed
    result = run("export", "--format", "bio", "--include-model", "-o", str(tmp_path / "all.jsonl"))
    assert result.exit_code == 0 and "model layer" not in result.stderr
    assert any('"annotator":"model"' in line for line in (tmp_path / "all.jsonl").read_text().splitlines())
    result = run("export", "--format", "doccano", "--include-model")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "Error: --include-model applies to the training formats" in result.output
