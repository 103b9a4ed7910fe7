"""Speed of the window, each figure beside a floor measured in the same run (over 400 lines: one
scenario and its floor per figure, kept together so each reads beside what it is measured against).

- open: a 100,000-character Persian document with 5,000 spans, until painted, against a bare
  QPlainTextEdit with a QSyntaxHighlighter doing the same highlighting (target: at most 2x);
- add span: key press to committed and repainted, median (target: at most 8 ms, half a frame
  at 60 Hz); "repainted" is the event-loop pass that paints what the change dirtied, as after a
  real key press;
- add span while recording active time: the same key presses with the window's activity
  room hearing them, against the same with it deaf (the floor; target: at most 8 ms, and the
  two side by side show what recording adds);
- relations (:mod:`annotator.gui.bench_relations`): the same document with 2,000 relations
  against it without (at most 2x), and a relation added by key (at most 16 ms);
- start: a new process until the window is shown, against a bare QMainWindow with an empty
  QListView in a new process (target: at most 1.5 s);
- learning (:func:`run_learning_benchmarks`): on 1,000 annotated documents, Suggestions → Learn
  from… until the model is loaded in the window (target: at most 10 s), adding a span by key
  press while the worker trains and evaluates (median, at most 12 ms), opening a 3,000-character
  document with its learned suggestions against opening it without them (at most 100 ms), and
  the suggestion process's memory once it serves, evaluated and ranked, Korean loaded (at most
  300 MB; its peak is in the figure's name), and beside it, with no target, the memory of the
  Korean analyser process the window lends it (Kiwi, one for both), so their total shows.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from annotator.benchmarks import Figure
from annotator.gui import bench_relations
from annotator.core.importing import import_paths
from annotator.core.project import open_project
from annotator.core.resources import seeds_dir
from annotator.gui.app import create_app
from annotator.gui.window import MainWindow


def persian_document(chars: int = 100_000, spans: int = 5_000, seed: int = 1) -> tuple[str, list[dict]]:
    """Persian seed sentences, shuffled into ~``chars`` characters of paragraphs, with ``spans``
    non-overlapping spans of 2 to 12 characters spread through it."""
    rng = random.Random(seed)
    sentences: list[str] = []
    for path in sorted(seeds_dir().glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if re.search("[\u0600-\u06ff]", text):
            sentences += [s.strip() for s in re.split(r"(?<=[.!؟])\s+|\n+", text) if len(s.strip()) > 20]
    paragraphs, size = [], 0
    while size < chars:
        paragraph = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
        paragraphs.append(paragraph)
        size += len(paragraph) + 1
    text = "\n".join(paragraphs)[:chars]
    step = len(text) // spans
    labels = ["PER", "ORG", "GPE", "LOC", "EVENT", "DATE", "ROLE"]
    out = []
    for i in range(spans):
        start = i * step + rng.randint(0, max(0, step - 13))
        out.append({"start": start, "end": start + rng.randint(2, 12), "label": labels[i % len(labels)]})
    return text, out


class _FloorHighlighter(QSyntaxHighlighter):
    """What a bare highlighter does with the same spans: one background per span."""

    def __init__(self, document, spans: list[tuple[int, int, str]]):
        super().__init__(document)
        self.by_block: dict[int, list[tuple[int, int, QTextCharFormat]]] = {}
        formats: dict[str, QTextCharFormat] = {}
        for start, end, colour in spans:
            fmt = formats.get(colour)
            if fmt is None:
                fmt = formats[colour] = QTextCharFormat()
                fmt.setBackground(QColor(colour))
            block = document.findBlock(start)
            self.by_block.setdefault(block.blockNumber(), []).append((start - block.position(), end - start, fmt))

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        for start, length, fmt in self.by_block.get(self.currentBlock().blockNumber(), ()):
            self.setFormat(start, length, fmt)


def _median_ms(runs: int, fn: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


_START_APP = """
import sys, time
t0 = float(sys.argv[1])
from PySide6.QtCore import QSettings
from annotator.core.project import open_project
from annotator.gui.app import create_app
from annotator.gui.window import MainWindow
app = create_app()
window = MainWindow(open_project(sys.argv[2]), "bench", QSettings(sys.argv[3], QSettings.IniFormat))
window.show()
app.processEvents()
window.repaint()
print(time.time() - t0)
"""

_START_FLOOR = """
import sys, time
t0 = float(sys.argv[1])
from PySide6.QtWidgets import QApplication, QListView, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setCentralWidget(QListView())
window.resize(1400, 900)
window.show()
app.processEvents()
window.repaint()
print(time.time() - t0)
"""


_SCROLLED = """
import sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from annotator.core.project import open_project
from annotator.gui.app import create_app
from annotator.gui.window import MainWindow
app = create_app()
window = MainWindow(open_project(sys.argv[1]), "bench", QSettings(sys.argv[2], QSettings.IniFormat))
window.show()
app.processEvents()
view = window.documents.view
bar = view.verticalScrollBar()
for _ in range(300):  # page down through the list, as a user holding Page Down: it reads as it goes
    bar.setValue(bar.value() + bar.pageStep())
    app.processEvents()
