"""Starting the window, and rendering it offscreen for screenshots."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from annotator.core.errors import AnnotatorError
from annotator.core.identity import current_annotator, known_annotator, remember_annotator
from annotator.core.project import default_annotator, open_project
from annotator.gui.dialogs import ask_annotator_name
from annotator.gui.fonts import load_bundled_fonts
from annotator.gui.theme import apply_theme
from annotator.gui.window import MainWindow
from annotator.storage import Store


_NOISE = ("This plugin does not support propagateSizeHints()",)  # the offscreen platform, on every window
_handler: dict[str, object] = {}


def _quiet_noise(mode, context, message) -> None:
    """Drop the offscreen platform's known noise; pass every other message on unchanged."""
    if message in _NOISE:
        return
    previous = _handler.get("previous")
    if previous is not None:
        previous(mode, context, message)
    else:
        sys.stderr.write(message + "\n")


def create_app() -> QApplication:
    if "installed" not in _handler:
        _handler["installed"] = True
        _handler["previous"] = qInstallMessageHandler(_quiet_noise)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("annotator")
    app.setApplicationName("annotator")
    load_bundled_fonts()
    apply_theme(app, str(QSettings().value("view/theme", "light")))
    return app


def annotator_name(store: Store, settings: QSettings) -> str | None:
    """Who annotates this database, as the command line sees it too ($ANNOTATOR_NAME, else the
    name kept in the database); else ask once, with the login name offered, and keep the answer
    in the database. None if cancelled. A name an earlier version kept in the window's settings
    is the same person's: it is kept in the database without asking."""
    name = known_annotator(store)
    if name:
        return name
    name = str(settings.value("annotator/name") or "") or ask_annotator_name(None, default_annotator())
    if name and not store.readonly:  # a read-only file cannot keep it: asked again next time
        remember_annotator(store, name)
    return name


# What Qt's display plugin (xcb) links on Debian and Ubuntu, by package; README's apt-get line (which
# works as root and with sudo) names the same, and xvfb for the tests (tests/test_readme.py checks that they agree).
XCB_PACKAGES = ("libegl1", "libgl1", "libx11-6", "libx11-xcb1", "libdbus-1-3", "libfontconfig1", "libfreetype6",
                "libglib2.0-0", "libxkbcommon0", "libxkbcommon-x11-0", "libxcb1", "libxcb-cursor0",
                "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0", "libxcb-render0",
                "libxcb-render-util0", "libxcb-shape0", "libxcb-shm0", "libxcb-sync1", "libxcb-util1",
                "libxcb-xfixes0", "libxcb-xkb1")


