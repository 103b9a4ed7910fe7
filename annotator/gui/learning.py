"""Suggestions → Learn from…: recommenders that learn from a layer while the annotator works (over
400 lines: the worker processes' start, messages and end, and the panel that shows them).

Training and suggesting run in a process of their own (annotator.core.recommend.worker, started
with QProcess): the window never waits for them, never loads a model and never shares the
interpreter's lock with them. A worker trains, says so, and then serves the open document's
suggestions on request (JSON lines on its standard input and output) while it evaluates itself
and ranks the unannotated documents. It retrains when a document is marked done (Ctrl+Enter),
when the annotator has made N new spans (N is a project setting), and on demand; the previous
worker serves until the new one has learned. Suggestions are drawn like any other (Shift+N,
Shift+A, Shift+X). The Suggestions panel shows what each recommender learned, when, and its
self-evaluation; Navigate → Next by what the model is least sure of uses the tagger's ranking.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QProcess, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from annotator.core.model import GOLD, Document, Span, Status
from annotator.core.recommend import live
from annotator.core.recommend.suggesting import RECOMMENDERS
from annotator.gui.plain import isolate

def worker_database(store):
    """``--db`` for the worker, and its environment when it needs one of its own: for a team
    database the URL messages show (``store.path``, never a password, so never in the process
    list), and a password that came in the URL the window was opened with handed over as
    PGPASSWORD. Otherwise the environment is None: the worker inherits the window's (PGPASSWORD,
    ~/.pgpass, PGSERVICE...)."""
    if not store.is_team:
        return str(store.path), None
    import re
    from urllib.parse import parse_qs, unquote, urlsplit

    url = store.given_url()
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password else (parse_qs(parts.query).get("password") or [None])[0]
    shown = re.sub(r"([?&])password=[^&]*&?", r"\1", str(store.path)).rstrip("?&")
    if not password:
        return shown, None
    from PySide6.QtCore import QProcessEnvironment

    environment = QProcessEnvironment.systemEnvironment()
    environment.insert("PGPASSWORD", password)
    return shown, environment


def lend_analyser() -> tuple[str, str, str] | None:
    """``--analyser``'s address for the suggestion process, and the environment variable with
    its key: the window's Korean analyser (annotator.core.analyser), started now if it is not
    running (without waiting for it). None if it cannot be started: the suggestion process then
    loads Kiwi itself, as the command line's annotator suggest does."""
    from annotator.core import analyser

    try:
        lent = analyser.shared().address()
    except OSError:
        return None
    return None if lent is None else (lent[0], analyser.KEY_VARIABLE, lent[1].hex())


if TYPE_CHECKING:
    from annotator.gui.host import Host

TITLES = {"string": "String matcher", "crf": "Sequence tagger (CRF)", "themes": "Theme classifier"}
SHORT = {"string": "string", "crf": "CRF", "themes": "themes"}


def counted(n: int, plural: str) -> str:
    return f"{n:,} {plural[:-1] if n == 1 and plural.endswith('s') else plural}"


