"""The window and a work queue (issue 24): "My queue" first in the document list, Ctrl+Enter
follows the queue, and a document outside it says so."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from annotator.core.model import Status
from annotator.storage import Store


@pytest.fixture
def queued(gui_store: Store) -> list[str]:
    """tester's queue, set before the window opens (the fixture comes before ``window``)."""
    ids = _all_ids(gui_store)
    gui_store.ensure_annotator("tester")
    gui_store.set_queue("tester", [ids[4], ids[1], ids[3]], by="lead")  # not the list's order
    gui_store.set_status(ids[3], "tester", Status.DONE)
    return ids


def _listed(panel) -> list[str]:
    return [panel.model.summary(row).id for row in range(panel.model.rowCount())]


def _status(store: Store, doc_id: str) -> Status:
    return next(iter(store.document_summaries("tester", ids=[doc_id]))).status


def _all_ids(store: Store) -> list[str]:
    return [doc.id for docs in store.document_pages() for doc in docs]


def test_ctrl_enter_follows_the_queue_and_a_document_outside_it_says_so(qtbot, queued, window, gui_store):
    ids, queue = queued, [queued[4], queued[1], queued[3]]
    panel = window.documents
    # The list shows the queue first: "My queue" ticked, only its documents listed.
    assert panel.queue_filter.isVisible() and panel.queue_filter.isChecked()
    assert sorted(_listed(panel)) == sorted(queue)
    assert panel.progress.text() == "1 / 3 done in my queue · 1 / 7 in all"  # the queue's own figure first
    window.open_document(ids[4])
    qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier)
    assert _status(gui_store, ids[4]) is Status.DONE
    assert panel.progress.text() == "2 / 3 done in my queue · 2 / 7 in all"
    assert window.document.id == ids[1]  # the queue's next, not the list's
    qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier)
    # ids[3] is done already, ids[4] just now: the queue is finished, and the window stays.
    assert window.document.id == ids[1]
    assert "Every document in your queue is done or skipped" in window.statusBar().currentMessage()
    # Unticked, the list has every document; one outside the queue opens, and says so.
    panel.queue_filter.click()
    assert _listed(panel) == ids
    assert panel.progress.text() == "3 / 7 done"  # ids[1] marked done by the second Ctrl+Enter
    row = panel.model.row_of(ids[0])
    qtbot.mouseClick(panel.view.viewport(), Qt.LeftButton,
                     pos=panel.view.visualRect(panel.model.index(row, 0)).center())
    assert window.document.id == ids[0]
    assert window.statusBar().currentMessage().startswith("Not in your queue")
    qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier)  # annotated all the same
    assert _status(gui_store, ids[0]) is Status.DONE


def test_without_a_queue_nothing_changes(qtbot, window):
    assert not window.documents.queue_filter.isVisible()
    first = window.document.id
    qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier)
    assert window.document.id != first
    assert "queue" not in window.statusBar().currentMessage()


def test_a_new_member_opens_on_their_queue_not_the_corpus_first_document(qtbot, queued, window):
    # No document remembered: the window opened on the queue's first not done (ids[4]), with no
    # "Not in your queue" note; the corpus's first document (ids[0]) is not theirs.
    assert window.document.id == queued[4]
    assert not window.statusBar().currentMessage().startswith("Not in your queue")

