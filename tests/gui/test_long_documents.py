"""A long document in the window: one part at a time, long paragraphs broken for display, every
offset still the whole document's (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from annotator.core.importing import import_paths
from annotator.core.pages import LINE, OVERLAP, PART
from tests.gui.conftest import key
from tests.helpers import write

SENTENCE = "شهرداری مشهد گفت که طرح تازه اجرا می‌شود. 대구시는 지난 18일 발표했다. "
LONG = "long-line"


@pytest.fixture
def long_text(gui_store, tmp_path: Path) -> str:
    """A single-line document of about 700,000 characters, an emoji at its start."""
    text = "😀 " + SENTENCE * (700_000 // len(SENTENCE)) + "پایان"
    import_paths(gui_store, [write(tmp_path / "long.jsonl", json.dumps(
        {"id": LONG, "text": text, "lang": "fa"}, ensure_ascii=False) + "\n")], annotator="tester")
    return text


def _blocks(view) -> list[int]:
    block, lengths = view.document().begin(), []
    while block.isValid():
        lengths.append(block.length())
        block = block.next()
    return lengths


def test_a_long_line_opens_as_one_part_in_short_paragraphs(window, long_text):
    window.open_document(LONG)
    view = window.view
    assert view.part_count == 4 and view.part == 0
    assert view.document().characterCount() <= PART + OVERLAP + 1  # Qt holds one part (and a little of the next)
    assert max(_blocks(view)) <= LINE + 1  # a key press lays out one short paragraph, not the line
    assert view.part_bar.isVisible() and view.part_bar.label.text().startswith("Part 1 of 4")
    window.open_document("000_b57cd57af517ef66")
    assert not view.part_bar.isVisible() and view.part_count == 1


class _Counted:
    """The paragraphs the highlighter highlights again, and how long they are."""

    def __init__(self, view):
        self.lengths: list[int] = []
        self._view = view

    def __enter__(self):
        highlighter, document = self._view.highlighter, self._view.document()
        original = highlighter._rehighlight

        def counting(numbers, changed=None):
            self.lengths += [document.findBlockByNumber(n).length() for n in numbers]
            original(numbers, changed)

        highlighter._rehighlight = counting
        return self

    def __exit__(self, *exc):
        del self._view.highlighter._rehighlight


def test_a_label_key_in_the_last_part_stores_the_exact_text_and_restyles_one_short_paragraph(qtbot, window, long_text):
    window.open_document(LONG)
    view = window.view
    start = long_text.rindex("مشهد")
    view.select(start, start + 4)  # a search match, or a span in the list: the part it is in is shown
    assert view.part == view.part_count - 1 and view.selection() == (start, start + 4)
    QApplication.processEvents()
    with _Counted(view) as counted:
        key(qtbot, window, "g")
        QApplication.processEvents()
    [span] = [s for s in window.store.spans(LONG, "tester")]
    assert (span.start, span.end, span.text) == (start, start + 4, long_text[start:start + 4])  # the emoji counted once
    assert 1 <= len(counted.lengths) <= 2 and max(counted.lengths) <= LINE


def test_page_down_at_the_end_of_a_part_goes_on_to_the_next_and_page_up_comes_back(qtbot, window, long_text):
    window.open_document(LONG)
    view = window.view
    bar = view.verticalScrollBar()
    qtbot.keyClick(view, Qt.Key_End, Qt.ControlModifier)  # the part's end on screen, as a person gets there
    assert view.part == 0
    qtbot.keyClick(view, Qt.Key_PageDown)
    assert view.part == 1 and bar.value() == 0
    assert view.caret() == view.parts[1].start
    assert window.selection_label.text() == f"Position {view.parts[1].start}"  # the status bar follows the caret
    assert view.part_bar.label.text().startswith("Part 2 of 4")
    qtbot.keyClick(view, Qt.Key_PageUp)
    assert view.part == 0 and bar.value() == bar.maximum()
    view.part_bar.next.click()
    assert view.part == 1
    qtbot.keyClick(view, Qt.Key_PageDown, Qt.AltModifier)  # Navigate → Next part, from anywhere in a part
    assert view.part == 2 and view.caret() == view.parts[2].start


def test_a_span_in_another_part_is_shown_there_when_it_is_selected(qtbot, window, long_text):
    window.open_document(LONG)
    view = window.view
    start = long_text.index("대구시", view.parts[2].start)
    view.select(start, start + 3)
    key(qtbot, window, "o")
    [span] = window.store.spans(LONG, "tester")
    view.select(0, 0)
    assert view.part == 0
    window.select_span(span.id)
    assert view.part == 2 and view.selected_span_id == span.id
    assert any(s.cursor.selectedText() == "대구시" for s in view.extraSelections())  # painted as selected
    qtbot.keyClick(view, Qt.Key_Z, Qt.ControlModifier)  # undone from its part
    assert window.store.spans(LONG, "tester") == []


def test_a_label_key_reads_again_only_the_suggestions_where_it_changed_something(qtbot, window, long_text, tmp_path):
    """Another layer's spans as suggestions: a key press, its undo, a rejection and its undo read
    the suggestions between the changed span's edges, not the whole document's, and show what a
    whole reading would."""
    from annotator.core.model import Span

    starts = sorted({long_text.index("مشهد", at) for at in range(0, 30_000, 100)})
    window.store.ensure_annotator("model")
    for start in starts:
        window.store.add_span(Span(LONG, "model", start, start + 4, "GPE", "مشهد"))
    window.suggestions.set_source("model")
    window.open_document(LONG)
    view = window.view
    assert len(view.suggestions) == len(starts)
    read: list = []
    pending = window.store.pending_suggestions

    def recorded(*args, **kwargs):
        read.append(args[3] if len(args) > 3 else kwargs.get("within"))
        return pending(*args, **kwargs)

    window.store.pending_suggestions = recorded
    try:
        target = starts[5]
        view.select(target, target + 4)
        key(qtbot, window, "g")  # the same offsets as a suggestion (GPE too): it is taken
        assert [s.start for s in view.suggestions] == [s for s in starts if s != target]
        qtbot.keyClick(view, Qt.Key_Z, Qt.ControlModifier)
        assert [s.start for s in view.suggestions] == starts
        view.select(starts[7], starts[7] + 4)
        qtbot.keyClick(view, Qt.Key_X, Qt.ShiftModifier)  # rejected
        assert starts[7] not in [s.start for s in view.suggestions]
        qtbot.keyClick(view, Qt.Key_Z, Qt.ControlModifier)
        assert [s.start for s in view.suggestions] == starts
    finally:
        del window.store.pending_suggestions
    assert read == [(target, target + 4)] * 2 + [(starts[7], starts[7] + 4)] * 2


def test_the_window_reads_a_documents_text_once_to_open_it_and_not_to_follow_others(qtbot, gui_store, settings,
                                                                                      long_text, monkeypatch):
    """A 100 MB text costs a second and 450 MB to read: opening the last document read it twice,
    and every change another window saved read it again to see that it still existed."""
    from annotator.gui.window import MainWindow

    gui_store.set_setting("last_document/tester", LONG)
    read: list[str] = []
    get = gui_store.get_document
    monkeypatch.setattr(gui_store, "get_document", lambda doc_id: read.append(doc_id) or get(doc_id))
    win = MainWindow(gui_store, "tester", settings)
    qtbot.addWidget(win)
    assert win.document.id == LONG and read == [LONG]
    win.live.show([{"table": "*", "doc": None, "by": None}])  # another connection committed
    win.open_document(LONG)  # picked again in the list
    assert read == [LONG] and win.document.id == LONG


def _states(window) -> tuple[list, list]:
    """The units' states and the proposals underlined, as the panel and the article show them."""
    tree = window.review.panel.tree
    return ([tree.topLevelItem(i).text(2) for i in range(tree.topLevelItemCount())],
            sorted((s.start, s.end, s.label) for s in window.view.suggestions))


