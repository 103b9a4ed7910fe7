"""Search finds what a reader would: Korean inside words, Persian however it is spelled."""

from __future__ import annotations

import random
import re
from pathlib import Path

from annotator.core.importing import import_paths
from annotator.core.model import Status
from annotator.core.text import fold, match_expression
from annotator.storage import Store
from tests.helpers import DAEGU_SEED, SEEDS, write


def _ids(store: Store, query: str, limit: int = 100) -> set[str]:
    return {d.id for d in store.search(match_expression(query), limit=limit)}


def test_two_syllable_korean_words_are_found_inside_longer_words(store: Store):
    import_paths(store, [SEEDS], annotator="t")
    assert _ids(store, "대구") == {DAEGU_SEED}  # 대구시는, 대구의, 대구가
    assert _ids(store, "서울") == {DAEGU_SEED}  # only inside 서울특별시경찰청
    assert DAEGU_SEED in _ids(store, "스마트")  # inside 2020스마트시티
    assert _ids(store, "포항") == {"004_07f1b5d4621585f7"}


def test_every_korean_bigram_search_matches_a_brute_force_scan(store: Store, tmp_path: Path):
    """For many two- and three-syllable substrings, the index returns exactly the documents whose
    text contains them."""
    import_paths(store, [SEEDS], annotator="t")
    texts = {p.stem: fold(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    runs = [r for t in texts.values() for r in re.findall("[\uac00-\ud7a3]{3,}", t)]
    rng = random.Random(7)
    for _ in range(200):
        run = rng.choice(runs)
        size = rng.choice([2, 3])
        i = rng.randrange(0, len(run) - size + 1)
        query = run[i : i + size]
        expected = {doc for doc, t in texts.items() if query in t}
        assert _ids(store, query) == expected, query


def test_persian_words_two_letter_words_and_spelling_variants(store: Store, tmp_path: Path):
    write(tmp_path / "a.txt", "نشست شورای شهر قم درباره سامانه‌های هوشمند")
    write(tmp_path / "b.txt", "خبر از كرمان: ۱۷ آبان")
    import_paths(store, [SEEDS, tmp_path], annotator="t")
    assert "000_b57cd57af517ef66" in _ids(store, "مشهد")
    assert _ids(store, "قم") == {"a"}
    assert "a" in _ids(store, "سامانههای")  # ZWNJ ignored
    assert "b" in _ids(store, "کرمان")  # ك folded to ک
    assert "b" in _ids(store, "17 آبان")  # Persian digits match ASCII
    assert "003_6c8efea14556703f" in _ids(store, "كرمان")


def test_quoted_phrase_needs_the_words_together(store: Store, tmp_path: Path):
    write(tmp_path / "p1.txt", "شهر هوشمند مشهد")
    write(tmp_path / "p2.txt", "هوشمند در شهر")
    import_paths(store, [tmp_path], annotator="t")
    assert _ids(store, '"شهر هوشمند"') == {"p1"}
    assert _ids(store, "شهر هوشمند") == {"p1", "p2"}


def _corpus(store: Store, tmp_path: Path) -> None:
    """Six short documents: 대구 once in d1, d3 and d5 (and three times in d5), Persian in the rest."""
    lines = []
    for i in range(1, 7):
        if i % 2:
            text = f"기사 {i}: " + ("대구시는 " * (3 if i == 5 else 1)) + "발표했다."
            lines.append(f'{{"id": "d{i}", "text": "{text}", "lang": "ko"}}')
        else:
            lines.append(f'{{"id": "d{i}", "text": "خبر {i} از مشهد", "lang": "fa"}}')
    import_paths(store, [write(tmp_path / "c.jsonl", "\n".join(lines) + "\n")], annotator="t")


def test_results_come_in_import_order_or_best_first_and_are_counted(store: Store, tmp_path: Path):
    _corpus(store, tmp_path)
    expression = match_expression("대구")
    assert [d.id for d in store.search(expression, limit=2)] == ["d1", "d3"]
    assert store.search(expression, limit=1, best_first=True)[0].id == "d5"  # says it three times
    assert store.count_matches(expression) == 3
    assert store.count_matches(expression, lang="fa") == 0
    assert [d.id for d in store.search(match_expression("مشهد"), limit=5, lang="fa")] == ["d2", "d4", "d6"]
    assert store.search(match_expression("مشهد"), limit=5, lang="ko") == []


def test_the_document_list_pages_through_matches_with_its_other_filters(store: Store, tmp_path: Path):
    _corpus(store, tmp_path)
    store.ensure_annotator("t")
    store.set_status("d3", "t", Status.DONE)
    match = match_expression("대구")
    first = list(store.document_summaries("t", match=match, limit=2))
    rest = list(store.document_summaries("t", match=match, after_seq=first[-1].seq, limit=2))
    assert [s.id for s in first + rest] == ["d1", "d3", "d5"]
    assert store.count_summaries("t", match=match) == 3
    done = list(store.document_summaries("t", match=match, status=Status.DONE))
    assert [s.id for s in done] == ["d3"] and store.count_summaries("t", match=match, status=Status.DONE) == 1
    assert store.count_summaries("t", match=match, status=Status.NEW) == 2
    assert store.count_summaries("t", match=match, lang="fa") == 0
    assert list(store.document_summaries("t", match=match, lang="fa")) == []


def test_any_row_of_the_list_is_found_by_one_query_under_every_filter(store: Store, tmp_path: Path):
    """summary_key_at and summary_position agree with reading the whole filtered list in order."""
    _corpus(store, tmp_path)
    store.ensure_annotator("t")
    store.set_status("d3", "t", Status.DONE)
    store.set_status("d4", "t", Status.DONE)
    for filters in ({}, {"lang": "ko"}, {"status": Status.DONE}, {"status": Status.NEW, "lang": "fa"},
                    {"match": match_expression("대구")}, {"match": match_expression("대구"), "status": Status.NEW}):
        listed = list(store.document_summaries("t", **filters))
        assert store.count_summaries("t", **filters) == len(listed), filters
        for row, summary in enumerate(listed):
            assert store.summary_key_at(row, annotator="t", **filters) == summary.seq, filters
            assert store.summary_position(summary.id, annotator="t", **filters) == row, filters
        assert store.summary_key_at(len(listed), annotator="t", **filters) is None
        for other in {f"d{i}" for i in range(1, 7)} - {s.id for s in listed}:
            assert store.summary_position(other, annotator="t", **filters) is None, (filters, other)
    assert store.summary_position("nope", annotator="t") is None


def test_latin_accents_are_found_either_way_on_both_backends(store: Store, tmp_path: Path):
    """A file's index (SQLite's unicode61) drops Latin accents; a team database's does the same,
    so a search finds the same documents wherever the project lives."""
    lines = [{"id": "z", "text": "Die Konferenz in Zürich: Café und Erdoğan"},
             {"id": "p", "text": "Paris cafe"}]
    import json

    import_paths(store, [write(tmp_path / "l.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n"
                                                              for x in lines))], annotator="t")
    assert _ids(store, "zurich") == _ids(store, "Zürich") == {"z"}
    assert _ids(store, "café") == _ids(store, "cafe") == {"z", "p"}
    assert _ids(store, "erdogan") == {"z"}
    assert _ids(store, '"café und"') == {"z"}
