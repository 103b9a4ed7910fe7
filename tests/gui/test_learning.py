"""Suggestions → Learn from…: recommenders trained and served by a process of their own while the
annotator works, their suggestions in the window, the Suggestions panel, and least-sure-first
navigation.

These tests run the real worker (python -m annotator.core.recommend.worker) and wait for its
answers as the window does, without ever blocking on it."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QInputDialog, QSpinBox, QTableWidget

from annotator.core.importing import import_paths
from annotator.core.recommend.live import LEARNED
from tests.gui.conftest import EMOJI_DOC, EMOJI_TEXT, drag, utf16
from tests.helpers import ROOT

MASHHAD = "مشهد"
TRAINING = 90_000  # ms: a cold start of the worker imports scikit-learn and Kiwi


def occurrences(text: str, word: str) -> list[int]:
    out, at = [], text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + 1)
    return out


def shown(qtbot, window) -> None:
    """Wait for the worker's answer for the open document (it arrives asynchronously)."""
    learning = window.learning
    qtbot.waitUntil(lambda: window.document.id in learning.cache
                    and learning.cache[window.document.id][0] >= learning.version, timeout=TRAINING)


def trained(qtbot, window, generation: int) -> None:
    qtbot.waitUntil(lambda: window.learning.ready and window.learning.state.generation >= generation,
                    timeout=TRAINING)
    shown(qtbot, window)


def label_first_mashhad(qtbot, window) -> int:
    text = window.document.text
    start = text.index(MASHHAD + " ")  # a whole word: "مشهد گفت"
    drag(qtbot, window, start, start + len(MASHHAD))
    qtbot.keyClick(window.view, "g")
    assert [(s.start, s.label) for s in window.store.spans(window.document.id, "tester")] == [(start, "GPE")]
    return start


def test_learn_from_my_layer_accept_reject_and_retrain_on_ctrl_enter(qtbot, window, monkeypatch):
    qtbot.waitUntil(window.isActiveWindow)
    first = "000_b57cd57af517ef66"
    window.open_document(first)
    labelled = label_first_mashhad(qtbot, window)

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("My layer (tester)", True)))
    window.learning.ask_source()
    assert window.learning.training  # the window goes on while the worker learns
    trained(qtbot, window, 1)
    assert window.statusBar().currentMessage() == "Suggestions learned from 1 span: Shift+N for the next one"

    text = window.document.text
    places = [at for at in occurrences(text, MASHHAD) if at != labelled]
    pending = window.view.suggestions
    # Every other whole-word مشهد is suggested (the string matcher), never the one already labelled.
    string_hits = {s.start for s in pending if s.label == "GPE" and s.text == MASHHAD}
    assert labelled not in {s.start for s in pending}
    assert string_hits and string_hits <= set(places)
    assert all(s.annotator == LEARNED for s in pending)
    assert any(s.note and s.note.split()[0] in ("string", "crf") for s in pending)
    tooltip = window.status_line.describe_span(pending[0])
    assert tooltip.startswith("Suggestion: ") and f"Recommender and score: \u2068{pending[0].note}" in tooltip

    # Accept the next suggestion with the keyboard: it lands in my layer.
    window.view.set_caret(utf16(text, labelled + len(MASHHAD)))
    qtbot.keyClick(window.view, Qt.Key_N, Qt.ShiftModifier)
    accepted = min(s for s in pending if s.start > labelled)
    qtbot.keyClick(window.view, Qt.Key_A, Qt.ShiftModifier)
    mine = {(s.start, s.end, s.label) for s in window.store.spans(first, "tester")}
    assert (accepted.start, accepted.end, accepted.label) in mine
    # Reject the next one: remembered in the database, gone from the view.
    qtbot.keyClick(window.view, Qt.Key_N, Qt.ShiftModifier)
    rejected = next(s for s in window.view.suggestions if s.start > accepted.start)
    qtbot.keyClick(window.view, Qt.Key_X, Qt.ShiftModifier)
    assert window.store.rejected_suggestions(first, "tester", LEARNED) == {(rejected.start, rejected.end, rejected.label)}
    assert (rejected.start, rejected.end) not in {(s.start, s.end) for s in window.view.suggestions}

    # Ctrl+Enter marks the document done and retrains in the background on what is now saved.
    qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier)
    assert window.document.id != first
    assert window.learning.training
    trained(qtbot, window, 2)
    state = window.learning.state
    assert state.spans == len(window.store.spans(first, "tester")) == 2 and state.documents == 1
    # The rejected place is never offered again, and the rejection lowered مشهد's score.
    window.open_document(first)
    shown(qtbot, window)
    again = {(s.start, s.end, s.label): s for s in window.view.suggestions}
    assert (rejected.start, rejected.end, rejected.label) not in again
    scores = [float(s.note.split()[1]) for s in again.values() if s.text == MASHHAD and s.note.startswith("string")]
    assert scores and max(scores) < 1.0

    # What was learned in one document is suggested in another, Persian letters folded.
    window.open_document(EMOJI_DOC)
    shown(qtbot, window)
    at = EMOJI_TEXT.index(MASHHAD)
    assert (at, at + len(MASHHAD), "GPE") in {(s.start, s.end, s.label) for s in window.view.suggestions}
    # Suggestions never reached my layer without an accept.
    assert window.store.spans(EMOJI_DOC, "tester") == []