for at in (bar.maximum(), bar.maximum() // 2, 0):  # then drag the bar to the end, the middle, the top
    bar.setValue(at)
    app.processEvents()
peak = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]  # this process's own
print(window.documents.model.loaded_rows(), int(peak) / 1024)
"""


def corpus_window_figures(db: Path, workdir: Path, documents: int) -> list[Figure]:
    """The window with the corpus database open: ready, against a bare window; memory after
    scrolling the document list (which must load lazily)."""
    ready = _startup_seconds(_START_APP, str(db), str(workdir / "ui-ready.ini"))
    floor = _startup_seconds(_START_FLOOR)
    out = subprocess.run([sys.executable, "-c", _SCROLLED, str(db), str(workdir / "ui-scroll.ini")],
                         capture_output=True, text=True, check=True)
    loaded, rss = out.stdout.split()[-2:]
    lazy = int(loaded) < documents
    return [
        Figure(f"window ready, {documents:,}-document database (list lazy: {'yes' if lazy else 'NO'})",
               ready * 1000 if lazy else float("inf"), "ms", floor * 1000, "<= 1500 ms", 1500.0, False),
        Figure(f"memory of the window after scrolling the list ({int(loaded):,} rows loaded)", float(rss), "MB",
               None, "<= 400 MB", 400.0, False),
    ]


def _startup_seconds(script: str, *args: str) -> float:
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", script, repr(time.time()), *args],
                             capture_output=True, text=True, check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def add_spans_by_key(window: MainWindow, doc_id: str, annotator: str, count: int,
                     where: Callable[[str, int, set[tuple[int, int]]], int] | None = None) -> list[float]:
    """Milliseconds of each of ``count`` spans added by key press in the open window, from the
    key press to committed and repainted; each must be saved. ``where(text, i, spans)`` picks
    the character the i-th selects, given the spans there (untimed, with any part it opens);
    by default one every 997 characters, none of the long document's 5,000 spans."""
    app = QApplication.instance()
    window.open_document(doc_id)
    window.activateWindow()
    window.view.setFocus()
    app.processEvents()
    text = window.document.text
    before = len(window.store.spans(doc_id, annotator))
    added = []
    for i in range(count):
        start = 3 + i * 997 % (len(text) - 20) if where is None else where(
            text, i, {(s.start, s.end) for s in window.view.spans})
        window.view.select(start, start + 1)
        app.processEvents()
        t0 = time.perf_counter()
        QTest.keyClick(window.view, "e")
        app.processEvents()  # the repaint the app does: the dirty regions, as after a real key press
        added.append((time.perf_counter() - t0) * 1000)
    if len(window.store.spans(doc_id, annotator)) != before + len(added):
        raise RuntimeError("a key press in the benchmark did not save its span")
    return added


