"""Starting the window, and rendering it offscreen for screenshots."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from annotator.core.errors import AnnotatorError
from annotator.core.project import default_annotator, open_project
from annotator.gui.dialogs import ask_annotator_name
from annotator.gui.fonts import load_bundled_fonts
from annotator.gui.theme import apply_theme
from annotator.gui.window import MainWindow


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


def annotator_name(settings: QSettings) -> str | None:
    """The remembered annotator, or ask once (defaulting to $ANNOTATOR_NAME or the login name)."""
    name = settings.value("annotator/name")
    if name:
        return str(name)
    name = ask_annotator_name(None, default_annotator())
    if name:
        settings.setValue("annotator/name", name)
    return name


def run(db: str | None) -> int:
    """Open the window on the project database; returns the exit status."""
    app = create_app()
    store = open_project(db)
    try:
        name = annotator_name(QSettings())
        if name is None:
            return 0
        window = MainWindow(store, name)
        window.show()
        return app.exec()
    finally:
        store.close()


def screenshot(db: str | None, doc_id: str, out: Path, *, annotator: str | None = None,
               size: tuple[int, int] = (1400, 900), dark: bool = False, review: bool = False) -> Path:
    """Render the main window offscreen with ``doc_id`` open and save it as a PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_app()
    apply_theme(app, "dark" if dark else "light")
    store = open_project(db)
    try:
        if store.get_document(doc_id) is None:
            raise AnnotatorError(f"no document with id {doc_id!r} (see: annotator docs)")
        settings = QSettings(str(Path(out).with_suffix(".ini")), QSettings.IniFormat)  # no remembered layout
        window = MainWindow(store, annotator or default_annotator(), settings)
        window.resize(*size)
        window.open_document(doc_id)
        window.view.set_caret(0)
        window.show()
        if review:
            window.review.set_mode(True)
            window.review.step(+1)  # the first undecided unit, selected
        QTimer.singleShot(0, app.quit)
        app.exec()
        window.grab().save(str(out))
        window.close()
        Path(out).with_suffix(".ini").unlink(missing_ok=True)
        return Path(out)
    finally:
        store.close()
