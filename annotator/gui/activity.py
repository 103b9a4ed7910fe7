"""Activity: the window's active time on each document (issue 24), measured by
annotator.core.activity's rule and written through ``Store.record_active_time``.

An event filter on this window's own top-level QWindow, and on the QWindows of the dialogs it
opens (found as they take the focus: their transient parent is ours), hears the keys, mouse and
wheel the platform delivers: each is ``ActiveTime.activity(now)``, a few comparisons, nothing
written. Not an application-wide filter: that one is handed every widget's events, those of
widgets being destroyed too, and wrapping one of those for Python crashed the process (a table
cell's editor closing under Ctrl+Z). The window hidden or minimised (its QWindow's signals), or the
application no longer active (another application in front, a locked screen), ends the stretch. Every 30 s, on a change of document and on close, the session's
ranges are written, one committed statement per document that changed. A write that fails (the
database gone) keeps the ranges for the next flush and says so in the status bar, never in a dialog.

The clock is ``time.monotonic()`` (``monotonic`` here, which the tests replace), named by the
machine and its boot (:func:`clock_name`), so ranges from two windows on one machine are merged
by the store and a change of the wall clock changes nothing.
"""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication

from annotator.core.activity import FLUSH_EVERY, ActiveTime
from annotator.storage import DATABASE_ERRORS
from annotator.storage.common import now as wall_now

if TYPE_CHECKING:
    from annotator.gui.host import Host

monotonic = time.monotonic  # the clock of the ranges (tests replace it)

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
          QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate}


def clock_name() -> str:
    """This machine and its boot: ranges of ``time.monotonic()`` compare only within one. Linux
    names its boot (``boot_id``); elsewhere the boot's wall-clock minute stands in (a wall-clock
    change then may split one boot in two names: time counted twice, never lost)."""
    machine = socket.gethostname()
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            machine = Path(path).read_text(encoding="ascii").strip() or machine
            break
        except OSError:
            continue
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        boot = "boot@" + str(round((time.time() - time.monotonic()) / 60))
    return f"{machine}:{boot}"


class Activity(QObject):
    """The window's active time: heard, kept and written."""

    def __init__(self, window: Host):
        super().__init__(window)
        self.window = window
        self.clock = clock_name()
        self._begin()
        self.failing = ""  # why the last write failed, while it does
        self.timer = QTimer(self)
        self.timer.setInterval(int(FLUSH_EVERY * 1000))
        self.timer.timeout.connect(self.flush)
        self._app = QApplication.instance()
        self._listening = True
        self._main: QWindow | None = None  # the window's own QWindow, once it has one (shown)
        self._app.focusWindowChanged.connect(self._watch)
        self._app.applicationStateChanged.connect(self._state_changed)
        self.timer.start()

    def listen(self, on: bool) -> None:
        """Hear input or not (the benchmark's floor: the same key presses with nothing recorded)."""
        self._listening = on

    def watch(self) -> None:
        """Hear the window's own QWindow (it has one once shown); its signals end a stretch when it
        is hidden or minimised. Called when the window is shown, and again harmlessly after."""
        handle = self.window.windowHandle()
        if handle is None or handle == self._main:
            return
        self._main = handle
        handle.installEventFilter(self)
        handle.visibleChanged.connect(self._visible_changed)
        handle.windowStateChanged.connect(self._state_of_window)

    def _watch(self, focused: QWindow | None) -> None:
        """A window took the focus: if it is ours or a dialog of ours, hear it (installing the same
        filter again only moves it to the front)."""
        self.watch()
        if focused is not None and not _document_work(focused):
            return
        ancestor = focused
        while ancestor is not None and self._main is not None:
            if ancestor == self._main:
                focused.installEventFilter(self)
                return
            ancestor = ancestor.transientParent()

    def _visible_changed(self, visible: bool) -> None:
        if not visible:
            self.core.hidden(monotonic())

    def _state_of_window(self, state: Qt.WindowState) -> None:
        if state & Qt.WindowState.WindowMinimized:
            self.core.hidden(monotonic())

    def _begin(self) -> None:
        self.session = uuid.uuid4().hex  # one per window opening (and per annotator switched to)
        self.core = ActiveTime(wall_now)

    # --- what the window and Qt say --------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if self._listening and event.type() in _INPUT:  # only our QWindows are filtered
            self.core.activity(monotonic())
        return False

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state != Qt.ApplicationState.ApplicationActive:
            self.core.hidden(monotonic())

    def document_changed(self, doc_id: str | None) -> None:
        self.core.document_changed(doc_id, monotonic())
        self.flush()

    def annotator_changing(self) -> None:
        """The window shows another annotator's layer next: this session's time is written as
        the one it was, and a new session begins."""
        doc_id = self.core.doc_id
        self.core.hidden(monotonic())
        self.flush()
        self._begin()
        self.core.document_changed(doc_id, monotonic())

    def close(self) -> None:
        self.timer.stop()
        self.core.hidden(monotonic())
        self.flush()
        self._listening = False
        for signal, slot in ((self._app.applicationStateChanged, self._state_changed),
                             (self._app.focusWindowChanged, self._watch)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

    # --- writing ---------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write what changed since the last write; what fails is kept for the next one."""
        store = self.window.store
        if store.readonly or (store.is_team and self.window.annotator != store.member):
            return  # nobody's own time to write: one's own layer is not the one shown
        for pending in self.core.flush(monotonic()):
            try:
                store.record_active_time(self.window.annotator, pending.doc_id, self.session, clock=self.clock,
                                         started_at=pending.started_at, ranges=list(pending.ranges))
            except DATABASE_ERRORS as err:
                self.failing = self.window._reason(err)
                self.window.statusBar().showMessage(
                    f"Active time not saved yet (kept, tried again in {int(FLUSH_EVERY)} s): {self.failing}", 10000)
                return
            self.core.written(pending)
        self.failing = ""


def _document_work(handle: QWindow) -> bool:
    """Whether input in this window is work on the open document: not in a window whose widget
    says otherwise (its ``documentWork`` property False: Progress, Agreement), where a lead reads
    figures about the whole project."""
    for widget in QApplication.topLevelWidgets():
        if widget.windowHandle() == handle:
            return widget.property("documentWork") is not False
    return True

