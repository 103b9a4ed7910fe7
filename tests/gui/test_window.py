"""The window around the annotating: undo across documents, plain text, layout and zoom kept,
first start, the shortcut sheet, imports from the File menu, the lazy list, fonts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QRawFont
from PySide6.QtWidgets import QDialog, QDockWidget, QInputDialog

from annotator.core.model import Status
from annotator.gui import window as window_module
from annotator.gui.doclist_model import PAGE, DocumentListModel
from annotator.gui.fonts import KOREAN_FAMILY, PERSIAN_FAMILY, load_bundled_fonts
from annotator.gui.window import MainWindow
from tests.gui.conftest import key
from tests.helpers import DAEGU_SEED, PERSIAN_SEED, write


def labels(window, doc_id):
    return [(s.start, s.end, s.label) for s in window.store.spans(doc_id, window.annotator)]


def test_undo_and_redo_across_documents(qtbot, window):
    window.open_document(PERSIAN_SEED)
    window.view.select(0, 8)
    key(qtbot, window, "r")
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    key(qtbot, window, "5")
    assert window.undo_stack.count() == 3
    window.undo_action.trigger()  # theme
    window.undo_action.trigger()  # the Korean span
    assert labels(window, DAEGU_SEED) == [] and window.store.doc_themes(DAEGU_SEED, "tester") == []
    assert window.document.id == DAEGU_SEED
    window.undo_action.trigger()  # the Persian span: its document opens
    assert window.document.id == PERSIAN_SEED
    assert labels(window, PERSIAN_SEED) == []
    window.redo_action.trigger()
    assert labels(window, PERSIAN_SEED) == [(0, 8, "ROLE")]
    window.redo_action.trigger()
    assert window.document.id == DAEGU_SEED and labels(window, DAEGU_SEED) == [(0, 2, "ORG")]


def test_undo_of_a_delete_brings_the_same_span_back(qtbot, window):
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    [before] = window.store.spans(DAEGU_SEED, "tester")
    window.select_span(before.id)
    qtbot.keyClick(window.view, Qt.Key_Delete)
    assert window.store.spans(DAEGU_SEED, "tester") == []
    window.undo_action.trigger()
    assert window.store.spans(DAEGU_SEED, "tester") == [before]


def test_titles_and_text_that_look_like_html_stay_literal(qtbot, window):
    window.open_document("html")
    assert window.windowTitle() == "\u2068<b>x</b>\u2069 — annotator (\u2068tester\u2069)"  # isolated, literal, and whose
    model = window.documents.model
    row = model.row_of("html")
    assert model.data(model.index(row, 0)) == "\u2068<b>x</b>\u2069"
    assert "&lt;b&gt;x&lt;/b&gt;" in model.data(model.index(row, 0), Qt.ToolTipRole)
    assert window.view.toPlainText().startswith("<b>x</b> is not bold")
    for label in (window.saved_label, window.annotator_label, window.selection_label):
        assert label.textFormat() == Qt.PlainText


def test_layout_zoom_and_palette_are_remembered(qtbot, window, gui_store, settings):
    dock = window.findChild(QDockWidget, "dock-guidelines")
    dock.hide()
    window.zoom(+1)
    window.zoom(+1)
    window.dark_action.trigger()
    size = window.point_size
    window.close()
    again = MainWindow(gui_store, "tester", settings)
    qtbot.addWidget(again)
    again.show()
    assert again.point_size == size == 16.0
    assert again.view.font().pointSizeF() == 16.0
    assert again.dark_action.isChecked()
    assert not again.findChild(QDockWidget, "dock-guidelines").isVisible()
    assert again.findChild(QDockWidget, "dock-spans").isVisible()
    again.dark_action.trigger()  # back to light for the other tests


def test_a_document_reopens_where_the_annotator_left_it(qtbot, window, gui_store, settings):
    window.open_document(PERSIAN_SEED)
    window.view.set_caret(500)
    window.open_document(DAEGU_SEED)
    window.view.set_caret(120)
    window.open_document(PERSIAN_SEED)
    assert window.view.caret() == 500
    window.close()
    again = MainWindow(gui_store, "tester", settings)
    qtbot.addWidget(again)
    assert again.document.id == PERSIAN_SEED and again.view.caret() == 500


def test_first_start_asks_the_name_once_and_the_command_line_sees_it(qtbot, tmp_path: Path, monkeypatch):
    """The first start's question, answered with the keyboard, names who annotates the database:
    the name is kept in the database, not asked again, and `annotator docs` lists that layer."""
    import getpass

    from click.testing import CliRunner
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    from annotator.cli import cli
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project
    from annotator.gui.app import run
    from tests.helpers import SEEDS

    monkeypatch.delenv("ANNOTATOR_NAME")
    db = tmp_path / "first.db"
    with open_project(db) as store:  # documents someone else imported; nobody has named themselves
        import_paths(store, [SEEDS], annotator="lead")
    offered, opened = [], []

    def answer() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QInputDialog) and w.isVisible()),
                      None)
        if dialog is None:  # not shown yet: look again
            QTimer.singleShot(10, answer)
            return
        line = dialog.findChild(QLineEdit)
        offered.append(line.text())
        qtbot.keyClick(line, Qt.Key_A, Qt.ControlModifier)
        qtbot.keyClicks(line, "sara")
        qtbot.keyClick(line, Qt.Key_Return)

    def event_loop() -> int:  # the window as run() shows it: mark the first document done, then close
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        opened.append(window.annotator)
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # a person types into the focused window
        window.view.setFocus()
        qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier)  # done, and on to the next
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(QApplication, "exec", staticmethod(event_loop))
    QTimer.singleShot(0, answer)
    assert run(str(db)) == 0
    assert offered == [getpass.getuser()] and opened == ["sara"]
    listed = CliRunner().invoke(cli, ["docs", "--db", str(db)])
    assert listed.exit_code == 0 and "1 / 5 done (sara)" in listed.stderr
    assert f"{PERSIAN_SEED}  fa    done" in listed.stdout
    assert run(str(db)) == 0  # the second start asks nothing
    assert offered == [getpass.getuser()] and opened == ["sara", "sara"]


def test_cancelling_the_first_start_question_says_why_no_window_opened(qtbot, tmp_path: Path, monkeypatch, capsys):
    """Found by a new user: Escape on the name question closed annotator without a word."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from annotator.core.project import open_project
    from annotator.gui.app import run

    monkeypatch.delenv("ANNOTATOR_NAME")
    db = tmp_path / "first.db"
    open_project(db).close()
    shown = []
    monkeypatch.setattr(QApplication, "exec", staticmethod(lambda: shown.append("window") or 0))

    def escape() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QInputDialog) and w.isVisible()),
                      None)
        if dialog is None:
            QTimer.singleShot(10, escape)
            return
        qtbot.keyClick(dialog, Qt.Key_Escape)

    QTimer.singleShot(0, escape)
    assert run(str(db)) == 0
    assert shown == []
    err = capsys.readouterr().err
    assert "no annotator name given" in err and err.count("\n") == 1 and "Traceback" not in err
    with open_project(db) as store:
        assert store.setting("annotator") is None


