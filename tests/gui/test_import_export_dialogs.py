"""File → Import asks how other tools' offsets are counted; File → Export names files where the user
looks, per format, and every format it offers writes."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from annotator.gui import files as files_module
from annotator.gui.export_dialog import ExportDialog, ImportOptionsDialog
from annotator.storage import text_hash
from tests.helpers import write

TEXT = "😀 🇮🇷 خبر: رجائیان در مشهد"


def _utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def _doccano_file(tmp_path: Path, unit: str) -> Path:
    start = TEXT.index("مشهد")
    a, b = (_utf16(TEXT, start), _utf16(TEXT, start + 4)) if unit == "utf16" else (start, start + 4)
    return write(tmp_path / "d.jsonl", json.dumps({"id": "x", "text": TEXT, "label": [[a, b, "GPE"]]},
                                                  ensure_ascii=False) + "\n")


def test_import_of_another_tools_file_asks_for_the_unit_and_uses_it(qtbot, window, tmp_path, monkeypatch):
    path = _doccano_file(tmp_path, "codepoints")  # written by a script that counted code points
    chosen = {}

    class Answer(ImportOptionsDialog):
        def exec(self) -> int:  # the user picks "Always code points" and presses Import
            self.offsets.setCurrentIndex(self.offsets.findData("codepoints"))
            chosen.update(self.choices())
            return QDialog.Accepted

    monkeypatch.setattr(files_module, "ImportOptionsDialog", Answer)
    monkeypatch.setattr(files_module.QFileDialog, "getOpenFileNames",
                        staticmethod(lambda *a, **k: ([str(path)], "")))
    window.files.import_files()
    assert chosen == {"offsets": "codepoints", "text_field": None, "layer_map": None}
    assert [(s.label, s.text) for s in window.store.spans("x", "tester")] == [("GPE", "مشهد")]
    assert "offsets read as code points" in window.statusBar().currentMessage()


def test_import_offers_brat_ann_files_and_reads_their_relations(qtbot, window, tmp_path, monkeypatch):
    text = "🎉 대구시는 스마트시티 엑스포에 참가했다."
    city, expo = text.index("대구시"), text.index("스마트시티 엑스포")
    write(tmp_path / "k.txt", text)
    ann = write(tmp_path / "k.ann", f"T1\tGPE {city} {city + 3}\t대구시\nT2\tEVENT {expo} {expo + 9}\t스마트시티 엑스포\n"
                                    "R1\tparticipates_in Arg1:T1 Arg2:T2\n")
    offered = []

    asked = []

    class Ask(ImportOptionsDialog):
        def exec(self) -> int:
            asked.append(True)
            return QDialog.Accepted

    def pick(parent, title, folder, filters):
        offered.append(filters)
        return [str(ann)], ""

    monkeypatch.setattr(files_module, "ImportOptionsDialog", Ask)
    monkeypatch.setattr(files_module.QFileDialog, "getOpenFileNames", staticmethod(pick))
    window.files.import_files()
    assert asked == []  # brat counts code points, as annotator does: nothing to ask
    assert "brat standoff, each beside its .txt (*.ann)" in offered[0] and "*.ann)" in offered[0].split(";;")[0]
    spans = {s.id: s.text for s in window.store.spans("k", "tester")}
    assert [(spans[r.from_id], r.label, spans[r.to_id]) for r in window.store.relations("k", "tester")] == [
        ("대구시", "participates_in", "스마트시티 엑스포")]


def test_import_with_the_default_reads_doccano_as_utf16(qtbot, window, tmp_path):
    assert window.files.run_import([str(_doccano_file(tmp_path, "utf16"))])
    assert [s.text for s in window.store.spans("x", "tester")] == ["مشهد"]


def test_export_dialog_names_a_file_of_the_format_in_the_folder_used_last(qtbot, window, tmp_path):
    dialog = ExportDialog(window, window.store, "tester", str(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.target() == tmp_path / "annotations.jsonl"
    dialog.format.setCurrentIndex(dialog.format.findData("conll"))
    assert dialog.target() == tmp_path / "annotations.conll"
    dialog.path.setText("relative.conll")  # a bare name goes to the dialog's folder, not the process's
    assert dialog.target() == tmp_path / "relative.conll"
    assert [dialog.format.itemData(i) for i in range(dialog.format.count())] == [
        "jsonl", "doccano", "labelstudio", "spacy", "bio", "conll", "conllu", "spacy-docbin", "brat", "xmi", "webanno"]


def test_every_format_the_dialog_offers_exports_from_the_window(qtbot, window, tmp_path):
    window.files.run_import([str(_doccano_file(tmp_path, "utf16"))])
    dialog = ExportDialog(window, window.store, "tester", str(tmp_path / "out"))
    qtbot.addWidget(dialog)
    (tmp_path / "out").mkdir()
    for i in range(dialog.format.count()):
        dialog.format.setCurrentIndex(i)
        assert window.files.run_export(dialog.options(), str(dialog.target())), dialog.format.itemData(i)
        assert dialog.target().exists()
        assert str(dialog.target().resolve()) in window.statusBar().currentMessage()


def _prodigy_file(tmp_path: Path) -> Path:
    start = TEXT.index("مشهد")
    lines = [{"text": TEXT, "meta": {"doc_id": "p"}, "_annotator_id": f"news_{task}-sara", "_session_id": f"news_{task}-sara",
              "answer": "accept", "spans": [{"start": start, "end": start + 4, "label": "GPE"}] if task == "ner" else []}
             for task in ("ner", "cat")]
    return write(tmp_path / "p.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))


def test_the_import_dialog_renames_a_peers_layers_and_says_what_is_not_a_pair(qtbot, window, tmp_path):
    dialog = ImportOptionsDialog(window, [str(tmp_path / "p.jsonl")])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.layer_map, "news_ner-sara")  # no "=": not a pair
    qtbot.keyClick(dialog.layer_map, Qt.Key_Return)
    assert dialog.isVisible() and dialog.result() != QDialog.Accepted
    assert dialog.problem.isVisible() and "is not OLD=NEW" in dialog.problem.text()
    dialog.layer_map.clear()
    qtbot.keyClicks(dialog.layer_map, "news_ner-sara=sara, news_cat-sara=sara")
    qtbot.keyClick(dialog.layer_map, Qt.Key_Return)
    assert dialog.result() == QDialog.Accepted
    choices = dialog.choices()
    assert choices["layer_map"] == {"news_ner-sara": "sara", "news_cat-sara": "sara"}
    window._quiet_dialogs = True  # what an import warns of is the next test's
    assert window.files.run_import([str(_prodigy_file(tmp_path))], **choices)
    doc_id = "h" + text_hash(TEXT)[:16]  # Prodigy's line names no id: the text's hash is its id
    assert [s.text for s in window.store.spans(doc_id, "sara")] == ["مشهد"]
    assert window.store.annotators_with_layers() == ["sara"]


def test_what_an_import_warns_of_is_shown_in_the_window(qtbot, window, tmp_path):
    # doccano's export: two lines of one document, written by two people, in one member's file
    start = TEXT.index("مشهد")
    lines = [{"id": 1, "text": TEXT, "annotator": who, "label": [[_utf16(TEXT, start), _utf16(TEXT, start + 4), lab]],
              "Comments": []}
             for who, lab in (("sara", "GPE"), ("minji", "LOC"))]
    path = write(tmp_path / "admin.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    shown = []

    def read_the_box() -> None:  # the warning is a dialog the person reads and closes with Enter
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):  # not yet: the import's progress dialog
            QTimer.singleShot(10, read_the_box)
            return
        shown.append((box.windowTitle(), box.text()))
        qtbot.keyClick(box, Qt.Key_Return)

    QTimer.singleShot(10, read_the_box)
    assert window.files.run_import([str(path)])
    [(title, text)] = shown
    assert title == "Imported, with warnings" and "merged into the one layer 'admin'" in text and "sara" in text
    said = window.statusBar().currentMessage()
    assert "1 warning" in said and "merged" in said and "admin" in said and "sara" in said
