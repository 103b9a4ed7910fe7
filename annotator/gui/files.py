"""File → import, merge, export, the sample articles and the rolling backups: each with a progress
dialog, and a failure said, never a traceback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog

from annotator.core import brat
from annotator.core.errors import AnnotatorError
from annotator.core.exporting import ExportOptions, count_documents, export_file
from annotator.core.importing import import_paths, total_bytes
from annotator.core.resources import seeds_dir
from annotator.core.text import counted
from annotator.gui.export_dialog import ExportDialog, ImportOptionsDialog
from annotator.storage import DATABASE_ERRORS

if TYPE_CHECKING:
    from annotator.gui.host import Host


class Cancelled(Exception):
    """The person pressed Cancel in a progress dialog."""


class Files:
    """The window's File menu: what comes in (import, merge, samples), what goes out (export, backups)."""

    def __init__(self, window: Host):
        self.window = window
        self.last_backup = time.monotonic()  # the first automatic backup comes after an hour's work, or on close

    def offer_samples(self) -> None:
        """A new, empty database: offer the five sample articles, or files of one's own."""
        w = self.window
        if w._quiet_dialogs or w.store.count_documents():
            return
        box = QMessageBox(QMessageBox.Question, "An empty database",
                          "This database has no documents yet. Load the five sample articles (Persian and "
                          "Korean news), or import your own files?", QMessageBox.NoButton, w)
        samples = box.addButton("Load the sample articles", QMessageBox.AcceptRole)
        files = box.addButton("Import files…", QMessageBox.ActionRole)
        box.addButton("Not now", QMessageBox.RejectRole)
        box.exec()
        if box.clickedButton() is samples:
            self.load_samples()
        elif box.clickedButton() is files:
            self.import_files()

    def load_samples(self) -> bool:
        return self.run_import([str(seeds_dir())])

    def _last_folder(self) -> str:
        folder = self.window.settings.value("files/last_folder", "")
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def import_files(self) -> None:
        w = self.window
        paths, _ = QFileDialog.getOpenFileNames(
            w, "Import articles", self._last_folder(),
            "Articles and annotations (*.txt *.jsonl *.json *.xmi *.tsv *.zip *.ann);;Text (*.txt);;JSON Lines: "
            "annotator, doccano, Prodigy (*.jsonl);;Label Studio JSON (*.json);;INCEpTION: UIMA CAS XMI, WebAnno "
            "TSV, an export's zip (*.xmi *.tsv *.zip);;brat standoff, each beside its .txt (*.ann)")
        if paths:
            w.settings.setValue("files/last_folder", str(Path(paths[0]).parent))
            self._import_with_options(paths)

    def import_folder(self) -> None:
        w = self.window
        path = QFileDialog.getExistingDirectory(w, "Import a folder of articles", self._last_folder())
        if path:
            w.settings.setValue("files/last_folder", path)
            self._import_with_options([path])

    def _import_with_options(self, paths: list[str]) -> None:
        """Plain text and brat's files need no choices (brat counts code points, as annotator
        does); other tools' files ask how their offsets are counted."""
        if all(p.lower().endswith((".txt", ".ann")) or brat.is_collection(Path(p)) for p in paths):
            self.run_import(paths)
            return
        dialog = ImportOptionsDialog(self.window, paths)
        if dialog.exec():
            self.run_import(paths, **dialog.choices())

    def _with_progress(self, label: str, total: int, work, *, cancelled: str, failed: str):
        """Run ``work(step)`` under a window-modal progress dialog (so no edit can slip into its
        transaction); Cancel or an error is reported and gives None."""
        w = self.window
        progress = QProgressDialog(label, "Cancel", 0, max(total, 1), w)
        progress.setWindowModality(Qt.WindowModal)
        progress.setMinimumDuration(0)
        progress.show()
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            progress.setValue(min(done, total))
            QApplication.processEvents()
            if progress.wasCanceled():
                raise Cancelled

        try:
            return work(step)
        except Cancelled:
            w.statusBar().showMessage(cancelled, 6000)
        except (AnnotatorError, *DATABASE_ERRORS) as err:
            w._error(failed, w._reason(err))
        finally:
            progress.close()
            w.activateWindow()
            w.view.setFocus()  # the keyboard goes back to the article
        return None

    def run_import(self, paths: list[str], offsets: str | None = None, text_field: str | None = None,
                   layer_map: dict[str, str] | None = None) -> bool:
        """Import with a progress dialog; an error or Cancel leaves the database as it was.
        ``offsets`` overrides the unit other tools' offsets are read in, ``layer_map`` renames a
        peer's layers (see annotator import). What the import warns of (layers a peer's file
        merged, names to map) is shown, not only printed by the command line."""
        w = self.window
        try:
            total = total_bytes(paths)
        except (AnnotatorError, *DATABASE_ERRORS) as err:
            w._error("Import failed", w._reason(err))
            return False
        report = self._with_progress(
            "Importing…", total,
            lambda step: import_paths(w.store, paths, annotator=w.annotator, progress=step,
                                      offsets=offsets, text_field=text_field, layer_map=layer_map),
            cancelled="Import cancelled; nothing was changed", failed="Import failed; nothing was changed")
        if report is None:
            return False
        w.schema = w.store.schema()
        w.menus.apply_schema()
        w.refresh_annotations()  # the import may have brought spans for the open document
        w.documents.refresh_languages()
        w.documents.apply_filters()
        w.documents.update_progress()
        said = report.summary().replace("\n", "; ")
        if report.warnings:
            said += f"; {counted(len(report.warnings), 'warning')}: " + "; ".join(report.warnings)
            box = QMessageBox(QMessageBox.Warning, "Imported, with warnings",
                              report.summary() + "\n\n" + "\n\n".join(report.warnings), QMessageBox.Ok, w)
            box.setTextFormat(Qt.PlainText)
            if not w._quiet_dialogs:
                box.exec()
        w.statusBar().showMessage(said, 10000)
        if w.document is None:
            first = w.store.neighbour(None, w.annotator)
            if first:
                w.open_document(first)
        return True

    def merge_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Merge another annotator's database", "", "annotator (*.db)")
        if path:
            self.run_merge(path)

    def run_merge(self, path: str) -> bool:
        """Bring another database in (read-only there; nothing here overwritten) and say what came."""
        w = self.window
        from annotator.core.merging import merge

        try:
            report = merge(w.store, path)
        except (AnnotatorError, *DATABASE_ERRORS) as err:
            w._error("Merge failed; nothing was changed", w._reason(err))
            return False
        w.schema = w.store.schema()
        w.menus.apply_schema()
        w.refresh_annotations()
        w.documents.refresh_languages()
        w.documents.apply_filters()
        w.documents.update_progress()
        box = QMessageBox(QMessageBox.Information, "Merged", report.summary(), QMessageBox.Ok, w)
        box.setTextFormat(Qt.PlainText)
        if not w._quiet_dialogs:
            box.exec()
        w.statusBar().showMessage(report.summary().split("\n")[0], 10000)
        return True

    def export_dialog(self) -> None:
        w = self.window
        dialog = ExportDialog(w, w.store, w.annotator, self._last_folder())
        if dialog.exec():
            target = dialog.target()
            w.settings.setValue("files/last_folder", str(target.parent))
            self.run_export(dialog.options(), str(target))

    def run_export(self, options: ExportOptions, path: str) -> bool:
        """Export with a progress dialog; a cancelled or failed export leaves no file behind."""
        w = self.window
        report = self._with_progress(
            "Exporting…", count_documents(w.store, options),
            lambda step: export_file(w.store, path, options, progress=step),
            cancelled="Export cancelled; no file written", failed="Export failed; no file written")
        if report is None:
            return False
        w.statusBar().showMessage(f"Exported {report.summary()} to {Path(path).resolve()}", 10000)
        return True

    def backup_folder(self) -> Path:
        return self.window.store.path.parent / "backups"

    def take_backup(self) -> Path | None:
        """A rolling copy of the database (SQLite's online backup) in ``backups/`` beside it,
        keeping the newest N (File → settings ``backup/keep``, 5 by default). Taken when the window
        closes and at most once an hour while it works; a failure is said, never fatal."""
        w = self.window
        from annotator.storage.maintenance import rolling_backup

        if w.store.readonly or w.store.is_team:  # a team database's server keeps its own (pg_dump)
            return None
        try:
            keep = max(1, int(w.settings.value("backup/keep", 5)))
        except (TypeError, ValueError):
            keep = 5
        self.last_backup = time.monotonic()
        try:
            return rolling_backup(w.store.path, self.backup_folder(), keep=keep)
        except (AnnotatorError, OSError, *DATABASE_ERRORS) as err:
            w.statusBar().showMessage(f"Automatic backup failed: {w._reason(err)}", 8000)
            return None