def test_switching_annotator_is_kept_in_the_database(qtbot, window, monkeypatch):
    from click.testing import CliRunner

    from annotator.cli import cli

    monkeypatch.delenv("ANNOTATOR_NAME")
    window.set_annotator("minji")
    assert CliRunner().invoke(cli, ["whoami", "--db", str(window.store.path)]).stdout == "minji\n"


def test_switching_annotator_shows_only_their_layer(qtbot, window):
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    window.set_annotator("minji")
    assert window.view.spans == []
    assert window.annotator_label.text() == "Annotator: \u2068minji\u2069" and "(\u2068minji\u2069)" in window.windowTitle()
    window.view.select(3, 5)
    key(qtbot, window, "p")
    assert labels(window, DAEGU_SEED) == [(3, 7, "PER")]  # snapped to the whole word
    assert [(s.start, s.label) for s in window.store.spans(DAEGU_SEED, "tester")] == [(0, "ORG")]


def test_shortcut_sheet_lists_every_action_with_its_keys(qtbot, window):
    from annotator.gui.dialogs import ShortcutSheet

    sheet = ShortcutSheet(window, window.menu_actions)
    qtbot.addWidget(sheet)
    rows = {(sheet.table.item(r, 1).text(), sheet.table.item(r, 2).text()) for r in range(sheet.table.rowCount())}
    assert ("Mark done and go to the next", "Ctrl+Return, Ctrl+Enter") in rows
    assert ("PER — person", "P") in rows
    assert ("Undo", "Ctrl+Z") in rows
    assert ("international cooperation and events", "7") in rows
    for _, action in window.menu_actions:
        assert action.text()


