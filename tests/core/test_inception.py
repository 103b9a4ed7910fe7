"""INCEpTION in and out: UIMA CAS XMI (checked with dkpro-cassis itself) and WebAnno TSV 3.3 (read
as INCEpTION's Tsv3XDeserializer reads it), exact offsets after emoji, a ZWJ family and NFD Korean."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from pathlib import Path

import cassis
import pytest

from annotator.core import inception, webanno_tsv
from annotator.core.errors import InputError
from annotator.core.exporting import ExportOptions, export_file
from annotator.core.importing import import_paths
from annotator.core.inception_export import type_system
from annotator.core.project import open_project
from annotator.core.text import normalize
from annotator.storage import Store
from tests.helpers import write

FAMILY = "👩\u200d👩\u200d👧"
DOCS = [
    {"id": "fa-emoji", "lang": "fa", "themes": ["health", "politics"],
     "text": f"😀 {FAMILY} خبر: رجائیان در مشهد گفت. دومین جمله 😀 در تهران است.",
     "spans": [("PER", "رجائیان"), ("GPE", "مشهد"), ("GPE", "تهران")]},
    {"id": "ko-nfd", "lang": "ko", "themes": ["economy"],
     "text": unicodedata.normalize("NFD", f"{FAMILY} 지난 18일 대구시는 포항시와 발표했다.\n둘째 문장 🇰🇷 서울특별시 경찰청."),
     "spans": [("GPE", unicodedata.normalize("NFD", "대구시")), ("GPE", unicodedata.normalize("NFD", "포항시")),
               ("ORG", unicodedata.normalize("NFD", "서울특별시 경찰청")), ("GPE", unicodedata.normalize("NFD", "서울특별시"))]},
]


def source_file(tmp_path: Path) -> Path:
    lines = []
    for doc in DOCS:
        spans = []
        for label, word in doc["spans"]:
            start = doc["text"].index(word)
            spans.append({"start": start, "end": start + len(word), "label": label})
        lines.append(json.dumps({"id": doc["id"], "lang": doc["lang"], "text": doc["text"], "annotator": "sara",
                                 "themes": doc["themes"], "spans": spans}, ensure_ascii=False))
    lines.append(json.dumps({"id": "fa-emoji", "text": DOCS[0]["text"], "annotator": "minji",
                             "spans": [{"start": DOCS[0]["text"].index("مشهد"),
                                        "end": DOCS[0]["text"].index("مشهد") + 4, "label": "LOC"}]},
                            ensure_ascii=False))
    return write(tmp_path / "source.jsonl", "\n".join(lines) + "\n")


@pytest.fixture
def filled(store: Store, tmp_path: Path) -> Store:
    import_paths(store, [source_file(tmp_path)], annotator="tester")
    return store


def layer_of(store: Store, doc_id: str, annotator: str) -> tuple[str, list[tuple[int, int, str, str]], list[str]]:
    text = store.get_document(doc_id).text
    spans = sorted((s.start, s.end, s.label, s.text) for s in store.spans(doc_id, annotator))
    return text, spans, sorted(store.doc_themes(doc_id, annotator))


# --- XMI out, read back by cassis ----------------------------------------------------------------


def test_every_xmi_export_reads_back_exactly_in_cassis(filled: Store, tmp_path: Path):
    target = tmp_path / "out.zip"
    report = export_file(filled, target, ExportOptions(format="xmi"))
    assert report.lines == 3
    with zipfile.ZipFile(target) as archive:
        names = sorted(archive.namelist())
        assert names == ["TypeSystem.xml", "minji/fa-emoji.xmi", "sara/fa-emoji.xmi", "sara/ko-nfd.xmi"]
        ts = cassis.load_typesystem(io.BytesIO(archive.read("TypeSystem.xml")))
        for name in names[1:]:
            annotator, doc_id = name[:-4].split("/")
            raw = archive.read(name).decode("utf-8")
            cas = cassis.load_cas_from_xmi(raw, typesystem=ts)
            text, spans, themes = layer_of(filled, doc_id, annotator)
            assert cas.sofa_string == text
            got = sorted((e.begin, e.end, e.value, e.get_covered_text()) for e in cas.select(inception.NAMED_ENTITY))
            assert got == spans and all(t == text[a:b] for a, b, _, t in got)
            assert sorted(fs.value for fs in cas.select(inception.THEME)) == themes
            meta = next(iter(cas.select(inception.METADATA)))
            assert meta.documentId == doc_id
            # the file itself counts UTF-16 code units, as Java (and so INCEpTION) does
            first = min(spans)
            u16 = len(text[:first[0]].encode("utf-16-le")) // 2
            assert f'begin="{u16}"' in raw and u16 > first[0]
            tokens = {(t.begin, t.end) for t in cas.select(inception.TOKEN)}
            assert all((a, b) in {(t[0], t[1]) for t in tokens} or _on_tokens(a, b, tokens) for a, b, _, _ in spans)


def _on_tokens(start: int, end: int, tokens: set[tuple[int, int]]) -> bool:
    return start in {a for a, _ in tokens} and end in {b for _, b in tokens}


def test_the_korean_source_was_nfd_and_the_export_is_the_stored_nfc(filled: Store, tmp_path: Path):
    target = tmp_path / "out"
    export_file(filled, target, ExportOptions(format="xmi", annotator="sara"))
    ts = cassis.load_typesystem(target / "TypeSystem.xml")
    cas = cassis.load_cas_from_xmi(target / "sara" / "ko-nfd.xmi", typesystem=ts)
    assert cas.sofa_string == normalize(DOCS[1]["text"]) != DOCS[1]["text"]
    assert [e.get_covered_text() for e in cas.select(inception.NAMED_ENTITY)] == \
        ["대구시", "포항시", "서울특별시", "서울특별시 경찰청"]


@pytest.mark.parametrize("kind", ["xmi", "webanno"])
def test_export_then_import_gives_the_same_spans(filled: Store, tmp_path: Path, kind: str):
    target = tmp_path / f"out-{kind}.zip"
    export_file(filled, target, ExportOptions(format=kind))
    other = open_project(tmp_path / "again.db")  # the export ran on each backend; read it into a file
    try:
        report = import_paths(other, [target], annotator="tester")
        assert report.documents_added == 2
        for doc_id, annotator in [("fa-emoji", "sara"), ("fa-emoji", "minji"), ("ko-nfd", "sara")]:
            source, spans, themes = layer_of(filled, doc_id, annotator)
            text, got, got_themes = layer_of(other, doc_id, annotator)
            assert text == source  # TSV too: each sentence's #Text runs up to the next sentence
            assert [(label, covered) for _, _, label, covered in got] == [(label, c) for _, _, label, c in spans]
            assert all(text[a:b] == covered for a, b, _, covered in got)
            assert got_themes == (themes if kind == "xmi" else [])  # TSV has no document-level annotations
    finally:
        other.close()


# --- INCEpTION's own exports in -----------------------------------------------------------------


def inception_cas(text: str, entities: list[tuple[str, str]], doc_id: str, *, themes: list[str] = ()) -> tuple[str, str]:
    """An XMI file and its type system as INCEpTION writes them (cassis writes UTF-16 offsets, as
    Java does), with a project's document metadata layer "Topic" holding the themes."""
    ts = type_system()
    topic = ts.create_type("webanno.custom.Topic", supertypeName="uima.cas.AnnotationBase")
    ts.create_feature(topic, "topic", "uima.cas.String")
    cas = cassis.Cas(typesystem=ts)
    cas.sofa_string = text
    cas.add(ts.get_type(inception.METADATA)(begin=0, end=len(text), documentId=doc_id, documentTitle=doc_id,
                                            language="x-unspecified"))
    at = 0
    for label, word in entities:
        start = text.index(word, at)
        at = start + len(word)
        cas.add(ts.get_type(inception.NAMED_ENTITY)(begin=start, end=at, value=label))
    for name in themes:
        cas.add(topic(topic=name))
    return cas.to_xmi(), ts.to_xml()


