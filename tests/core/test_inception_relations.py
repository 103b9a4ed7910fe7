"""Relations through INCEpTION's formats (issue 25): a relation layer on the named-entity layer,
``webanno.custom.Relation`` (Governor -> Dependent, the type as ``value``) in UIMA CAS XMI, checked
with dkpro-cassis itself, and a ``#T_RL`` layer in WebAnno TSV 3.3 (the governor's unit and both
disambiguation ids). The same relations come back, their ends by offsets after an emoji, in
Persian and Korean; the same file twice changes nothing; an end or type that cannot be stored is
refused with the file and line, the database unchanged."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import cassis
import pytest

from annotator.core import inception
from annotator.core.errors import InputError
from annotator.core.exporting import ExportOptions, export_file
from annotator.core.importing import import_paths
from annotator.core.model import GOLD
from annotator.core.project import open_project
from annotator.core.webanno_tsv import NAMED_ENTITY, RELATION
from annotator.storage import Store
from tests.helpers import write

FA = "🙂 محمدجواد رجائیان مدیرعامل سازمان فاوا شهرداری مشهد گفت."
KO = "🎉 대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다."
TOKEN = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token"


def _span(text: str, word: str, label: str, span_id: str) -> dict:
    start = text.index(word)  # after an emoji: code points
    return {"id": span_id, "start": start, "end": start + len(word), "label": label}


PERSIAN = {"id": "fa1", "text": FA, "lang": "fa", "annotator": "sara", "spans": [
    _span(FA, "محمدجواد رجائیان", "PER", "p"), _span(FA, "مدیرعامل", "ROLE", "r"),
    _span(FA, "سازمان فاوا شهرداری مشهد", "ORG", "o"), _span(FA, "مشهد", "GPE", "g")],
    "relations": [{"from": "p", "to": "r", "label": "holds_role"}, {"from": "r", "to": "o", "label": "role_in"},
                  {"from": "o", "to": "g", "label": "located_in"}]}
KOREAN = {"id": "ko1", "text": KO, "lang": "ko", "annotator": "minji", "spans": [
    _span(KO, "대구시", "GPE", "d"), _span(KO, "스마트시티 엑스포 월드 콩그레스", "EVENT", "e")],
    "relations": [{"from": "d", "to": "e", "label": "participates_in"}]}
GOLD_KO = {**KOREAN, "annotator": GOLD, "status": "adjudicated"}


def _lines(*objs: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def _rows(store: Store) -> set[tuple]:
    """Every relation with its ends as offsets and labels: what a round trip must keep."""
    out = set()
    for doc_id in ("fa1", "ko1"):
        for name in ("sara", "minji", GOLD):
            spans = {s.id: (s.start, s.end, s.label) for s in (
                store.gold_spans(doc_id) if name == GOLD else store.spans(doc_id, name))}
            relations = store.gold_relations(doc_id) if name == GOLD else store.relations(doc_id, name)
            out |= {(doc_id, name, spans[r.from_id], spans[r.to_id], r.label) for r in relations}
    return out


@pytest.fixture
def related(store: Store, tmp_path: Path) -> Store:
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(PERSIAN, KOREAN, GOLD_KO))], annotator="tester")
    assert len(_rows(store)) == 5
    return store


@pytest.mark.parametrize("kind", ["xmi", "webanno"])
def test_relations_go_out_and_come_back_exactly_and_twice_changes_nothing(related: Store, tmp_path: Path, kind: str):
    rows = _rows(related)
    layers = export_file(related, tmp_path / "out", ExportOptions(format=kind))
    gold = export_file(related, tmp_path / "gold", ExportOptions(format=kind, gold=True))
    assert (layers.relations, layers.relations_left_out, gold.relations) == (4, 0, 1)
    assert "4 relations" in layers.summary() and "left out" not in layers.summary()
    with open_project(tmp_path / "other.db") as other:
        for folder in ("out", "gold"):
            import_paths(other, [tmp_path / folder], annotator="tester")
        assert _rows(other) == rows  # ends by offsets after 🙂 and 🎉, types, layers, gold
        before = other.dump()
        again = import_paths(other, [tmp_path / "out"], annotator="tester")
        assert (again.relations_added, again.relations_unchanged) == (0, 4)
        assert other.dump() == before


def test_cassis_walks_the_exported_relations_from_governor_to_dependent(related: Store, tmp_path: Path):
    target = tmp_path / "out.zip"
    export_file(related, target, ExportOptions(format="xmi"))
    export_file(related, tmp_path / "gold.zip", ExportOptions(format="xmi", gold=True))
    found = set()
    for path in (target, tmp_path / "gold.zip"):
        with zipfile.ZipFile(path) as archive:
            ts = cassis.load_typesystem(io.BytesIO(archive.read("TypeSystem.xml")))
            kind = ts.get_type(RELATION)
            assert {f.name for f in kind.features} >= {"Governor", "Dependent", "value"}
            assert kind.get_feature("Governor").rangeType.name == NAMED_ENTITY  # attached to the NE layer
            for name in (n for n in archive.namelist() if n.endswith(".xmi")):
                cas = cassis.load_cas_from_xmi(archive.read(name).decode("utf-8"), typesystem=ts)
                doc_id = next(iter(cas.select(inception.METADATA))).documentId
                for r in cas.select(RELATION):
                    g, d = r.Governor, r.Dependent
                    assert (r.begin, r.end) == (d.begin, d.end)  # DKPro: a relation sits on its dependent
                    found.add((doc_id, name.split("/")[0], (g.begin, g.end, g.value), (d.begin, d.end, d.value),
                               r.value))
    assert found == _rows(related)


def _inception_relation_cas(feature: str = "label", to_token: bool = False) -> tuple[str, str]:
    """A document as INCEpTION exports it from a project whose relation layer "Relation" is attached
    to the named-entity layer, its type in a feature ``label`` (no ``value``), with a Dependency
    between tokens beside it (a layer annotator does not read)."""
    ts = cassis.TypeSystem()
    meta = ts.create_type(inception.METADATA, supertypeName="uima.tcas.DocumentAnnotation")
    for name in ("documentId", "documentTitle"):
        ts.create_feature(meta, name, "uima.cas.String")
    ts.create_feature(ts.create_type(NAMED_ENTITY), "value", "uima.cas.String")
    ts.create_type(TOKEN)
    relation = ts.create_type(RELATION, supertypeName="uima.tcas.Annotation")
    ts.create_feature(relation, "Dependent", "uima.tcas.Annotation" if to_token else NAMED_ENTITY)
    ts.create_feature(relation, "Governor", NAMED_ENTITY)
    ts.create_feature(relation, feature, "uima.cas.String")
    dependency = ts.create_type("de.tudarmstadt.ukp.dkpro.core.api.syntax.type.dependency.Dependency",
                                supertypeName="uima.tcas.Annotation")
    ts.create_feature(dependency, "Governor", TOKEN)
    ts.create_feature(dependency, "Dependent", TOKEN)
    cas = cassis.Cas(typesystem=ts)
    cas.sofa_string = KO
    cas.add(ts.get_type(inception.METADATA)(begin=0, end=len(KO), documentId="ko1", documentTitle="ko1"))
    ends = []
    for s in KOREAN["spans"]:
        ends.append(ts.get_type(NAMED_ENTITY)(begin=s["start"], end=s["end"], value=s["label"]))
        cas.add(ends[-1])
    tokens = [ts.get_type(TOKEN)(begin=s["start"], end=s["end"]) for s in KOREAN["spans"]]
    for t in tokens:
        cas.add(t)
    cas.add(relation(begin=ends[1].begin, end=ends[1].end, Governor=ends[0], Dependent=tokens[1] if to_token
                     else ends[1], **{feature: "participates_in"}))
    cas.add(dependency(begin=tokens[1].begin, end=tokens[1].end, Governor=tokens[0], Dependent=tokens[1]))
    return cas.to_xmi(), ts.to_xml()


def _project(tmp_path: Path, xmi: str, ts: str) -> Path:
    """INCEpTION's project export: annotation/<document>/<user>.zip holding the XMI and its type system."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as per_user:
        per_user.writestr("ko1.txt.xmi", xmi)
        per_user.writestr("TypeSystem.xml", ts)
    target = tmp_path / "project.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("exportedproject.json", "{}")
        archive.writestr("annotation/ko1.txt/minji.zip", inner.getvalue())
    return target


