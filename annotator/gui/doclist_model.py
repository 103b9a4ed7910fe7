"""The document list's table model: lazy over the store, a block of rows at a time, with the
filters, the queue and review mode's gold state (the panel around it is gui/doclist.py)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt, Signal

from annotator.core.model import DocumentSummary, Status
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
        self.review = False  # review mode: the Status and Spans columns show the gold layer's
        self._gold: dict[str, str] = {}
        self._gold_spans: dict[str, int] = {}
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
        self._gold_spans.clear()
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
            ids = [row.id for row in block]
            self._gold.update(self.store.gold_statuses(ids))
            self._gold_spans.update(self.store.gold_span_counts(ids))
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
            self._gold_spans[doc_id] = self.store.gold_span_counts([doc_id]).get(doc_id, 0)
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
                return str(self._gold_spans.get(row.id, 0) if self.review else row.spans)
        if role == Qt.ToolTipRole and column == 0:
            # Tooltips guess rich text from content: convert, so a title like <b>x</b> stays literal.
            return tooltip(f"{row.id}\n{row.title}")
        if role == Qt.TextAlignmentRole and column == 0:
            return int((Qt.AlignRight if row.direction == "rtl" else Qt.AlignLeft) | Qt.AlignVCenter | Qt.AlignAbsolute)
        if role == Qt.UserRole:
            return row.id
        return None
