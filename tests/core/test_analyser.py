"""The Korean analyser in a process of its own answers as the tokens' own analysis does, and ends
with its input."""

from __future__ import annotations

import os
import subprocess
import sys

from annotator.core import tokens
from annotator.core.analyser import Analyser

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