def test_an_inception_project_export_with_a_relation_layer_on_named_entities_imports_exactly(
        store: Store, tmp_path: Path):
    xmi, ts = _inception_relation_cas()
    report = import_paths(store, [_project(tmp_path, xmi, ts)], annotator="tester")
    assert report.relations_added == 1
    assert report.warnings == ["1 annotation of Dependency in 1 file not imported (annotator reads NamedEntity "
                               "spans, relations between them and document-level themes)"]
    assert _rows(store) == {("ko1", "minji", (2, 5, "GPE"), (7, 24, "EVENT"), "participates_in")}
    before = store.dump()
    import_paths(store, [_project(tmp_path, xmi, ts)], annotator="tester")
    assert store.dump() == before


def _xmi_zip(tmp_path: Path, xmi: str, ts: str) -> Path:
    target = tmp_path / "bad.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("ko1.xmi", xmi)
        archive.writestr("TypeSystem.xml", ts)
    return target


def _refused(store: Store, path: Path, line: int, *words: str) -> None:
    before = store.dump()
    with pytest.raises(InputError) as caught:
        import_paths(store, [path], annotator="tester")
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}:{line}: ")
    for word in words:
        assert word in message
    assert store.dump() == before


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("change, said", [
    (lambda x: x.replace('label="participates_in"', 'label="likes"'),
     "relation type 'likes' is not in the schema"),
    (lambda x: x.replace(' label="participates_in"', ""), "has no value: annotator's relations each have a type"),
])
def test_an_xmi_relation_that_cannot_be_stored_is_refused_with_its_line(store: Store, tmp_path: Path, change, said):
    xmi, ts = _inception_relation_cas()
    xmi = xmi.replace("<custom:Relation", "\n<custom:Relation")  # its own line, to be named
    path = _xmi_zip(tmp_path, change(xmi), ts)
    _refused(store, path, _line_of(xmi, "<custom:Relation"), "ko1.xmi", said)


