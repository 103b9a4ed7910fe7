"""The exports, read by the libraries people train with (installed from PyPI by the test extra):
Hugging Face datasets, spaCy and seqeval, over Persian and Korean with emoji, ZWJ sequences,
flags, NFD input and ZWNJ in the data, and relations (annotator's JSONL, Label Studio, doccano's
relation layout). Not our own reader: theirs."""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

import pytest

from annotator.core.exporting import ExportOptions, export_file
from annotator.core.importing import import_paths
from annotator.storage import Store
from tests.helpers import ROOT, SEEDS, write

FA = ("😀 👩\u200d👩\u200d👧 خبر: حمید رضایی در مشهد گفت سامانه\u200cهای هوشمند راه\u200cاندازی می\u200cشود. "
      "🇮🇷 ایران میزبان است.")
KO = "지난 18일 대구시는 👍🏽 포항시와 김정은 위원장을 만났다. 🇰🇷 서울특별시 경찰청이 발표했다."
SARA = {"fa": [("حمید رضایی", "PER"), ("مشهد", "GPE"), ("سامانه\u200cهای هوشمند", "ORG"), ("ایران", "GPE")],
        "ko": [("지난 18일", "DATE"), ("대구시", "GPE"), ("포항시", "GPE"), ("김정은", "PER"), ("서울특별시 경찰청", "ORG")]}
MINJI = {"fa": [("حمید رضایی", "PER"), ("مشهد", "GPE"), ("ایران", "LOC")],
         "ko": [("지난 18일", "DATE"), ("대구시", "GPE"), ("포항시", "GPE"), ("김정은", "PER"), ("위원장", "ROLE"),
                ("서울특별시 경찰청", "ORG")]}


# Relations (issue 25) between the spans above, named by their words: (from, to, type).
RELATIONS = {("fa", "sara"): [("سامانه\u200cهای هوشمند", "مشهد", "located_in")],
             ("ko", "minji"): [("김정은", "위원장", "holds_role"), ("서울특별시 경찰청", "대구시", "located_in")]}


