"""Suggestions → Learn from…: recommenders that learn from a layer while the annotator works.

Training runs in a process of its own (annotator.core.recommend.worker, started with QProcess), so
the window never waits for it and never shares the interpreter's lock with it. It retrains when a
document is marked done (Ctrl+Enter), when the annotator has made N new spans (N is a project
setting), and on demand. Each finished training is loaded off the window's thread; the open
document's suggestions then come from it, drawn like any other suggestions (Shift+N, Shift+A,
Shift+X). The Suggestions panel shows what each recommender learned, when, and its
self-evaluation; Navigate → Next by what the model is least sure of uses the tagger's ranking.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, Qt, Signal
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

from annotator.core.model import GOLD, Document, Span, Status
from annotator.core.recommend import live
from annotator.core.recommend.suggesting import RECOMMENDERS
from annotator.gui.plain import isolate

if TYPE_CHECKING:
    from annotator.gui.window import MainWindow

TITLES = {"string": "String matcher", "crf": "Sequence tagger (CRF)", "themes": "Theme classifier"}


class Learning(QObject):
    """The window's recommenders: which layer they learn from, the training process, the model."""

    changed = Signal()  # the state, the evaluation or the ranking changed: the panel redraws
    _loaded = Signal(object, object)  # (LiveModel or None, error message): from the loading thread

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        source = window.settings.value("learn/source")
        self.source: str | None = str(source) if source else None
        self.settings = live.Settings.load(window.store)
        self.model: live.LiveModel | None = None
        self.state: live.State | None = None
        self.ranking: list[tuple[str, float]] = []
        self.message = ""
        self.new_spans = 0
        self.generation = 0
        self.process: QProcess | None = None
        self.again = False  # a retraining was asked for while one ran
        self.started_at = 0.0
        self._folder = Path(tempfile.mkdtemp(prefix="annotator-learned-"))
        self._buffer = b""
        self._evaluated: live.State | None = None
        self._loaded.connect(self._take_model, Qt.QueuedConnection)

    # --- what to learn from ----------------------------------------------------------------

    def choices(self) -> list[tuple[str, str]]:
        w = self.window
        out = [(w.annotator, f"My layer ({w.annotator})"), (GOLD, "Gold (adjudicated)")]
        out += [(name, f"{name}'s layer") for name in w.store.annotators_with_layers(exclude=[w.annotator, GOLD])
                if name != live.LEARNED]
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
        return self.process is not None

    def retrain(self, reason: str = "asked for") -> bool:
        """Start a training in the background (or queue one after the running one)."""
        w = self.window
        if self.source is None:
            w.statusBar().showMessage("Choose what to learn from first: Suggestions → Learn from…", 5000)
            return False
        if self.process is not None:
            self.again = True
            return True
        self.generation += 1
        self.new_spans = 0
        self.started_at = time.monotonic()
        self.message = f"Training ({reason})…"
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "annotator.core.recommend.worker", "--db", str(w.store.path),
                              "--from", self.source, "--annotator", w.annotator,
                              "--out", str(self._folder), "--generation", str(self.generation)])
        process.setProcessChannelMode(QProcess.SeparateChannels)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._process_error)
        self._buffer = b""
        self.process = process
        process.start()
        self.changed.emit()
        return True

    def spans_made(self, count: int) -> None:
        """The annotator made ``count`` spans in the learning layer: retrain after every N."""
        if count <= 0 or self.source is None or self.source != self.window.layer.name:
            return
        self.new_spans += count
        if self.settings.retrain_every and self.new_spans >= self.settings.retrain_every:
            self.retrain(f"{self.new_spans} new spans")

    def document_done(self) -> None:
        if self.source is not None and self.source == self.window.layer.name:
            self.retrain("a document marked done")

    def _read(self) -> None:
        process = self.sender()
        if process is self.process:
            self._take_output(process)

    def _take_output(self, process: QProcess, *, last: bool = False) -> None:
        self._buffer += bytes(process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        if last:
            lines, self._buffer = [*lines, self._buffer], b""
        for line in lines:
            if line.strip():
                self._handle_line(line)

    def _handle_line(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return  # not one of the worker's lines
        kind = event.get("event")
        if kind == "trained":
            state = live.State(**event["state"])
            threading.Thread(target=self._load, args=(Path(event["path"]), state), daemon=True).start()
        elif kind == "evaluated":
            if self.state is not None and event["state"]["generation"] == self.state.generation:
                self.state = live.State(**event["state"])
                if self.model is not None:
                    self.model.state = self.state
            else:
                self._evaluated = live.State(**event["state"])  # the model is still loading
            self.changed.emit()
        elif kind == "ranked":
            self.ranking = [(doc_id, score) for doc_id, score in event["ranking"]]
            self.changed.emit()
        elif kind == "failed":
            self.message = f"Training failed: {event.get('message', '')}"
            self.changed.emit()

    def _load(self, path: Path, state: live.State) -> None:
        """Off the window's thread: unpickling imports scikit-learn and builds the matcher."""
        try:
            self._loaded.emit(live.LiveModel(live.load(path), state), None)
        except Exception as err:  # noqa: BLE001 (reported in the panel, never a traceback)
            self._loaded.emit(None, f"{type(err).__name__}: {err}")
        finally:
            path.unlink(missing_ok=True)

    def _take_model(self, model: live.LiveModel | None, error: str | None) -> None:
        if model is None:
            self.message = f"Could not load what was learned: {error}"
            self.changed.emit()
            return
        if self.window._closed or (self.model is not None and model.state.generation < self.model.state.generation):
            model.close()
            return
        evaluated, self._evaluated = self._evaluated, None
        if evaluated is not None and evaluated.generation == model.state.generation:
            model.state = evaluated  # the evaluation arrived while the model loaded
        old, self.model, self.state = self.model, model, model.state
        if old is not None:
            old.close()
        self.message = (f"Trained at {model.state.trained_at[-8:]} on {model.state.spans} spans in "
                        f"{model.state.documents} documents ({model.state.seconds:.1f} s)")
        self.window.suggestions.refresh()
        self.changed.emit()

    def _finished(self, code: int, _status) -> None:
        process = self.sender()
        if process is not self.process:
            return
        self._take_output(process, last=True)
        self.process = None
        process.deleteLater()
        if code != 0 and not self.message.startswith("Training failed"):
            self.message = f"Training failed (exit code {code})"
        self.changed.emit()
        if self.again and not self.window._closed:
            self.again = False
            self.retrain("more changes")

    def _process_error(self, error) -> None:
        if error == QProcess.FailedToStart:
            self.message = "Training could not start (the Python interpreter was not found)"
            self.process = None
            self.changed.emit()

    # --- using it ------------------------------------------------------------------------------

    def suggestions(self, doc: Document) -> list[Span]:
        """The open document's learned suggestions that the annotator has neither made nor rejected."""
        if self.model is None:
            return []
        w = self.window
        mine = {(s.start, s.end) for s in w.layer.spans(doc.id)}
        rejected = w.store.rejected_suggestions(doc.id, w.annotator, live.LEARNED)
        return [s for s in self.model.suggestions(doc)
                if (s.start, s.end) not in mine and (s.start, s.end, s.label) not in rejected]

    def themes(self, doc: Document) -> list[tuple[str, float]]:
        return self.model.themes(doc) if self.model is not None else []

    def rejected(self, span: Span) -> None:
        if self.model is not None and span.annotator == live.LEARNED:
            self.model.reject(span)

    def least_sure(self) -> None:
        """Navigate → Next by what the model is least sure of: the unannotated document the tagger
        was least sure about (of those ranked at the last training) that is still unannotated."""
        w = self.window
        if not self.ranking:
            why = ("nothing learned yet: Suggestions → Learn from…" if self.model is None
                   else "no unannotated documents were ranked (the tagger is off, or all are annotated)")
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
        if self.process is not None:
            process, self.process = self.process, None
            process.kill()
            process.waitForFinished(2000)
        if self.model is not None:
            self.model.close()
            self.model = None
        shutil.rmtree(self._folder, ignore_errors=True)


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
        self.table.setHorizontalHeaderLabels(["Recommender", "Label", "Precision", "Recall", "F1", "Gold"])
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
                detail = ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in info.items())
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
                    rows.append([TITLES.get(name, name), label, f"{s['precision']:.2f}", f"{s['recall']:.2f}",
                                 f"{s['f1']:.2f}", str(s["gold"])])
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