def test_an_xmi_relation_to_an_xmi_id_the_file_lacks_is_refused_with_its_line(store: Store, tmp_path: Path):
    """cassis stops at a reference to no element with a bare KeyError: said as what it is, with
    the referring element's line, not as "not UIMA CAS XMI (999)"."""
    xmi, ts = _inception_relation_cas()
    xmi = xmi.replace("<custom:Relation", "\n<custom:Relation")
    relation = xmi[xmi.index("<custom:Relation"):]
    governor = relation.split('Governor="', 1)[1].split('"', 1)[0]
    bad = xmi.replace(f'Governor="{governor}"', 'Governor="999"')
    _refused(store, _xmi_zip(tmp_path, bad, ts), _line_of(xmi, "<custom:Relation"),
             "ko1.xmi: Relation (xmi:id", "its Governor refers to xmi:id 999, which no element of the file has")


def test_an_xmi_relation_to_a_token_is_refused_with_its_line(store: Store, tmp_path: Path):
    xmi, ts = _inception_relation_cas(to_token=True)
    xmi = xmi.replace("<custom:Relation", "\n<custom:Relation")
    _refused(store, _xmi_zip(tmp_path, xmi, ts), _line_of(xmi, "<custom:Relation"),
             "Relation (xmi:id", "its Dependent is Token, not a NamedEntity")


# --- WebAnno TSV 3.3 -------------------------------------------------------------------------------

# INCEpTION's documented example (docs "WebAnno TSV 3.3", disambiguation ids in relations): the
# dependent on 1-5 is ambiguous (two stacked entities), the governor on 1-1 is not ([0_1]); here in
# Korean after an emoji (UTF-16 offsets), typed by a feature "label"
TSV = """#FORMAT=WebAnno TSV 3.3
#T_SP=de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity|value
#T_RL=webanno.custom.Relation|label|BT_de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity


#Text=🎉 대구시는 엑스포에 참가했다 .
1-1\t0-2\t🎉\t_\t_\t_
1-2\t3-6\t대구시\tGPE\t_\t_
1-3\t6-7\t는\t_\t_\t_
1-4\t8-11\t엑스포\tEVENT[1]|ORG[2]\tparticipates\\_in\t1-2[0_1]
1-5\t11-12\t에\t_\t_\t_
1-6\t13-17\t참가했다\t_\t_\t_
1-7\t18-19\t.\t_\t_\t_
"""