class Learning(QObject):
    """The window's recommenders: which layer they learn from, the training and serving processes."""

    changed = Signal()  # the state, the evaluation or the ranking changed: the panel redraws

    def __init__(self, window: Host):
        super().__init__(window)
        self.window = window
        source = window.settings.value("learn/source")
        self.source: str | None = str(source) if source else None
        self.settings = live.Settings.load(window.store)
        self.state: live.State | None = None
        self.ranking: list[tuple[str, float]] = []
        self.ranked = False  # the serving worker has sent its ranking (perhaps empty)
        self.message = ""
        self.new_spans = 0
        self.generation = 0
        self.trainer: QProcess | None = None  # learning now
        self.server: QProcess | None = None  # learned: answers for the open document
        self.again = False  # a retraining was asked for while one ran
        self.version = 0  # a rejection changes scores: what was fetched before is stale
        self.cache: dict[str, tuple[int, list[Span], list[tuple[str, float]]]] = {}
        self.asked: dict[str, int] = {}
        self.renames: dict[str, str] = {}  # labels and themes renamed since the model learned them
        self._renamed_after = 0  # the last training started before the latest rename
        self._buffers: dict[int, bytes] = {}
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)  # also when the app quits without closing the window

    # --- what to learn from ----------------------------------------------------------------

    def choices(self) -> list[tuple[str, str]]:
        w = self.window
        out = [(w.annotator, f"My layer ({w.annotator})"), (GOLD, "Gold (adjudicated)")]
        out += [(name, f"{name}'s layer") for name in w.store.annotators_with_layers(exclude=[w.annotator, GOLD])]
        return out

    def ask_source(self) -> None:
        choices = self.choices()
        titles = [title for _, title in choices]
        current = next((i for i, (name, _) in enumerate(choices) if name == self.source), 0)
        title, ok = QInputDialog.getItem(self.window, "Learn from", "Learn suggestions from:", titles, current, False)
        if ok and title:
            self.learn_from(choices[titles.index(title)][0])

    def learn_from(self, source: str) -> None:
        """Learn from ``source``'s layer now, and show what is learned as suggestions."""
        self.source = source
        self.window.settings.setValue("learn/source", source)
        self.window.suggestions.set_source(live.LEARNED)
        self.retrain("asked for")

    # --- training ------------------------------------------------------------------------------

    @property
    def training(self) -> bool:
        return self.trainer is not None

    @property
    def ready(self) -> bool:
        return self.server is not None

    def retrain(self, reason: str = "asked for") -> bool:
        """Start a training in the background (or queue one after the running one)."""
        w = self.window
        if self.source is None:
            w.statusBar().showMessage("Choose what to learn from first: Suggestions → Learn from…", 5000)
            return False
        if self.trainer is not None:
            self.again = True
            return True
        self.generation += 1
        self.new_spans = 0
        self.message = f"Training ({reason})…"
        process = QProcess(self)
        process.setProgram(sys.executable)
        database, environment = worker_database(w.store)
        arguments = ["-m", "annotator.core.recommend.worker", "--db", database, "--from", self.source,
                     "--annotator", w.annotator, "--generation", str(self.generation)]
        lent = lend_analyser()
        if lent is not None:  # the window's Korean analyser process: one Kiwi for the session
            address, variable, key = lent
            arguments += ["--analyser", address]
            if environment is None:
                from PySide6.QtCore import QProcessEnvironment

                environment = QProcessEnvironment.systemEnvironment()
            environment.insert(variable, key)
        if environment is not None:
            process.setProcessEnvironment(environment)
        process.setArguments(arguments)
        process.setProcessChannelMode(QProcess.SeparateChannels)
        process.readyReadStandardOutput.connect(lambda p=process: self._read(p) if isValid(p) else None)
        process.finished.connect(lambda code, _status, p=process: self._ended(p, code) if isValid(p) else None)
        process.errorOccurred.connect(lambda error, p=process: self._failed_to_start(p, error))
        self._buffers[id(process)] = b""
        self.trainer = process
        process.start()
        self.changed.emit()
        return True

    def spans_made(self, count: int) -> None:
        """The annotator made ``count`` spans in the layer learned from: retrain after every N."""
        if count <= 0 or self.source is None or self.source != self.window.layer.name:
            return
        self.new_spans += count
        if self.settings.retrain_every and self.new_spans >= self.settings.retrain_every:
            self.retrain(f"{self.new_spans} new spans")

    def document_done(self) -> None:
        if self.source is not None and self.source == self.window.layer.name:
            self.retrain("a document marked done")

    def _read(self, process: QProcess, *, last: bool = False) -> None:
        data = self._buffers.get(id(process), b"") + bytes(process.readAllStandardOutput())
        *lines, rest = data.split(b"\n")
        if last:
            lines, rest = [*lines, rest], b""
        self._buffers[id(process)] = rest
        for line in lines:
            if line.strip():
                self._handle(process, line)

    def _handle(self, process: QProcess, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return  # not one of the worker's lines
        kind = event.get("event")
        if kind == "trained" and process is self.trainer:
            self._serve(process, live.State(**event["state"]))
        elif kind == "suggestions" and process is self.server:
            self._take_suggestions(event)
        elif kind == "themes" and process is self.server:
            self.state = live.State(**event["state"])
            self.version += 1  # the open document's themes are asked for again
            self.window.suggestions.refresh()
            self.changed.emit()
        elif kind == "evaluated" and process is self.server:
            self.state = live.State(**event["state"])
            self.changed.emit()
        elif kind == "ranked" and process is self.server:
            self.ranking = [(doc_id, score) for doc_id, score in event["ranking"]]
            self.ranked = True
            self.changed.emit()
        elif kind == "failed":
            self.message = f"Training failed: {event.get('message', '')}"
            self.changed.emit()

    def _serve(self, process: QProcess, state: live.State) -> None:
        """The new worker has learned: it serves from now on; the previous one ends."""
        old, self.server, self.trainer = self.server, process, None
        if old is not None:
            old.closeWriteChannel()  # it ends when its input does
        self.state, self.ranking, self.ranked = state, [], False
        self.cache, self.asked = {}, {}
        if state.generation > self._renamed_after:  # learned after the last rename: its names are the schema's
            self.renames = {}
        self.message = (f"Trained at {state.trained_at[-8:]} on {counted(state.spans, 'spans')} in "
                        f"{counted(state.documents, 'documents')} ({state.seconds:.1f} s)")
        self.window.suggestions.refresh()  # asks for the open document's suggestions
        self.window.statusBar().showMessage(f"Suggestions learned from {counted(state.spans, 'spans')}: "
                                            "Shift+N for the next one", 6000)
        self.changed.emit()
        if self.again and not self.window._closed:
            self.again = False
            self.retrain("more changes")

    def _ended(self, process: QProcess, code: int) -> None:
        self._read(process, last=True)
        self._buffers.pop(id(process), None)
        if process is self.trainer:  # it ended before it had learned
            self.trainer = None
            if not self.message.startswith("Training failed"):
                self.message = f"Training failed (exit code {code})"
            self.changed.emit()
            if self.again and not self.window._closed:
                self.again = False
                self.retrain("more changes")
        elif process is self.server:
            self.server = None
            self.cache = {}
            if not self.window._closed:
                self.message = "The recommenders stopped: Learn now starts them again"
                self.window.suggestions.refresh()
                self.changed.emit()
        process.deleteLater()

    def _failed_to_start(self, process: QProcess, error) -> None:
        if error == QProcess.FailedToStart and process is self.trainer:
            self.trainer = None
            self.message = "Training could not start: the Python interpreter was not found"
            self.changed.emit()

    def _send(self, request: dict) -> None:
        if self.server is not None:
            self.server.write((json.dumps(request, ensure_ascii=False) + "\n").encode("utf-8"))

    # --- using it ------------------------------------------------------------------------------

    def _fetched(self, doc: Document) -> tuple[list[Span], list[tuple[str, float]]]:
        """What the worker said for ``doc`` (asking it again when that is stale or missing)."""
        if self.server is None:
            return [], []
        entry = self.cache.get(doc.id)
        if (entry is None or entry[0] < self.version) and self.asked.get(doc.id, -1) < self.version:
            self.asked[doc.id] = self.version
            self._send({"suggest": doc.id})
        return (entry[1], entry[2]) if entry is not None else ([], [])

    def _take_suggestions(self, event: dict) -> None:
        w = self.window
        doc_id = event["doc_id"]
        doc = w.document if w.document is not None and w.document.id == doc_id else w.store.get_document(doc_id)
        if doc is None:
            return
        text = doc.text
        named = self.renames.get
        spans = [Span(doc_id, live.LEARNED, start, end, named(label, label), text[start:end],
                      f"{recommender} {score:.2f}")
                 for start, end, label, score, recommender in event["spans"]
                 if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)]
        self.cache[doc_id] = (self.asked.get(doc_id, self.version), spans,
                              [(named(theme, theme), float(score)) for theme, score in event["themes"]])
        if w.document is not None and w.document.id == doc_id:
            w.suggestions.refresh()

    def renamed(self, old: str, new: str) -> None:
        """A label or theme was renamed (or the rename undone): the suggestions already fetched,
        and those the serving model still makes under the old name, show the new one at once; a
        retraining brings the model (and the Suggestions panel's figures) to the new name."""
        self.renames = {was: (new if now == old else now) for was, now in self.renames.items()}
        self.renames.setdefault(old, new)
        self.renames = {was: now for was, now in self.renames.items() if was != now}
        self._renamed_after = self.generation
        self.cache = {doc_id: (version, [s._replace(label=new) if s.label == old else s for s in spans],
                               [(new if theme == old else theme, score) for theme, score in themes])
                      for doc_id, (version, spans, themes) in self.cache.items()}
        if self.source is not None and self.server is not None:
            self.retrain("a label was renamed")

    def suggestions(self, doc: Document, within: tuple[int, int] | None = None) -> list[Span]:
        """The open document's learned suggestions that the annotator has neither made nor
        rejected; ``within``: only those inside code points ``[start, end)``, weighed against the
        spans the article shows there (what a change there may have changed)."""
        found, _ = self._fetched(doc)
        if not found:
            return []
        w = self.window
        if within is not None:
            low, high = within
            found = [s for s in found if low <= s.start and s.end <= high]
            mine = {(s.start, s.end) for s in w.view.spans_within(low, high)}
        else:
            mine = {(s.start, s.end) for s in w.layer.spans(doc.id)}
        rejected = w.store.rejected_suggestions(doc.id, w.annotator, live.LEARNED)
        return [s for s in found if (s.start, s.end) not in mine and (s.start, s.end, s.label) not in rejected]

    def themes(self, doc: Document) -> list[tuple[str, float]]:
        return self._fetched(doc)[1]

    def rejected(self, span: Span) -> None:
        """A rejection lowers its pattern's score in the serving worker at once."""
        if span.annotator == live.LEARNED and self.server is not None:
            self._send({"reject": [span.text, span.label]})
            self.version += 1

    def least_sure(self) -> None:
        """Navigate → Next by what the model is least sure of: the unannotated document the tagger
        was least sure about (of those ranked at the last training) that is still unannotated."""
        w = self.window
        if not self.ranking:
            why = ("nothing learned yet: Suggestions → Learn from…" if self.state is None
                   else "the unannotated documents are not ranked yet (or the tagger is off, or all are annotated)")
            w.statusBar().showMessage(f"No ranking: {why}", 6000)
            return
        current = w.document.id if w.document is not None else None
        for doc_id, score in self.ranking:
            if doc_id == current:
                continue
            if w.store.status(doc_id, w.annotator) is Status.NEW and not w.layer.spans(doc_id):
                w.open_document(doc_id)
                w.statusBar().showMessage(f"The tagger's least sure document left: {isolate(doc_id)} "
                                          f"(uncertainty {score:.2f})", 6000)
                return
        w.statusBar().showMessage("Every ranked document has been annotated since: Learn now to rank again", 6000)

    def save_settings(self) -> None:
        self.settings.save(self.window.store)

    def close(self) -> None:
        """End the workers (the window closes, or the application quits)."""
        for process in (self.trainer, self.server):
            if process is not None:
                process.blockSignals(True)  # nothing of theirs is handled any more
                process.closeWriteChannel()
                if not process.waitForFinished(1000):
                    process.kill()
                    process.waitForFinished(1000)
        self.trainer = self.server = None