def test_import_from_the_file_menu_and_a_bad_file_changes_nothing(qtbot, window, tmp_path, monkeypatch):
    good = write(tmp_path / "new.txt", "خبر تازه از قم")
    assert window.files.run_import([str(good)])
    assert window.store.get_document("new") is not None
    assert window.documents.model.row_of("new") is not None
    before = window.store.dump()
    errors = []
    monkeypatch.setattr(window_module.MainWindow, "_error", lambda self, title, msg: errors.append(msg))
    bad = write(tmp_path / "bad.jsonl", '{"text": "ok"}\n{"text": 5}\n')
    assert not window.files.run_import([str(write(tmp_path / "ok.txt", "متن")), str(bad)])
    assert errors == [f"{bad}:2: field 'text' must be a string, not a number"]
    assert window.store.dump() == before


def test_document_list_is_lazy_and_filters(qtbot, window, tmp_path, monkeypatch):
    import json

    many = write(tmp_path / "many.jsonl", "".join(
        json.dumps({"id": f"n{i:04}", "text": f"خبر شماره {i}" if i % 2 else f"기사 {i}"}, ensure_ascii=False) + "\n"
        for i in range(PAGE * 3)))
    window.files.run_import([str(many)])
    model = DocumentListModel(window.store, "tester")
    assert model.rowCount() == 7 + PAGE * 3 and model.loaded_rows() == 0  # rows are read as they are shown
    assert model.row_of("n0450") == 7 + 450  # one query, nothing read
    assert model.doc_id(7 + 450) == "n0450" and model.loaded_rows() == PAGE  # only its block
    assert model.doc_id(7 + 451) == "n0451" and model.doc_id(7 + PAGE * 3 - 1) == f"n{PAGE * 3 - 1:04}"
    assert [model.doc_id(r) for r in range(7 + PAGE * 3)] == [r.id for r in model.rows()]  # in order, no gaps
    monkeypatch.setattr("annotator.gui.doclist_model.KEEP_BLOCKS", 2)
    model.reload()
    assert [model.doc_id(r) for r in (7, 7 + PAGE, 7 + 2 * PAGE)] == ["n0000", f"n{PAGE:04}", f"n{2 * PAGE:04}"]
    assert model.loaded_rows() == 2 * PAGE  # the oldest block went
    assert model.doc_id(7) == "n0000" and model.loaded_rows() == 2 * PAGE  # and is read again
    panel = window.documents
    panel.lang_filter.setCurrentIndex(panel.lang_filter.findData("ko"))
    assert all(panel.model.data(panel.model.index(r, 1)) == "ko" for r in range(panel.model.rowCount()))
    panel.search.setText("대구")
    panel.apply_filters()
    assert [panel.model.doc_id(r) for r in range(panel.model.rowCount())] == [DAEGU_SEED]
    assert panel.progress.text().endswith("· 1 match")  # the emoji document matches too, but is Persian
    panel.search.setText("기사")  # the Daegu seed and the 300 Korean documents: the list pages through all
    panel.apply_filters()
    assert panel.model.total() == 301
    assert panel.model.row_of("n0598") == 300 and panel.model.doc_id(0) == DAEGU_SEED
    assert panel.progress.text().endswith("· 301 matches")


def test_document_list_model_passes_qt_model_checks(qtmodeltester, gui_store):
    qtmodeltester.check(DocumentListModel(gui_store, "tester"))


def test_bundled_fonts_cover_persian_and_hangul():
    families = load_bundled_fonts()
    assert PERSIAN_FAMILY in families and KOREAN_FAMILY in families
    assert QRawFont.fromFont(QFont(KOREAN_FAMILY)).supportsCharacter(ord("대"))
    assert QRawFont.fromFont(QFont(PERSIAN_FAMILY)).supportsCharacter(ord("پ"))