def _free_char(shift: int) -> Callable[[str, int, set[tuple[int, int]]], int]:
    """Where the i-th key press of another run goes: a character in no span yet."""
    def where(text: str, i: int, spans: set[tuple[int, int]]) -> int:
        at = shift + i * 997 % (len(text) - 2 * shift)
        while any(a <= at < b for a, b in spans) or text[at].isspace():
            at += 1
        return at
    return where


def run_window_benchmarks(workdir: Path, *, runs: int = 7, progress: Callable[[str], None] = print) -> list[Figure]:
    app = create_app()
    text, spans = persian_document()
    corpus = workdir / "long.jsonl"
    corpus.write_text(json.dumps({"id": "long", "lang": "fa", "text": text, "spans": spans,
                                  "annotator": "bench"}, ensure_ascii=False) + "\n", encoding="utf-8")
    related = workdir / "long-related.jsonl"  # the same text and spans, with relations (bench_relations.py)
    bench_relations.write_related(related, text, spans)
    db = workdir / "bench.db"  # the corpus's database after a corpus run: the long documents join it
    store = open_project(db)
    import_paths(store, [seeds_dir(), corpus, related], annotator="bench")
    window = MainWindow(store, "bench", QSettings(str(workdir / "ui.ini"), QSettings.IniFormat))
    window.resize(1400, 900)
    window.show()
    app.processEvents()

    progress("opening a 100,000-character document with 5,000 spans …")

    def open_long() -> None:
        window.open_document("long")
        app.processEvents()
        window.view.viewport().repaint()

    def away() -> None:
        window.open_document("000_b57cd57af517ef66")
        app.processEvents()

    opened = []
    for _ in range(runs):
        away()
        opened.append(_median_ms(1, open_long))
    colours = {label.name: label.colour for label in store.schema().labels}
    floor_view = QPlainTextEdit()
    floor_view.resize(window.view.size())
    floor_view.show()
    floor_spans = [(s["start"], s["end"], colours[s["label"]]) for s in spans]  # all BMP: UTF-16 == code points

    def open_floor() -> None:
        floor_view.setPlainText(text)
        highlighter = _FloorHighlighter(floor_view.document(), floor_spans)
        highlighter.rehighlight()
        app.processEvents()
        floor_view.viewport().repaint()
        floor_view._highlighter = highlighter  # keep it alive

    floors = []
    for _ in range(runs):
        floor_view.setPlainText("")
        app.processEvents()
        floors.append(_median_ms(1, open_floor))
    floor_view.close()
    related_open = bench_relations.open_figure(window, runs=runs, progress=progress)

    progress("adding spans with the keyboard …")
    added = add_spans_by_key(window, "long", "bench", 60)
    progress("adding spans with and without recording active time …")
    deaf, recording = [], []
    for i in range(6):  # interleaved, so that a slower moment of the machine weighs on both
        window.activity.listen(False)
        deaf += add_spans_by_key(window, "long", "bench", 10, _free_char(331 + 53 * i))
        window.activity.listen(True)
        recording += add_spans_by_key(window, "long", "bench", 10, _free_char(661 + 53 * i))
    related_add = bench_relations.add_figure(window, statistics.median(added), progress=progress)
    window.close()
    store.close()

    progress("starting new processes …")
    start_app = _startup_seconds(_START_APP, str(db), str(workdir / "ui2.ini"))
    start_floor = _startup_seconds(_START_FLOOR)
    QApplication.processEvents()
    return [
        Figure("open 100k-char document, 5,000 spans", statistics.median(opened), "ms",
               statistics.median(floors), "<= 2x floor", 2.0, True),
        Figure("add one span, key press to repainted (median)", statistics.median(added), "ms",
               None, "<= 8 ms", 8.0, False),
        Figure("add one span while recording active time (median; floor: not recording)",
               statistics.median(recording), "ms", statistics.median(deaf), "<= 8 ms", 8.0, False),
        related_open,
        related_add,
        Figure("start to first window", start_app * 1000, "ms", start_floor * 1000, "<= 1500 ms", 1500.0, False),
    ]


