"""The agreement dashboard shows the same figures as the command line, and its charts save as PNG."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QColor, QImage

from annotator.core.agreement import compute
from annotator.gui.agreement_view import AgreementDialog
from annotator.gui.charts import SERIES_COLOURS
from tests.helpers import write


@pytest.fixture
def two_annotators(window, tmp_path):
    lines = [
        {"id": "d", "text": "대구시는 지난 18일 발표", "annotator": name, "themes": ["health"],
         "spans": [{"start": 0, "end": 3, "label": "GPE"}, {"start": 5, "end": 11, "label": label}]}
        for name, label in (("sara", "DATE"), ("minji", "EVENT"))
    ]
    assert window.files.run_import([str(write(tmp_path / "d.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n"
                                                                         for x in lines)))])
    return window


def test_dashboard_figures_and_charts(qtbot, two_annotators, tmp_path):
    dialog = AgreementDialog(two_annotators, two_annotators.store)
    qtbot.addWidget(dialog)
    assert dialog.figures == compute(two_annotators.store)
    assert dialog.pairs.item(0, 3).text() == "0.500"  # F1 exact: 2·1 / (2 + 2)
    labels = {dialog.labels.item(r, 0).text(): dialog.labels.item(r, 2).text() for r in range(dialog.labels.rowCount())}
    assert labels == {"DATE": "0.000", "EVENT": "0.000", "GPE": "1.000"}
    paths = dialog.save_charts(tmp_path)
    for path in paths:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (720, 400)
        colours = {image.pixelColor(x, y).name() for x in range(0, 720, 4) for y in range(0, 400, 4)}
        assert QColor(SERIES_COLOURS[0]).name() in colours  # the bars are drawn, in the series colour


def test_merge_from_the_file_menu(qtbot, window, tmp_path):
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    other = tmp_path / "minji.db"
    with open_project(other) as store:
        import_paths(store, [write(tmp_path / "m.jsonl", json.dumps(
            {"id": "m1", "text": "خبر از قم", "annotator": "minji", "spans": [{"start": 7, "end": 9, "label": "GPE"}]},
            ensure_ascii=False) + "\n")], annotator="minji")
    window._quiet_dialogs = True
    assert window.files.run_merge(str(other))
    assert window.store.spans("m1", "minji")[0].text == "قم"
    assert window.documents.model.row_of("m1") is not None
    assert "1 document added" in window.statusBar().currentMessage()


def test_relation_f1_per_pair_and_type_in_the_dashboard(qtbot, window, tmp_path):
    from tests.core.test_relation_review import load

    load(window.store, tmp_path)  # a Persian and a Korean document, three annotators' relations
    dialog = AgreementDialog(window, window.store)
    qtbot.addWidget(dialog)
    assert dialog.figures["relations"] == compute(window.store)["relations"]
    assert dialog.relations_summary.text().endswith("F1 (micro over pairs) 0.364")
    pairs = [[dialog.relation_pairs.item(r, c).text() for c in range(6)] for r in range(dialog.relation_pairs.rowCount())]
    assert pairs == [["jun", "minji", "1", "1", "1", "1.000"], ["jun", "sara", "1", "1", "1", "0.000"],
                     ["minji", "sara", "2", "3", "4", "0.286"]]
    types = {dialog.relation_types.item(r, 0).text(): dialog.relation_types.item(r, 2).text()
             for r in range(dialog.relation_types.rowCount())}
    assert types == {"holds_role": "1.000", "located_in": "0.000", "mentions": "0.400", "participates_in": "0.000",
                     "role_in": "0.000"}