def test_a_failed_undo_drops_the_command_and_never_touches_another_annotators_span(qtbot, window):
    """Another process deletes the span a command refers to: undo fails, says so, and leaves the
    database alone; span ids are never reused, so no other span can be hit."""
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    [mine] = window.store.spans(DAEGU_SEED, "tester")
    window.store.delete_span(mine.id)  # as another process would
    window.store.ensure_annotator("bob")
    from annotator.core.model import Span

    bob_id = window.store.add_span(Span(DAEGU_SEED, "bob", 0, 2, "ORG", window.document.text[0:2]))
    assert bob_id != mine.id  # AUTOINCREMENT: a deleted id is not handed out again
    window.undo_action.trigger()
    assert window.saved_label.text() == "Not saved"
    assert window.undo_stack.count() == 0  # the failed command is gone from the stack
    assert [s.id for s in window.store.spans(DAEGU_SEED, "bob")] == [bob_id]


def test_an_undone_delete_that_cannot_be_restored_is_not_shown_as_saved(qtbot, window):
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    [span] = window.store.spans(DAEGU_SEED, "tester")
    window.select_span(span.id)
    qtbot.keyClick(window.view, Qt.Key_Delete)
    window.store.restore_span(span)  # somebody put it back meanwhile
    window.undo_action.trigger()
    assert window.saved_label.text() == "Not saved"
    assert window.store.spans(DAEGU_SEED, "tester") == [span]


def test_commands_wait_while_an_import_holds_the_database(qtbot, window):
    window.open_document(DAEGU_SEED)
    with window.store.transaction():  # as an import does
        window.view.select(0, 2)
        key(qtbot, window, "o")
        assert window.saved_label.text() == "Not saved"
    assert window.store.spans(DAEGU_SEED, "tester") == []


def test_a_failed_theme_toggle_leaves_the_checkbox_as_the_database_says(qtbot, window):
    window.open_document(DAEGU_SEED)
    window.store.db.execute("PRAGMA foreign_keys = OFF")
    window.store.db.execute("DELETE FROM themes WHERE name = 'economy'")
    window.store.db.execute("PRAGMA foreign_keys = ON")
    qtbot.mouseClick(window.themes_panel.boxes["economy"], Qt.LeftButton)
    assert window.saved_label.text() == "Not saved"
    assert not window.themes_panel.boxes["economy"].isChecked()


def test_an_import_refreshes_the_open_document(qtbot, window, tmp_path):
    import json

    window.open_document(DAEGU_SEED)
    text = window.document.text
    path = write(tmp_path / "more.jsonl", json.dumps({"id": DAEGU_SEED, "text": text,
                                                      "spans": [{"start": 0, "end": 2, "label": "ORG"}]}) + "\n")
    assert window.files.run_import([str(path)])
    assert [(s.start, s.end) for s in window.view.spans] == [(0, 2)]
    assert window.span_panel.model.rowCount() == 1


def test_export_from_the_file_menu_matches_the_command_line(qtbot, window, tmp_path, monkeypatch):
    import io
    import json

    from annotator.core.exporting import export
    from annotator.gui.export_dialog import ExportDialog

    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    dialog = ExportDialog(window, window.store, "tester")
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("spacy"))
    dialog.lang.setCurrentIndex(dialog.lang.findData("ko"))
    options = dialog.options()
    assert (options.format, options.annotator, options.gold, options.lang) == ("spacy", "tester", False, "ko")
    target = tmp_path / "out.jsonl"
    assert window.files.run_export(options, str(target))
    expected = io.StringIO()
    export(window.store, expected, options)
    assert target.read_text(encoding="utf-8") == expected.getvalue()
    assert json.loads(target.read_text(encoding="utf-8").splitlines()[0])["spans"][0]["label"] == "ORG"
    # Cancelled: no file, not even a partial one.
    from PySide6.QtWidgets import QProgressDialog

    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    cancelled = tmp_path / "cancelled.jsonl"
    assert not window.files.run_export(options, str(cancelled))
    assert not cancelled.exists() and not (tmp_path / "cancelled.jsonl.partial").exists()


def test_gold_is_not_an_annotator_name(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from annotator.gui.dialogs import ask_annotator_name

    warned = []
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("gold", True)))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: warned.append(a[2])))
    assert ask_annotator_name(None, "tester") is None
    assert warned and "reserved" in warned[0]


