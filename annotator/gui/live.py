"""Live: what others save shows in the window within a second, and a lost team database is
retried until it answers again.

Every half second the window asks the store what changed since it last asked (``store.changes()``:
PostgreSQL's LISTEN/NOTIFY on a team database, one PRAGMA on a file; neither waits). A change by
someone else to the open document reads again what the view shows of it (the layers shown beside
one's own, gold in review mode, suggestions), without moving the caret or the selection; the
document list re-reads the rows that changed, and the agreement figures follow if they are open.
Nothing changed: one call, nothing else.

A team database's server can go away (a restart, the network). A write that fails for that, or
the heartbeat's ``store.reachable()``, puts the window in the lost state: the status bar says so,
nothing is said saved, and ``reachable()`` is tried every few seconds until it answers; then the
document is read again.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from annotator.storage import DATABASE_ERRORS, explain

if TYPE_CHECKING:
    from annotator.gui.host import Host

POLL_MS = 500  # how often the store is asked what changed
RETRY_MS = 1500  # how often a lost team database is tried again (asked on a thread, answered on the next)
HEARTBEAT_EVERY = 10  # polls between two checks that the team database's server still answers (5 s)
MANY_ROWS = 50  # more changed documents than this: the list is read again rather than row by row
AGREEMENT_EVERY = 2.0  # seconds between two recomputations of the open agreement figures

# The tables whose changes another member makes to a document's layers, gold or status.
SCHEMA_TABLES = {"labels", "themes", "relation_types"}


def is_lost(err: BaseException) -> bool:
    """A team database's connection went away (not a refusal: trying again may work)."""
    return getattr(err, "kind", None) == "lost"


