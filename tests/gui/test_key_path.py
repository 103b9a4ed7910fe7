"""What a label key costs (issue 19): it saves the span and shows it, and leaves alone what it did
not change. Each test presses real keys on a long Persian document (the bench's kind: paragraphs
of several lines, a span every few words) and reads the database."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, QModelRoleData, QModelRoleDataSpan, QObject, QRect, Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from annotator.core.importing import import_paths
from annotator.core.workspace import operations
from annotator.gui.bench import persian_document
from tests.gui.conftest import key
from tests.helpers import write

LONG = "long"


class Paints(QObject):
    """The rectangles a widget is asked to repaint."""

    def __init__(self, widget):
        super().__init__()
        self.rects: list[QRect] = []
        self.widget = widget
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Paint:
            self.rects.append(QRect(event.rect()))
        return False

    def stop(self) -> None:
        self.widget.removeEventFilter(self)


@pytest.fixture
def long_doc(window, tmp_path):
    """A 20,000-character Persian document with 1,000 spans of the annotator's, open."""
    text, spans = persian_document(chars=20_000, spans=1_000)
    path = write(tmp_path / "long.jsonl", json.dumps({"id": LONG, "lang": "fa", "text": text, "spans": spans},
                                                     ensure_ascii=False) + "\n")
    import_paths(window.store, [path], annotator="tester")
    window.documents.apply_filters()
    window.open_document(LONG)
    QApplication.processEvents()
    window.view.viewport().repaint()
    return text


def _saved(window, start: int) -> list:
    return [s for s in window.store.spans(LONG, "tester") if s.start <= start < s.end and s.label == "EVENT"]


def _letter_in(window, block, line: int = 0) -> int:
    """A code point on ``line`` of paragraph ``block``, in its middle, in no span yet."""
    view = window.view
    view.blockBoundingRect(block)  # laid out
    layout = block.layout()
    assert layout.lineCount() > line
    text_line = layout.lineAt(line)
    for utf16 in range(block.position() + text_line.textStart() + text_line.textLength() // 2,
                       block.position() + text_line.textStart() + text_line.textLength()):
        offset = view.index.to_code_point(utf16)
        if window.document.text[offset].isalpha() and not view.spans_at(offset) and not _saved(window, offset):
            return offset
    raise AssertionError("no free letter on that line")


def test_a_label_key_lays_out_again_only_the_paragraph_it_highlights(qtbot, window, long_doc):
    """The paragraph after the one a new span is in keeps its layout: Qt's own bookkeeping took a
    highlighted paragraph's length twice over and threw away the next paragraph's lines, which
    were then shaped again for nothing."""
    view = window.view
    block = view.firstVisibleBlock()
    after = block.next()
    view.blockBoundingRect(after)  # laid out, as on screen
    assert block.layout().lineCount() > 1 and after.layout().lineCount() > 0
    start = _letter_in(window, block)
    view.select(start, start + 1)
    QApplication.processEvents()
    key(qtbot, window, "e")  # the command runs inside the key press: no paint has happened yet
    assert _saved(window, start)
    assert after.layout().lineCount() > 0  # its lines were kept, not thrown away to be shaped again
    assert any(s.start <= start < s.end for s in view.spans)


def test_a_label_key_at_the_bottom_of_the_screen_lays_out_nothing_below_it(qtbot, window, long_doc):
    """Placing the new span's tags looks at the paragraphs in the area repainted, and no further:
    the paragraph below the screen is not laid out (shaped) by a key press on the last line."""
    view = window.view
    block, bottom = view.firstVisibleBlock(), view.viewport().height()
    while view.blockBoundingGeometry(block).translated(view.contentOffset()).bottom() < bottom:
        block = block.next()
    below = block.next()
    assert below.isValid() and below.layout().lineCount() == 0  # not laid out yet: nothing showed it
    top = view.blockBoundingGeometry(block).translated(view.contentOffset()).top()
    shown = [i for i in range(block.layout().lineCount())
             if top + block.layout().lineAt(i).y() + block.layout().lineAt(i).height() <= bottom]
    start = _letter_in(window, block, shown[-1])  # on the last line wholly on screen
    view.select(start, start + 1)
    QApplication.processEvents()
    painted = Paints(view.viewport())
    try:
        key(qtbot, window, "e")
        QApplication.processEvents()
    finally:
        painted.stop()
    assert _saved(window, start)
    assert painted.rects and max(r.bottom() for r in painted.rects) >= top  # the new span's lines were drawn
    assert below.layout().lineCount() == 0  # and what is below the screen was left alone


