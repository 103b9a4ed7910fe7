"""Annotating with real mouse drags and key presses; what lands in the database is exact."""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, Qt

from annotator.core.model import Status
from tests.gui.conftest import EMOJI_DOC, EMOJI_TEXT, drag, inside, key
from tests.helpers import DAEGU_SEED, PERSIAN_SEED


def spans(window, doc_id=None):
    doc_id = doc_id or window.document.id
    return [(s.start, s.end, s.label, s.text) for s in window.store.spans(doc_id, window.annotator)]


def test_mouse_drag_and_hotkey_on_persian(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("رجائیان")
    drag(qtbot, window, start, start + len("رجائیان"))
    assert window.view.selection() == (start, start + 7)
    key(qtbot, window, "p")
    assert spans(window) == [(start, start + 7, "PER", "رجائیان")]
    assert window.saved_label.text().startswith("Saved")


def test_keyboard_selection_on_korean(qtbot, window):
    window.open_document(DAEGU_SEED)
    text = window.document.text
    start = text.index("대구시는 지난")
    window.view.set_caret(start)
    for _ in range(3):
        qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)
    key(qtbot, window, "g")
    assert spans(window) == [(start, start + 3, "GPE", "대구시")]


def test_emoji_zwj_and_astral_cjk_before_the_span_keep_offsets_exact(qtbot, window):
    window.open_document(EMOJI_DOC)
    start = EMOJI_TEXT.index("대구시")
    assert utf16_shift(EMOJI_TEXT, start) == 4  # four astral characters before it
    drag(qtbot, window, start, start + 3)
    key(qtbot, window, "g")
    persian = EMOJI_TEXT.index("مشهد")
    drag(qtbot, window, persian, persian + 4)
    key(qtbot, window, "g")
    got = spans(window)
    assert got == [(start, start + 3, "GPE", "대구시"), (persian, persian + 4, "GPE", "مشهد")]
    assert all(EMOJI_TEXT[s:e] == t for s, e, _, t in got)


