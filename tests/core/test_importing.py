"""Import: seeds, tricky text, bad input refused with file and line and nothing changed, idempotence."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.errors import InputError
from annotator.core.importing import import_paths
from annotator.core.model import Status
from annotator.core.project import open_project
from annotator.core.text import normalize
from annotator.storage import Store
from tests.helpers import DAEGU_SEED, PERSIAN_SEED, SEEDS, write


def jsonl(*objs: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def test_each_seed_imports_as_one_document(store: Store):
    report = import_paths(store, [SEEDS], annotator="tester")
    assert report.documents_added == 5
    for path in sorted(SEEDS.glob("*.txt")):
        doc = store.get_document(path.stem)
        assert doc is not None
        assert doc.text == normalize(path.read_text(encoding="utf-8"))
        assert doc.title == next(line.strip() for line in doc.text.split("\n") if line.strip())
        assert doc.source == str(path)
    assert store.get_document(PERSIAN_SEED).direction == "rtl"
    assert store.get_document(DAEGU_SEED).lang == "ko"


def test_importing_again_changes_nothing(store: Store, tmp_path: Path):
    data = write(tmp_path / "a.jsonl", jsonl(
        {"id": "k1", "text": "대구시는 발표했다", "spans": [{"start": 0, "end": 3, "label": "GPE"}],
         "themes": ["health"], "status": "done", "annotator": "sara"},
    ))
    first = import_paths(store, [SEEDS, data], annotator="tester")
    before = store.dump()
    second = import_paths(store, [SEEDS, data], annotator="tester")
    assert (first.documents_added, first.spans_added, first.themes_added, first.statuses_set) == (6, 1, 1, 1)
    assert (second.documents_added, second.documents_unchanged, second.spans_added) == (0, 6, 0)
    assert second.spans_unchanged == 1
    assert store.dump() == before


def test_known_id_with_other_text_is_an_error_not_a_duplicate(store: Store, tmp_path: Path):
    import_paths(store, [write(tmp_path / "x.jsonl", jsonl({"id": "n1", "text": "خبر اول"}))], annotator="t")
    before = store.dump()
    other = write(tmp_path / "y.jsonl", jsonl({"id": "n2", "text": "ok"}, {"id": "n1", "text": "خبر دوم"}))
    with pytest.raises(InputError) as err:
        import_paths(store, [other], annotator="t")
    assert str(err.value) == f"{other}:2: document 'n1' is already in the database with a different text"
    assert store.dump() == before


def test_emoji_and_zwj_sequence_before_an_entity(store: Store, tmp_path: Path):
    text = "😀 👩\u200d👩\u200d👧 خبر: رجائیان گفت"
    start = text.index("رجائیان")
    path = write(tmp_path / "e.jsonl", jsonl(
        {"id": "e", "text": text, "spans": [{"start": start, "end": start + 7, "label": "PER"}]}
    ))
    import_paths(store, [path], annotator="t")
    [span] = store.spans("e", "t")
    doc = store.get_document("e")
    assert (span.start, span.end) == (start, start + 7) == (13, 20)
    assert doc.text[span.start : span.end] == span.text == "رجائیان"


def test_zwnj_is_kept_in_text_and_span(store: Store, tmp_path: Path):
    text = "رویداد بین\u200cالمللی شهرهای هوشمند"
    s = text.index("بین")
    path = write(tmp_path / "z.jsonl", jsonl({"id": "z", "text": text,
                                              "spans": [{"start": s, "end": s + 10, "label": "EVENT"}]}))
    import_paths(store, [path], annotator="t")
    [span] = store.spans("z", "t")
    assert span.text == "بین\u200cالمللی"


def test_nfd_korean_with_spans_is_stored_nfc_with_spans_remapped(store: Store, tmp_path: Path):
    nfc = "지난 18일 대구시는 포항시와 발표"
    nfd = unicodedata.normalize("NFD", nfc)
    spans = []
    for word in ("대구시", "포항시"):
        raw_word = unicodedata.normalize("NFD", word)
        s = nfd.index(raw_word)
        spans.append({"start": s, "end": s + len(raw_word), "label": "GPE"})
    assert spans[0]["start"] != nfc.index("대구시")  # the raw offsets really are different
    path = write(tmp_path / "nfd.jsonl", jsonl({"id": "nfd", "text": nfd, "spans": spans}))
    import_paths(store, [path], annotator="t")
    doc = store.get_document("nfd")
    assert doc.text == nfc
    got = [(s.start, s.end, s.text) for s in store.spans("nfd", "t")]
    assert got == [(nfc.index("대구시"), nfc.index("대구시") + 3, "대구시"), (nfc.index("포항시"), nfc.index("포항시") + 3, "포항시")]


def test_bom_and_crlf_txt_file(store: Store, tmp_path: Path):
    path = write(tmp_path / "bom.txt", "\ufeffعنوان خبر\r\n\r\nمتن خبر در مشهد\r\nپایان\r")
    import_paths(store, [path], annotator="t")
    doc = store.get_document("bom")
    assert doc.text == "عنوان خبر\n\nمتن خبر در مشهد\nپایان\n"
    assert doc.title == "عنوان خبر"


def test_crlf_in_jsonl_text_moves_spans_with_it(store: Store, tmp_path: Path):
    text = "خط اول\r\nسمنان\r\nخط سوم"
    s = text.index("سمنان")
    path = write(tmp_path / "c.jsonl", jsonl({"id": "c", "text": text,
                                              "spans": [{"start": s, "end": s + 5, "label": "GPE"}]}))
    import_paths(store, [path], annotator="t")
    [span] = store.spans("c", "t")
    assert (span.start, span.text) == (7, "سمنان")


def test_persian_digits_among_latin_acronyms(store: Store, tmp_path: Path):
    text = "نمایشگاه SCEWC ۲۰۲۰ و ICT در ۱۴ آذرماه"
    s = text.index("۱۴")
    path = write(tmp_path / "d.jsonl", jsonl({"id": "d", "lang": "fa", "text": text, "spans": [
        {"start": s, "end": s + 9, "label": "DATE"},
        {"start": text.index("SCEWC"), "end": text.index("SCEWC") + 10, "label": "EVENT"},
    ]}))
    import_paths(store, [path], annotator="t")
    assert [s.text for s in store.spans("d", "t")] == ["SCEWC ۲۰۲۰", "۱۴ آذرماه"]
    assert store.get_document("d").direction == "rtl"


def test_unknown_labels_are_added_and_reported_or_refused_when_strict(store: Store, tmp_path: Path):
    path = write(tmp_path / "l.jsonl", jsonl({"id": "l", "text": "abc def", "themes": ["sports"],
                                              "spans": [{"start": 0, "end": 3, "label": "PRODUCT"}]}))
    before = store.dump()
    with pytest.raises(InputError, match=r"l\.jsonl:1: label 'PRODUCT' is not in the schema \(--strict\)"):
        import_paths(store, [path], annotator="t", strict=True)
    assert store.dump() == before
    report = import_paths(store, [path], annotator="t")
    assert report.labels_added == ["PRODUCT"] and report.themes_created == ["sports"]
    assert store.schema().label("PRODUCT").hotkey not in {None, "p", "o", "g", "l", "e", "d", "r"}


def test_annotator_status_themes_and_notes_from_jsonl(store: Store, tmp_path: Path):
    path = write(tmp_path / "a.jsonl", jsonl(
        {"id": "a", "text": "포항시 발표", "annotator": "minji", "status": "in progress", "themes": ["economy"],
         "spans": [{"start": 0, "end": 3, "label": "GPE", "note": "city, not county", "text": "포항시"}],
         "url": "https://example.org/a"},
        {"id": "b", "text": "대구", "spans": [{"start": 0, "end": 2, "label": "GPE"}]},
    ))
    report = import_paths(store, [path], annotator="default-name")
    assert report.annotators_added == ["minji", "default-name"]
    assert store.status("a", "minji") is Status.IN_PROGRESS
    assert store.doc_themes("a", "minji") == ["economy"]
    assert store.spans("a", "minji")[0].note == "city, not county"
    assert store.get_document("a").meta == {"url": "https://example.org/a"}
    assert [s.text for s in store.spans("b", "default-name")] == ["대구"]


def test_jsonl_without_id_gets_a_stable_id_from_its_text(store: Store, tmp_path: Path):
    path = write(tmp_path / "n.jsonl", jsonl({"text": "خبر بی شناسه"}))
    import_paths(store, [path], annotator="t")
    again = import_paths(store, [path], annotator="t")
    assert again.documents_unchanged == 1 and store.count_documents() == 1


def test_folders_are_searched_recursively_and_other_files_skipped(store: Store, tmp_path: Path):
    write(tmp_path / "in" / "a.txt", "الف")
    write(tmp_path / "in" / "deep" / "b.jsonl", jsonl({"id": "b", "text": "비"}))
    write(tmp_path / "in" / "deep" / "notes.md", "ignored")
    write(tmp_path / "in" / ".hidden" / "c.txt", "hidden")
    report = import_paths(store, [tmp_path / "in"], annotator="t")
    assert report.documents_added == 2 and len(report.skipped_files) == 1
    assert store.get_document("c") is None


BAD_INPUTS = [
    ("bad.txt", b"\xd9\x85\xd8\xb4\n\xff\xfe broken", "bad.txt:2: not valid UTF-8"),
    ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "bin.txt:3: binary data"),
    ("empty.txt", b"", "empty.txt: empty file"),
    ("blank.txt", b"  \n\n", "blank.txt: empty file"),
    ("empty.jsonl", b"\n\n", "empty.jsonl: empty file"),
    ("m.jsonl", b'{"text": "ok"}\n{"text": "broken"\n', "m.jsonl:2: malformed JSON"),
    ("open.jsonl", b'{"text": "ok"}\n{"text": "no end}\n',  # the line's end is not a control character in it
     "open.jsonl:2: malformed JSON: a string that never ends (a missing closing quote) at column 10"),
    ("tab.jsonl", b'{"text": "a\tb"}\n',
     "tab.jsonl:1: malformed JSON: a raw control character (a tab or a line break) inside a string; write it as "
     "\\t or \\n at column 12"),
    ("arr.jsonl", b'["text"]\n', "arr.jsonl:1: each line must be a JSON object, not a list"),
    ("nt.jsonl", b'{"title": "no text"}\n', "nt.jsonl:1: missing required field 'text'"),
    ("tt.jsonl", b'{"text": 42}\n', "tt.jsonl:1: field 'text' must be a string, not a number"),
    ("mt.jsonl", b'{"text": "a", "meta": [1]}\n', "mt.jsonl:1: field 'meta' must be an object, not a list"),
    ("sp.jsonl", b'{"text": "a", "spans": {"start": 0}}\n', "sp.jsonl:1: field 'spans' must be a list of spans"),
    ("or.jsonl", '{"text": "مشهد", "spans": [{"start": 0, "end": 9, "label": "GPE"}]}\n'.encode(),
     "or.jsonl:1: span 1: end 9 is past the end of the text (4 characters)"),
    ("se.jsonl", b'{"text": "abcdef", "spans": [{"start": 4, "end": 2, "label": "GPE"}]}\n',
     "se.jsonl:1: span 1: start 4 is not before end 2"),
    ("neg.jsonl", b'{"text": "abc", "spans": [{"start": -1, "end": 2, "label": "X"}]}\n', "neg.jsonl:1: span 1: start -1 is negative"),
    ("fl.jsonl", b'{"text": "abc", "spans": [{"start": 0.5, "end": 2, "label": "X"}]}\n',
     "fl.jsonl:1: span 1: 'start' must be a whole number, not a number"),
    ("bo.jsonl", b'{"text": "abc", "spans": [{"start": true, "end": 2, "label": "X"}]}\n',
     "bo.jsonl:1: span 1: 'start' must be a whole number, not a boolean"),
    ("nl.jsonl", b'{"text": "abc", "spans": [{"start": 0, "end": 2}]}\n', "nl.jsonl:1: span 1: missing 'label'"),
    ("tx.jsonl", b'{"text": "abcdef", "spans": [{"start": 0, "end": 2, "label": "X", "text": "bc"}]}\n',
     "tx.jsonl:1: span 1: its text 'bc' is not what [0, 2) covers ('ab')"),
    ("st.jsonl", b'{"text": "abc", "status": "finished"}\n', "st.jsonl:1: field 'status': unknown status 'finished'"),
    ("lg.jsonl", b'{"text": "abc", "lang": "Persian language"}\n', "lg.jsonl:1: field 'lang' must be a language code"),
    ("th.jsonl", b'{"text": "abc", "themes": [3]}\n', "th.jsonl:1: theme 1 must be a non-empty string, not a number"),
    ("gd.jsonl", b'{"text": "abc", "annotator": "gold", "status": "skipped"}\n',
     "gd.jsonl:1: field 'status': a gold line is in_progress or adjudicated"),
    ("nul.jsonl", b'{"text": "abc", "annotator": null, "spans": [{"start": 0, "end": 1, "label": "X"}]}\n',
     "nul.jsonl:1: spans, themes or a status with \"annotator\": null"),
    ("bl.jsonl", b'{"text": "ok"}\n\xc3\x28\n', "bl.jsonl:2: not valid UTF-8"),
    ("notes.csv", b"a,b\n", "notes.csv: unsupported file type '.csv'"),
    ("sur.jsonl", b'{"text": "ok"}\n{"text": "a\\ud800b"}\n', "sur.jsonl:2: holds a lone UTF-16 surrogate"),
    ("big.jsonl", b'{"text": "ok", "meta": {"n": ' + b"9" * 5000 + b"}}\n", "big.jsonl:1: malformed JSON: Exceeds the limit"),
    ("deep.jsonl", b'{"text": "ok", "meta": {"x": ' + b"[" * 100000 + b"]" * 100000 + b"}}\n",
     "deep.jsonl:1: malformed JSON: maximum recursion depth"),
    ("u16.jsonl", '{"text": "مشهد"}\n'.encode("utf-16"), "u16.jsonl:1: encoded as UTF-16, not UTF-8"),
    ("u16.txt", "مشهد".encode("utf-16"), "u16.txt:1: encoded as UTF-16, not UTF-8"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_with_file_and_line_and_changes_nothing(store: Store, tmp_path: Path,
                                                                    name: str, content: bytes, message: str):
    good = write(tmp_path / "good.jsonl", jsonl({"id": "g", "text": "خبر خوب", "spans": [
        {"start": 0, "end": 3, "label": "NEWLABEL"}]}))
    import_paths(store, [SEEDS], annotator="t")
    before = store.dump()
    bad = write(tmp_path / name, content)
    with pytest.raises(InputError) as err:
        import_paths(store, [good, bad], annotator="t")  # the good file comes first, and is rolled back
    assert str(err.value).startswith(str(tmp_path / message.split(":")[0]))
    assert message.split(":", 1)[1] in str(err.value)
    assert store.dump() == before


def test_missing_path_and_empty_folder(store: Store, tmp_path: Path):
    with pytest.raises(InputError, match="no such file or folder"):
        import_paths(store, [tmp_path / "nope"], annotator="t")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="folder holds no .txt, .jsonl or .json files"):
        import_paths(store, [tmp_path / "empty"], annotator="t")


_TEXT = st.lists(
    st.sampled_from(list("مشهدکیپ ") + ["\u200c", "😀", "👩\u200d💻", "𠜎", " ", "\n"]
                    + list("대구시는서울") + [unicodedata.normalize("NFD", "한국")]),
    min_size=1, max_size=50,
).map("".join).filter(str.strip)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT, data=st.data())
def test_imported_spans_cover_what_they_covered(tmp_path_factory, text, data):
    """Random Persian, Hangul and emoji text with random spans: each stored span is
    ``text[start:end]`` of the stored text and is the NFC form of what it covered."""
    tmp = tmp_path_factory.mktemp("prop")
    n = len(text)
    spans = []
    for _ in range(data.draw(st.integers(1, 5))):
        s = data.draw(st.integers(0, n - 1))
        e = data.draw(st.integers(s + 1, n))
        spans.append({"start": s, "end": e, "label": "PER"})
    path = write(tmp / "p.jsonl", jsonl({"id": "p", "text": text, "spans": spans}))
    with open_project(tmp / "p.db") as store:
        import_paths(store, [path], annotator="t")
        doc = store.get_document("p")
        stored = store.spans("p", "t")
        assert doc.text == normalize(text)
        for span in stored:
            assert doc.text[span.start : span.end] == span.text
        if text == normalize(text):  # no normalisation: offsets are kept exactly
            assert {(s.start, s.end) for s in stored} == {(s["start"], s["end"]) for s in spans}
        else:  # each span is the normal form of a raw range that holds the original one
            for raw in spans:
                assert any(
                    normalize(text[a:b]) in {s.text for s in stored}
                    for a in range(raw["start"], -1, -1)
                    for b in range(raw["end"], n + 1)
                ), raw


def test_the_same_file_named_twice_is_read_once(store: Store, tmp_path: Path):
    path = write(tmp_path / "a.txt", "خبر")
    report = import_paths(store, [path, path, tmp_path], annotator="t")
    assert report.files == 1 and report.documents_added == 1
    assert report.summary().startswith("1 file, 1 document added, 0 unchanged, 0 spans added")


def test_labels_added_by_an_import_get_colours_no_label_has(store: Store, tmp_path: Path):
    labels = ["COMPANY", "NORP", "MONEY", "LAW", "PRODUCT"]
    path = write(tmp_path / "l.jsonl", jsonl({"id": "l", "text": "abcdefghij", "themes": ["weather"], "spans": [
        {"start": i, "end": i + 1, "label": name} for i, name in enumerate(labels)]}))
    import_paths(store, [path], annotator="t")
    schema = store.schema()
    colours = [item.colour for item in schema.labels + schema.themes]
    assert len(colours) == len(set(colours))


def test_short_arabic_script_text_without_arabic_only_letters_is_persian(store: Store, tmp_path: Path):
    write(tmp_path / "short.txt", "عنوان\nمتن خبر در مشهد")
    write(tmp_path / "ar.txt", "قال المدير في المدينة")  # ي: Arabic yeh
    import_paths(store, [tmp_path], annotator="t")
    assert store.get_document("short").lang == "fa"
    assert store.get_document("ar").lang == "ar"
    write(tmp_path / "ar2.txt", "كيف حالك يا صديقي")
    import_paths(store, [tmp_path / "ar2.txt"], annotator="t")
    assert store.get_document("ar2").lang == "ar"


def test_pages_of_records_count_and_check_like_one_record_at_a_time(store: Store, tmp_path: Path, monkeypatch):
    """Records are written a page at a time; with pages of 2, every boundary case crosses one."""
    monkeypatch.setattr("annotator.core.importing.PAGE", 2)
    import_paths(store, [write(tmp_path / "old.jsonl", jsonl({"id": "old", "text": "خبر قدیمی"}))], annotator="t")
    span = {"start": 0, "end": 2, "label": "GPE"}
    data = write(tmp_path / "a.jsonl", jsonl(
        {"id": "d1", "text": "대구 소식", "spans": [span, span], "themes": ["health"]},  # the same span twice
        {"id": "old", "text": "خبر قدیمی", "spans": [span]},  # already stored, in the same page as d1
        {"id": "d2", "text": "서울 소식", "status": "done", "annotator": "min"},
        {"id": "d1", "text": "대구 소식", "spans": [span]},  # repeated in a later page
        {"id": "d3", "text": "부산 소식", "spans": [{"start": 0, "end": 2, "label": "CITY"}]},
    ))
    report = import_paths(store, [data], annotator="t")
    assert (report.documents_added, report.documents_unchanged) == (3, 2)
    assert (report.spans_added, report.spans_unchanged) == (3, 2)
    assert (report.themes_added, report.statuses_set) == (1, 1)
    assert report.labels_added == ["CITY"] and report.annotators_added == ["t", "min"]
    assert [s.text for s in store.spans("d1", "t")] == ["대구"]
    assert [s.text for s in store.spans("old", "t")] == ["خب"]
    assert store.status("d2", "min") is Status.DONE
    assert store.search('"부산"', limit=5)[0].id == "d3"  # the search index has each page's documents


def test_first_bad_line_is_reported_even_when_a_later_line_fails_to_parse(store: Store, tmp_path: Path):
    """A conflict found when a page is written comes before a malformed line read after it."""
    import_paths(store, [write(tmp_path / "x.jsonl", jsonl({"id": "n1", "text": "خبر اول"}))], annotator="t")
    before = store.dump()
    bad = write(tmp_path / "y.jsonl", jsonl({"id": "n2", "text": "ok"}, {"id": "n1", "text": "خبر دوم"})
                + '{"text": "broken"\n')
    with pytest.raises(InputError) as err:
        import_paths(store, [bad], annotator="t")
    assert str(err.value) == f"{bad}:2: document 'n1' is already in the database with a different text"
    assert store.dump() == before


def test_a_gold_line_without_status_leaves_the_gold_status_alone(store: Store, tmp_path: Path):
    """Our own xmi/webanno export carries no status: importing it back keeps "adjudicated"."""
    text = "گزارش خبرگزاری ایرنا از تهران"
    span = {"start": 15, "end": 19, "label": "ORG"}
    first = write(tmp_path / "a.jsonl", jsonl({"id": "d1", "text": text, "annotator": "gold",
                                                "status": "adjudicated", "spans": [span]}))
    again = write(tmp_path / "b.jsonl", jsonl({"id": "d1", "text": text, "annotator": "gold", "spans": [span]}))
    import_paths(store, [first], annotator="tester")
    report = import_paths(store, [again], annotator="tester")
    assert report.statuses_set == 0
    assert store.gold_status("d1") == "adjudicated"
    new = write(tmp_path / "c.jsonl", jsonl({"id": "d2", "text": text + ".", "annotator": "gold", "spans": [span]}))
    assert import_paths(store, [new], annotator="tester").statuses_set == 1
    assert store.gold_status("d2") == "in_progress"