def test_the_span_list_follows_a_label_key_without_repainting_its_titles_or_its_dock(qtbot, window, long_doc):
    """The new span's row is selected and scrolled to; the column titles, which do not show the
    selection, and the dock behind the scroll bar are not repainted for it."""
    view, panel = window.view, window.span_panel
    panel.table.scrollToBottom()  # the new row is far from the rows shown: the list scrolls
    QApplication.processEvents()
    start = _letter_in(window, view.firstVisibleBlock())
    view.select(start, start + 1)
    QApplication.processEvents()
    titles = Paints(panel.table.horizontalHeader().viewport())
    dock = Paints(window.findChild(QDockWidget, "dock-spans"))
    rows = Paints(panel.table.viewport())
    try:
        key(qtbot, window, "e")
        QApplication.processEvents()
    finally:
        for spy in (titles, dock, rows):
            spy.stop()
    [span] = _saved(window, start)
    row = panel.model.row_of(span.id)
    assert [i.row() for i in panel.table.selectionModel().selectedRows()] == [row]
    assert panel.table.viewport().rect().intersects(panel.table.visualRect(panel.model.index(row, 0)))
    assert rows.rects and not titles.rects and not dock.rects


def test_the_span_list_cells_say_the_same_through_either_of_qts_questions(window, long_doc):
    """A delegate asks a cell for all its roles at once (multiData); tests and others ask one at a
    time (data): the same answers."""
    window.workspace.do(operations.UpdateSpan(window.workspace, window.view.spans[3], "note", note="<b>a</b> note"))
    model = window.span_panel.model
    roles = [Qt.DisplayRole, Qt.DecorationRole, Qt.ToolTipRole, Qt.TextAlignmentRole, Qt.FontRole,
             Qt.ForegroundRole, Qt.CheckStateRole, Qt.BackgroundRole]
    for row in range(6):
        for column in range(5):
            index = model.index(row, column)
            asked = [QModelRoleData(role) for role in roles]
            for answer in asked:
                model.multiData(index, QModelRoleDataSpan(answer))
            for role, answer in zip(roles, asked):
                alone = model.data(index, role)
                assert (answer.data() is None) == (alone is None), (row, column, role)
                if alone is not None and role != Qt.DecorationRole:
                    assert answer.data() == alone, (row, column, role)
    assert model.data(model.index(model.row_of(window.view.spans[3].id), 4), Qt.ToolTipRole)


def test_a_label_key_updates_the_documents_count_without_reading_the_row_again(qtbot, window, long_doc,
                                                                                monkeypatch):
    """The document list's row shows the new count at once, from the change just committed (no
    query), and only the cells that changed are repainted, not the title: the first span the
    Status and Spans cells, the next ones the Spans cell; an undo takes the count back."""
    view, doc_list = window.view, window.documents
    model = doc_list.model
    row = model.row_of(LONG)
    reads: list = []
    summaries = window.store.document_summaries
    monkeypatch.setattr(window.store, "document_summaries", lambda *a, **k: reads.append(a) or summaries(*a, **k))
    assert model.data(model.index(row, 2)) == "new"
    block = view.firstVisibleBlock()
    for cells in ((2, 3), (3, 3)):
        start = _letter_in(window, block)
        view.select(start, start + 1)
        QApplication.processEvents()
        painted = Paints(doc_list.view.viewport())
        try:
            key(qtbot, window, "e")
            QApplication.processEvents()
        finally:
            painted.stop()
        assert _saved(window, start) and not reads
        [fresh] = summaries("tester", ids=[LONG])
        assert model.data(model.index(row, 3)) == str(fresh.spans) == str(len(window.store.spans(LONG, "tester")))
        assert model.data(model.index(row, 2)) == "in progress" and fresh.status.value == "in_progress"
        changed = doc_list.view.visualRect(model.index(row, cells[0])).united(
            doc_list.view.visualRect(model.index(row, cells[1]))).adjusted(-2, -2, 2, 2)  # and the grid's lines
        assert painted.rects and all(changed.contains(r) for r in painted.rects), (changed, painted.rects)
        block = block.next()
    qtbot.keyClick(view, "z", Qt.ControlModifier)  # undone: the count goes back
    [fresh] = summaries("tester", ids=[LONG])
    assert model.data(model.index(row, 3)) == str(fresh.spans) and not _saved(window, start) and not reads


