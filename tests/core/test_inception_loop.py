"""INCEpTION round trips that must not make new documents (our export's file-names.tsv, a project
export whose folders INCEpTION named after our files), and what an import leaves out or merges
said as warnings; XMI offsets checked without cassis's warnings; characters XMI cannot hold."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import cassis
import pytest

from annotator.core.errors import AnnotatorError, InputError
from annotator.core.exporting import ExportOptions, export_file
from annotator.core.importing import import_paths
from annotator.storage import Store
from tests.core.test_inception import ENTITIES, TEXT, TSV, _refused, inception_cas, layer_of, source_file
from tests.helpers import write

UNSAFE = [
    {"id": "a/b/c", "text": "서울에서 발표했다.", "annotator": "sara", "spans": [{"start": 0, "end": 2, "label": "LOC"}]},
    {"id": "한국어/문서 1", "text": "대구시는 발표했다.", "annotator": "sara",
     "spans": [{"start": 0, "end": 3, "label": "GPE"}]},
]


def _ids(store: Store) -> list[str]:
    return sorted(d.id for d in store.document_summaries("tester"))


def _all_layers(store: Store) -> dict[tuple[str, str], list[tuple[int, int, str, str]]]:
    out = {}
    for doc_id in _ids(store):
        for name in store.annotators():
            spans = layer_of(store, doc_id, name)[1]
            if spans:
                out[(doc_id, name)] = spans
    return out


@pytest.mark.parametrize("kind", ["xmi", "webanno"])
def test_our_export_read_back_into_the_same_database_names_no_new_document(store: Store, tmp_path: Path, kind: str):
    source = write(tmp_path / "unsafe.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in UNSAFE))
    import_paths(store, [source], annotator="tester")
    before = _all_layers(store)
    export_file(store, tmp_path / "out", ExportOptions(format=kind))
    assert (tmp_path / "out" / "file-names.tsv").is_file()
    report = import_paths(store, [tmp_path / "out"], annotator="tester")
    assert (report.documents_added, report.spans_added) == (0, 0)
    assert _ids(store) == ["a/b/c", "한국어/문서 1"]
    assert _all_layers(store) == before
    if kind == "xmi":
        return  # an .xmi names its document itself, and is read with the type system at the top
    folder = tmp_path / "out" / "sara"  # one layer's folder, or one file of it, read alone
    for path in (folder, next(folder.iterdir())):
        assert import_paths(store, [path], annotator="sara").documents_added == 0
    assert _ids(store) == ["a/b/c", "한국어/문서 1"]


def _as_inception_project(export: Path, kind: str, rename_metadata: bool) -> Path:
    """The project INCEpTION exports after our files were uploaded to it: each document named
    after the file (``fa-emoji.xmi``), each user's annotations under annotation/<document>/."""
    target = export.with_name(export.name + "-project.zip")
    type_system = (export / "TypeSystem.xml").read_bytes() if kind == "xmi" else b""
    written: set[str] = set()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("exportedproject.json", "{}")
        for file in sorted(export.glob("*/*")):
            user, document = file.parent.name, file.name
            data = file.read_bytes()
            if rename_metadata:  # INCEpTION's own metadata: the document's name as id and title
                cas = cassis.load_cas_from_xmi(io.BytesIO(data), typesystem=cassis.load_typesystem(
                    io.BytesIO(type_system)))
                meta = next(iter(cas.select("de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData")))
                meta.documentId = meta.documentTitle = document
                data = cas.to_xmi().encode("utf-8")
            if kind == "xmi":  # INCEpTION's project export: a zip per user, the type system in it
                inner = io.BytesIO()
                with zipfile.ZipFile(inner, "w") as per_user:
                    per_user.writestr(f"{user}.xmi", data)
                    per_user.writestr("TypeSystem.xml", type_system)
                data = inner.getvalue()
            suffix = "zip" if kind == "xmi" else "tsv"
            archive.writestr(f"annotation/{document}/{user}.{suffix}", data)
            if document not in written:  # the document as uploaded, and INCEpTION's unannotated copy
                written.add(document)
                archive.writestr(f"source/{document}", file.read_bytes())
                archive.writestr(f"annotation/{document}/INITIAL_CAS.{suffix}", data)
    return target


@pytest.mark.parametrize(("kind", "rename_metadata"), [("xmi", False), ("xmi", True), ("webanno", False)])
def test_our_export_through_an_inception_project_comes_back_to_the_same_documents(
        store: Store, tmp_path: Path, kind: str, rename_metadata: bool):
    import_paths(store, [source_file(tmp_path)], annotator="tester")
    before = _all_layers(store)
    export_file(store, tmp_path / "out", ExportOptions(format=kind))
    project = _as_inception_project(tmp_path / "out", kind, rename_metadata)
    report = import_paths(store, [project], annotator="tester")
    assert report.documents_added == 0 and report.spans_added == 0
    assert _ids(store) == ["fa-emoji", "ko-nfd"]
    assert _all_layers(store) == before  # each user's spans in that user's layer, none elsewhere


def test_a_project_export_read_with_annotator_names_the_users_it_merged(store: Store, tmp_path: Path):
    target = tmp_path / "project.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for user, entities in [("INITIAL_CAS", []), ("sara", ENTITIES), ("kim", ENTITIES[2:])]:
            xmi, ts = inception_cas(TEXT, entities, "news-1.txt")
            archive.writestr(f"annotation/news-1.txt/{user}.xmi", xmi)
        archive.writestr("annotation/news-1.txt/TypeSystem.xml", ts)
    report = import_paths(store, [target], annotator="bob", annotator_given=True)
    assert len(report.warnings) == 1
    assert all(word in report.warnings[0] for word in ("--annotator bob", "kim and sara", "news-1.txt"))
    alone = import_paths(store, [target], annotator="tester")  # each user a layer: nothing merged
    assert alone.warnings == []


