"""The window's relation figures (issue 25, annotator.gui.bench_relations) on a small document:
the relations it writes are all allowed by the default schema, the open figure compares the same
document with and without them, and the key figure makes (and saves) every relation it times."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings

from annotator.core.importing import import_paths
from annotator.core.project import open_project
from annotator.core.relations import relation_problem
from annotator.gui import bench_relations
from annotator.gui.bench import persian_document
from annotator.gui.window import MainWindow
from tests.helpers import SEEDS


def test_the_relation_figures_open_both_documents_and_save_each_relation_made_by_key(qtbot, tmp_path: Path,
                                                                                      monkeypatch):
    monkeypatch.setattr(bench_relations, "RELATIONS", 200)
    text, spans = persian_document(chars=20_000, spans=500)
    related = tmp_path / "related.jsonl"
    bench_relations.write_related(related, text, spans)
    line = json.loads(related.read_text(encoding="utf-8"))
    assert len(line["relations"]) == 200 and line["text"] == text
    bare = tmp_path / "long.jsonl"
    bare.write_text(json.dumps({"id": "long", "lang": "fa", "text": text, "spans": spans, "annotator": "bench"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    store = open_project(tmp_path / "b.db")
    import_paths(store, [SEEDS, bare, related], annotator="bench")
    schema = store.schema()
    by_id = {s.id: s for s in store.spans(bench_relations.WITH, "bench")}
    made = store.relations(bench_relations.WITH, "bench")
    assert len(made) == 200 and not store.relations("long", "bench")
    assert all(relation_problem(schema, r.label, by_id[r.from_id].label, by_id[r.to_id].label) is None for r in made)
    window = MainWindow(store, "bench", QSettings(str(tmp_path / "ui.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    opened = bench_relations.open_figure(window, runs=1, progress=lambda _: None)
    added = bench_relations.add_figure(window, 5.0, adds=3, progress=lambda _: None)
    assert "with 200 relations" in opened.name and opened.value > 0 and opened.floor > 0
    assert opened.target == "<= 2x floor" and opened.limit_is_ratio
    assert added.value > 0 and added.floor == 5.0 and added.target == "<= 16 ms" and not added.limit_is_ratio
    after = store.relations(bench_relations.WITH, "bench")
    assert len(after) == 203 and [r.label for r in after[200:]] == ["participates_in"] * 3
    assert all((by_id[r.from_id].label, by_id[r.to_id].label) == ("GPE", "EVENT") for r in after[200:])
    window.close()
    store.close()