TEXT = f"😀 {FAMILY} 🇮🇷 خبر: رجائیان در مشهد. 지난 18일 대구시는 발표했다."
ENTITIES = [("PER", "رجائیان"), ("GPE", "مشهد"), ("GPE", "대구시")]


def test_an_inception_single_document_zip_imports_exactly(store: Store, tmp_path: Path):
    xmi, ts = inception_cas(TEXT, ENTITIES, "news-1.txt", themes=["health"])
    assert 'begin="' in xmi and f'begin="{TEXT.index("رجائیان")}"' not in xmi  # UTF-16 in the file
    target = tmp_path / "news-1.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("news-1.txt.xmi", xmi)
        archive.writestr("TypeSystem.xml", ts)
    report = import_paths(store, [target], annotator="tester")
    assert (report.documents_added, report.spans_added, report.themes_added) == (1, 3, 1)
    text, spans, themes = layer_of(store, "news-1.txt", "tester")
    assert text == TEXT
    assert [(label, covered) for _, _, label, covered in spans] == ENTITIES
    assert themes == ["health"]


def test_an_inception_project_export_gives_each_user_a_layer(store: Store, tmp_path: Path):
    target = tmp_path / "project.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("exportedproject123.json", "{}")
        archive.writestr("source/news-1.txt", TEXT)
        for user, entities in [("INITIAL_CAS", []), ("sara", ENTITIES), ("minji", ENTITIES[2:])]:
            xmi, ts = inception_cas(TEXT, entities, "news-1.txt")
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w") as per_user:
                per_user.writestr("news-1.txt.xmi", xmi.replace("version='1.0'", "version='1.1'"))
                per_user.writestr("TypeSystem.xml", ts)
            archive.writestr(f"annotation/news-1.txt/{user}.zip", inner.getvalue())
            archive.writestr(f"annotation_ser/news-1.txt/{user}.ser", b"\xac\xed binary")
    report = import_paths(store, [target], annotator="tester")
    assert sorted(report.annotators_added) == ["minji", "sara"]
    assert [c for *_, c in layer_of(store, "news-1.txt", "sara")[1]] == ["رجائیان", "مشهد", "대구시"]
    assert [c for *_, c in layer_of(store, "news-1.txt", "minji")[1]] == ["대구시"]
    # --annotator given: every file is that layer's
    again = import_paths(store, [target], annotator="tester", annotator_given=True)
    assert again.annotators_added == ["tester"]
    assert [c for *_, c in layer_of(store, "news-1.txt", "tester")[1]] == ["رجائیان", "مشهد", "대구시"]


