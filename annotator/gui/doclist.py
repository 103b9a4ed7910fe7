"""The document list's panel: search, filters, "My queue", the list (its model in
gui/doclist_model.py) and "12 / 50 done"."""

from __future__ import annotations

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

from annotator.core.model import Status
from annotator.core.text import match_expression
from annotator.gui.doclist_model import STATUS_TEXT, DocumentListModel
from annotator.storage import DATABASE_ERRORS, Store

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
