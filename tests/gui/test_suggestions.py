"""A model's pre-annotations, reviewed one by one or all at once into the annotator's own layer."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from tests.gui.conftest import EMOJI_DOC, EMOJI_TEXT
from tests.helpers import write


def _model_spans(window, tmp_path):
    words = [("대구시", "GPE"), ("مشهد", "GPE"), ("سمنان", "LOC")]
    spans = [{"start": EMOJI_TEXT.index(w), "end": EMOJI_TEXT.index(w) + len(w), "label": label} for w, label in words]
    path = write(tmp_path / "model.jsonl", json.dumps({"id": EMOJI_DOC, "text": EMOJI_TEXT, "annotator": "model",
                                                       "spans": spans}, ensure_ascii=False) + "\n")
    assert window.files.run_import([str(path)])
    return [(s["start"], s["end"], s["label"]) for s in spans]


def mine(window):
    return [(s.start, s.end, s.label) for s in window.store.spans(EMOJI_DOC, "tester")]


def test_review_suggestions_one_by_one_with_the_keyboard(qtbot, window, tmp_path, monkeypatch):
    expected = _model_spans(window, tmp_path)
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document(EMOJI_DOC)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("model", True)))
    window.suggestions.choose_source()
    assert [(s.start, s.end, s.label) for s in window.view.suggestions] == expected
    window.view.set_caret(0)
    view = window.view
    qtbot.keyClick(view, Qt.Key_N, Qt.ShiftModifier)
    assert view.selection() == expected[0][:2]
    qtbot.keyClick(view, Qt.Key_A, Qt.ShiftModifier)  # accept 대구시 into my layer
    assert mine(window) == [expected[0]]
    assert window.statusBar().currentMessage().startswith("Accepted: GPE on «\u2068대구시\u2069»")
    qtbot.keyClick(view, Qt.Key_N, Qt.ShiftModifier)
    assert view.selection() == expected[1][:2]
    qtbot.keyClick(view, Qt.Key_X, Qt.ShiftModifier)  # reject مشهد
    assert [(s.start, s.end) for s in view.suggestions] == [expected[2][:2]]
    assert window.statusBar().currentMessage().startswith("Rejected: GPE on «\u2068مشهد\u2069» is not suggested")
    assert window.store.pending_suggestions(EMOJI_DOC, "tester", "model")[0].text == "سمنان"
    # The model's own layer never changes.
    assert [(s.start, s.end, s.label) for s in window.store.spans(EMOJI_DOC, "model")] == expected
    window.undo_action.trigger()  # the rejection comes back as a suggestion
    assert len(view.suggestions) == 2


def test_accept_all_is_one_undo_step(qtbot, window, tmp_path):
    expected = _model_spans(window, tmp_path)
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document(EMOJI_DOC)
    window.suggestions.set_source("model")
    qtbot.keyClick(window.view, Qt.Key_A, Qt.ControlModifier | Qt.AltModifier)
    assert mine(window) == expected
    assert window.view.suggestions == []
    window.undo_action.trigger()
    assert mine(window) == [] and len(window.view.suggestions) == 3
    window.suggestions.reject_all()
    assert window.view.suggestions == [] and mine(window) == []


def test_suggestions_are_drawn_dotted_on_their_characters(qtbot, window, tmp_path):
    _model_spans(window, tmp_path)
    window.open_document(EMOJI_DOC)
    window.suggestions.set_source("model")
    start = EMOJI_TEXT.index("대구시")
    position = len(EMOJI_TEXT[:start].encode("utf-16-le")) // 2  # Qt's position, computed independently
    block = window.view.document().findBlock(position)
    dotted = [(r.start + block.position(), r.length) for r in block.layout().formats()
              if r.format.underlineStyle() == r.format.UnderlineStyle.WaveUnderline]
    expected = [(len(EMOJI_TEXT[:EMOJI_TEXT.index(w)].encode("utf-16-le")) // 2, len(w)) for w in ("대구시", "مشهد", "سمنان")]
    assert dotted == expected and expected[0][0] == position


def test_a_suggestion_from_suggest_shows_its_recommender_and_score(qtbot, window):
    from annotator.core.importing import import_paths
    from annotator.core.recommend.suggesting import suggest
    from tests.helpers import ROOT, SEEDS

    import_paths(window.store, [SEEDS, ROOT / "docs" / "demo-annotations.jsonl"], annotator="tester")
    suggest(window.store, "sara", recommenders=["string"])
    doc_id = next(d.id for _, d in window.store.documents_after(0, 50) if window.store.spans(d.id, "model"))
    window.open_document(doc_id)
    window.suggestions.set_source("model")
    assert window.view.suggestions
    first = window.view.suggestions[0]
    text = window.status_line.describe_span(first)
    assert text.startswith("Suggestion: ") and "Recommender and score: \u2068string " in text


def test_accept_all_above_a_score_is_one_undo_step(qtbot, window):
    from annotator.core.importing import import_paths
    from annotator.core.recommend.suggesting import suggest
    from tests.helpers import ROOT, SEEDS

    import_paths(window.store, [SEEDS, ROOT / "docs" / "demo-annotations.jsonl"], annotator="tester")
    suggest(window.store, "sara")
    doc_id = next(d.id for _, d in window.store.documents_after(0, 50) if len(window.store.spans(d.id, "model")) > 3)
    window.open_document(doc_id)
    window.suggestions.set_source("model")
    scores = [window.suggestions.score(s) for s in window.view.suggestions]
    high = sum(1 for x in scores if x is not None and x >= 0.9)
    assert 0 < high
    mine = len(window.store.spans(doc_id, "tester"))
    window.suggestions.accept_above(0.9)
    assert len(window.store.spans(doc_id, "tester")) == mine + high
    window.undo_action.trigger()
    assert len(window.store.spans(doc_id, "tester")) == mine


def test_suggestion_keys_work_after_a_click_in_the_document_list(qtbot, window, tmp_path, monkeypatch):
    """Found by a new user: after clicking a document in the list (or choosing Learn from…),
    Shift+N did nothing and said nothing until a click in the text."""
    from PySide6.QtWidgets import QApplication

    expected = _model_spans(window, tmp_path)
    qtbot.waitUntil(window.isActiveWindow)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("model", True)))
    window.suggestions.choose_source()
    panel = window.documents
    row = panel.model.row_of(EMOJI_DOC)
    qtbot.mouseClick(panel.view.viewport(), Qt.LeftButton, pos=panel.view.visualRect(panel.model.index(row, 0)).center())
    assert window.document.id == EMOJI_DOC and QApplication.focusWidget() is panel.view
    window.view.set_caret(0)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_N, Qt.ShiftModifier)
    assert window.view.selection() == expected[0][:2]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_A, Qt.ShiftModifier)
    assert mine(window) == [expected[0]]
    panel.search.setFocus()  # typed into the search box, the same keys are letters
    before = window.view.selection()
    qtbot.keyClicks(panel.search, "N")  # Shift+N as typed
    assert panel.search.text() == "N" and mine(window) == [expected[0]]
    assert window.view.selection() == before  # no suggestion stepped to
    qtbot.waitUntil(lambda: panel.model.search_expression is not None, timeout=3000)  # the list filtered, as typed
