"""The document list: a lazy table model over the store, with filters, search and progress."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from PySide6.QtCore import QModelIndex, QTimer, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.model import DocumentSummary, Status
from annotator.core.text import match_expression
from annotator.gui.models import RowTableModel
from annotator.gui.plain import isolate, tooltip
from annotator.storage import DATABASE_ERRORS, Store

PAGE = 200  # rows a query reads
KEEP_BLOCKS = 50  # blocks of PAGE rows kept: 10,000 rows at most
STATUS_TEXT = {Status.NEW: "new", Status.IN_PROGRESS: "in progress", Status.DONE: "done", Status.SKIPPED: "skipped"}
GOLD_TEXT = {"in_progress": "reviewing", "adjudicated": "adjudicated"}


class DocumentListModel(RowTableModel):
    """Every row the filters let through is there at once (the scroll bar is the whole list), but
    only the blocks the view shows are read, 200 rows a query, and at most 50 are kept. Moving on
    to the next block continues from the last one read; a jump (to the current document, or a
    dragged scroll bar) asks the database where its block starts. No document text is loaded."""

    COLUMNS = ("Document", "Lang", "Status", "Spans")
    failed = Signal(object)  # a read failed (a team database went away): the window says it and retries

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802 (Qt override)
        if self.review and orientation == Qt.Horizontal and role == Qt.DisplayRole and section == 2:
            return "Gold"
        return super().headerData(section, orientation, role)

    def __init__(self, store: Store, annotator: str, parent=None):
        super().__init__(parent)
        self.store = store
        self.annotator = annotator
        self.lang: str | None = None
        self.status: Status | None = None
        self.search_expression: str | None = None  # an FTS5 expression from the search box, or None for all
        self.ids: list[str] | None = None  # only these documents (the annotator's work queue), or None for all
        self._blocks: OrderedDict[int, list[DocumentSummary]] = OrderedDict()
        self._known: dict[str, bool] = {}  # documents edited since the last read: in the list or not
        self._where: dict[str, tuple[int, int]] = {}  # the rows read: (block, index in it) by document
        self._total = 0
        self.review = False  # review mode: the Status column shows the gold layer's adjudication
        self._gold: dict[str, str] = {}
        self.reload()

    def set_review(self, on: bool) -> None:
        self.review = on
        self.reload()
        self.headerDataChanged.emit(Qt.Horizontal, 2, 2)

    # --- loading -----------------------------------------------------------------------------

    def _filters(self) -> dict:
        return {"lang": self.lang, "status": self.status, "match": self.search_expression, "ids": self.ids}

    def reload(self) -> None:
        self.beginResetModel()
        self._blocks.clear()
        self._where.clear()
        self._known.clear()
        self._gold.clear()
        self._total = self.store.count_summaries(self.annotator, **self._filters())
        self.endResetModel()

    def _block(self, number: int) -> list[DocumentSummary]:
        block = self._blocks.get(number)
        if block is not None:
            self._blocks.move_to_end(number)
            return block
        try:
            return self._read_block(number)
        except DATABASE_ERRORS as err:  # nothing kept: read again when the database answers
            self.failed.emit(err)
            return []

    def _read_block(self, number: int) -> list[DocumentSummary]:
        previous = self._blocks.get(number - 1)
        if number == 0:
            after = None
        elif previous is not None and len(previous) == PAGE:
            after = previous[-1].seq  # scrolling on: continue from the block before
        else:
            start = self.store.summary_key_at(number * PAGE, annotator=self.annotator, **self._filters())
            if start is None:
                return []
            after = start - 1
        block = list(self.store.document_summaries(self.annotator, after_seq=after, limit=PAGE, **self._filters()))
        if self.review:
            self._gold.update(self.store.gold_statuses([row.id for row in block]))
        self._blocks[number] = block
        self._where.update((row.id, (number, i)) for i, row in enumerate(block))
        while len(self._blocks) > KEEP_BLOCKS:
            for row in self._blocks.popitem(last=False)[1]:
                self._where.pop(row.id, None)
        return block

    def summary(self, row: int) -> DocumentSummary | None:
        """The row's document, read with its block if need be."""
        if not 0 <= row < self._total:
            return None
        block = self._block(row // PAGE)
        return block[row % PAGE] if row % PAGE < len(block) else None

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else self._total

    def rows(self) -> list[DocumentSummary]:
        """The rows read so far (kept blocks, in list order)."""
        return [row for number in sorted(self._blocks) for row in self._blocks[number]]

    def total(self) -> int:
        """Rows the filters let through, read or not."""
        return self._total

    def loaded_rows(self) -> int:
        return sum(map(len, self._blocks.values()))

    def row_of(self, doc_id: str) -> int | None:
        """The row of ``doc_id`` (None if the filters leave it out): one query, whatever its depth."""
        return self.store.summary_position(doc_id, annotator=self.annotator, **self._filters())

    def doc_id(self, row: int) -> str:
        summary = self.summary(row)
        if summary is None:
            raise IndexError(f"no document at row {row}")
        return summary.id

    def refresh(self, doc_id: str) -> None:
        """Re-read one document's row after an edit (its status or span count changed).

        With a status filter on, a status change can take the document out of the list (its first
        span makes it "in progress") or into it. Rows and counts must then agree with the database
        again, or a jump would land on the wrong row: the list is read again. Whether the document
        was in the list is remembered, so further edits to it cost one query, not a recount.
        """
        fresh = next(iter(self.store.document_summaries(self.annotator, ids=[doc_id])), None)
        if fresh is None:
            return
        if self.review:
            self._gold.pop(doc_id, None)
            self._gold.update(self.store.gold_statuses([doc_id]))
        listed = self.status is None or fresh.status == self.status
        found = self._find(doc_id)
        if found is not None and listed:
            number, i = found
            self._blocks[number][i] = fresh
            at = number * PAGE + i
            self.dataChanged.emit(self.index(at, 0), self.index(at, len(self.COLUMNS) - 1))
            return
        if found is None and (self.status is None or self._known.get(doc_id) == listed):
            return  # not on screen, and still in (or out of) the list as before
        self.reload()
        self._known[doc_id] = listed

    def edited(self, doc_id: str, spans: int, status: Status | None = None) -> bool:
        """One's own change, just committed, added ``spans`` spans to the document's row (fewer
        if negative) and, unless None, set its status: the row follows without reading it again,
        and only its cells that changed are repainted (not its title). False when that cannot be
        done (in review mode, where the list shows gold; a row not read yet under a status filter;
        a status the filter now leaves out): :meth:`refresh` reads it then."""
        if self.review:
            return False
        found = self._find(doc_id)
        if found is None:
            return self.status is None  # not on screen and no filter to leave it out: nothing to show
        number, i = found
        row = self._blocks[number][i]
        status = row.status if status is None else status
        if self.status is not None and status != self.status:
            return False  # out of the list now: the rows and the count are read again
        self._blocks[number][i] = replace(row, spans=row.spans + spans, status=status)
        at = number * PAGE + i
        first, last = 3 if status == row.status else 2, 3 if spans else 2
        if first <= last:
            self.dataChanged.emit(self.index(at, first), self.index(at, last), [Qt.DisplayRole])
        return True

    def _find(self, doc_id: str) -> tuple[int, int] | None:
        """(block, index in it) of ``doc_id``'s row among the rows read, or None."""
        return self._where.get(doc_id)

    # --- the model ---------------------------------------------------------------------------

    _ROLES = frozenset({Qt.DisplayRole, Qt.ToolTipRole, Qt.TextAlignmentRole, Qt.UserRole})

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if role not in self._ROLES or not index.isValid():
            return None
        row = self.summary(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.DisplayRole:
            if column == 0:
                return isolate(" ".join(row.title.split()) or row.id)
            if column == 1:
                return row.lang
            if column == 2:
                if self.review:
                    return GOLD_TEXT.get(self._gold.get(row.id), "not started")
                return STATUS_TEXT[row.status]
            if column == 3:
                return str(row.spans)
        if role == Qt.ToolTipRole and column == 0:
            # Tooltips guess rich text from content: convert, so a title like <b>x</b> stays literal.
            return tooltip(f"{row.id}\n{row.title}")
        if role == Qt.TextAlignmentRole and column == 0:
            return int((Qt.AlignRight if row.direction == "rtl" else Qt.AlignLeft) | Qt.AlignVCenter | Qt.AlignAbsolute)
        if role == Qt.UserRole:
            return row.id
        return None


class DocumentListPanel(QWidget):
    """Search box, filters, the list, and "12 / 50 done"."""

    document_chosen = Signal(str)
    query_changed = Signal(str)  # the search applied to the list ("" for none)
    search_entered = Signal()  # Enter in the search box, after the list follows it: open the first result

    def __init__(self, store: Store, annotator: str, parent=None):
        super().__init__(parent)
        self.store = store
        self.model = DocumentListModel(store, annotator, self)
        self.search = QLineEdit(placeholderText="Search (대구, مشهد, \"quoted phrase\")")
        self.search.setClearButtonEnabled(True)
        self.search.setObjectName("doc-search")
        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", None)
        for status, text in STATUS_TEXT.items():
            self.status_filter.addItem(text, status.value)
        self.lang_filter = QComboBox()
        # The annotator's work queue (issue 24): shown first, when they have one; unticked, every document.
        self.queue_filter = QCheckBox("My queue")
        self.queue_filter.setObjectName("my-queue")
        self.queue_filter.setToolTip("Only the documents assigned to you (annotator assign), in list order")
        self.queue_filter.setVisible(False)
        self.queue: list[str] = []
        self.progress = QLabel()
        self.progress.setTextFormat(Qt.PlainText)
        self.view = QTableView()
        self.view.setObjectName("doc-list")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        # Fixed widths: ResizeToContents would measure every loaded row on each change.
        for column, width in ((1, 44), (2, 84), (3, 50)):
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            header.resizeSection(column, width)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        for combo in (self.status_filter, self.lang_filter):  # shrink in a narrow panel ("All stat…")
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(4)
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.lang_filter)
        filters.addWidget(self.queue_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.view)
        layout.addWidget(self.progress)
        self.refresh_languages()
        # Search as you type: the list follows a quarter second after the last key (or at once on Enter).
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(250)
        self._typing.timeout.connect(self.apply_filters)
        self.search.returnPressed.connect(self._entered)
        self.search.textChanged.connect(lambda text: self._typing.start() if text else self.apply_filters())
        self.status_filter.currentIndexChanged.connect(self.apply_filters)
        self.lang_filter.currentIndexChanged.connect(self.apply_filters)
        self.queue_filter.toggled.connect(self.apply_filters)
        self.refresh_queue(apply=True)
        self.view.activated.connect(self._chosen)
        self.view.clicked.connect(self._chosen)
        self._current: str | None = None  # the open document, selected whenever the list is read again
        self.model.modelReset.connect(lambda: self._current and self.show_current(self._current))
        self.update_progress()

    NARROW = 260  # below this width the Lang column gives its room to the titles (the filter names the language)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.view.setColumnHidden(1, event.size().width() < self.NARROW)

    def refresh_languages(self) -> None:
        current = self.lang_filter.currentData()
        self.lang_filter.blockSignals(True)
        self.lang_filter.clear()
        self.lang_filter.addItem("All languages", None)
        for lang in self.store.languages():
            self.lang_filter.addItem(lang, lang)
        self.lang_filter.setCurrentIndex(max(0, self.lang_filter.findData(current)))
        self.lang_filter.blockSignals(False)

    def refresh_queue(self, *, apply: bool = False) -> None:
        """Read the annotator's queue again: the "My queue" box shows only when they have one, and
        is ticked when it appears (``apply``: filter the list now)."""
        try:
            queue = self.store.queue(self.model.annotator)
        except DATABASE_ERRORS as err:
            self.model.failed.emit(err)
            return
        had, self.queue = bool(self.queue), queue
        self.queue_filter.setVisible(bool(queue))
        self.queue_filter.setText(f"My queue ({len(queue):,})")
        self.queue_filter.blockSignals(True)
        self.queue_filter.setChecked(bool(queue) and (self.queue_filter.isChecked() or not had))
        self.queue_filter.blockSignals(False)
        self.model.ids = queue if queue and self.queue_filter.isChecked() else None
        if apply and (queue or had):
            self.apply_filters()

    def apply_filters(self) -> None:
        self._typing.stop()
        status = self.status_filter.currentData()
        self.model.status = Status(status) if status else None
        self.model.lang = self.lang_filter.currentData()
        self.model.search_expression = match_expression(self.search.text())  # every match, paged like the rest
        self.model.ids = self.queue if self.queue and self.queue_filter.isChecked() else None
        self.model.reload()
        self.update_progress()
        self.query_changed.emit(self.search.text() if self.model.search_expression else "")

    def _entered(self) -> None:
        self.apply_filters()
        self.search_entered.emit()

    def follow(self, doc_ids: set[str], *, everything: bool = False, many: int = 50) -> None:
        """Others saved changes to these documents (``everything``: to anything, or to the list of
        documents itself): their rows and the progress are read again; a whole list only when
        many rows changed at once."""
        if everything or len(doc_ids) > many:
            if everything:
                self.refresh_languages()
                self.refresh_queue()  # a lead may have handed out work
            self.model.reload()
        else:
            for doc_id in doc_ids:
                self.model.refresh(doc_id)
        self.update_progress()

    def set_annotator(self, annotator: str) -> None:
        self.model.annotator = annotator
        self.queue = []  # another's queue: ticked again if they have one
        self.refresh_queue()
        self.model.reload()
        self.update_progress()

    def update_progress(self) -> None:
        try:
            done, total = self.store.progress(self.model.annotator)
            queued = self.store.queue_progress(self.model.annotator) if self.model.ids is not None else None
        except DATABASE_ERRORS as err:
            self.model.failed.emit(err)
            return
        text = (f"{done:,} / {total:,} done" if queued is None  # a queue listed: its figure first, then all
                else f"{queued[0]:,} / {queued[1]:,} done in my queue · {done:,} / {total:,} in all")
        if self.model.search_expression is not None:
            listed = self.model.total()
            text += f" · {listed:,} match{'es' * (listed != 1)}"
        self.progress.setText(text)

    def show_current(self, doc_id: str) -> None:
        self._current = doc_id
        row = self.model.row_of(doc_id)
        if row is None:
            self.view.clearSelection()
            return
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))

    def _chosen(self, index: QModelIndex) -> None:
        if index.isValid():
            self.document_chosen.emit(self.model.doc_id(index.row()))