def _record(doc_id: str, text: str, annotator: str, spans: list[tuple[str, str]], nfd: bool = False) -> dict:
    raw = unicodedata.normalize("NFD", text) if nfd else text
    out = []
    for n, (word, label) in enumerate(spans):
        w = unicodedata.normalize("NFD", word) if nfd else word
        start = raw.index(w)
        out.append({"id": f"w{n}", "start": start, "end": start + len(w), "label": label})
    words = [word for word, _ in spans]
    relations = [{"from": f"w{words.index(a)}", "to": f"w{words.index(b)}", "label": kind}
                 for a, b, kind in RELATIONS.get((doc_id[:2], annotator), [])]
    return {"id": doc_id, "text": raw, "annotator": annotator, "status": "done", "spans": out,
            "themes": ["international"] if annotator == "sara" else [], **({"relations": relations} if relations else {})}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the seeds (sara's demo annotations on two of them) and two tricky
    documents annotated by sara and minji; the Korean one imported in NFD."""
    from annotator.core.project import open_project

    folder = tmp_path_factory.mktemp("consumers")
    lines = [_record("fa-x", FA, "sara", SARA["fa"]), _record("fa-x", FA, "minji", MINJI["fa"]),
             _record("ko-x", KO, "sara", SARA["ko"], nfd=True), _record("ko-x", KO, "minji", MINJI["ko"], nfd=True)]
    tricky = write(folder / "tricky.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    with open_project(folder / "c.db") as store:
        import_paths(store, [SEEDS, ROOT / "docs" / "demo-annotations.jsonl", tricky], annotator="tester")
    return folder / "c.db"


@pytest.fixture
def db(corpus: Path) -> Store:
    from annotator.core.project import open_project

    store = open_project(corpus)
    yield store
    store.close()


def _spans_in_db(store: Store, annotator: str | None = None) -> set[tuple[str, str, int, int, str]]:
    out = set()
    for doc_id, layers in store.layers(["000_b57cd57af517ef66", "002_26049669d35f669e", "fa-x", "ko-x"]).items():
        for name, entry in layers.items():
            if annotator in (None, name):
                out |= {(doc_id, name, s.start, s.end, s.label) for s in entry["spans"]}
    return out


def _load(path: Path, cache: Path):
    import datasets

    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache))


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


@pytest.mark.parametrize("fmt", ["jsonl", "doccano", "spacy", "bio", "labelstudio"])
def test_every_json_format_loads_with_datasets(db: Store, tmp_path: Path, fmt: str):
    path = tmp_path / ("tasks.json" if fmt == "labelstudio" else f"{fmt}.jsonl")
    report = export_file(db, path, ExportOptions(format=fmt))
    ds = _load(path, tmp_path / "cache")
    assert ds.num_rows == report.lines > 0
    if fmt == "jsonl":
        for row in ds:  # exact spans, emoji and NFD input included
            for span in row["spans"]:
                assert row["text"][span["start"]:span["end"]] == span["text"]
        assert {(r["id"], r["annotator"]) for r in ds} >= {("fa-x", "sara"), ("ko-x", "minji")}
        related = {}  # each relation's ends, read through datasets' columns: the words they join, exactly
        for row in ds:
            ids = {span["id"]: row["text"][span["start"]:span["end"]] for span in row["spans"] if span.get("id")}
            for relation in row.get("relations") or []:
                related.setdefault((row["id"][:2], row["annotator"]), []).append(
                    (ids[relation["from"]], ids[relation["to"]], relation["label"]))
        assert {k: sorted(v) for k, v in related.items()} == {k: sorted(v) for k, v in RELATIONS.items()}
    if fmt == "doccano":  # UTF-16 offsets, as doccano's editor counts them
        row = next(r for r in ds if r["doc_id"] == "fa-x" and r["annotator"] == "sara")
        utf16 = row["text"].encode("utf-16-le")
        assert [utf16[2 * s:2 * e].decode("utf-16-le") for s, e, _ in row["label"]] == [w for w, _ in SARA["fa"]]
    if fmt == "labelstudio":
        task = next(r for r in ds if r["data"]["doc_id"] == "fa-x")
        names = sorted({r["annotator"] for a in task["annotations"] for r in a["result"]})
        assert names == ["minji", "sara"] and not any(a["ground_truth"] for a in task["annotations"])
        related = []
        for annotation in task["annotations"]:
            regions = {}
            for result in annotation["result"]:
                if result["type"] == "labels":
                    value = result["value"]
                    assert task["data"]["text"][value["start"]:value["end"]] == value["text"]
                    regions[result["id"]] = value["text"]
            related += [(regions[r["from_id"]], regions[r["to_id"]], r["labels"][0])
                        for r in annotation["result"] if r["type"] == "relation"]
        assert related == RELATIONS[("fa", "sara")]  # the relation between two regions, read through datasets


def test_bio_tags_cast_to_class_labels_from_the_label_list(db: Store, tmp_path: Path):
    from datasets import ClassLabel, Sequence

    path = tmp_path / "bio.jsonl"
    report = export_file(db, path, ExportOptions(format="bio", max_tokens=64))
    [sidecar] = report.files
    assert sidecar == tmp_path / "bio.labels.json"
    names = json.loads(sidecar.read_text(encoding="utf-8"))
    assert names[0] == "O" and "B-PER" in names and "I-ORG" in names
    ds = _load(path, tmp_path / "cache")
    typed = ds.cast_column("ner_tags", Sequence(ClassLabel(names=names)))
    feature = typed.features["ner_tags"].feature
    for row, original in zip(typed, ds):
        assert feature.int2str(row["ner_tags"]) == original["ner_tags"]
        assert len(row["tokens"]) <= 64 or any(t != "O" for t in original["ner_tags"])
    ko = [row for row in ds if row["doc_id"] == "ko-x" and row["annotator"] == "sara"]
    pairs = [(t, g) for row in ko for t, g in zip(row["tokens"], row["ner_tags"])]
    assert ("대구시", "B-GPE") in pairs and ("는", "O") in pairs and ("👍🏽", "O") in pairs and ("🇰🇷", "O") in pairs


def test_seqeval_scores_two_annotators_on_the_same_tokens(db: Store, tmp_path: Path):
    from seqeval.metrics import f1_score, precision_score, recall_score

    rows = {}
    for name in ("sara", "minji"):
        path = tmp_path / f"{name}.jsonl"
        export_file(db, path, ExportOptions(format="bio", annotator=name, ids=["fa-x", "ko-x"]))
        rows[name] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["tokens"] for r in rows["sara"]] == [r["tokens"] for r in rows["minji"]]  # one tokenization
    y_true = [r["ner_tags"] for r in rows["sara"]]
    y_pred = [r["ner_tags"] for r in rows["minji"]]
    # sara has 9 entities, minji 9; 7 are the same (minji: ایران as LOC, no ORG, an extra ROLE).
    assert precision_score(y_true, y_pred) == pytest.approx(7 / 9)
    assert recall_score(y_true, y_pred) == pytest.approx(7 / 9)
    assert f1_score(y_true, y_pred) == pytest.approx(7 / 9)


def _docbin(db: Store, tmp_path: Path, **options):
    import spacy
    from spacy.tokens import DocBin

    path = tmp_path / "train.spacy"
    report = export_file(db, path, ExportOptions(format="spacy-docbin", **options))
    nlp = spacy.blank("xx")
    return list(DocBin().from_disk(path).get_docs(nlp.vocab)), report


def test_spacy_docbin_holds_every_entity_exactly(db: Store, tmp_path: Path):
    docs, report = _docbin(db, tmp_path)
    assert report.misaligned == [] and len(docs) == report.lines
    found = set()
    for doc in docs:
        for span in doc.spans["sc"]:
            found.add((doc.user_data["id"], doc.user_data["annotator"], span.start_char, span.end_char, span.label_))
        for ent in doc.ents:
            assert ent.text == doc.text[ent.start_char:ent.end_char]
        assert doc.cats.get("international") in (0.0, 1.0)
    assert found == _spans_in_db(db)  # zero lost, zero inexact, in Persian and Korean
    ko = next(d for d in docs if d.user_data["id"] == "ko-x" and d.user_data["annotator"] == "sara")
    assert [e.text for e in ko.ents] == [w for w, _ in SARA["ko"]]
    assert sum(1 for t in ko if t.is_sent_start) == 2


@pytest.mark.parametrize("lang", ["fa", "ko"])
def test_a_blank_spacy_ner_trains_from_the_docbin(db: Store, tmp_path: Path, lang: str):
    import spacy
    from spacy.tokens import Doc
    from spacy.training import Example

    spacy.util.fix_random_seed(0)  # the model's start is random: a seed makes the run the same every time
    docs, _ = _docbin(db, tmp_path, lang=lang)
    assert docs and all(d.user_data["lang"] == lang for d in docs)
    # Korean: spaCy's own tokenizer needs mecab; annotator's stands in (the tokens the model was trained on).
    nlp = spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": "annotator.Tokenizer.v1"}}})
    examples = [Example(Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]), d)
                for d in docs]
    ner = nlp.add_pipe("ner")
    for doc in docs:
        for ent in doc.ents:
            ner.add_label(ent.label_)
    optimizer = nlp.initialize(lambda: examples)
    losses = []
    for _ in range(12):
        step: dict[str, float] = {}
        nlp.update(examples, sgd=optimizer, losses=step, drop=0.0)
        losses.append(step["ner"])
    assert all(math.isfinite(x) for x in losses) and losses[-1] < losses[0] / 2
    text = FA if lang == "fa" else KO
    assert [t.text for t in nlp.make_doc(text)] == [t.text for t in next(d for d in docs if d.text == text)]


def test_conll_reads_with_spacys_own_converter_one_doc_per_document_and_seqeval_scores_it(db: Store, tmp_path: Path):
    from seqeval.metrics import f1_score
    from spacy.training.converters import conll_ner_to_docs

    tags = {}
    for name in ("sara", "minji"):
        path = tmp_path / f"{name}.conll"
        export_file(db, path, ExportOptions(format="conll", annotator=name, ids=["fa-x", "ko-x"]))
        text = path.read_text(encoding="utf-8")
        tags[name] = [[line.split(" ")[-1] for line in block.splitlines()]
                      for block in text.split("\n\n") if block.strip() and not block.startswith("-DOCSTART-")]
    docs = list(conll_ner_to_docs(text, n_sents=0, no_print=True))  # minji's
    assert len(docs) == 2 and not any(t.text == "-DOCSTART-" for d in docs for t in d)  # no junk document
    ents = [(e.text, e.label_) for d in docs for e in d.ents]
    # CoNLL-2003 cannot say that tokens were written together: spaCy joins them with spaces.
    assert ents == [(w, label) for w, label in MINJI["fa"] + MINJI["ko"]]
    assert [t.text for t in docs[1]][2:4] == ["대구시", "는"] and "대구시 는" in docs[1].text
    assert f1_score(tags["sara"], tags["minji"]) == pytest.approx(7 / 9)  # as from the BIO lines


@pytest.mark.parametrize("doc_id", ["fa-x", "ko-x"])
def test_conllu_through_spacy_convert_gives_back_the_text_and_the_entities(db: Store, tmp_path: Path, doc_id: str):
    import subprocess
    import sys

    import spacy
    from spacy.tokens import DocBin

    path = tmp_path / "sara.conllu"
    export_file(db, path, ExportOptions(format="conllu", annotator="sara", ids=[doc_id]))
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run([sys.executable, "-m", "spacy", "convert", str(path), str(out), "-c", "conllu", "-n", "100"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    [doc] = DocBin().from_disk(out / "sara.spacy").get_docs(spacy.blank("xx").vocab)
    source = unicodedata.normalize("NFC", FA if doc_id == "fa-x" else KO)
    assert doc.text == source  # the spacing as the source has it: 대구시는, not 대구시 는
    expected = sorted((source.index(unicodedata.normalize("NFC", w)), w, label) for w, label in SARA[doc_id[:2]])
    assert [(e.start_char, e.text, e.label_) for e in doc.ents] == \
        [(start, unicodedata.normalize("NFC", w), label) for start, w, label in expected]


def test_docbin_span_group_holds_a_span_inside_a_token_and_leaves_the_model_out(tmp_path: Path):
    import spacy
    from spacy.tokens import DocBin

    from annotator.core.project import open_project

    text = "👩‍👩‍👧 서울소방재난본부는 지난 18일 발표했다."
    spans = [("서울소방재난본부", "ORG"), ("서울", "GPE"), ("지난 18일", "DATE")]
    records = [{"id": "k", "text": text, "annotator": "sara", "status": "done",
                "spans": [{"start": text.index(w), "end": text.index(w) + len(w), "label": label} for w, label in spans]},
               {"id": "k", "text": text, "annotator": "model", "spans": [{"start": 12, "end": 16, "label": "ORG"}]}]
    source = write(tmp_path / "k.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in records))
    with open_project(tmp_path / "k.db") as store:
        import_paths(store, [source], annotator="sara")
        report = export_file(store, tmp_path / "k.spacy", ExportOptions(format="spacy-docbin"))
    [doc] = DocBin().from_disk(tmp_path / "k.spacy").get_docs(spacy.blank("xx").vocab)
    assert doc.user_data["annotator"] == "sara" and doc.text == text
    assert sorted((s.text, s.label_) for s in doc.spans["sc"]) == sorted(spans)  # 서울 too, exact
    assert [(e.text, e.label_) for e in doc.ents] == [("서울소방재난본부", "ORG"), ("지난 18일", "DATE")]
    assert [t.text for t in doc][1:4] == ["서울", "소방재난본부", "는"]  # cut at the span's edge, not at the model's
    assert report.misaligned == [] and "the model layer (suggestions; 1 document) left out" in report.summary()
    assert "1 overlapping span left out of doc.ents" in report.summary()
    at = text.index("서울")  # 6: the family before it is five code points
    assert report.details() == [f"document 'k', sara: GPE [{at}, {at + 2}) '서울' overlaps ORG [{at}, {at + 8}) "
                                "'서울소방재난본부' (left out of doc.ents)"] and at == 6


def test_brat_standoff_offsets_slice_the_text(db: Store, tmp_path: Path):
    out = tmp_path / "brat"
    export_file(db, out, ExportOptions(format="brat"))
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert conf.startswith("[entities]\nPER\n")
    text = (out / "minji" / "fa-x.txt").read_text(encoding="utf-8")
    assert text == unicodedata.normalize("NFC", FA)
    rows = [line.split("\t") for line in (out / "minji" / "fa-x.ann").read_text(encoding="utf-8").splitlines()]
    for _, where, covered in rows:
        label, start, end = where.split(" ")
        assert text[int(start):int(end)] == covered
    assert [(r[1].split(" ")[0], r[2]) for r in rows] == [(label, word) for word, label in
                                                          sorted(MINJI["fa"], key=lambda x: FA.index(x[0]))]


def test_doccanos_relation_layout_loads_with_datasets_and_its_relations_join_the_words(db: Store, tmp_path: Path):
    path = tmp_path / "relations.jsonl"
    export_file(db, path, ExportOptions(format="doccano", doccano_layout="relations"))
    ds = _load(path, tmp_path / "cache")
    related = {}
    for row in ds:  # entities in UTF-16 code units, as doccano's editor counts them; relations by entity id
        utf16 = row["text"].encode("utf-16-le")
        words = {e["id"]: utf16[2 * e["start_offset"]:2 * e["end_offset"]].decode("utf-16-le") for e in row["entities"]}
        for relation in row["relations"] or []:
            related.setdefault((row["doc_id"][:2], row["annotator"]), []).append(
                (words[relation["from_id"]], words[relation["to_id"]], relation["type"]))
    assert {k: sorted(v) for k, v in related.items()} == {k: sorted(v) for k, v in RELATIONS.items()}