def utf16_shift(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2 - offset


def test_click_a_span_then_a_hotkey_relabels_it_and_delete_removes_it(qtbot, window):
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("مدیرعامل")
    drag(qtbot, window, start, start + 8)
    key(qtbot, window, "o")
    window.clear_selection()
    qtbot.mouseClick(window.view.viewport(), Qt.LeftButton, pos=inside(window, start + 3))
    assert window.view.selected_span_id is not None
    key(qtbot, window, "r")
    assert spans(window) == [(start, start + 8, "ROLE", "مدیرعامل")]
    qtbot.keyClick(window.view, Qt.Key_Delete)
    assert spans(window) == []


def test_overlapping_and_nested_spans_are_kept_and_clicks_cycle_through_them(qtbot, window):
    window.snap_action.trigger()  # off: this test places edges inside words on purpose
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    org = text.index("سازمان فاوا شهرداری مشهد")
    city = text.index("مشهد", org)
    window.view.select(org, org + 24)
    key(qtbot, window, "o")
    window.view.select(city, city + 4)
    key(qtbot, window, "g")
    window.view.select(city - 9, city + 8)  # crosses the end of the ORG span
    key(qtbot, window, "l")
    assert {(s, e, label) for s, e, label, _ in spans(window)} == {
        (org, org + 24, "ORG"), (city, city + 4, "GPE"), (city - 9, city + 8, "LOC")}
    window.clear_selection()
    assert [s.label for s in window.view.spans_at(city + 1)] == ["GPE", "LOC", "ORG"]
    clicked = []
    for _ in range(3):
        qtbot.mouseClick(window.view.viewport(), Qt.LeftButton, pos=inside(window, city + 1))
        clicked.append(window.store.get_span(window.view.selected_span_id).label)
    assert clicked == ["GPE", "LOC", "ORG"]
    # The highlighter marks nested text with the inner colour and an underline in the outer one.
    block = window.view.document().findBlock(city)
    formats = [r for r in block.layout().formats() if r.format.underlineStyle() != 0]
    assert formats, "nested span has no underline"


def test_snap_to_words_leaves_the_particle_out_and_a_nudge_takes_it_in(qtbot, window):
    window.open_document(DAEGU_SEED)
    assert window.snap_to_words  # on by default
    text = window.document.text
    start = text.index("대구시는 지난")
    window.view.select(start + 1, start + 2)  # "구", inside 대구시는
    assert "Label key stores «\u2068대구시\u2069»" in window.selection_label.text()
    assert "particle «\u2068는\u2069» left out" in window.selection_label.text()
    key(qtbot, window, "g")
    assert spans(window) == [(start, start + 3, "GPE", "대구시")]
    assert window.statusBar().currentMessage() == (
        "Snapped to «\u2068대구시\u2069» (grown to whole words; particle «\u2068는\u2069» left out)")  # from 구
    qtbot.keyClick(window.view, Qt.Key_Period)  # end one character later: a span's nudge is not snapped
    assert spans(window) == [(start, start + 4, "GPE", "대구시는")]
    qtbot.keyClick(window.view, Qt.Key_Comma)  # and back
    assert spans(window) == [(start, start + 3, "GPE", "대구시")]
    qtbot.keyClick(window.view, Qt.Key_BracketRight)  # start one character later
    assert spans(window) == [(start + 1, start + 3, "GPE", "구시")]


def test_a_label_key_that_snaps_nothing_leaves_no_earlier_snap_message(qtbot, window):
    """Found by a new-user try-out: after labelling 18일 the status bar still said "Snapped to
    «대구시» (particle «를» left out)", the message of the span before."""
    window.open_document(DAEGU_SEED)
    text = window.document.text
    start = text.index("대구시는 지난")
    window.view.select(start, start + 4)  # 대구시는: the particle comes off
    key(qtbot, window, "g")
    assert window.statusBar().currentMessage().startswith("Snapped to «\u2068대구시\u2069»")
    word = text.index("지난")
    window.view.select(word, word + 2)  # already a whole word: nothing to snap
    key(qtbot, window, "d")
    assert (word, word + 2, "DATE", "지난") in spans(window)
    assert "대구시" not in window.statusBar().currentMessage()


def test_a_drag_over_a_korean_noun_and_its_particle_stores_the_noun(qtbot, window):
    """From 대 to 는 (the particle too), and a partial drag over 대구: 대구시 either way, and the
    selection shown while dragging is what is stored."""
    window.open_document(DAEGU_SEED)
    text = window.document.text
    start = text.index("대구시는 지난")
    drag(qtbot, window, start, start + 4)  # 대 … 는
    assert window.view.selection() == (start, start + 3)  # the highlight: what the key stores
    key(qtbot, window, "g")
    assert spans(window) == [(start, start + 3, "GPE", "대구시")]
    assert "particle «\u2068는\u2069» left out" in window.statusBar().currentMessage()
    window.undo_stack.undo()
    drag(qtbot, window, start, start + 2)  # 대구
    assert window.view.selection() == (start, start + 3)
    key(qtbot, window, "g")
    assert spans(window) == [(start, start + 3, "GPE", "대구시")]


def test_a_drag_over_pohang_leaves_its_particle_out(qtbot, window):
    window.open_document("004_07f1b5d4621585f7")
    text = window.document.text
    start = text.index("포항시는")
    press, release = inside(window, start + 3), inside(window, start)  # backwards, from 는 to 포
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, pos=press)
    qtbot.mouseMove(viewport, pos=QPoint((press.x() + release.x()) // 2, press.y()))
    qtbot.mouseMove(viewport, pos=release)
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=release)
    assert window.view.selection() == (start, start + 3)
    key(qtbot, window, "g")
    assert spans(window) == [(start, start + 3, "GPE", "포항시")]


def test_an_f3_match_inside_a_longer_korean_word_stores_the_noun(qtbot, window):
    window.open_document(DAEGU_SEED)
    text = window.document.text
    window.view.set_caret(0)
    window.documents.search.setText("대구")
    qtbot.waitUntil(lambda: len(window.view.matches) > 1, timeout=3000)
    window.view.setFocus()
    target = text.index("대구시가")
    for _ in range(20):
        qtbot.keyClick(window.view, Qt.Key_F3)
        if window.view.selection()[0] == target:
            break
    assert window.view.selection() == (target, target + 2)  # the match: 대구 of 대구시가
    key(qtbot, window, "g")
    assert spans(window) == [(target, target + 3, "GPE", "대구시")]


def test_themes_toggle_by_hotkey_and_checkbox(qtbot, window):
    window.open_document(PERSIAN_SEED)
    key(qtbot, window, "1")
    assert window.store.doc_themes(PERSIAN_SEED, "tester") == ["smart_governance"]
    box = window.themes_panel.boxes["international"]
    qtbot.mouseClick(box, Qt.LeftButton)
    assert window.store.doc_themes(PERSIAN_SEED, "tester") == ["smart_governance", "international"]
    assert box.isChecked()
    key(qtbot, window, "1")
    assert window.store.doc_themes(PERSIAN_SEED, "tester") == ["international"]
    assert not window.themes_panel.boxes["smart_governance"].isChecked()


def test_first_span_marks_in_progress_and_ctrl_enter_marks_done_and_moves_on(qtbot, window):
    window.open_document(PERSIAN_SEED)
    window.view.select(0, 8)
    key(qtbot, window, "r")
    assert window.store.status(PERSIAN_SEED, "tester") is Status.IN_PROGRESS
    qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier)
    assert window.store.status(PERSIAN_SEED, "tester") is Status.DONE
    assert window.document.id != PERSIAN_SEED
    assert window.documents.progress.text() == "1 / 7 done"


