"""A stop asked for by a signal ends long work within a second, even work in C that holds
Python's lock (run apart in a forked child), and leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from annotator.core import stopping

# About ten seconds inside one call into C that lets no signal handler run until it returns, as a
# round of crfsuite's training does for seconds (re and big-integer arithmetic would not do: they
# look for signals as they go).
SLOW = "import hashlib; hashlib.pbkdf2_hmac('sha256', b'key', b'salt', 40_000_000)"

SCRIPT = """
import os, signal, sys
from pathlib import Path
from annotator.core import stopping

def stop(signum, frame):  # what the command line does
    stopping.request(signum)
    raise SystemExit(128 + signum)

signal.signal(signal.SIGTERM, stop)
if sys.argv[1] == "armed":
    stopping.arm()

def work():
    Path(sys.argv[2]).write_text(str(os.getpid()))
    {slow}

stopping.run_apart(work)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:  # a zombie nobody reaps yet is gone too
        return stat.read().split(") ")[-1].startswith("Z")


@pytest.mark.skipif(sys.platform != "linux", reason="run_apart forks on Linux only")
def test_a_signal_ends_work_in_c_that_holds_the_interpreter_within_a_second(tmp_path: Path):
    pid_file = tmp_path / "pid"
    script = textwrap.dedent(SCRIPT).replace("{slow}", SLOW)
    proc = subprocess.Popen([sys.executable, "-c", script, "armed", str(pid_file)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)
        worker = int(pid_file.read_text())
        asked = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        waited = time.monotonic() - asked
    finally:  # never leave the computation behind, whatever failed
        proc.kill()
        proc.wait()
        if pid_file.exists() and not _gone(int(pid_file.read_text())):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
    assert worker != proc.pid  # the work ran apart
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert waited < 1.0
    assert "Traceback" not in err
    assert _gone(worker)  # the child was killed with it, not left computing


def test_unarmed_work_runs_here_and_its_errors_are_its_own():
    ran: list[int] = []
    stopping.run_apart(lambda: ran.append(os.getpid()))
    assert ran == [os.getpid()]
    with pytest.raises(ZeroDivisionError):
        stopping.run_apart(lambda: 1 / 0)


@pytest.mark.skipif(sys.platform != "linux", reason="run_apart forks on Linux only")
def test_armed_work_that_fails_in_its_child_raises_here(tmp_path: Path):
    script = textwrap.dedent("""
        from annotator.core import stopping
        stopping.arm()
        try:
            stopping.run_apart(lambda: 1 / 0)
        except RuntimeError as err:
            print(err)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ZeroDivisionError: division by zero", out.stderr


def test_crf_training_runs_apart_when_armed(tmp_path: Path):
    """The tagger's training is the long C call of `annotator suggest`: armed, it runs in a child."""
    script = textwrap.dedent("""
        import os
        import pycrfsuite
        from annotator.core import stopping
        from annotator.core.model import Span
        from annotator.core.recommend.tagger import Tagger

        trained_in = []
        real = pycrfsuite.Trainer.train
        def train(self, *args, **kwargs):
            with open(os.environ["TRAINED_IN"], "a") as out:
                out.write(f"{os.getpid()}\\n")
            return real(self, *args, **kwargs)
        pycrfsuite.Trainer.train = train
        stopping.arm()
        text = "대구시는 포항시와 함께 축제를 연다. 대구시는 좋다."
        tagger = Tagger()
        assert tagger.train([(text, [Span("d", "a", 0, 3, "GPE", "대구시")])] * 5) == 10
        print(os.getpid(), [(s.start, s.end, s.label) for s in tagger.suggest(text)])
        tagger.close()  # its model file goes with it
    """)
    trained_in = tmp_path / "trained_in"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, TRAINED_IN=str(trained_in)))
    assert out.returncode == 0, out.stderr
    here, found = out.stdout.split(" ", 1)
    assert trained_in.read_text().split() != [here]  # trained in another process
    assert "(0, 3, 'GPE')" in found  # whose model this process then used


def test_a_swallowed_stop_still_ends_an_export_and_an_import_at_their_next_page(tmp_path: Path):
    """The exit a signal raises can be swallowed (inside a __del__, or SQLite's progress handler):
    the stop it asked for still ends an export before its next page, and an import before its next
    write, whose transaction rolls back."""
    from annotator.core.exporting import ExportOptions, layers
    from annotator.core.importing import import_paths
    from annotator.storage import Store
    from tests.helpers import SEEDS, write

    with Store.open(tmp_path / "s.db") as store:
        import_paths(store, [SEEDS], annotator="a")
        more = write(tmp_path / "more.jsonl", '{"id": "x1", "text": "대구시는 좋다"}\n')
        try:
            stopping.request(signal.SIGTERM)
            with pytest.raises(stopping.Stopped):
                list(layers(store, ExportOptions(include_untouched=True)))
            with pytest.raises(stopping.Stopped):
                import_paths(store, [more], annotator="a")
        finally:
            stopping.clear()
        assert store.count_documents() == 5  # the stopped import left nothing
        assert len(list(layers(store, ExportOptions(include_untouched=True)))) == 5  # and nothing lingers


