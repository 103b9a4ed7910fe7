"""The Korean analyser in a process of its own answers as the tokens' own analysis does, to its
starter and to whoever it is lent to, within bounded waits, and ends with its input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from multiprocessing.connection import Client
from pathlib import Path

import pytest

from annotator.core import analyser as analyser_module
from annotator.core import tokens
from annotator.core.analyser import Analyser
from annotator.core.resources import seeds_dir

WORDS = ["대구시는", "포항시는", "18일에", "김정은", "발표했다", "K리그에서", "대구시", "😀대구시가", "مشهد", ""]


def here(words: list[str]) -> list[int | None]:
    return [tokens.split_here(w) if tokens.has_hangul(w) else None for w in words]


@pytest.fixture
def started():
    analyser = Analyser()
    yield analyser
    analyser.close()


def test_the_process_answers_as_the_analysis_here_does(started):
    assert [started.split(w) for w in WORDS] == here(WORDS)
    assert started.split("대구시는") == 3 and started.split("김정은") is None
    assert started.asked == len(WORDS) + 2


def test_a_list_of_words_is_answered_in_order_however_long(started, monkeypatch):
    words = WORDS * 3 + [f"{n}일에" for n in range(2500)]  # more than a request carries
    monkeypatch.setattr(analyser_module, "BATCH", 1000)
    assert started.splits(words) == here(words) and started.splits([]) == []
    assert started.asked == len(words)


def test_a_killed_process_is_started_again_and_the_answer_stays_right(started):
    assert started.split("대구시는") == 3
    started._process.kill()
    started._process.wait()
    assert started.split("포항시는") == 3 and started.pid is not None


def test_a_lent_process_answers_its_borrower_from_the_same_kiwi(started):
    address, key = started.address()
    borrower = Analyser(address, key)
    try:
        assert borrower.splits(WORDS) == here(WORDS)
        assert borrower.lent and borrower.pid is None  # no process of its own
        assert borrower.address() is None  # not its to lend
        assert started.split("대구시는") == 3  # the starter asks it meanwhile, on its own connection
        assert borrower.split("포항시는") == 3 and borrower.lent
    finally:
        borrower.close()


def test_a_borrower_whose_lent_process_died_starts_its_own_and_stays_right(started):
    address, key = started.address()
    borrower = Analyser(address, key)
    try:
        assert borrower.split("대구시는") == 3
        started._process.kill()
        started._process.wait()
        assert borrower.splits(WORDS) == here(WORDS)
        assert not borrower.lent and borrower.pid is not None
    finally:
        borrower.close()


def test_a_wrong_key_is_refused_and_the_borrower_starts_its_own(started):
    address, _ = started.address()
    assert started.split("대구시는") == 3
    borrower = Analyser(address, b"not the key")
    try:
        assert borrower.splits(WORDS) == here(WORDS)
        assert not borrower.lent and borrower.pid is not None
    finally:
        borrower.close()


def test_a_stuck_process_is_waited_for_a_bounded_time_and_the_answer_stays_right(started, monkeypatch):
    """Here the wait is a fifth of a second, far less than a new process takes to load Kiwi (a
    second or more; a whole second was not always less once Kiwi loaded without its default
    dictionary): the processes started instead time out too, and the analysis is done here."""
    assert started.split("대구시는") == 3
    address, key = started.address()
    borrower = Analyser(address, key)
    stuck = started.pid
    monkeypatch.setattr(analyser_module, "WAIT", 0.2)
    os.kill(stuck, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        assert borrower.splits(["포항시는", "김정은"]) == [3, None]
        assert not borrower.lent and time.monotonic() - t0 < 30
        assert started.split("포항시는") == 3 and started.pid is None  # the stuck one was ended
        asked = started.asked
        assert started.split("김정은") is None and started.asked == asked  # here from then on
    finally:
        try:
            os.kill(stuck, signal.SIGCONT)
        except ProcessLookupError:
            pass
        borrower.close()


def test_an_unreachable_address_is_replaced_by_a_process_of_its_own(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(analyser_module, "CONNECT_WAIT", 0.2)
    borrower = Analyser(str(tmp_path / "nobody-listens"), b"key")
    try:
        assert borrower.split("대구시는") == 3 and not borrower.lent
    finally:
        borrower.close()


def test_the_process_ends_when_its_input_closes(tmp_path: Path):
    address = str(tmp_path / "analyser")
    process = subprocess.Popen([sys.executable, "-m", "annotator.core.analyser", address], stdin=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ})
    try:
        process.stdin.write(b"0a0b\n")
        process.stdin.flush()
        deadline = time.monotonic() + 60
        while not os.path.exists(address) and time.monotonic() < deadline:
            time.sleep(0.02)
        with Client(address) as conn:
            conn.send_bytes(bytes.fromhex("0a0b"))
            conn.send_bytes('["대구시는", "김정은"]'.encode())
            assert conn.poll(60) and conn.recv_bytes() == b"[3, null]"
        process.stdin.close()
        assert process.wait(timeout=30) == 0 and not os.path.exists(address)
        assert process.stderr.read() == b""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_closing_ends_its_process_and_removes_its_socket(started):
    address, _ = started.address()
    assert started.split("대구시는") == 3
    process = started._process
    started.close()
    assert process.poll() is not None and not os.path.exists(os.path.dirname(address))


def test_korean_split_asks_elsewhere_when_told_to():
    asked = []
    tokens.analyse_elsewhere(lambda word: asked.append(word) or 2)
    try:
        assert tokens.noun_end("대구시는") == 2 and asked == ["대구시는"]
        assert tokens.noun_end("대구시는") == 2 and asked == ["대구시는"]  # remembered
    finally:
        tokens.analyse_elsewhere(None)
    assert tokens.noun_end("대구시는") == 3


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


def test_the_analyser_process_gives_the_seeds_the_tokens_of_the_analysis_here(started):
    texts = seed_texts()
    expected = [tokens.tokenize(text) for text in texts]
    tokens.analyse_elsewhere(started.split, started.splits)
    tokens._run_tokens.cache_clear()
    try:
        assert [tokens.tokenize(text) for text in texts] == expected and started.asked > 500
    finally:
        tokens.analyse_elsewhere(None)
        tokens._run_tokens.cache_clear()