def display_problem() -> str | None:
    """Why the window cannot open here, in one line, or None. Qt itself aborts the process in
    both cases (SIGABRT, "Could not load the Qt platform plugin"), so look before it does."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc...: the user chose
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not os.environ.get("DISPLAY"):
        return ("no display to open the window on (DISPLAY is not set): run it on the desktop, over "
                "`ssh -X`, or under `xvfb-run`; the command line works without one (annotator --help)")
    plugin = _xcb_plugin()
    if plugin is not None:
        import ctypes

        try:
            ctypes.CDLL(str(plugin))  # loads what the plugin links, as Qt is about to
        except OSError as err:
            missing = str(err).split(":")[0].strip() if ":" in str(err) else str(err)
            return (f"Qt's display plugin cannot load ({missing} is missing); on Debian or Ubuntu: "
                    f"$(command -v sudo) apt-get update && $(command -v sudo) apt-get install {' '.join(XCB_PACKAGES)}")
    return None


def _xcb_plugin() -> Path | None:
    import PySide6

    path = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.exists() else None


def _quit_on_signals(app):
    """SIGTERM (a logout, ``kill``) and SIGINT (Ctrl+C in the terminal) close every window, a
    dialog too (the first start's question), as a person would: what closing does (the position
    kept, a backup, the recommender workers ended) happens, then the app quits, without a
    traceback. Qt's loop runs no Python while it waits, so a signal wakes it through a socket
    (signal.set_wakeup_fd). Returns what undoes it; ``signalled`` says whether one came."""
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    wanted = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.signal(number, lambda signum, frame: None) for number in wanted}  # the byte counts
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Read, app)
    state = {"signalled": False}

    def woken() -> None:
        try:
            data = reader.recv(64)
        except OSError:
            return
        if any(number in data for number in wanted):
            state["signalled"] = True
            for widget in app.topLevelWidgets():  # a modal dialog first: it runs a loop of its own
                if widget.isVisible() and widget.isModal():
                    widget.close()
            app.closeAllWindows()
            app.quit()

    notifier.activated.connect(woken)

    def undo() -> None:  # the window is gone: the signals' defaults again, the sockets closed
        notifier.setEnabled(False)
        signal.set_wakeup_fd(-1)
        for number, handler in previous.items():
            signal.signal(number, handler)
        reader.close()
        writer.close()

    undo.signalled = lambda: state["signalled"]
    return undo


def run(db: str | None) -> int:
    """Open the window on the project database; returns the exit status."""
    problem = display_problem()
    if problem:
        raise AnnotatorError(problem)
    app = create_app()
    store = open_project(db)
    window = None
    stop_listening = _quit_on_signals(app)  # before the first start's question, which waits too
    try:
        # On a team database one is who one logs in as: the layer PostgreSQL lets one write.
        name = store.member if store.is_team else annotator_name(store, QSettings())
        if name is None:
            if not stop_listening.signalled():  # the question cancelled: say why nothing opened
                print("annotator: no annotator name given, so the window did not open (each person's spans are "
                      "kept under their name; start it again, or set $ANNOTATOR_NAME)", file=sys.stderr)
            return 0
        window = MainWindow(store, name)
        window.show()
        stop_catching = _database_errors_to(window)
        try:
            return 0 if stop_listening.signalled() else app.exec()
        finally:
            stop_catching()
    finally:
        stop_listening()
        if window is not None:
            window.live.stop()  # no poll of a closed store
            window.learning.close()  # its workers end with the window, however the app ends (SIGTERM too)
        store.close()


def _database_errors_to(window: MainWindow):
    """A database failure that escapes a slot (a team database's server gone while a panel
    reads) goes to the window, which says it in the status bar and retries, instead of a
    traceback on the terminal. Returns what puts the previous hook back."""
    from annotator.storage import DATABASE_ERRORS

    previous = sys.excepthook

    def hook(kind, value, traceback) -> None:
        if isinstance(value, DATABASE_ERRORS) and not window._closed:
            window.database_failed("read from the database", value)
            return
        previous(kind, value, traceback)

    sys.excepthook = hook

    def undo() -> None:
        sys.excepthook = previous

    return undo


def _with_span_menu(window: MainWindow, image):
    """The window with the right-click menu of its first visible span drawn where it opens."""
    from PySide6.QtGui import QPainter, QTextCursor

    from annotator.gui import span_menu

    span = window.view.spans[0]
    window.select_span(span.id)
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(window.view.index.to_utf16(span.start) + 1)
    at = window.view.viewport().mapTo(window, window.view.cursorRect(cursor).bottomLeft())
    menu = span_menu.span_menu(window, span)
    menu.adjustSize()
    relabel = menu.findChild(type(menu), "relabel-menu")
    picture = image.copy()
    painter = QPainter(picture)
    painter.drawPixmap(at.x() - menu.width(), at.y(), menu.grab())
    if relabel is not None:  # the submenu open beside it, as when the pointer rests on "Relabel as"
        relabel.adjustSize()
        painter.drawPixmap(at.x() - menu.width() - relabel.width() + 4, at.y() + 30, relabel.grab())
    painter.end()
    return picture


def screenshot(db: str | Store | None, doc_id: str, out: Path, *, annotator: str | None = None,
               size: tuple[int, int] = (1400, 900), dark: bool = False, review: bool = False,
               show: str | None = None) -> Path:
    """Render the main window offscreen with ``doc_id`` open and save it as a PNG. ``db`` is an
    open store (left open), or what open_project takes: an existing database, never a new one."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_app()
    apply_theme(app, "dark" if dark else "light")
    owned = not isinstance(db, Store)
    store = open_project(db, create=False) if owned else db
    try:
        if store.document_hash(doc_id) is None:
            raise AnnotatorError(f"no document with id {doc_id!r} (see: annotator docs)")
        settings = QSettings(str(Path(out).with_suffix(".ini")), QSettings.IniFormat)  # no remembered layout
        window = MainWindow(store, annotator or current_annotator(store), settings)
        window.resize(*size)
        window.open_document(doc_id)
        window.view.set_caret(0)
        window.show()
        if review:
            window.review.set_mode(True)
            window.review.step(+1)  # the first undecided unit, selected
        # A few passes of the event loop (layout, zero timers, painting) without app.exec() and
        # app.quit(): a quit leaves Qt's later event loops in this process returning at once.
        for _ in range(3):
            app.processEvents()
        image = window.grab()
        if show == "span-menu" and window.view.spans:
            image = _with_span_menu(window, image)
        elif show == "labels":
            from annotator.gui.schema_editor import SchemaEditor

            editor = SchemaEditor(window)
            editor.resize(760, 420)
            editor.show()
            app.processEvents()
            image = editor.grab()
            editor.close()
        image.save(str(out))
        window.close()
        window.live.stop()
        Path(out).with_suffix(".ini").unlink(missing_ok=True)
        return Path(out)
    finally:
        if owned:
            store.close()