def test_n_new_spans_retrain_and_settings_live_in_the_database(qtbot, window):
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document("000_b57cd57af517ef66")
    spin = window.findChild(QSpinBox, "retrain-every")
    spin.setValue(2)
    window.findChild(QCheckBox, "recommender-themes").setChecked(False)
    saved = json.loads(window.store.setting("recommenders"))
    assert saved["retrain_every"] == 2 and saved["recommenders"] == ["string", "crf"]

    window.learning.learn_from("tester")
    qtbot.waitUntil(lambda: not window.learning.training, timeout=TRAINING)
    assert window.learning.message.startswith("Training failed") is False
    generation = window.learning.generation
    label_first_mashhad(qtbot, window)
    assert not window.learning.training  # one new span: not yet
    text = window.document.text
    second = text.index("رومانی")
    drag(qtbot, window, second, second + len("رومانی"))
    qtbot.keyClick(window.view, "g")
    assert window.learning.generation == generation + 1 and window.learning.training  # the second one
    trained(qtbot, window, generation + 1)
    assert window.learning.state.spans == 2
    assert "themes" not in window.learning.state.recommenders  # switched off in the project


def test_panel_shows_self_evaluation_and_least_sure_first(qtbot, window):
    import_paths(window.store, [ROOT / "docs" / "demo-annotations.jsonl"], annotator="tester")
    qtbot.waitUntil(window.isActiveWindow)
    window.learning.learn_from("sara")  # another annotator's layer, two documents
    qtbot.waitUntil(lambda: window.learning.state is not None and window.learning.state.evaluated_at != ""
                    and bool(window.learning.ranking), timeout=TRAINING)
    table = window.findChild(QTableWidget, "learning-evaluation")
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert {row[0] for row in rows} == {"string", "CRF"}
    assert any(row[1] == "ALL" and int(row[5]) > 0 for row in rows)
    assert "Trained" in window.learning.message and "2 documents" in window.learning.message

    # Least sure first: the ranked documents are the tester's unannotated ones, the least sure first.
    ranking = window.learning.ranking
    assert [score for _, score in ranking] == sorted((score for _, score in ranking), reverse=True)
    assert {doc_id for doc_id, _ in ranking} >= {"000_b57cd57af517ef66", EMOJI_DOC}
    window.open_document("html")
    qtbot.keyClick(window.view, Qt.Key_U, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.document.id == next(doc_id for doc_id, _ in ranking if doc_id != "html")


def test_the_suggestion_process_asks_the_windows_korean_analyser_and_suggests_the_same(qtbot, window):
    """One Kiwi for the session: the window lends the suggestion process its Korean analyser
    process (its address on the command line, its key in the environment), and what comes back
    for a Korean document is what the same learning with Kiwi in this process suggests."""
    from annotator.core import analyser
    from annotator.core.recommend import live
    from tests.helpers import DAEGU_SEED

    import_paths(window.store, [ROOT / "docs" / "demo-annotations.jsonl"], annotator="tester")
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document(DAEGU_SEED)
    window.learning.learn_from("sara")  # their layer has the Korean seed's names
    arguments = window.learning.trainer.arguments()
    address, key = analyser.shared().address()
    assert arguments[arguments.index("--analyser") + 1] == address
    assert window.learning.trainer.processEnvironment().value(analyser.KEY_VARIABLE) == key.hex()
    trained(qtbot, window, 1)
    got = sorted((s.start, s.end, s.label, s.note) for s in window.learning.cache[DAEGU_SEED][1])
    learned, state = live.train(window.store, "sara", "tester", live.Settings.load(window.store), themes=False)
    model = live.LiveModel(learned, state)
    try:
        here = model.suggest(window.document.text)[0]
    finally:
        model.close()
    assert len(got) > 10 and got == sorted((a, b, label, f"{who} {score:.2f}") for a, b, label, score, who in here)
    assert analyser.shared().pid is not None


def test_a_training_failure_is_one_line_in_the_panel(qtbot, window, tmp_path):
    qtbot.waitUntil(window.isActiveWindow)
    window.learning.settings.gazetteer = str(tmp_path / "missing.tsv")
    window.learning.save_settings()
    window.learning.learn_from("tester")
    qtbot.waitUntil(lambda: not window.learning.training, timeout=TRAINING)
    assert window.learning.message.startswith("Training failed:")
    assert "missing.tsv" in window.learning.message and "\n" not in window.learning.message
    assert not window.learning.ready and window.view.suggestions == []


def _children(pid: int) -> list[int]:
    import subprocess

    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_the_window_resumes_learning_and_sigterm_ends_it_and_its_worker_cleanly(tmp_path):
    """A person who chose Learn from… gets suggestions again at the next start; a logout
    (SIGTERM) closes the window as a person would and takes the worker with it, no traceback."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from annotator.core.project import open_project
    from tests.helpers import SEEDS

    db = tmp_path / "p.db"
    store = open_project(db)
    import_paths(store, [SEEDS, ROOT / "docs" / "demo-annotations.jsonl"], annotator="maya")
    store.close()
    config = tmp_path / "cfg" / "annotator"
    config.mkdir(parents=True)
    (config / "annotator.conf").write_text("[annotator]\nname=maya\n[learn]\nsource=sara\n"
                                           "[annotate]\nsuggestions=learned\n", encoding="utf-8")
    # maya is the name the window kept (no $ANNOTATOR_NAME, which would win over it)
    env = {**{k: v for k, v in os.environ.items() if k != "ANNOTATOR_NAME"},
           "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    app = subprocess.Popen([sys.executable, "-m", "annotator", "--db", str(db)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and time.monotonic() < deadline and app.poll() is None:
            time.sleep(0.2)
            workers = _children(app.pid)
        assert workers, "the window did not start learning again"
        app.send_signal(signal.SIGTERM)
        out, err = app.communicate(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == 0 and "Traceback" not in err, err
    time.sleep(0.5)
    assert all(not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()
               for pid in workers)
    store = open_project(db)
    assert store.setting("last_document/maya")  # closing did what closing does
    store.close()


def test_learned_suggestions_follow_a_label_renamed_in_the_editor(qtbot, window, monkeypatch):
    from tests.gui.test_schema_editor import _shown, _type_in_cell, names

    qtbot.waitUntil(window.isActiveWindow)
    window.open_document("000_b57cd57af517ef66")
    label_first_mashhad(qtbot, window)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("My layer (tester)", True)))
    window.learning.ask_source()
    trained(qtbot, window, 1)
    assert any(s.label == "GPE" and s.text == MASHHAD for s in window.view.suggestions)

    dialog = _shown(qtbot, window)
    _type_in_cell(qtbot, dialog, "labels", names(window).index("GPE"), 0, "CITY")
    qtbot.waitUntil(lambda: "CITY" in names(window))
    dialog.close()
    mashhad = [s for s in window.view.suggestions if s.text == MASHHAD]
    assert mashhad and {s.label for s in mashhad} == {"CITY"}  # at once, before any retraining
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    window.view.select(mashhad[0].start, mashhad[0].end)
    qtbot.keyClick(window.view, Qt.Key_A, Qt.ShiftModifier)  # accept it: a span of a label that exists
    assert (mashhad[0].start, "CITY") in {(s.start, s.label) for s in window.store.spans(window.document.id, "tester")}
    trained(qtbot, window, 2)  # the rename retrained the model: it knows CITY itself now
    assert window.learning.renames == {}
    assert {s.label for s in window.view.suggestions if s.text == MASHHAD} <= {"CITY"}