def test_inceptions_tsv_relation_with_disambiguation_ids_imports_exactly(store: Store, tmp_path: Path):
    report = import_paths(store, [write(tmp_path / "ko1.tsv", TSV)], annotator="minji")
    assert report.relations_added == 1
    text = "🎉 대구시는 엑스포에 참가했다 ."
    assert store.get_document("ko1").text == text
    spans = {(s.start, s.end, s.label) for s in store.spans("ko1", "minji")}
    assert spans == {(2, 5, "GPE"), (7, 10, "EVENT"), (7, 10, "ORG")}
    assert _rows(store) == {("ko1", "minji", (2, 5, "GPE"), (7, 10, "EVENT"), "participates_in")}


@pytest.mark.parametrize("old, new, said", [
    ("participates\\_in\t1-2[0_1]", "likes\t1-2[0_1]", "relation type 'likes' is not in the schema"),
    ("\t1-2[0_1]", "\t1-3[0_1]", "the relation's governor at 1-3 is on no NamedEntity"),
    ("\t1-2[0_1]", "\t1-2[0_7]", "the relation's dependent [7] is no NamedEntity of the file"),
    ("participates\\_in\t", "*\t", "a relation without a type"),
    ("\t1-2[0_1]", "\t1-2|1-2", "1 relation types ('participates\\\\_in') for 2 governors"),
])
def test_a_tsv_relation_that_cannot_be_stored_is_refused_with_its_line(store: Store, tmp_path: Path, old, new, said):
    path = write(tmp_path / "ko1.tsv", TSV.replace(old, new))
    _refused(store, path, _line_of(TSV, "1-4\t"), said)


def test_a_relation_whose_end_is_white_space_is_left_out_of_webanno_and_counted(store: Store, tmp_path: Path):
    blank = {**KOREAN, "spans": [*KOREAN["spans"], {"id": "w", "start": 1, "end": 2, "label": "GPE"}],
             "relations": [*KOREAN["relations"], {"from": "w", "to": "e", "label": "participates_in"}]}
    import_paths(store, [write(tmp_path / "in.jsonl", _lines(blank))], annotator="tester")
    report = export_file(store, tmp_path / "out", ExportOptions(format="webanno"))
    assert (report.relations, report.relations_left_out) == (1, 1)
    assert "1 relation left out with a span of white space at one end" in report.summary()
    with open_project(tmp_path / "other.db") as other:
        import_paths(other, [tmp_path / "out"], annotator="tester")
        assert _rows(other) == {("ko1", "minji", (2, 5, "GPE"), (7, 24, "EVENT"), "participates_in")}


def test_the_tsv_export_writes_relations_as_inceptions_serializer_does(related: Store, tmp_path: Path):
    export_file(related, tmp_path / "out", ExportOptions(format="webanno"))
    lines = (tmp_path / "out" / "sara" / "fa1.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[1:3] == [f"#T_SP={NAMED_ENTITY}|identifier|value", f"#T_RL={RELATION}|value|BT_{NAMED_ENTITY}"]
    rows = {line.split("\t")[2]: line.split("\t")[3:7] for line in lines if line[:1].isdigit()}
    # on the dependent's first token: the type, then the governor's first token and both ids
    assert rows["مدیرعامل"] == ["*[2]", "ROLE[2]", "holds\\_role", "1-2[1_2]"]  # from محمدجواد رجائیان (1-2, 1-3)
    assert rows["سازمان"] == ["*[3]", "ORG[3]", "role\\_in", "1-4[2_3]"]
    assert rows["فاوا"][2:] == ["_", "_"]  # not on the dependent's other tokens
    assert rows["مشهد"] == ["*[3]|*[4]", "ORG[3]|GPE[4]", "located\\_in", "1-5[3_4]"]
    assert next(x for x in lines if "\tمدیرعامل\t" in x).split("\t")[1] == "20-28"  # UTF-16: 🙂 counts 2
    plain = (tmp_path / "out" / "minji" / "ko1.tsv").read_text(encoding="utf-8")
    assert "participates\\_in\t1-2[1_2]" in plain