def test_a_status_filter_follows_edits_and_keeps_rows_and_selection_true(qtbot, window):
    """With "new" listed, a document leaves the list when its first span makes it in progress or
    Ctrl+Enter makes it done; every row still shows the document the database has there, and the
    open document stays selected."""
    panel = window.documents
    panel.status_filter.setCurrentIndex(panel.status_filter.findData("new"))

    def listed() -> list[str]:
        return [panel.model.doc_id(r) for r in range(panel.model.rowCount())]

    def selected() -> list[str]:
        return [panel.model.doc_id(i.row()) for i in panel.view.selectionModel().selectedRows()]

    def new_in_db() -> list[str]:
        return [s.id for s in window.store.document_summaries("tester", status=Status.NEW)]

    first = listed()[0]
    window.open_document(first)
    assert selected() == [first]
    for _ in range(3):
        qtbot.keyClick(window.view, Qt.Key_Return, Qt.ControlModifier)  # done, and on to the next
        assert listed() == new_in_db() and first not in listed()
        assert selected() == [window.document.id] and window.document.id == listed()[0]
        first = window.document.id
    window.view.select(0, 2)
    key(qtbot, window, "o")  # the first span: in progress, so out of the "new" list
    assert window.document.id not in listed() and listed() == new_in_db() and selected() == []
    key(qtbot, window, "Delete")  # later edits to it leave the list alone
    assert listed() == new_in_db()


def test_switch_annotator_offers_the_layers_by_name_and_a_new_one_only_on_purpose(qtbot, window, monkeypatch):
    from annotator.gui import window as window_module
    from annotator.gui.dialogs import SwitchAnnotatorDialog

    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    window.store.ensure_annotator("ls-7")
    dialog = SwitchAnnotatorDialog(window, window.store.layer_counts(), "tester")
    qtbot.addWidget(dialog)
    entries = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert entries == ["\u2068ls-7\u2069 — 0 spans in 0 documents", "\u2068tester\u2069 — 1 span in 1 document  (current)"]
    qtbot.keyClicks(dialog.new_name, "tester")
    assert dialog.create.text() == "Switch to this annotator"
    dialog.new_name.clear()
    qtbot.keyClicks(dialog.new_name, "tetser")  # a typo: a new layer only by pressing the button
    assert dialog.create.isEnabled() and dialog.create.text() == "Start a new layer" and dialog.chosen is None

    class Pick(SwitchAnnotatorDialog):
        def exec(self) -> int:
            self.list.setCurrentRow(0)
            self._choose(self.list.currentItem().data(Qt.UserRole))
            return 1

    monkeypatch.setattr(window_module, "SwitchAnnotatorDialog", Pick)
    window.switch_annotator()
    assert window.annotator == "ls-7" and window.annotator_label.text() == "Annotator: \u2068ls-7\u2069"


def test_small_details_of_a_working_day(qtbot, window, monkeypatch):
    """Undo and redo say what they did; the status bar starts clean on a new document; Ctrl+Enter
    accepts a note; in a small window the article keeps at least half of the width."""
    from annotator.gui.dialogs import NoteDialog

    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    qtbot.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier)
    assert window.statusBar().currentMessage() == "Undid: label «\u2068기사\u2069» as ORG"
    qtbot.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.statusBar().currentMessage() == "Redid: label «\u2068기사\u2069» as ORG"
    window.view.set_caret(142)
    window.statusBar().showMessage("Unit 18/18")
    window.open_document(PERSIAN_SEED)
    assert window.statusBar().currentMessage() == "" and window.selection_label.text() != "Position 142"
    dialog = NoteDialog(window, "대구", "")
    qtbot.addWidget(dialog)
    dialog.open()  # modal over the window, as F2 opens it
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.editor, "checked")
    qtbot.keyClick(dialog.editor, Qt.Key_Return, Qt.ControlModifier)
    assert dialog.result() == QDialog.Accepted and dialog.note() == "checked"
    window.resize(1100, 680)
    qtbot.waitUntil(lambda: window.centralWidget().width() >= 1100 * 0.45)