def test_a_review_decision_changes_its_units_row_not_the_whole_panel(qtbot, window, long_text, tmp_path):
    """Two annotators, hundreds of units: accepting, rejecting and undoing a unit change its row
    and its underlines, and leave the panel as reading everything again would."""
    words = [long_text.index("مشهد", at) for at in range(0, 60_000, 150)]
    words = sorted(set(words))
    lines = [{"id": LONG, "text": long_text, "annotator": name,
              "spans": [{"start": s, "end": s + 4, "label": label} for s in words]}
             for name, label in (("sara", "GPE"), ("minji", "LOC"))]
    assert window.files.run_import([str(write(tmp_path / "two.jsonl", "".join(
        json.dumps(x, ensure_ascii=False) + "\n" for x in lines)))])
    qtbot.waitUntil(window.isActiveWindow)
    window.open_document(LONG)
    window.review.mode_action.trigger()
    review, view, tree = window.review, window.view, window.review.panel.tree
    assert len(review.units) == len(words) and all(u.kind == "label_conflict" for u in review.units)
    first_row = tree.topLevelItem(0)
    refreshed: list[bool] = []
    full = review.refresh
    review.refresh = lambda **kw: refreshed.append(True) or full(**kw)
    try:
        review._show(7)
        view.setFocus()
        qtbot.keyClick(view, Qt.Key_1, Qt.AltModifier)  # accept version 1 of unit 8
        assert tree.topLevelItem(7).text(2) == "accepted" and tree.topLevelItem(8).text(2) == "undecided"
        assert words[7] not in [s.start for s in view.suggestions]
        qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)  # reject unit 8 (still current: decided units are revisited)
        review._show(9)
        qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)  # reject unit 10
        assert tree.topLevelItem(9).text(2) == "rejected"
        shown = _states(window)
        qtbot.keyClick(view, Qt.Key_Z, Qt.ControlModifier)  # the rejection undone
        assert tree.topLevelItem(9).text(2) == "undecided" and words[9] in [s.start for s in view.suggestions]
        after_undo = _states(window)
    finally:
        del review.refresh
    assert refreshed == [] and tree.topLevelItem(0) is first_row  # no row was made again
    review.refresh()  # everything read again shows the same
    assert _states(window) == after_undo
    assert shown[0][7] == "accepted" and shown[0][9] == "rejected"