def test_the_command_line_keeps_a_stop_that_a_cleanup_swallowed_quiet(capsys: pytest.CaptureFixture[str]):
    from annotator.cli import _quiet_about_stops

    class Args:  # what Python hands sys.unraisablehook
        exc_type, exc_value, exc_traceback, err_msg, object = SystemExit, SystemExit(143), None, None, None

    heard: list[object] = []
    try:
        _quiet_about_stops(Args, default=heard.append)  # no stop asked for: Python's own hook says it
        assert heard == [Args]
        stopping.request(signal.SIGTERM)
        _quiet_about_stops(Args, default=heard.append)  # the stop's own exit: nothing to say
        assert heard == [Args]
    finally:
        stopping.clear()


def _fresh(body: str) -> str:
    """Run ``body`` in a new interpreter (one thread: this one may have started Qt's, and a fork
    is then refused) and return what it printed."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(body)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_items_produced_apart_come_in_order_from_a_child_in_batches():
    out = _fresh("""
        import os
        from annotator.core import stopping
        got = list(stopping.produced_apart(lambda: ((os.getpid(), i * i) for i in range(1001)), batch=7))
        assert [square for _, square in got] == [i * i for i in range(1001)]
        print(len({pid for pid, _ in got}), os.getpid() in {pid for pid, _ in got})
    """)
    assert out.split() == ["1", "False"]  # one child made them all, not this process


def test_an_error_in_the_producing_child_is_raised_here_whole():
    out = _fresh("""
        import os
        from annotator.core import stopping
        from annotator.core.blocks import BlockTooLong

        def produce():
            yield os.getpid()
            raise BlockTooLong(12, 4_000_000)

        made = stopping.produced_apart(produce)
        print(next(made) != os.getpid())  # the item made before the error comes first
        try:
            next(made)
        except BlockTooLong as err:
            print(err.at, err.most)

        class Odd(Exception):
            def __init__(self, a, b):
                super().__init__(f"{a}/{b}")

        def odd():
            raise Odd(1, 2)
            yield

        try:
            list(stopping.produced_apart(odd))
        except RuntimeError as err:  # one pickle cannot carry: said, not lost
            print(err)
    """)
    assert out.splitlines() == ["True", "12 4000000", "Odd: 1/2"]


def test_taking_fewer_items_than_produced_ends_the_child():
    out = _fresh("""
        import os
        from annotator.core import stopping
        made = stopping.produced_apart(lambda: (os.getpid() for _ in range(10**9)), batch=10)
        pid = next(made)
        made.close()
        try:
            os.kill(pid, 0)
            print("still there")
        except ProcessLookupError:  # killed and reaped, not left behind
            print(pid != os.getpid(), "gone")
    """)
    assert out.split() == ["True", "gone"]


def test_items_are_made_here_where_a_fork_is_not_safe(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(stopping, "fork_is_safe", lambda: False)
    assert [pid for pid, _ in zip(stopping.produced_apart(lambda: iter(os.getpid, None)), range(3))] == [os.getpid()] * 3


def test_the_tagger_learns_the_same_model_with_its_sentences_made_apart_or_here():
    out = _fresh("""
        from annotator.core import stopping
        from annotator.core.model import Span
        from annotator.core.recommend.tagger import Tagger

        texts = ["대구시는 18일에 서울로 갔다. 김정은 위원장이 말했다.", "تهران پایتخت ایران است. سارا به تهران رفت.",
                 "Alice went to Paris.\\nBob stayed in Berlin."] * 5
        spans = [[Span("d", "a", 0, 3, "LOC", "대구시")], [Span("d", "a", 0, 5, "LOC", "تهران")],
                 [Span("d", "a", 14, 19, "LOC", "Paris")]] * 5
        docs = list(zip(texts, spans))
        forks, fork = [], stopping.os.fork

        def counted():
            forks.append(1)
            return fork()

        stopping.os.fork = counted
        models = []
        for safe in (True, False):
            stopping.fork_is_safe = lambda safe=safe: safe
            tagger = Tagger()
            assert tagger.train(docs) == 30
            models.append(tagger.model_path.read_bytes())
            tagger.close()
        print(models[0] == models[1], len(forks))
    """)
    assert out.split() == ["True", "1"]  # the same model; the first one's sentences made in a child