def test_note_on_a_span(qtbot, window, monkeypatch):
    from annotator.gui import dialogs

    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    monkeypatch.setattr(dialogs.NoteDialog, "exec", lambda self: True)
    monkeypatch.setattr(dialogs.NoteDialog, "note", lambda self: "<i>not</i> an org?")
    qtbot.keyClick(window.view, Qt.Key_F2)
    [span] = window.store.spans(DAEGU_SEED, "tester")
    assert span.note == "<i>not</i> an org?"
    model = window.span_panel.model
    assert model.data(model.index(0, 4)) == "\u2068<i>not</i> an org?\u2069"  # isolated, and literal


def test_the_same_span_twice_is_refused_and_not_pushed(qtbot, window):
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    window.view.select(0, 2)
    key(qtbot, window, "o")
    assert len(spans(window)) == 1
    assert window.undo_stack.count() == 1
    assert window.saved_label.text() == "Not saved"


def test_double_click_selects_a_word_for_labelling(qtbot, window):
    window.open_document(DAEGU_SEED)
    text = window.document.text
    start = text.index("세계 최대")
    window.view.set_caret(start)
    window.view.ensureCursorVisible()
    qtbot.mouseDClick(window.view.viewport(), Qt.LeftButton, pos=inside(window, start))
    assert window.view.selection() == (start, start + 2)
    key(qtbot, window, "l")
    assert spans(window) == [(start, start + 2, "LOC", "세계")]


def test_shift_arrows_in_persian_select_in_reading_order(qtbot, window):
    """In right-to-left text, Shift+Left extends the selection forward in logical order."""
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("رومانی")
    window.view.set_caret(start)
    for _ in range(6):
        qtbot.keyClick(window.view, Qt.Key_Left, Qt.ShiftModifier)
    key(qtbot, window, "g")
    assert spans(window) == [(start, start + 6, "GPE", "رومانی")]


def test_relabel_from_the_span_list(qtbot, window):
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    window.view.select(3, 5)
    key(qtbot, window, "o")
    window.clear_selection()
    table = window.span_panel.table
    rect = table.visualRect(window.span_panel.model.index(1, 3))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    assert window.view.selected_span_id == window.span_panel.model.spans[1].id
    table.setFocus()
    qtbot.keyClick(table, "p")
    assert [label for _, _, label, _ in spans(window)] == ["ORG", "PER"]


def _painted(window, block_number):
    block = window.view.document().findBlockByNumber(block_number)
    return [(r.start, r.length) for r in block.layout().formats() if r.format.background().style() != 0]