def test_an_unpacked_project_export_is_one_export_and_a_folder_named_annotation_is_not(store: Store, tmp_path: Path):
    xmi, ts = inception_cas(TEXT, ENTITIES, "news-1.txt")
    project = tmp_path / "project"
    write(project / "source" / "news-1.txt", TEXT)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as per_user:
        per_user.writestr("news-1.txt.xmi", xmi)
        per_user.writestr("TypeSystem.xml", ts)
    write(project / "annotation" / "news-1.txt" / "sara.zip", inner.getvalue())
    mine = tmp_path / "mine"
    write(mine / "annotation" / "a.txt", "대구시 발표")
    assert inception.is_export_folder(project) and not inception.is_export_folder(mine)
    report = import_paths(store, [project, mine], annotator="tester")
    assert report.documents_added == 2 and report.annotators_added == ["sara"]
    assert store.get_document("a") is not None


def test_a_bare_xmi_file_reads_the_type_system_beside_it(store: Store, tmp_path: Path):
    xmi, ts = inception_cas(TEXT, ENTITIES, "news-2")
    write(tmp_path / "d" / "news-2.xmi", xmi)
    write(tmp_path / "d" / "TypeSystem.xml", ts)
    import_paths(store, [tmp_path / "d" / "news-2.xmi"], annotator="tester")
    assert [c for *_, c in layer_of(store, "news-2", "tester")[1]] == ["رجائیان", "مشهد", "대구시"]


# --- WebAnno TSV 3.3 in -------------------------------------------------------------------------


