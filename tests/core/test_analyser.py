"""The Korean analyser in a process of its own answers as the tokens' own analysis does, and ends
with its input."""

from __future__ import annotations

import os
import subprocess
import sys

from annotator.core import tokens
from annotator.core.analyser import Analyser
from annotator.core.resources import seeds_dir

WORDS = ["대구시는", "포항시는", "18일에", "김정은", "발표했다", "K리그에서", "대구시", "😀대구시가", "مشهد", ""]


def test_the_process_answers_as_the_analysis_here_does():
    analyser = Analyser()
    try:
        assert [analyser.split(w) for w in WORDS] == [tokens.split_here(w) if tokens.has_hangul(w) else None
                                                      for w in WORDS]
        assert analyser.split("대구시는") == 3 and analyser.split("김정은") is None
        assert analyser.asked == len(WORDS) + 2
    finally:
        analyser.close()


def test_a_killed_process_is_started_again_and_the_answer_stays_right():
    analyser = Analyser()
    try:
        assert analyser.split("대구시는") == 3
        analyser._process.kill()
        analyser._process.wait()
        assert analyser.split("포항시는") == 3
    finally:
        analyser.close()


def test_the_process_ends_when_its_input_closes():
    process = subprocess.Popen([sys.executable, "-m", "annotator.core.analyser"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={**os.environ})
    out, _ = process.communicate("대구시는\n김정은\n", timeout=60)
    assert out == "3\n-1\n" and process.returncode == 0


def test_korean_split_asks_elsewhere_when_told_to():
    asked = []
    tokens.analyse_elsewhere(lambda word: asked.append(word) or 2)
    try:
        assert tokens.noun_end("대구시는") == 2 and asked == ["대구시는"]
        assert tokens.noun_end("대구시는") == 2 and asked == ["대구시는"]  # remembered
    finally:
        tokens.analyse_elsewhere(None)
    assert tokens.noun_end("대구시는") == 3


def here(words: list[str]) -> list[int | None]:
    return [tokens.split_here(w) if tokens.has_hangul(w) else None for w in words]


def seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(seeds_dir().glob("*.txt"))]


def test_tokenize_asks_elsewhere_about_a_texts_words_at_once_and_gets_the_same_tokens():
    """Every Korean word of the seeds, asked elsewhere a text at a time (one round trip, not one
    a word), gives the very tokens of the analysis here."""
    texts = seed_texts()
    expected = [tokens.tokenize(text) for text in texts]
    single, many = [], []
    tokens.analyse_elsewhere(lambda word: single.append(word) or tokens.split_here(word),
                             lambda words: many.append(list(words)) or here(words))
    tokens._run_tokens.cache_clear()  # each run tokenized afresh
    try:
        assert [tokens.tokenize(text) for text in texts] == expected
        korean = [text for text in texts if tokens.has_hangul(text)]
        assert len(many) == len(korean) == 2 and single == []  # a list a Korean text, never a word alone
        asked = [w for words in many for w in words]
        assert len(asked) == len(set(asked)) > 500 and all(tokens.has_hangul(w) for w in asked)
        many.clear()
        assert [tokens.tokenize(text) for text in texts] == expected and many == []  # known now
        tokens.korean_split.cache_clear()
        tokens._run_tokens.cache_clear()
        assert [tokens.tokenize(text) for text in texts] == expected and len(many) == 2  # forgotten: asked again
    finally:
        tokens.analyse_elsewhere(None)
        tokens._run_tokens.cache_clear()