def test_what_starts_on_a_parts_first_character_opens_that_part(qtbot, window, long_text):
    """Found by a try-out: the part before, on screen, ends where the next begins, and a search
    match there (F3), a span from the list or a unit was neither shown nor selected."""
    window.open_document(LONG)
    view = window.view
    qtbot.keyClick(view, Qt.Key_End, Qt.ControlModifier)
    start = view.parts[1].start
    view.select(start, start + 5)  # shown where the part on screen shows the next one's start
    assert view.selection() == (start, start + 5)
    assert view.textCursor().selectedText() == long_text[start:start + 5]
    view.select(view.parts[2].start, view.parts[2].start + 5)  # or in its own part
    assert view.part == 2 and view.selection() == (view.parts[2].start, view.parts[2].start + 5)


def test_a_span_or_a_match_across_a_cut_is_shown_and_selected_whole(qtbot, window, long_text):
    window.open_document(LONG)
    view = window.view
    cut = view.parts[1].start
    start = long_text.rindex("مشهد", 0, cut - 10)
    end = long_text.index("대구시", cut) + 3  # a long match from before the cut to after it
    view.select(start, end)
    assert view.part == 0 and view.selection() == (start, end)
    key(qtbot, window, "o")
    [span] = window.store.spans(LONG, "tester")
    assert (span.start, span.end) == (start, end) and span.text == long_text[start:end]
    qtbot.keyClick(view, Qt.Key_PageDown, Qt.AltModifier)  # the next part shows its tail: clicking it selects it there
    assert view.part == 1
    window.select_span(span.id)
    assert view.part == 1 and view.selected_span_id == span.id


def test_an_undo_in_another_part_shows_where_it_happened(qtbot, window, long_text):
    window.open_document(LONG)
    view = window.view
    start = long_text.rindex("مشهد")
    view.select(start, start + 4)
    key(qtbot, window, "g")
    view.select(10, 10)
    assert view.part == 0
    qtbot.keyClick(view, Qt.Key_Z, Qt.ControlModifier)
    assert window.store.spans(LONG, "tester") == []
    assert view.part == view.part_count - 1 and view.caret() == start


def test_a_selection_is_said_once_though_qt_says_it_twice(qtbot, window, long_text):
    """The status bar follows the caret too (cursorPositionChanged), and a selection changing
    moves the caret: each new selection is said once, not once per signal."""
    window.open_document(LONG)
    said: list[tuple[int, int]] = []
    window.view.selection_changed.connect(lambda start, end: said.append((start, end)))
    window.view.select(100, 110)
    window.view.select(100, 110)
    window.view.set_caret(500)
    assert said == [(100, 110), (500, 500)]
