"""The window on long documents (``annotator bench --long``; issue 22), each figure beside its
target, and beside a floor measured in the same run where the target is one:

- open: the 1,000,000-character document with 10,000 spans, on one line (its paragraphs joined:
  the harder case for a layout), until its first screen is painted (target: at most 300 ms);
- add span: key press to committed and repainted there, median over spans spread through the
  whole document (at most 16 ms, and at most 1.5x the same on a 3,000-character seed article in
  the same window: the floor);
- the 100,000,000-character article (paragraphs of Persian and Korean) opened in a new window
  process until painted, and that process's peak memory (at most 2 s; at most 600 MB).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings

from annotator.benchmarks import Figure
from annotator.benchmarks_long import LONG_CHARS, LONG_SPANS, huge_database, write_long
from annotator.core.importing import import_paths
from annotator.core.project import open_project
from annotator.core.resources import seeds_dir
from annotator.gui.app import create_app
from annotator.gui.bench import add_spans_by_key
from annotator.gui.window import MainWindow

SHORT = "000_b57cd57af517ef66"  # a Persian seed article of about 3,000 characters: the floor

_OPEN_HUGE = r"""
import sys, time
from PySide6.QtCore import QSettings
from annotator.core.project import open_project
from annotator.gui.app import create_app
from annotator.gui.bench import add_spans_by_key
from annotator.gui.window import MainWindow
app = create_app()
store = open_project(sys.argv[1])
store.set_setting("last_document/bench", sys.argv[4])  # the window starts on a short article, as a person's would
window = MainWindow(store, "bench", QSettings(sys.argv[2], QSettings.IniFormat))
window.resize(1400, 900)
window.show()
app.processEvents()
t0 = time.perf_counter()
window.open_document(sys.argv[3])
app.processEvents()
window.view.viewport().repaint()
seconds = time.perf_counter() - t0
peak = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(seconds, int(peak) / 1024, window.view.document().characterCount())
"""


def _spread(text: str, i: int, taken: set[tuple[int, int]]) -> int:
    """The i-th place a span is added at: spread through the whole document (its parts), on a
    letter no span holds, grown to its word by snapping as a person's drag would be."""
    start = (i * 7919 * 131) % (len(text) - 20)
    while not text[start].isalpha() or any(a <= start < b for a, b in taken):
        start += 1
    return start


def long_window_figures(workdir: Path, progress: Callable[[str], None] = print, *, runs: int = 7,
                        huge_db: Path | None = None) -> list[Figure]:
    """The window's long-document figures; ``huge_db``: a database already holding the 100 MB
    article as "huge" (else one is made here)."""
    app = create_app()
    progress("the window on a 1,000,000-character line with 10,000 spans …")
    corpus = workdir / "long-line.jsonl"
    write_long(corpus, LONG_CHARS, LONG_SPANS, doc_id="long-line", one_line=True)
    db = workdir / "long-window.db"
    store = open_project(db)
    import_paths(store, [seeds_dir(), corpus], annotator="bench")
    window = MainWindow(store, "bench", QSettings(str(workdir / "ui-long.ini"), QSettings.IniFormat))
    window.resize(1400, 900)
    window.show()
    app.processEvents()

    def open_long() -> float:
        window.open_document(SHORT)
        app.processEvents()
        t0 = time.perf_counter()
        window.open_document("long-line")
        app.processEvents()
        window.view.viewport().repaint()
        return (time.perf_counter() - t0) * 1000

    opened = [open_long() for _ in range(runs)]
    long_adds = add_spans_by_key(window, "long-line", "bench", 40, _spread)
    short_adds = add_spans_by_key(window, SHORT, "bench", 40, _spread)
    window.close()
    store.close()

    huge_db = huge_db or huge_database(workdir, progress)
    out = subprocess.run([sys.executable, "-c", _OPEN_HUGE, str(huge_db), str(workdir / "ui-huge.ini"), "huge", SHORT],
                         capture_output=True, text=True, check=True)
    seconds, peak, held = out.stdout.split()[-3:]
    long_add, short_add = statistics.median(long_adds), statistics.median(short_adds)
    return [
        Figure("window: open a 1M-char line, 10,000 spans, to its first screen", statistics.median(opened), "ms",
               None, "<= 300 ms", 300.0, False),
        Figure("window: add a span there, key to repaint (median)", long_add, "ms", short_add,
               "<= 16 ms", 16.0, False),
        Figure("window: the same against a 3,000-char article (floor)", long_add, "ms", short_add,
               "<= 1.5x floor", 1.5, True),
        Figure(f"window: open a 100M-char article (Qt holds {int(held):,} chars)", float(seconds) * 1000, "ms",
               None, "<= 2000 ms", 2000.0, False, decimals=0),
        Figure("window: that process's peak memory", float(peak), "MB", None, "<= 600 MB", 600.0, False, decimals=0),
    ]