class Live(QObject):
    """The window's poll of the store's changes, and the lost connection's retry."""

    reloaded = Signal(list)  # the changes by others that were just shown (tests wait on it)
    lost_changed = Signal(bool)

    def __init__(self, window: Host):
        super().__init__(window)
        self.window = window
        self.lost = False
        self.last_change: float | None = None  # time.monotonic() of the last change by others shown
        self._ticks = 0
        self._agreement_due = False
        self._agreement_at = 0.0
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll)
        self.retry_timer = QTimer(self)
        self.retry_timer.setInterval(RETRY_MS)
        self.retry_timer.timeout.connect(self.retry)
        self._probe: threading.Thread | None = None  # asking whether a lost server answers again
        self._answered = False

    def start(self) -> None:
        try:
            self.window.store.changes()  # the first call starts listening; what came before is shown already
        except Exception:  # noqa: BLE001 - the poll says it later if it matters
            pass
        self.poll_timer.start()

    def stop(self) -> None:
        self.poll_timer.stop()
        self.retry_timer.stop()

    # --- the poll ------------------------------------------------------------------------------

    def poll(self) -> None:
        """Ask what changed; show what others changed. Never raises."""
        w = self.window
        if self.lost or w._closed or w.store.busy:  # an import's transaction: its own changes, shown after
            return
        try:
            self._ticks += 1
            if w.store.is_team and self._ticks % HEARTBEAT_EVERY == 0 and not w.store.reachable():
                self.connection_lost(None)
                return
            changes = w.store.changes()
            others = self.by_others(changes)
            if others:
                self.show(others)
            elif self._agreement_due:
                self._refresh_agreement()
        except DATABASE_ERRORS as err:
            if is_lost(err):
                self.connection_lost(err)
            else:
                w.statusBar().showMessage(f"Could not read what others changed: {explain(err, w.store.path)}", 8000)
        except Exception as err:  # noqa: BLE001 - a poll must never take the window down
            w.statusBar().showMessage(f"Could not read what others changed: {err}", 8000)

    def by_others(self, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The changes this window did not make: a team database announces this connection's own
        too (``connection`` names it, so another window of the same member is news); a file says
        only "*", for another connection's commit."""
        me = self.window.store.connection_id  # this window's own saves; another window of the same member is news
        return [c for c in changes if c.get("table") == "*" or me is None or c.get("connection") != me]

    def show(self, changes: list[dict[str, Any]]) -> None:
        """Read again what these changes touch, and show it."""
        w = self.window
        everything = any(c.get("table") == "*" for c in changes)
        tables = {c.get("table") for c in changes}
        docs = {c["doc"] for c in changes if c.get("doc")}
        if everything or tables & SCHEMA_TABLES:
            schema = w.store.schema()
            if schema != w.schema:
                w.schema = schema
                w.menus.apply_schema()
        if w.document is not None and (everything or w.document.id in docs or tables & SCHEMA_TABLES
                                       or "annotators" in tables):
            if w.store.document_hash(w.document.id) is None:  # the owner removed it (its text is not read)
                w.document = None
                w.view.show_text("", "ltr", w.view.font(), [], w.colours, False)
                w.statusBar().showMessage("The open document was removed from the database", 8000)
            else:
                w.refresh_live()
        w.documents.follow(docs, everything=everything or bool(tables & {"documents", "queue_items"}), many=MANY_ROWS)
        if everything or docs:
            self._agreement_due = True
            self._refresh_agreement()
        self.last_change = time.monotonic()
        self.reloaded.emit(changes)

    def _refresh_agreement(self) -> None:
        """The agreement figures, if open: at most every two seconds (they read every layer)."""
        dialog = getattr(self.window.review, "agreement", None)
        if dialog is None:
            self._agreement_due = False
            return
        if time.monotonic() - self._agreement_at < AGREEMENT_EVERY:
            return  # the next poll does it
        self._agreement_due = False
        self._agreement_at = time.monotonic()
        dialog.reload()

    # --- a lost connection ---------------------------------------------------------------------

    def _ask_server(self) -> None:
        try:
            self._answered = self.window.store.server_answers()
        except Exception:  # noqa: BLE001 - a thread must not raise; the next retry asks again
            self._answered = False

    def connection_lost(self, err: BaseException | None) -> None:
        """Say it, stop polling, and try again every few seconds."""
        w = self.window
        first = not self.lost
        self.lost = True
        why = explain(err, w.store.path) if err is not None else \
            f"the connection to the team database {w.store.path} was lost"
        if not w.saved_label.text().startswith("Not saved"):  # a failed write says that itself
            w.saved_label.setText("Connection lost")
        w.saved_label.setToolTip(why)  # the whole reason; the status bar leads with what matters
        w.statusBar().showMessage(f"Connection lost, trying again every few seconds: {why}", RETRY_MS + 2000)
        if first:
            self.retry_timer.start()
            self.lost_changed.emit(True)

    def retry(self) -> None:
        """Is the server back? Then read the document again and say so. Whether it answers is
        asked on a thread of its own (a new connection, up to 2 s), so that the window never
        waits for a server that is gone; only once it answered does the store connect again."""
        w = self.window
        if self._probe is not None and self._probe.is_alive():
            return
        if not self._answered:
            self._probe = threading.Thread(target=self._ask_server, name="annotator-probe", daemon=True)
            self._probe.start()
            back = False
        else:
            self._answered = False
            try:
                back = w.store.reachable()
            except Exception:  # noqa: BLE001 - reachable() says False, but never let a timer raise
                back = False
        if not back:
            w.statusBar().showMessage("Connection lost, trying again every few seconds: the team database "
                                      f"{w.store.path} does not answer", RETRY_MS + 2000)
            return
        self.retry_timer.stop()
        self.lost = False
        self.lost_changed.emit(False)
        w.saved_label.setText("Connected again")
        try:
            w.store.changes()  # listening again (it answers "*" once, which is what is done next anyway)
            self.show([{"table": "*", "doc": None, "by": None}])
        except DATABASE_ERRORS as err:
            if is_lost(err):
                self.connection_lost(err)
                return
        w.saved_label.setToolTip(f"Connected to {w.store.path} again; the document was read again")
        w.statusBar().showMessage("Connected again. A change that said “Not saved” was not saved: make it again "
                                  f"(the document was read again from {w.store.path})", 10000)
