"""Killing the process loses nothing it showed as saved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from annotator.core.importing import import_paths
from annotator.core.project import open_project
from tests.helpers import PERSIAN_SEED, SEEDS

SCRIPT = r"""
import sys, time
from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest
from annotator.core.project import open_project
from annotator.gui.app import create_app
from annotator.core.words import snap
from annotator.gui.window import MainWindow

app = create_app()
store = open_project(sys.argv[1])
window = MainWindow(store, "crash", QSettings(sys.argv[2], QSettings.IniFormat))
window.show()
window.open_document(sys.argv[3])
saved = []
window.saved.connect(saved.append)
for i in range(10_000):
    start = (i * 3) % 2000
    window.view.select(start, start + 2)
    before = len(saved)
    QTest.keyClick(window.view, "p")
    if len(saved) > before and window.saved_label.text().startswith("Saved"):
        a, b = snap(window.document.text, start, start + 2) if window.snap_to_words else (start, start + 2)
        print("SAVED", a, b, flush=True)  # what the window showed as saved
    app.processEvents()
"""


def test_sigkill_loses_no_span_that_was_shown_saved(tmp_path: Path):
    db = tmp_path / "crash.db"
    with open_project(db) as store:
        import_paths(store, [SEEDS], annotator="t")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(db), str(tmp_path / "ui.ini"), PERSIAN_SEED],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    reported: list[tuple[int, int]] = []
    try:
        for line in proc.stdout:
            _, start, end = line.split()
            reported.append((int(start), int(end)))
            if len(reported) == 60:
                os.kill(proc.pid, signal.SIGKILL)
                break
        reported += [(int(a), int(b)) for _, a, b in (line.split() for line in proc.stdout)]
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert len(reported) >= 60
    with open_project(db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {(s.start, s.end) for s in store.spans(PERSIAN_SEED, "crash")}
    assert set(reported) <= stored