TSV = """#FORMAT=WebAnno TSV 3.3
#T_SP=de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity|identifier|value
#T_SP=webanno.custom.Sentiment|polarity


#Text=😀 👩\u200d👩\u200d👧 رجائیان در مشهد\\t.
1-1\t0-2\t😀\t_\t_\t_\t
1-2\t3-11\t👩\u200d👩\u200d👧\t_\t_\tpositive\t
1-3\t12-19\tرجائیان\t*\tPER\t_\t
1-4\t20-22\tدر\t_\t_\t_\t
1-5\t23-27\tمشهد\t*[1]|*[2]\tGPE[1]|LOC\\_X[2]\t_\t
1-6\t28-29\t.\t*[1]\tGPE[1]\t_\t

#Text=대구시는 발표
2-1\t30-34\t대구시는\t_\t_\t_\t
2-1.1\t30-33\t대구시\t*\tGPE\t_\t
2-2\t35-37\t발표\t_\t_\t_\t
"""


def test_a_webanno_tsv_with_emoji_before_entities_imports_exactly(store: Store, tmp_path: Path):
    path = write(tmp_path / "news-3.tsv", TSV)
    import_paths(store, [path], annotator="tester")
    text, spans, _ = layer_of(store, "news-3", "tester")
    # INCEpTION's reader: sentences joined by a line break (the one after the last is not kept)
    assert text == f"😀 {FAMILY} رجائیان در مشهد\t.\n대구시는 발표"
    assert [(label, covered) for _, _, label, covered in spans] == \
        [("PER", "رجائیان"), ("LOC_X", "مشهد"), ("GPE", "مشهد\t."), ("GPE", "대구시")]


def test_a_project_export_in_webanno_tsv_gives_each_user_a_layer(store: Store, tmp_path: Path):
    target = tmp_path / "project.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("source/news-3.txt", "...")
        archive.writestr("annotation/news-3.txt/INITIAL_CAS.tsv", TSV.replace("PER", "_"))
        archive.writestr("annotation/news-3.txt/sara.tsv", TSV)
    report = import_paths(store, [target], annotator="tester")
    assert report.annotators_added == ["sara"] and report.spans_added == 4
    assert [c for *_, c in layer_of(store, "news-3.txt", "sara")[1]] == ["رجائیان", "مشهد", "مشهد\t.", "대구시"]


def test_the_tsv_writer_and_reader_agree_on_escapes_and_units():
    text = "a|b 😀 [x]_*\\ c"
    sentences = [[(0, 3), (4, 5), (6, 12), (13, 14)]]
    rows = "".join(webanno_tsv.write(text, sentences, [(0, 3, "A|B[1]"), (6, 14, "Q*_\\")]))
    obj = webanno_tsv.parse(Path("x.tsv"), None, rows.encode("utf-8"))
    assert obj["text"] == text
    assert [(obj["text"][s["start"]:s["end"]], s["label"]) for s in obj["spans"]] == \
        [("a|b", "A|B[1]"), ("[x]_*\\ c", "Q*_\\")]


# --- bad files: one line naming the file, nothing stored -----------------------------------------


def _refused(store: Store, path: Path, *words: str) -> None:
    before = store.count_documents()
    with pytest.raises(InputError) as caught:
        import_paths(store, [path], annotator="tester")
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message
    assert store.count_documents() == before


def test_an_xmi_offset_inside_an_emoji_is_refused(store: Store, tmp_path: Path):
    xmi, ts = inception_cas(TEXT, ENTITIES, "bad")
    start = TEXT.index("رجائیان")
    u16 = len(TEXT[:start].encode("utf-16-le")) // 2
    xmi = xmi.replace(f'begin="{u16}"', 'begin="1"')  # between the two halves of 😀
    target = tmp_path / "bad.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("bad.xmi", xmi)
        archive.writestr("TypeSystem.xml", ts)
    _refused(store, target, "bad.xmi", "offset 1", "NamedEntity (xmi:id")