def _custom_xmi() -> tuple[str, str]:
    xmi, ts_xml = inception_cas(TEXT, ENTITIES, "doc")
    ts = cassis.load_typesystem(io.BytesIO(ts_xml.encode()))
    entity = ts.create_type("webanno.custom.Entity", supertypeName="uima.tcas.Annotation")
    ts.create_feature(entity, "kind", "uima.cas.String")
    cas = cassis.load_cas_from_xmi(io.BytesIO(xmi.encode()), typesystem=ts)
    for begin in (0, 3):
        cas.add(entity(begin=begin, end=begin + 1, kind="X"))
    return cas.to_xmi(), ts.to_xml()


def test_annotations_of_other_layers_are_counted_in_a_warning(store: Store, tmp_path: Path):
    xmi, ts = _custom_xmi()
    target = tmp_path / "custom.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("doc.xmi", xmi)
        archive.writestr("TypeSystem.xml", ts)
    report = import_paths(store, [target], annotator="tester")
    assert report.spans_added == 3
    assert report.warnings == ["2 annotations of webanno.custom.Entity in 1 file not imported (annotator reads "
                               "NamedEntity spans, relations between them and document-level themes)"]
    report = import_paths(store, [write(tmp_path / "news-3.tsv", TSV)], annotator="tester")  # one Sentiment
    assert report.warnings == ["1 annotation of webanno.custom.Sentiment in 1 file not imported (annotator reads "
                               "NamedEntity spans, relations between them and document-level themes)"]


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    xmi, ts = inception_cas(TEXT, ENTITIES, "doc")
    assert old in xmi
    target = tmp_path / name
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("doc.xmi", xmi.replace(old, new, 1))
        archive.writestr("TypeSystem.xml", ts)
    return target


def _u16(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    begin = len(TEXT[:start].encode("utf-16-le")) // 2
    return begin, begin + len(word.encode("utf-16-le")) // 2


def test_a_reversed_entity_is_named_by_its_xmi_id_in_the_files_units(store: Store, tmp_path: Path):
    begin, end = _u16("مشهد")
    target = _edited(tmp_path, "rev.zip", f'begin="{begin}" end="{end}"', f'begin="{end}" end="{begin}"')
    _refused(store, target, "doc.xmi", "NamedEntity (xmi:id", f"begins at {end}, after its end {begin}", "UTF-16")


def test_a_zero_width_entity_is_skipped_and_counted(store: Store, tmp_path: Path):
    begin, end = _u16("مشهد")
    target = _edited(tmp_path, "zero.zip", f'begin="{begin}" end="{end}"', f'begin="{begin}" end="{begin}"')
    report = import_paths(store, [target], annotator="tester")
    assert report.spans_added == 2
    assert report.warnings == ["1 NamedEntity annotation of no character (begin = end) skipped: a span needs at "
                               "least one character"]


def test_a_bad_xmi_offset_is_refused_whatever_cassis_warns(store: Store, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cassis.cas.warnings, "warn", lambda *args, **kwargs: None)  # a cassis that says nothing
    begin, _ = _u16("رجائیان")
    _refused(store, _edited(tmp_path, "half.zip", f'begin="{begin}"', 'begin="1"'),
             "NamedEntity (xmi:id", "offset 1 falls inside a character")
    _refused(store, _edited(tmp_path, "past.zip", f'begin="{begin}"', 'begin="999"'),
             "NamedEntity (xmi:id", "offset 999 is outside the text")


def test_a_zip_with_an_xmi_and_no_type_system_says_what_the_zip_lacks(store: Store, tmp_path: Path):
    xmi, _ = inception_cas(TEXT, ENTITIES, "doc")
    target = tmp_path / "plain.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("a_b_c.xmi", xmi)
        archive.writestr("notes.txt", "hi")
    with pytest.raises(InputError) as caught:
        import_paths(store, [target], annotator="tester")
    assert "a_b_c.xmi: the zip holds no TypeSystem.xml" in str(caught.value)
    assert "import the whole zip" not in str(caught.value)


@pytest.mark.parametrize(("where", "char"), [("text", "\uffff"), ("text", "\ufffe"), ("label", "\uffff")])
def test_xmi_export_refuses_what_xml_cannot_hold_in_one_line(store: Store, tmp_path: Path, where: str, char: str):
    text = f"서울 {char} 발표" if where == "text" else "서울 발표"
    label = f"LOC{char}" if where == "label" else "LOC"
    write(tmp_path / "nc.jsonl", json.dumps({"id": "nc", "text": text, "annotator": "sara",
                                              "spans": [{"start": 0, "end": 2, "label": label}]}) + "\n")
    import_paths(store, [tmp_path / "nc.jsonl"], annotator="tester")
    with pytest.raises(AnnotatorError) as caught:
        export_file(store, tmp_path / "x.zip", ExportOptions(format="xmi"))
    message = str(caught.value)
    assert "\n" not in message and "'nc'" in message and f"U+{ord(char):04X}" in message
    assert ("at 3 (code points)" in message) == (where == "text")
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "x.zip.partial").exists()
    export_file(store, tmp_path / "w.zip", ExportOptions(format="webanno"))  # TSV carries it


def test_a_zero_width_entity_in_tsv_is_skipped_and_counted(store: Store, tmp_path: Path):
    old = "2-1.1\t30-33\t대구시\t"
    assert old in TSV
    report = import_paths(store, [write(tmp_path / "zero.tsv", TSV.replace(old, "2-1.1\t30-30\t\t"))],
                          annotator="tester")
    assert report.spans_added == 3
    assert "1 NamedEntity annotation of no character (begin = end) skipped: a span needs at least one character" \
        in report.warnings