def run_learning_benchmarks(workdir: Path, *, documents: int = 1000, runs: int = 7,
                            progress: Callable[[str], None] = print) -> list[Figure]:
    """The window learning from ``documents`` annotated documents (about 10 spans each)."""
    from annotator.learning_corpus import make_learning_corpus

    app = create_app()
    progress(f"learning in the window from {documents:,} annotated documents …")
    corpus = workdir / "learn.jsonl"
    spans = make_learning_corpus(corpus, documents)
    store = open_project(workdir / "learn.db")
    import_paths(store, [corpus], annotator="bench")
    # A second annotator learns from the corpus's layer, so the documents' suggestions are all theirs to take.
    window = MainWindow(store, "maya", QSettings(str(workdir / "learn.ini"), QSettings.IniFormat))
    window.resize(1400, 900)
    window.show()
    window.open_document("l000000")
    window.activateWindow()
    window.view.setFocus()
    app.processEvents()
    text = window.document.text
    starts = [i for i in range(5, len(text) - 5, 19) if text[i].isalpha()]

    def add_one() -> float:
        start = starts.pop(0)
        window.view.select(start, start + 1)
        app.processEvents()
        t1 = time.perf_counter()
        QTest.keyClick(window.view, "e")
        app.processEvents()  # committed and repainted
        return (time.perf_counter() - t1) * 1000

    before = len(store.spans("l000000", "maya"))
    idle = []  # the floor: the same key presses with nothing learning
    for _ in range(30):
        idle.append(add_one())
        app.processEvents()
        time.sleep(0.04)

    t0 = time.perf_counter()
    window.learning.learn_from("bench")
    ready_at = None
    added: list[float] = []
    deadline = t0 + 600
    while (window.learning.training or not window.learning.ranked) and time.perf_counter() < deadline:
        if window.learning.ready and ready_at is None:
            ready_at = time.perf_counter()
        if window.learning.training or window.learning.ready:  # learning, then evaluating and ranking
            if starts and len(added) < 120:
                added.append(add_one())
        app.processEvents()  # the worker's lines arrive
        time.sleep(0.04)  # a person's pace between spans
    if ready_at is None:
        raise RuntimeError(f"the window's training did not finish: {window.learning.message}")
    memory = _worker_memory(window.learning.server)
    lent = _pid_memory(_analyser_pid())  # the Korean analyser the window lends the suggestion process
    if len(store.spans("l000000", "maya")) != before + len(idle) + len(added):
        raise RuntimeError("a key press in the learning benchmark did not save its span")
    trained_s = ready_at - t0

    def open_doc(doc_id: str, wait: bool = True) -> Callable[[], None]:
        def run() -> None:  # from the request to the suggestions drawn
            window.open_document(doc_id)
            until = time.perf_counter() + 10
            while wait and doc_id not in window.learning.cache and time.perf_counter() < until:
                app.processEvents()
                time.sleep(0.001)
            app.processEvents()
            window.view.viewport().repaint()
        return run

    ids = [f"l{i:06d}" for i in range(1, 1 + 2 * runs)]
    with_suggestions = [_median_ms(1, open_doc(doc_id)) for doc_id in ids[:runs]]
    shown = len(window.view.suggestions)
    window.suggestions.set_source(None)
    without = [_median_ms(1, open_doc(doc_id, wait=False)) for doc_id in ids[runs:]]
    window.close()
    store.close()
    if not shown:
        raise RuntimeError("the learned model suggested nothing in the benchmark's documents")
    held, peak = memory
    return [
        Figure(f"window: learn from {documents:,} docs ({spans:,} spans), request to suggesting", trained_s, "s",
               None, "<= 10 s", 10.0, False),
        Figure(f"add one span while the recommenders train and evaluate (median of {len(added)})",
               statistics.median(added) if added else float("nan"), "ms", statistics.median(idle), "<= 12 ms", 12.0,
               False),
        Figure("open a 3,000-char document until its learned suggestions are drawn (median)",
               statistics.median(with_suggestions), "ms", statistics.median(without), "<= 100 ms", 100.0, False),
        Figure(f"suggestion process memory, serving, Korean loaded (peak {peak:.0f} MB)", held, "MB", None,
               "<= 300 MB", 300.0, False) if held is not None else
        Figure.skip("suggestion process memory, serving, Korean loaded", "MB", "<= 300 MB",
                    "skipped: no /proc to read it from"),
        Figure(f"Korean analyser process memory, the window's and the above's (peak {lent[1]:.0f} MB)", lent[0],
               "MB", None, "informational", float("inf"), False) if lent[0] is not None else
        Figure.skip("Korean analyser process memory, the window's and the above's", "MB", "informational",
                    "skipped: no analyser process, or no /proc to read it from"),
    ]