def test_an_empty_database_offers_the_sample_articles(qtbot, tmp_path, settings, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from annotator.core.project import open_project

    offered = []

    def answer(box: QMessageBox) -> int:
        offered.append(box.text())
        box.buttons()[0].click()  # "Load the sample articles"
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    store = open_project(tmp_path / "empty.db")
    try:
        win = MainWindow(store, "tester", settings)
        qtbot.addWidget(win)
        qtbot.waitUntil(lambda: store.count_documents() == 5)
        assert "no documents yet" in offered[0] and win.document is not None
        win.close()
    finally:
        store.close()


def test_a_read_only_database_says_so_and_no_edit_claims_to_be_saved(qtbot, window):
    window.store.readonly = True  # as Store.open sets it for a file or folder that cannot be written
    window.status_line.show_annotator()
    assert window.annotator_label.text().startswith("Read-only database")
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    assert window.saved_label.text() == "Not saved" and "read-only here" in window.statusBar().currentMessage()
    window.store.readonly = False
    assert window.store.spans(DAEGU_SEED, "tester") == []


def test_the_window_keeps_rolling_backups(qtbot, window, settings):
    from annotator.storage.maintenance import check

    settings.setValue("backup/keep", 2)
    window.open_document(DAEGU_SEED)
    window.view.select(0, 2)
    key(qtbot, window, "o")
    window.files.last_backup -= window.BACKUP_EVERY + 1  # an hour of work later, the next save backs up
    window.view.select(3, 5)
    key(qtbot, window, "p")
    folder = window.files.backup_folder()
    [first] = list(folder.iterdir())
    assert check(first).ok
    import time

    for _ in range(2):
        time.sleep(1.1)  # backups are named by the second
        window.files.take_backup()
    assert len(list(folder.iterdir())) == 2 and first not in list(folder.iterdir())  # the newest two kept


def test_the_window_opens_a_read_only_database_for_reading(qtbot, tmp_path, settings):
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project
    from annotator.storage import Store
    from tests.helpers import SEEDS, read_only_folder

    source = tmp_path / "project.db"
    with open_project(source) as store:
        import_paths(store, [SEEDS], annotator="tester")
    with read_only_folder(tmp_path / "ro", [source]) as folder:
        store = Store.open(folder / "project.db")
        try:
            assert store.readonly
            win = MainWindow(store, "tester", settings)
            qtbot.addWidget(win)
            win.show()
            qtbot.waitExposed(win)
            win.activateWindow()
            win.open_document(DAEGU_SEED)
            win.view.setFocus()
            assert win.document.id == DAEGU_SEED and win.annotator_label.text().startswith("Read-only")
            win.view.select(0, 2)
            win.annotating.apply_label("ORG")  # what the O key does
            assert win.saved_label.text() == "Not saved" and store.spans(DAEGU_SEED, "tester") == []
            assert "read-only here" in win.statusBar().currentMessage()
            win.close()
        finally:
            store.close()


def test_import_while_another_process_writes_is_a_dialog_not_a_traceback(qtbot, window, tmp_path, monkeypatch):
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    from tests.helpers import write

    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    window.store.lock_wait = 0.5
    holder = sqlite3.connect(window.store.path)
    holder.execute("BEGIN IMMEDIATE")  # another annotator process is writing
    try:
        before = window.store.count_documents()
        assert not window.files.run_import([str(write(tmp_path / "x.txt", "خبر تازه"))])
    finally:
        holder.rollback()
        holder.close()
    assert shown and "is busy: another annotator process has been writing to it" in shown[0]
    assert window.store.count_documents() == before


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("state", ["the first start's question", "the window"])
def test_a_signal_closes_annotator_in_every_state_without_a_traceback(tmp_path: Path, signame, state):
    """Issue 20, 8: the window ignored SIGTERM and SIGINT while the first start's question was
    open, and Ctrl+C in the window printed a KeyboardInterrupt traceback and left it open."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from annotator.core.project import open_project

    db = tmp_path / "p.db"
    open_project(db).close()
    env = {k: v for k, v in os.environ.items() if k != "ANNOTATOR_NAME"}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    if state == "the window":
        env["ANNOTATOR_NAME"] = "sara"
    app = subprocess.Popen([sys.executable, "-m", "annotator", "--db", str(db)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)  # started, and waiting on the question or in the window's loop
        assert app.poll() is None, app.communicate()
        app.send_signal(getattr(signal, signame))
        out, err = app.communicate(timeout=15)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0 and "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "no annotator name given" not in err  # a signal is not a cancelled question
