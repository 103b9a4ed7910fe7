"""Activity: the window's active time on each document (issue 24), measured by
annotator.core.activity's rule and written through ``Store.record_active_time``.

An application-wide event filter hears the keys, mouse and wheel of this window (and of the
dialogs it opened): each is ``ActiveTime.activity(now)``, a few comparisons, nothing written. The
window hidden or minimised, or the application no longer active (another application in front, a
locked screen), ends the stretch. Every 30 s, on a change of document and on close, the session's
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
from PySide6.QtWidgets import QApplication, QWidget

from annotator.core.activity import FLUSH_EVERY, ActiveTime
from annotator.storage import DATABASE_ERRORS
from annotator.storage.common import now as wall_now

if TYPE_CHECKING:
    from annotator.gui.host import Host

monotonic = time.monotonic  # the clock of the ranges (tests replace it)

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
          QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate}
_GONE = {QEvent.Type.Hide, QEvent.Type.WindowStateChange}


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
        self._app.installEventFilter(self)
        self._app.applicationStateChanged.connect(self._state_changed)
        self.timer.start()

    def listen(self, on: bool) -> None:
        """Hear input or not (the benchmark's floor: the same key presses with nothing recorded)."""
        if on:
            self._app.installEventFilter(self)
        else:
            self._app.removeEventFilter(self)

    def _begin(self) -> None:
        self.session = uuid.uuid4().hex  # one per window opening (and per annotator switched to)
        self.core = ActiveTime(wall_now)

    # --- what the window and Qt say --------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind in _INPUT:
            if isinstance(obj, QWidget) and self._mine(obj):
                self.core.activity(monotonic())
        elif kind in _GONE and obj is self.window:
            if kind == QEvent.Type.Hide or self.window.isMinimized():
                self.core.hidden(monotonic())
        return False

    def _mine(self, widget: QWidget) -> bool:
        top = widget.window()
        while top is not None:
            if top is self.window:
                return True
            parent = top.parentWidget()
            top = parent.window() if parent is not None else None
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
        self._app.removeEventFilter(self)
        try:
            self._app.applicationStateChanged.disconnect(self._state_changed)
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