def _worker_memory(process) -> tuple[float | None, float | None]:
    """(resident MB, peak resident MB) of the window's suggestion process (a QProcess), from
    /proc: what it holds while it serves, and the most it held while learning, evaluating and
    ranking. (None, None) where there is no /proc."""
    try:
        return _pid_memory(process.processId())
    except AttributeError:
        return None, None


def _analyser_pid() -> int | None:
    """The window's Korean analyser process (annotator.core.analyser), which it lends the
    suggestion process: Kiwi is there, once for both."""
    from annotator.core import analyser

    return analyser.shared().pid


def _pid_memory(pid: int | None) -> tuple[float | None, float | None]:
    """(resident MB, peak resident MB) of process ``pid`` from /proc; (None, None) where there is
    no /proc, or no such process."""
    if not pid:
        return None, None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return None, None


# --- a team database (issue 14) -----------------------------------------------------------------


def team_window_figure(server: object, workdir: Path, adds: int = 50) -> Figure:
    """Adding a span by key press in the window on a team database, as one of its members (the
    100,000-character Persian document with 5,000 of their spans), key press to committed and
    repainted, median of ``adds``. Floor: the same key presses on the same document in a SQLite
    file, in this run."""
    from annotator.benchmarks_team import MEMBERS, team_database

    app = create_app()
    text, spans = persian_document()
    corpus = workdir / "team-long.jsonl"
    corpus.write_text(json.dumps({"id": "long", "lang": "fa", "text": text, "spans": spans},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    member = MEMBERS[0]
    owner = team_database(server, "bench_window")
    with open_project(owner) as store:  # the owner imports; the spans are the member's layer
        import_paths(store, [corpus], annotator=member)
    floor_db = workdir / "team-window-floor.db"
    with open_project(floor_db) as store:
        import_paths(store, [corpus], annotator=member)

    def median_of(location: str | Path) -> float:
        store = open_project(location)
        window = MainWindow(store, member, QSettings(str(workdir / "team-ui.ini"), QSettings.IniFormat))
        try:
            window.resize(1400, 900)
            window.show()
            app.processEvents()
            return statistics.median(add_spans_by_key(window, "long", member, adds))
        finally:
            window.close()
            app.processEvents()
            store.close()

    floor = median_of(floor_db)
    ours = median_of(server.url(user=member, database="bench_window"))  # type: ignore[attr-defined]
    return Figure(f"team: add one span, key press to repainted (median of {adds})", ours, "ms", floor,
                  "<= 12 ms", 12.0, False)


def team_windows_seen_figure(server: object, workdir: Path, saves: int = 10, timeout: float = 5.0) -> Figure:
    """What a person sees: one member adds a span by key press in their window, another member's
    window, showing the first one's layer as suggestions, draws it; from the key press to drawn,
    the slowest of ``saves`` (the key presses come at random moments of the other window's
    half-second poll). No floor: the target is the issue's bound, 2 s."""
    from annotator.benchmarks_team import MEMBERS, team_database

    app = create_app()
    saver_name, watcher_name = MEMBERS
    owner = team_database(server, "bench_windows")
    text = "گزارش شهرداری مشهد درباره شهرهای هوشمند و حمل و نقل عمومی در سال ۱۴۰۲. " * 20
    page = workdir / "team-windows.jsonl"
    page.write_text(json.dumps({"id": "seen", "lang": "fa", "text": text}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    with open_project(owner) as store:
        import_paths(store, [page], annotator=saver_name)
    windows = []
    try:
        for name in MEMBERS:
            store = open_project(server.url(user=name, database="bench_windows"))  # type: ignore[attr-defined]
            window = MainWindow(store, name, QSettings(str(workdir / f"team-{name}.ini"), QSettings.IniFormat))
            window.resize(1000, 800)
            window.show()
            window.open_document("seen")
            windows.append(window)
        saver, watcher = windows
        watcher.suggestions.set_source(saver_name)
        app.processEvents()
        rng = random.Random(5)
        latencies = []
        words = [m.span() for m in re.finditer(r"\S+", text)]
        for i in range(saves):
            pause = time.perf_counter() + rng.uniform(0, 0.5)
            while time.perf_counter() < pause:
                app.processEvents()
                time.sleep(0.005)
            start, end = words[i * 3]
            saver.activateWindow()
            saver.view.setFocus()
            saver.view.select(start, end)
            app.processEvents()
            t0 = time.perf_counter()
            QTest.keyClick(saver.view, "l")
            while len(watcher.view.suggestions) < i + 1 and time.perf_counter() - t0 < timeout:
                app.processEvents()
                time.sleep(0.002)
            latencies.append((time.perf_counter() - t0) * 1000 if len(watcher.view.suggestions) > i else float("inf"))
        if len(saver.store.spans("seen", saver_name)) != saves:
            raise RuntimeError("a key press in the benchmark did not save its span")
    finally:
        for window in windows:
            window.close()
            app.processEvents()
            window.store.close()
    return Figure(f"team: another member's window draws a span (slowest of {saves}, median "
                  f"{statistics.median(latencies):.0f} ms)", max(latencies), "ms", None, "<= 2000 ms", 2000.0, False)


def run_team_benchmarks(workdir: Path, corpus: Path | None = None, *, documents: int = 10_000, adds: int = 50,
                        saves: int = 20, runs: int = 7, scale: str = "",
                        progress: Callable[[str], None] = print) -> list[Figure]:
    """The team database's figures (annotator.benchmarks_team and the window's) over a throwaway
    PostgreSQL cluster started here and stopped at the end, on failure too. ``corpus``: the
    benchmark corpus (its first ``documents`` documents are imported), made here when not given.
    Where the server binaries are not installed, each figure says it was skipped."""
    from annotator.benchmarks import make_corpus
    from annotator.benchmarks_team import (skipped_figures, team_cluster, team_import_figure, team_search_figures,
                                           team_seen_figure)

    with team_cluster() as server:
        if server is None:
            progress("PostgreSQL's server binaries are not installed: the team figures are skipped")
            return skipped_figures()
        if corpus is None:
            corpus = workdir / "team-corpus.jsonl"
            progress(f"building a corpus of {documents:,} documents for the team database …")
            make_corpus(corpus, documents)
        progress(f"team database: importing {documents:,} documents into PostgreSQL and into SQLite …")
        imported, url = team_import_figure(corpus, workdir, server, documents, scale=scale)
        progress("team database: adding spans in the window …")
        added = team_window_figure(server, workdir, adds)
        progress("team database: searching …")
        searched = team_search_figures(url, runs)
        progress("team database: another member sees a saved span …")
        seen = team_seen_figure(server, saves)
        progress("team database: another member's window draws a saved span …")
        drawn = team_windows_seen_figure(server, workdir, min(saves, 10))
        return [imported, added, *searched, seen, drawn]