def test_a_span_across_paragraphs_is_painted_in_each_of_them(qtbot, window, tmp_path):
    from tests.helpers import write

    write(tmp_path / "para.txt", "abc\ndef\nghi")
    window.files.run_import([str(tmp_path / "para.txt")])
    qtbot.waitUntil(window.isActiveWindow)  # the progress dialog hands the keyboard back
    window.open_document("para")
    window.snap_action.trigger()  # off: the span starts and ends inside words on purpose
    window.view.select(1, 10)
    key(qtbot, window, "e")
    assert [_painted(window, n) for n in range(3)] == [[(1, 2)], [(0, 3)], [(0, 2)]]


def test_qt_paragraph_separators_do_not_shift_highlights(qtbot, window, tmp_path):
    import json

    from tests.helpers import write

    text = "ab\u2029cd\nef"
    write(tmp_path / "sep.jsonl", json.dumps({"id": "sep", "text": text,
                                                "spans": [{"start": 6, "end": 8, "label": "PER"}]}) + "\n")
    window.files.run_import([str(tmp_path / "sep.jsonl")])
    window.open_document("sep")
    assert window.view.document().blockCount() == 3
    assert _painted(window, 2) == [(0, 2)]
    assert _painted(window, 0) == [] and _painted(window, 1) == []


def test_label_every_occurrence_in_the_document_and_everywhere_as_one_undo_step(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or QMessageBox.Yes)
    window.open_document(PERSIAN_SEED)
    text = window.document.text
    start = text.index("مشهد")
    window.view.select(start, start + 4)
    key(qtbot, window, "g")
    window.select_span(window.view.spans[0].id)
    here = [i for i in range(len(text)) if text.startswith("مشهد", i)]
    added = window.annotating.annotate_all(False)
    assert asked[-1].startswith(f"Label {added} more occurrences of «\u2068مشهد\u2069» as GPE in this document")
    assert window.statusBar().currentMessage() == (
        f"Labelled {added} more occurrences of «\u2068مشهد\u2069» as GPE in this document")  # said once saved
    spans = window.store.spans(PERSIAN_SEED, "tester")
    assert all(s.text == "مشهد" and s.label == "GPE" for s in spans) and 1 < len(spans) <= len(here)
    assert all(text[s.start - 1] not in "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی" for s in spans if s.start)  # whole words
    everywhere = window.annotating.annotate_all(True)
    assert everywhere > 0 and re.search(r"\((1 document|([02-9]|\d\d+) documents)\)\?$", asked[-1])  # counted
    window.undo_action.trigger()  # one step takes back every document's
    assert len(window.store.spans(PERSIAN_SEED, "tester")) == len(spans)
    window.undo_action.trigger()
    assert len(window.store.spans(PERSIAN_SEED, "tester")) == 1


def test_label_every_occurrence_leaves_out_the_places_the_person_rejected(qtbot, window, tmp_path, monkeypatch):
    """A suggestion rejected with Shift+X says "not here": labelling every occurrence leaves that
    place out (whatever label was rejected there), and the preview counts what it left out."""
    import json

    from PySide6.QtWidgets import QMessageBox

    from tests.gui.test_span_menu import _choose, right_click
    from tests.helpers import write

    text = "خبر 😀 مشهد و 👩\u200d💻 مشهد و 𠜎 مشهد و مشهد امروز"
    places = [i for i in range(len(text)) if text.startswith("مشهد", i)]
    assert len(places) == 4
    suggested = [{"start": places[1], "end": places[1] + 4, "label": "GPE"},
                 {"start": places[2], "end": places[2] + 4, "label": "LOC"}]
    path = write(tmp_path / "model.jsonl", json.dumps({"id": "rejected", "text": text, "annotator": "model",
                                                       "spans": suggested}, ensure_ascii=False) + "\n")
    assert window.files.run_import([str(path)])
    qtbot.waitUntil(window.isActiveWindow)  # the import's progress dialog had the keys
    window.open_document("rejected")
    window.suggestions.set_source("model")
    drag(qtbot, window, places[0], places[0] + 4)
    key(qtbot, window, "g")
    qtbot.keyClick(window.view, Qt.Key_N, Qt.ShiftModifier)
    assert window.view.selection() == (places[1], places[1] + 4)
    qtbot.keyClick(window.view, Qt.Key_X, Qt.ShiftModifier)  # not GPE here
    qtbot.keyClick(window.view, Qt.Key_N, Qt.ShiftModifier)
    assert window.view.selection() == (places[2], places[2] + 4)
    qtbot.keyClick(window.view, Qt.Key_X, Qt.ShiftModifier)  # not LOC here either
    assert window.view.suggestions == []

    asked = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or QMessageBox.Yes)
    qtbot.mouseClick(window.view.viewport(), Qt.LeftButton, pos=inside(window, places[0] + 1))
    assert window.annotating.selected_span() is not None and window.annotating.selected_span().start == places[0]
    qtbot.keyClick(window.view, Qt.Key_L, Qt.ControlModifier | Qt.ShiftModifier)
    assert asked and asked[-1].startswith("Label 1 more occurrence of «\u2068مشهد\u2069» as GPE in this document?")
    assert "2 left out: you rejected a suggestion at each" in asked[-1]
    assert spans(window) == [(places[0], places[0] + 4, "GPE", "مشهد"), (places[3], places[3] + 4, "GPE", "مشهد")]
    qtbot.mouseClick(window.view.viewport(), Qt.LeftButton, pos=inside(window, places[3] + 1))
    qtbot.keyClick(window.view, Qt.Key_Delete)  # a deleted span is no rejection: it comes back
    assert len(spans(window)) == 1
    window.clear_selection()
    _choose(qtbot, "Label every occurrence in this document")  # the span's right-click menu
    right_click(qtbot, window.view.viewport(), inside(window, places[0] + 1))
    qtbot.waitUntil(lambda: len(spans(window)) == 2)
    assert "2 left out" in asked[-1] and spans(window)[1][:2] == (places[3], places[3] + 4)