class LayoutRequests(QObject):
    """How often Qt lays these widgets out again."""

    def __init__(self, *widgets):
        super().__init__()
        self.widgets = widgets
        self.count = 0
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.LayoutRequest:
            self.count += 1
        return False

    def stop(self) -> None:
        for widget in self.widgets:
            widget.removeEventFilter(self)


def test_a_label_key_says_its_span_in_the_status_bar_without_laying_the_window_out_again(qtbot, window, long_doc):
    """The status bar names the new span (and the time it was saved) after each key; its labels
    keep the room they had, so neither the status bar nor the window around it is laid out again
    for a new text. A longer text still gets the room it needs."""
    view, bar = window.view, window.statusBar()
    block = view.firstVisibleBlock()
    shown = []
    for _ in range(3):
        start = _letter_in(window, block)
        view.select(start, start + 1)
        QApplication.processEvents()  # the selection's text ("Label key stores …"), room made for it
        QApplication.processEvents()  # and the window laid out for that room
        laid_out = LayoutRequests(bar, window)
        try:
            key(qtbot, window, "e")
            QApplication.processEvents()
        finally:
            laid_out.stop()
        [span] = _saved(window, start)
        assert window.selection_label.text() == f"EVENT {span.start}–{span.end} ({span.end - span.start} chars)"
        assert window.saved_label.text().startswith("Saved ")
        shown.append(laid_out.count)
        block = block.next()
    assert shown == [0, 0, 0]
    label = window.selection_label
    label.setText(label.text() + " and a good deal more text than before")
    QApplication.processEvents()
    QApplication.processEvents()
    needed = label.fontMetrics().horizontalAdvance(label.text())
    assert label.width() >= needed and label.geometry().right() < window.saved_label.x()
    window.open_document(LONG)  # a document opened: as wide as its text again
    QApplication.processEvents()
    assert label.width() < needed


@pytest.mark.postgresql_only
def test_a_label_key_on_a_team_database_is_one_statement(qtbot, window, long_doc, monkeypatch):
    """On a team database a label key's write is one round trip: the span and its document's
    status in one statement, outside any transaction (it commits on its own), and nothing read
    back."""
    assert window.store.is_team
    db = window.store.db
    statements, transactions = [], []
    execute, transaction = db.execute, db.transaction
    monkeypatch.setattr(db, "execute", lambda sql, params=(): statements.append(sql) or execute(sql, params))
    monkeypatch.setattr(db, "transaction", lambda: transactions.append(1) or transaction())
    view = window.view
    start = _letter_in(window, view.firstVisibleBlock())
    view.select(start, start + 1)
    QApplication.processEvents()
    statements.clear()
    key(qtbot, window, "e")
    QApplication.processEvents()
    assert len(statements) == 1 and not transactions
    [span] = _saved(window, start)
    assert window.store.status(LONG, "tester").value == "in_progress"
    assert window.span_panel.model.row_of(span.id) is not None and window.view.span(span.id) == span


def test_a_label_key_moves_the_caret_to_its_span_once(qtbot, window, long_doc, monkeypatch):
    """After a label key the text selection is gone, the caret is at the new span's start and the
    span is selected in the article and the list; the status bar says that, with no passing
    "Position …" for the text selection cleared on the way (the caret moved once)."""
    view, label = window.view, window.selection_label
    start = _letter_in(window, view.firstVisibleBlock())
    view.select(start, start + 1)
    QApplication.processEvents()
    said: list[str] = []
    set_text = label.setText
    monkeypatch.setattr(label, "setText", lambda text: said.append(text) or set_text(text))
    key(qtbot, window, "e")
    QApplication.processEvents()
    [span] = _saved(window, start)
    assert view.selection() == (span.start, span.start) and view.caret() == span.start
    assert view.selected_span_id == span.id
    assert [window.span_panel.model.spans[i.row()].id for i in window.span_panel.table.selectionModel().selectedRows()] \
        == [span.id]
    assert set(said) == {f"EVENT {span.start}–{span.end} ({span.end - span.start} chars)"} == {label.text()}