def test_xmi_problems_are_one_line(store: Store, tmp_path: Path):
    xmi, ts = inception_cas(TEXT, ENTITIES, "doc")
    write(tmp_path / "lonely" / "doc.xmi", xmi)
    _refused(store, tmp_path / "lonely" / "doc.xmi", "no TypeSystem.xml")
    no_value = tmp_path / "novalue.zip"
    with zipfile.ZipFile(no_value, "w") as archive:
        archive.writestr("doc.xmi", xmi.replace(' value="PER"', ""))
        archive.writestr("TypeSystem.xml", ts)
    _refused(store, no_value, "doc.xmi", "has no value")
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("doc.xmi", xmi[:200])
        archive.writestr("TypeSystem.xml", ts)
    _refused(store, broken, "doc.xmi", "not UIMA CAS XMI")
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.md", "hello")
    _refused(store, empty, "holds no UIMA CAS XMI")


@pytest.mark.parametrize(("change", "words"), [
    (("1-3\t12-19", "1-3\t11-19"), ["news-3.tsv:9", "not what the text has there"]),
    (("1-1\t0-2", "1-1\t1-2"), ["news-3.tsv:7", "inside a character"]),
    (("GPE\t_\t\n2-2", "*\t_\t\n2-2"), ["news-3.tsv:16", "without a value"]),
    (("#FORMAT=WebAnno TSV 3.3", "#FORMAT=WebAnno TSV 3.1"), ["news-3.tsv:1", "3.2 and 3.3"]),
    (("1-4\t20-22\tدر\t_\t_\t_\t", "1-4\t20-22\tدر\t_"), ["news-3.tsv:10", "tab-separated fields"]),
])
def test_tsv_problems_are_one_line_naming_the_line(store: Store, tmp_path: Path, change: tuple[str, str],
                                                    words: list[str]):
    assert change[0] in TSV
    _refused(store, write(tmp_path / "news-3.tsv", TSV.replace(change[0], change[1], 1)), *words)


# --- the command line ---------------------------------------------------------------------------


def test_the_cli_exports_xmi_and_webanno_and_imports_them_back(run, tmp_path: Path):
    assert run("import", str(source_file(tmp_path))).exit_code == 0
    for kind in ("xmi", "webanno"):
        to_stdout = run("export", "--format", kind)
        assert to_stdout.exit_code == 1 and "give -o" in to_stdout.stderr
        done = run("export", "--format", kind, "--annotator", "sara", "-o", str(tmp_path / f"{kind}.zip"))
        assert done.exit_code == 0 and "Exported 2 lines, 2 documents, 7 spans" in done.stderr
    folder = tmp_path / "folder"
    assert run("export", "--format", "xmi", "-o", str(folder)).exit_code == 0
    assert (folder / "TypeSystem.xml").is_file() and (folder / "minji" / "fa-emoji.xmi").is_file()
    again = tmp_path / "again.db"
    result = run("import", str(folder), db=again)
    assert result.exit_code == 0 and "2 documents added" in result.output and "8 spans added" in result.output
    tsv = run("import", str(tmp_path / "webanno.zip"), "--annotator", "tsv", db=again)
    assert tsv.exit_code == 0 and "7 spans added" in tsv.output


def test_a_bad_inception_file_is_one_line_on_the_command_line(run, tmp_path: Path):
    path = write(tmp_path / "news-3.tsv", TSV.replace("1-3\t12-19", "1-3\t11-19"))
    result = run("import", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().startswith(f"Error: {path}:9: token 'رجائیان' at 11-19")
    assert len(result.stderr.strip().splitlines()) == 1
    assert run("docs", "--json").stdout == ""


def test_an_export_is_complete_or_absent(filled: Store, tmp_path: Path):
    from annotator.core.exporting import ExportError

    full = tmp_path / "full"
    write(full / "old.txt", "x")
    with pytest.raises(ExportError, match="exists already and is not an empty folder"):
        export_file(filled, full, ExportOptions(format="xmi"))
    assert sorted(p.name for p in full.iterdir()) == ["old.txt"]
    target = write(tmp_path / "out.zip", b"old")
    export_file(filled, target, ExportOptions(format="webanno", annotator="minji"))
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["minji/fa-emoji.tsv"]
    assert not (tmp_path / "out.zip.partial").exists()