class LearningPanel(QWidget):
    """The Suggestions panel: what each recommender learned, when, and how well it does."""

    def __init__(self, learning: Learning, parent=None):
        super().__init__(parent)
        self.learning = learning
        self.setObjectName("learning-panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.source_label = QLabel()
        self.source_label.setObjectName("learning-source")
        self.source_label.setTextFormat(Qt.PlainText)
        self.source_label.setWordWrap(True)
        layout.addWidget(self.source_label)
        buttons = QHBoxLayout()
        self.choose_button = QPushButton("Learn from…")
        self.choose_button.clicked.connect(learning.ask_source)
        self.learn_button = QPushButton("Learn now")
        self.learn_button.clicked.connect(lambda: learning.retrain("asked for"))
        for button in (self.choose_button, self.learn_button):
            button.setFocusPolicy(Qt.NoFocus)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.boxes: dict[str, QCheckBox] = {}
        for name in RECOMMENDERS:
            box = QCheckBox(TITLES[name])
            box.setObjectName(f"recommender-{name}")
            box.setFocusPolicy(Qt.NoFocus)
            box.setChecked(name in learning.settings.recommenders)
            box.toggled.connect(self._recommenders_changed)
            layout.addWidget(box)
            self.boxes[name] = box
        every = QHBoxLayout()
        every.addWidget(QLabel("Retrain every"))
        self.every = QSpinBox()
        self.every.setObjectName("retrain-every")
        self.every.setRange(0, 10_000)
        self.every.setSpecialValueText("—")
        self.every.setSuffix(" new spans")
        self.every.setToolTip("After this many new spans in the layer learned from, the recommenders retrain in the "
                              "background; — for only when a document is marked done (Ctrl+Enter) or on Learn now")
        self.every.setValue(learning.settings.retrain_every)
        self.every.valueChanged.connect(self._every_changed)
        every.addWidget(self.every)
        layout.addLayout(every)
        self.status_label = QLabel()
        self.status_label.setObjectName("learning-status")
        self.status_label.setTextFormat(Qt.PlainText)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("learning-evaluation")
        self.table.setHorizontalHeaderLabels(["", "Label", "P", "R", "F1", "Gold"])
        for column, tip in enumerate(["Recommender", "Label (ALL: every label)", "Precision: correct / suggested",
                                      "Recall: correct / gold", "F1", "Spans held out"]):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setMinimumWidth(60)  # scrolls sideways in a narrow dock rather than widening it
        layout.addWidget(self.table, 1)
        learning.changed.connect(self.refresh)
        self.refresh()

    def _recommenders_changed(self) -> None:
        chosen = tuple(name for name, box in self.boxes.items() if box.isChecked())
        self.learning.settings.recommenders = chosen
        self.learning.save_settings()

    def _every_changed(self, value: int) -> None:
        self.learning.settings.retrain_every = value
        self.learning.save_settings()

    def refresh(self) -> None:
        learning = self.learning
        source = learning.source
        self.source_label.setText("Not learning yet: choose a layer to learn from." if source is None else
                                  f"Learning from {'gold' if source == GOLD else source + chr(39) + 's layer'}.")
        self.learn_button.setEnabled(source is not None)
        lines = [learning.message] if learning.message else []
        if learning.training and not learning.message.startswith("Training"):
            lines.append("Training…")
        state = learning.state
        if state is not None:
            for name, info in state.recommenders.items():
                detail = ", ".join(counted(len(v) if isinstance(v, list) else v, k) for k, v in info.items())
                lines.append(f"{TITLES.get(name, name)}: {detail}")
            if state.evaluated_at:
                lines.append(f"Self-evaluation ({state.folds} folds over documents) at {state.evaluated_at[-8:]}")
            elif state.documents < 2:
                lines.append("Self-evaluation needs two annotated documents")
        self.status_label.setText("\n".join(lines))
        rows = []
        if state is not None:
            for name, labels in state.evaluation.items():
                for label, s in labels.items():
                    rows.append([SHORT.get(name, name), label, f"{s['precision']:.2f}", f"{s['recall']:.2f}",
                                 f"{s['f1']:.2f}", str(s["gold"])])
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
