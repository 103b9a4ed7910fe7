"""Long documents stream (issue 22): exports and suggestions work a block of whole sentences at
a time, reading a long text from the database a piece at a time, and give exactly what working on
the whole document gave; what cannot be streamed is refused in one line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from annotator.core import blocks, exporting
from annotator.core.exporting import ExportError, ExportOptions, export, export_file
from annotator.core.importing import import_paths
from annotator.core.recommend import suggesting
from annotator.storage import Store
from tests.helpers import SEEDS, write

LONGISH = ("대구시는 18일 발표했다. «سامانه‌های هوشمند» در مشهد راه‌اندازی شد؟ 👩\u200d👩\u200d👧 3.5 درصد.\n"
           "포항시와 K리그에서 경기. U.S. Army 도착!\n\n") * 40


def longish_file(tmp_path: Path) -> Path:
    """A document of a few thousand characters, spans of two annotators on it, some overlapping,
    one with an edge inside a token, one across a line break."""
    spans = {"sara": [], "minji": []}
    at = 0
    for n, word in enumerate(["대구시", "سامانه‌های هوشمند", "مشهد", "포항시", "K리그", "Army"] * 40):
        at = LONGISH.index(word, at)
        spans["sara" if n % 3 else "minji"].append({"start": at, "end": at + len(word), "label": "ORG"})
        if n % 7 == 0:
            spans["minji"].append({"start": at, "end": at + len(word) + 2, "label": "GPE"})  # overlaps, edge inside
        at += len(word)
    crossing = LONGISH.index("도착!\n\n대구시")
    spans["sara"].append({"start": crossing, "end": crossing + 8, "label": "EVENT"})
    lines = [json.dumps({"id": "long", "text": LONGISH, "annotator": name, "spans": items}, ensure_ascii=False)
             for name, items in spans.items()]
    return write(tmp_path / "long.jsonl", "\n".join(lines) + "\n")


@pytest.fixture
def filled(store: Store, tmp_path: Path) -> Store:
    import_paths(store, [SEEDS, longish_file(tmp_path)], annotator="sara")
    return store


def exported(store: Store, tmp_path: Path, name: str, **options) -> tuple[bytes, str]:
    target = tmp_path / name
    report = export_file(store, target, ExportOptions(**options), sidecars=False)
    return target.read_bytes(), report.summary() + "\n" + "\n".join(report.details())


CASES = [{"format": "bio"}, {"format": "bio", "chars": True}, {"format": "bio", "max_tokens": 5},
         {"format": "conll", "annotator": "sara"}, {"format": "conll", "annotator": "minji", "max_tokens": 4},
         {"format": "conllu", "annotator": "sara"}, {"format": "conllu", "annotator": "minji", "max_tokens": 4},
         {"format": "spacy-docbin"}]


@pytest.mark.parametrize("options", CASES, ids=lambda o: "-".join(map(str, o.values())))
def test_a_long_document_read_a_piece_at_a_time_exports_the_same_bytes(filled: Store, tmp_path: Path,
                                                                        monkeypatch, options):
    whole = exported(filled, tmp_path, "whole", **options)
    read = []
    pieces = Store.text_pieces

    def spy(self, doc_id, size=7):  # small pieces: characters of several bytes cut between pieces
        read.append(doc_id)
        return pieces(self, doc_id, size)

    monkeypatch.setattr(type(filled), "text_pieces", spy)
    monkeypatch.setattr(exporting, "LONG", 100)  # every document's text read a piece at a time
    monkeypatch.setattr(blocks, "SIZE", 64)  # in many blocks
    assert exported(filled, tmp_path, "streamed", **options) == whole
    assert "long" in read


def test_text_pieces_put_together_are_the_text(filled: Store):
    for size in (1, 3, 1000, 1 << 20):
        assert "".join(filled.text_pieces("long", size)) == LONGISH
    assert list(filled.text_pieces("no such document")) == []


def test_a_span_that_does_not_match_a_streamed_text_stops_the_export(filled: Store, tmp_path: Path, monkeypatch):
    from tests.helpers import disable_span_check

    disable_span_check(filled)
    filled.db.execute("UPDATE spans SET text = ? WHERE id = (SELECT min(id) FROM spans WHERE doc_id = 'long')",
                      ["not this"])
    monkeypatch.setattr(exporting, "LONG", 100)
    with pytest.raises(ExportError, match="'long', .*says 'not this' but the text there is"):
        export(filled, io.StringIO(), ExportOptions(format="bio"))


def test_a_long_document_is_a_spacy_doc_per_block_of_whole_sentences(filled: Store, tmp_path: Path, monkeypatch):
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    from annotator.core import docbin

    monkeypatch.setattr(docbin, "SPLIT", 1000)
    monkeypatch.setattr(blocks, "SIZE", 500)
    target = tmp_path / "train.spacy"
    report = export_file(filled, target, ExportOptions(format="spacy-docbin", annotator="sara"))
    assert "1 annotation set of a document over 1,000,000 characters written as" in report.summary()
    docs = list(DocBin().from_disk(target).get_docs(Vocab()))
    parts = [d for d in docs if d.user_data["id"] == "long"]
    assert len(parts) == report.parts > 4
    assert [d.user_data["part"] for d in parts] == list(range(len(parts)))
    assert "".join(d.text for d in parts) == LONGISH
    for d in parts:
        assert LONGISH[d.user_data["offset"]:d.user_data["offset"] + len(d.text)] == d.text
    found = sorted((d.user_data["offset"] + s.start_char, d.user_data["offset"] + s.end_char)
                   for d in parts for s in d.spans["sc"])
    spans = sorted((s.start, s.end) for s in filled.layers(["long"])["long"]["sara"]["spans"])
    assert found == spans
    assert all("part" not in d.user_data for d in docs if d.user_data["id"] != "long")


def test_the_streamed_docbin_is_what_spacy_writes(tmp_path: Path):
    from spacy.tokens import Doc, DocBin
    from spacy.vocab import Vocab

    from annotator.core.docbin import _StreamedBin

    vocab = Vocab()
    docs = []
    for n, words in enumerate([["대구시", "는"], ["سامانه\u200cهای", "هوشمند", "."], ["a"] * 300]):
        doc = Doc(vocab, words=words)
        doc.user_data["id"] = str(n)
        doc.cats = {"x": float(n % 2)}
        docs.append(doc)
    for some in ([], docs[:1], docs):
        ours = _StreamedBin()
        theirs = DocBin(store_user_data=True)
        for doc in some:
            ours.add(doc)
            theirs.add(doc)
        ours.save(tmp_path / "ours.spacy")
        assert (tmp_path / "ours.spacy").read_bytes() == theirs.to_bytes()


def test_a_stretch_with_no_sentence_end_is_refused_in_one_line(store: Store, tmp_path: Path, monkeypatch):
    from click.testing import CliRunner

    from annotator.cli import cli

    path = write(tmp_path / "one.jsonl", json.dumps({"id": "wall", "text": "کلمه " * 2000, "spans": [
        {"start": 0, "end": 4, "label": "ORG"}]}, ensure_ascii=False) + "\n")
    import_paths(store, [path], annotator="sara")
    monkeypatch.setattr(blocks, "MOST", 1000)
    monkeypatch.setattr(blocks, "SIZE", 100)
    with pytest.raises(ExportError) as caught:
        export(store, io.StringIO(), ExportOptions(format="bio"))
    message = str(caught.value)
    assert "\n" not in message and "'wall'" in message and "split the document" in message
    result = CliRunner().invoke(cli, ["--db", str(store.path if not store.is_team else store.url), "export",
                                      "--format", "conll", "--annotator", "sara", "-o", str(tmp_path / "x.conll")])
    assert result.exit_code != 0 and "Traceback" not in result.output and "split the document" in result.output
    assert not (tmp_path / "x.conll").exists()


def test_suggestions_of_a_long_document_come_a_block_at_a_time_and_are_the_same(filled: Store, monkeypatch):
    whole = suggesting.suggest(filled, "sara", "model", recommenders=["string", "crf"])
    layers = filled.layers([d.id for page in filled.document_pages() for d in page])
    before = sorted((d, s.start, s.end, s.label, s.note) for d, by in layers.items() for s in by.get("model", {}).get("spans", []))
    seen, written = [], []
    matcher_suggest = suggesting.StringMatcher.suggest
    add_spans = type(filled).add_spans

    def matcher_spy(self, text):
        seen.append(len(text))
        return matcher_suggest(self, text)

    def add_spy(self, spans):
        written.append(len(spans))
        return add_spans(self, spans)

    monkeypatch.setattr(suggesting.StringMatcher, "suggest", matcher_spy)
    monkeypatch.setattr(type(filled), "add_spans", add_spy)
    monkeypatch.setattr(blocks, "SIZE", 300)
    monkeypatch.setattr(suggesting, "BATCH", 25)
    again = suggesting.suggest(filled, "sara", "model", recommenders=["string", "crf"])
    layers = filled.layers([d.id for page in filled.document_pages() for d in page])
    after = sorted((d, s.start, s.end, s.label, s.note) for d, by in layers.items() for s in by.get("model", {}).get("spans", []))
    assert after == before and again.suggestions == whole.suggestions > 25
    assert max(seen) < 1500 < len(LONGISH)  # a block: never the whole long document
    assert max(written) < 25 + 60 and len(written) > 3  # in batches


def test_layers_of_one_annotator_read_only_theirs(filled: Store):
    everyone = filled.layers(["long"])
    assert set(everyone["long"]) == {"sara", "minji"}
    assert filled.layers(["long"], "minji") == {"long": everyone["long"] and {"minji": everyone["long"]["minji"]}}
    assert filled.layers(["long"], "nobody") == {}


def test_themes_with_nothing_to_learn_do_not_load_scikit_learn():
    """One document (a long one) has no themes to tell apart: scikit-learn's 100 MB stay out of
    suggest's memory."""
    import subprocess
    import sys

    script = ("import sys; from annotator.core.recommend.themes import ThemeClassifier; t = ThemeClassifier(); "
              "assert t.train([('متن', ['health'])]) == 0; assert t.train([('a', ['x']), ('b', ['x'])]) == 0; "
              "assert t.suggest('a') == []; print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_suggest_on_a_stretch_with_no_line_break_says_so_in_one_line(store: Store, tmp_path: Path, monkeypatch):
    path = write(tmp_path / "one.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "taught", "text": "대구시는 발표했다.\n포항시는 발표했다.", "spans": [{"start": 0, "end": 3, "label": "GPE"}]},
        {"id": "wall", "text": "대구시 " * 600}]) + "\n")
    import_paths(store, [path], annotator="sara")
    monkeypatch.setattr(blocks, "SIZE", 100)
    monkeypatch.setattr(blocks, "MOST", 1000)
    with pytest.raises(suggesting.SuggestError) as caught:
        suggesting.suggest(store, "sara", "model", recommenders=["string", "crf"])
    assert "\n" not in str(caught.value) and "'wall'" in str(caught.value) and "split its file" in str(caught.value)
    assert not store.layers(["wall"], "model")  # nothing written: one transaction