def test_alt_w_says_whether_snap_to_words_is_now_on_or_off(qtbot, window, settings):
    window.open_document(DAEGU_SEED)
    text = window.document.text
    start = text.index("대구시는 지난")
    window.view.select(start + 1, start + 2)  # "구", inside 대구시는
    assert "«\u2068대구시\u2069»" in window.selection_label.text()  # snapped: the noun, its particle left out
    qtbot.keyClick(window.view, Qt.Key_W, Qt.AltModifier)
    assert not window.snap_to_words and settings.value("annotate/snap") == "false"
    assert window.statusBar().currentMessage().startswith("Snap to words is off")
    assert "«\u2068구\u2069»" in window.selection_label.text()  # what the label key stores now
    key(qtbot, window, "g")
    assert spans(window) == [(start + 1, start + 2, "GPE", "구")]
    qtbot.keyClick(window.view, Qt.Key_W, Qt.AltModifier)
    assert window.snap_to_words and settings.value("annotate/snap") == "true"
    assert window.statusBar().currentMessage().startswith("Snap to words is on")


def test_the_status_bar_forgets_a_span_that_was_deleted(qtbot, window):
    """Found by a new user: after Delete the status bar still named the deleted span."""
    window.open_document(DAEGU_SEED)
    text = window.document.text
    start = text.index("대구시는 지난")
    window.view.select(start, start + 3)
    key(qtbot, window, "g")
    span = window.store.spans(DAEGU_SEED, "tester")[0]
    window.clear_selection()
    window.select_span(span.id)
    assert window.selection_label.text().startswith(f"GPE {start}–{start + 3}")
    qtbot.keyClick(window.view, Qt.Key_Delete)
    assert window.store.spans(DAEGU_SEED, "tester") == []
    assert "GPE" not in window.selection_label.text()


def test_the_window_asks_the_korean_analyser_in_a_process_of_its_own(qtbot, window):
    """Kiwi in the window froze it for a second or two and tripled its memory: the window asks
    the analyser's own process, and stores what the tokens' analysis says."""
    from annotator.core import analyser, tokens

    window.open_document(DAEGU_SEED)
    text = window.document.text
    start = text.index("포항시는") if "포항시는" in text else text.index("대구시는 지난")
    before = analyser.shared().asked
    tokens.korean_split.cache_clear()  # asked afresh, not remembered from an earlier test
    drag(qtbot, window, start, start + 4)
    key(qtbot, window, "g")
    assert spans(window)[-1][3] == text[start:start + 3]
    assert analyser.shared().asked > before
    assert analyser.shared()._process is not None and analyser.shared()._process.poll() is None
