"""The command line, as a user runs it: help everywhere, import, docs, show, search, errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from annotator.cli import cli
from tests.helpers import DAEGU_SEED, PERSIAN_SEED, SEEDS, disable_span_check, write


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [()] + list(_commands(cli)), ids=lambda p: " ".join(p) or "annotator")
def test_every_command_has_help_with_an_example(run, path):
    result = run(*path, "--help", db=None)
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "annotator " + (path[0] if path else "") in result.output.split("Example:")[1]


def test_import_then_docs_lists_the_five_seeds(run, backend):
    result = run("import", str(SEEDS))
    assert result.exit_code == 0, result.output
    assert "5 documents added" in result.output
    docs = run("docs")
    assert docs.exit_code == 0
    for path in SEEDS.glob("*.txt"):
        assert path.stem in docs.output
    # A file's annotator is $ANNOTATOR_NAME; a team database's, the member's own login.
    assert f"0 / 5 done ({'tester' if backend == 'sqlite' else 'postgres'})" in docs.stderr


def test_docs_json_has_one_object_per_document(run):
    run("import", str(SEEDS))
    lines = run("docs", "--json").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 5
    assert {"id", "title", "lang", "status"} <= set(rows[0])
    assert {r["id"]: r["lang"] for r in rows}[PERSIAN_SEED] == "fa"
    assert run("docs", "--json", "--lang", "ko").stdout.count("\n") == 2


def test_search_finds_the_daegu_article(run):
    run("import", str(SEEDS))
    result = run("search", "대구")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(DAEGU_SEED)
    assert "«대구»" in result.stdout


def test_search_persian_with_arabic_letters_and_zwnj(run, tmp_path: Path):
    run("import", str(SEEDS))
    assert PERSIAN_SEED in run("search", "مشهد").stdout
    write(tmp_path / "k.txt", "خبر از كرمان و راه‌اندازی سامانه")
    run("import", str(tmp_path / "k.txt"))
    assert "k  " in run("search", "کرمان").stdout  # Persian ک finds Arabic ك
    hits = run("search", "--json", "راهاندازی").stdout  # no ZWNJ finds the ZWNJ spelling, and back
    assert {json.loads(line)["id"] for line in hits.splitlines()} >= {"k", "001_78640d9e2bc3da88"}
    hits = run("search", "--json", "راه\u200cاندازی").stdout
    assert {json.loads(line)["id"] for line in hits.splitlines()} >= {"k", "001_78640d9e2bc3da88"}


def test_show_prints_logical_text_when_piped(run):
    run("import", str(SEEDS))
    result = run("show", PERSIAN_SEED)
    text = (SEEDS / f"{PERSIAN_SEED}.txt").read_text(encoding="utf-8")
    assert result.exit_code == 0
    assert text.split("\n")[0] in result.stdout  # logical order: the stored text itself


def test_show_on_a_terminal_shapes_and_reorders_persian(run, monkeypatch):
    import arabic_reshaper
    from bidi.algorithm import get_display

    run("import", str(SEEDS))
    monkeypatch.setattr("annotator.cli.common.is_tty", lambda: True)
    monkeypatch.setenv("COLUMNS", "200")
    out = run("show", PERSIAN_SEED).stdout
    assert "ﻣﺸﻬﺪ"[::-1] in out  # joined presentation forms, in visual (right-to-left) order
    title = (SEEDS / f"{PERSIAN_SEED}.txt").read_text(encoding="utf-8").split("\n")[0]
    assert get_display(arabic_reshaper.reshape(title), base_dir="R") in out
    logical = run("show", PERSIAN_SEED, "--logical").stdout
    assert title in logical and "ﻣﺸﻬﺪ"[::-1] not in logical


def test_search_markers_are_mirrored_in_right_to_left_terminal_output(run, monkeypatch):
    run("import", str(SEEDS))
    monkeypatch.setattr("annotator.cli.common.is_tty", lambda: True)
    out = run("search", "سمنان").stdout
    assert "«ﻥﺎﻨﻤﺳ»" in out  # visual order, brackets mirrored: reads «سمنان» right to left


def test_schema_show_shapes_persian_on_a_terminal(run, store, monkeypatch):
    import arabic_reshaper
    from bidi.algorithm import get_display

    monkeypatch.setattr("annotator.cli.common.is_tty", lambda: True)
    out = run("schema", "show").stdout
    assert get_display(arabic_reshaper.reshape("محمدجواد رجائیان")) in out  # joined, visual order
    monkeypatch.undo()
    assert "محمدجواد رجائیان" in run("schema", "show").stdout  # piped: logical order


def test_show_hints_at_other_annotators_layers(run, tmp_path: Path):
    path = write(tmp_path / "a.jsonl", json.dumps({"id": "a", "text": "대구시는", "annotator": "minji",
                                                    "spans": [{"start": 0, "end": 3, "label": "GPE"}]}) + "\n")
    run("import", str(path))
    out = run("show", "a").stdout
    assert "other annotators: minji (1 span); see --annotator NAME" in out
    assert "GPE" in run("show", "a", "--annotator", "minji").stdout


def test_docs_on_an_empty_database_says_how_to_start(run, store):
    result = run("docs")
    assert "No documents yet" in result.stderr and "annotator import" in result.stderr


def test_unknown_document_is_a_clear_error(run, store):
    result = run("show", "nope")
    assert result.exit_code == 1
    assert "no document with id 'nope'" in result.stderr


def test_bad_import_exits_nonzero_with_one_line_and_no_traceback(run, tmp_path: Path):
    run("import", str(SEEDS))
    bad = write(tmp_path / "bad.jsonl", '{"text": "ok"}\n{"text": \n')
    before = run("docs", "--json").stdout
    result = run("import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {bad}:2: malformed JSON: Expecting value at column 10"  # where the line ends
    assert "Traceback" not in result.output
    assert run("docs", "--json").stdout == before


def test_schema_show_and_load(run, store, tmp_path: Path):
    shown = run("schema", "show")
    assert "[p] PER" in shown.stdout and "Guidelines:" in shown.stdout and "과장" in shown.stdout
    custom = write(tmp_path / "s.toml", '[[labels]]\nname = "PER"\nhotkey = "p"\n[[themes]]\nname = "x"\nhotkey = "1"\n')
    loaded = run("schema", "load", str(custom))
    assert loaded.exit_code == 0 and "1 label, 1 theme (" in loaded.stdout
    data = json.loads(run("schema", "show", "--json").stdout)
    assert [label["name"] for label in data["labels"]] == ["PER"]
    bad = write(tmp_path / "bad.toml", "labels = [")
    result = run("schema", "load", str(bad))
    assert result.exit_code == 1 and str(bad) in result.stderr


def test_schema_show_says_how_to_add_relation_types_to_a_database_without_any(run, store, tmp_path: Path):
    from dataclasses import replace

    store.replace_schema(replace(store.schema(), relations=()))  # what a database made before relations has
    shown = run("schema", "show").stdout
    assert ("\nRelations:\n  none yet: add them in the window (Annotate → Labels and themes…, Relation types: one "
            "click adds the default four), or load a schema file with [[relations]]: annotator schema load FILE\n"
            in shown)


def test_schema_show_lists_relation_types_and_load_refuses_a_bad_one_in_one_line(run, store, tmp_path: Path):
    shown = run("schema", "show").stdout
    assert "\nRelations:\n" in shown and "[h] holds_role" in shown and "(PER -> ROLE)" in shown
    assert "스마트시티 엑스포 월드 콩그레스" in shown  # a relation type's example, in the guidelines
    assert [kind["name"] for kind in json.loads(run("schema", "show", "--json").stdout)["relations"]][:2] == [
        "holds_role", "role_in"]
    custom = write(tmp_path / "s.toml", '[[labels]]\nname = "PER"\nhotkey = "p"\n[[labels]]\nname = "ORG"\n'
                   '[[relations]]\nname = "works_for"\nfrom = "PER"\nto = ["ORG"]\nhotkey = "w"\n')
    loaded = run("schema", "load", str(custom))
    assert loaded.exit_code == 0 and "2 labels, 0 themes, 1 relation type (" in loaded.stdout, loaded.output
    assert [kind.name for kind in store.schema().relations] == ["works_for"]
    clash = write(tmp_path / "clash.toml", '[[labels]]\nname = "PER"\nhotkey = "p"\n'
                  '[[relations]]\nname = "knows"\nhotkey = "p"\n')
    refused = run("schema", "load", str(clash))
    assert refused.exit_code == 1 and refused.stderr.strip().splitlines() == [
        f"Error: {clash}: hotkey 'p' is used by both PER and knows"]


def test_stats_counts(run, tmp_path: Path):
    run("import", str(SEEDS))
    path = write(tmp_path / "a.jsonl", json.dumps({"id": "a", "text": "대구시", "annotator": "sara",
                                                    "spans": [{"start": 0, "end": 3, "label": "GPE"}],
                                                    "status": "done"}) + "\n")
    run("import", str(path))
    figures = json.loads(run("stats", "--json").stdout)
    assert figures["documents"] == 6
    assert figures["spans_by_label"] == {"GPE": 1}
    assert figures["status_by_annotator"] == {"sara": {"done": 1}}


def test_docs_and_stats_count_relations(run, tmp_path: Path):
    text = "🙂 대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다."
    spans = [{"id": "a", "start": 2, "end": 5, "label": "GPE"}, {"id": "b", "start": 7, "end": 24, "label": "EVENT"}]
    path = write(tmp_path / "r.jsonl", json.dumps({"id": "ko1", "text": text, "annotator": "tester", "spans": spans,
                                                  "relations": [{"from": "a", "to": "b", "label": "participates_in"}]},
                                                 ensure_ascii=False) + "\n")
    imported = run("import", str(path))
    assert imported.exit_code == 0 and "1 relation added" in imported.stdout, imported.output
    listed = run("docs", "--annotator", "tester")
    assert listed.stdout.splitlines()[0].split()[:5] == ["ID", "LANG", "STATUS", "SPANS", "RELS"]
    assert listed.stdout.splitlines()[1].split()[:5] == ["ko1", "ko", "new", "2", "1"]
    assert json.loads(run("docs", "--json", "--annotator", "tester").stdout)["relations"] == 1
    shown = run("show", "ko1", "--annotator", "tester").stdout
    assert "# 1 relation by tester\n     2 -> 7      participates_in  대구시 -> 스마트시티 엑스포 월드 콩그레스" in shown
    figures = json.loads(run("stats", "--json").stdout)
    assert (figures["relations"], figures["relations_by_label"]) == (1, {"participates_in": 1})
    assert "Relations: 1" in run("stats").stdout


def test_db_from_environment_variable(run, tmp_path: Path, monkeypatch):
    target = tmp_path / "env.db"
    monkeypatch.setenv("ANNOTATOR_DB", str(target))
    assert run("import", str(SEEDS), db=None).exit_code == 0
    assert target.exists()


def test_bare_annotator_opens_the_window_on_the_default_database(run, monkeypatch, request):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from annotator.gui.app import create_app
    from annotator.gui.window import MainWindow

    create_app()
    monkeypatch.delenv("ANNOTATOR_NAME")  # $ANNOTATOR_NAME would win over the name kept
    QSettings().setValue("annotator/name", "sara")  # what an earlier version kept; tests/gui has the question
    request.addfinalizer(lambda: QSettings().remove("annotator/name"))  # Qt keeps one settings path per process
    shown = []

    def fake_exec():  # the event loop: look at what is on screen, then quit
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                shown.append((w.annotator, w.store.count_documents(), w.document.id if w.document else None))
                w.close()
                w.deleteLater()
        return 0

    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    result = run(db=None)
    assert result.exit_code == 0, result.output
    # The default database opens on the seeds, at the first document; the name is the database's now.
    assert shown == [("sara", 5, "000_b57cd57af517ef66")]
    assert run("whoami", db=None).stdout == "sara\n"


def test_screenshot_writes_a_png_of_the_document(run, tmp_path: Path):
    from PySide6.QtGui import QImage

    run("import", str(SEEDS))
    out = tmp_path / "shot.png"
    result = run("screenshot", "--doc", PERSIAN_SEED, "--out", str(out), "--size", "900x600")
    assert result.exit_code == 0, result.output
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 600)
    bad = run("screenshot", "--doc", "nope", "--out", str(out))
    assert bad.exit_code == 1 and "no document with id 'nope'" in bad.stderr
    assert run("screenshot", "--doc", PERSIAN_SEED, "--out", str(out), "--size", "big").exit_code == 2
    # A reviewer has no layer of their own: --review takes any name (docs/screenshots.sh renders leila's review)
    review = run("screenshot", "--doc", PERSIAN_SEED, "--out", str(out), "--annotator", "leila", "--review")
    assert review.exit_code == 0, review.output
    assert run("screenshot", "--doc", PERSIAN_SEED, "--out", str(out), "--annotator", "leila").exit_code == 1


def test_python_dash_m_runs_the_cli(tmp_path: Path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "annotator", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("annotator, version")


def test_export_to_a_file_and_a_failed_export_leaves_no_file(run, tmp_path: Path, db_path):
    from tests.helpers import ROOT

    run("import", str(SEEDS), str(ROOT / "docs" / "demo-annotations.jsonl"))
    out = tmp_path / "train.jsonl"
    result = run("export", "-o", str(out), "--status", "done", "--format", "doccano")
    assert result.exit_code == 0, result.output
    [line] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert line["doc_id"] == DAEGU_SEED and all(line["text"][s:e] for s, e, _ in line["label"])
    assert "Exported 1 line, 1 document, 22 spans" in result.stderr and str(out.resolve()) in result.stderr
    piped = run("export", "--format", "bio", "--annotator", "sara", "--ids", DAEGU_SEED)
    assert json.loads(piped.stdout.splitlines()[0])["ner_tags"][:2] == ["O", "O"]

    from annotator.core.project import open_project

    with open_project(db_path) as store:  # corrupt one span behind the trigger's back
        disable_span_check(store)
        store.db.execute("UPDATE spans SET text = 'x' WHERE id = (SELECT MIN(id) FROM spans)")
    bad = tmp_path / "bad.jsonl"
    failed = run("export", "-o", str(bad))
    assert failed.exit_code == 1 and "says 'x' but the text there is" in failed.stderr
    assert not bad.exists() and not (tmp_path / "bad.jsonl.partial").exists()


def test_agreement_json_and_csv(run, tmp_path: Path):
    lines = [
        {"id": "d1", "text": "대구시는 발표", "annotator": "a", "spans": [{"start": 0, "end": 3, "label": "GPE"}],
         "themes": ["health"]},
        {"id": "d1", "text": "대구시는 발표", "annotator": "b", "spans": [{"start": 0, "end": 3, "label": "GPE"},
                                                                        {"start": 5, "end": 7, "label": "EVENT"}],
         "themes": ["health"], "status": "done"},
    ]
    run("import", str(write(tmp_path / "two.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))))
    result = run("agreement", "--json", "--csv", str(tmp_path / "agree.csv"))
    figures = json.loads(result.stdout)
    assert figures["span_f1_exact"] == pytest.approx(2 / 3)  # 2·1 / (1 + 2)
    # Themes: both tick health and none of the other 7: po = 1, pe = (1/8)² + (7/8)² = 50/64, κ = 1.
    assert figures["theme_kappa"] == pytest.approx(1.0)
    assert figures["finished"]["b"] == ["d1"]
    rows = (tmp_path / "agree.csv").read_text().splitlines()
    assert rows[0].startswith("a,b,label") and any(",GPE," in row for row in rows)
    table = run("agreement").stdout
    assert "a / b" in table and "Span F1, exact: 0.667" in table


def test_adjudicate_auto_and_merge_from_the_command_line(run, tmp_path: Path):
    lines = [{"id": "d", "text": "대구시는 발표", "annotator": name, "spans": [{"start": 0, "end": 3, "label": "GPE"}]}
             for name in ("a", "b")]
    run("import", str(write(tmp_path / "ab.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))))
    result = run("adjudicate", "--auto", "--reviewer", "leila")
    assert result.exit_code == 0 and result.stdout.startswith("1 span and 0 themes accepted into gold on 1 document ")
    gold = json.loads(run("export", "--gold").stdout)
    assert gold["spans"][0]["proposed_by"] == ["a", "b"] and gold["spans"][0]["decided_by"] == "leila"
    assert run("adjudicate", "--auto", "--min-agree", "1").exit_code == 2
    other = tmp_path / "other.db"
    assert run("import", str(SEEDS), db=other).exit_code == 0
    merged = run("merge", str(other))
    assert merged.exit_code == 0 and "5 documents added, 0 matched" in merged.stdout
    assert run("merge", str(tmp_path / "nope.db")).exit_code == 1


def test_agreement_charts_are_written_as_png(run, tmp_path: Path):
    lines = [{"id": "d", "text": "대구시는", "annotator": n, "spans": [{"start": 0, "end": 3, "label": "GPE"}]}
             for n in ("a", "b")]
    run("import", str(write(tmp_path / "d.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))))
    result = run("agreement", "--charts", str(tmp_path / "charts"))
    assert result.exit_code == 0, result.output
    for name in ("labels-per-annotator.png", "agreement-per-label.png"):
        assert (tmp_path / "charts" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_db_before_the_command_applies_to_it(run, tmp_path: Path):
    target = tmp_path / "group.db"
    result = run("--db", str(target), "import", str(SEEDS), db=None)
    assert result.exit_code == 0 and target.exists()
    assert run("--db", str(target), "docs", "--json", db=None).stdout.count("\n") == 5


def test_assign_from_the_command_line(run, tmp_path: Path, monkeypatch):
    run("import", str(SEEDS))
    result = run("assign", "--to", "sara, minji", "--overlap", "2", "--out", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    assert "sara: 5 documents in" in result.stdout and (tmp_path / "b" / "minji.db").exists()
    monkeypatch.delenv("ANNOTATOR_NAME")  # a batch knows who it was assigned to
    assert run("whoami", db=tmp_path / "b" / "minji.db").stdout == "minji\n"
    again = run("assign", "--to", "sara", "--out", str(tmp_path / "b"))
    assert again.exit_code == 1 and "exists already" in again.stderr


def test_search_says_how_many_match_beyond_the_limit_and_can_rank(run, tmp_path: Path):
    lines = [json.dumps({"id": f"k{i}", "text": "부산 소식 " + "대구 " * i}, ensure_ascii=False) for i in range(1, 4)]
    run("import", str(write(tmp_path / "k.jsonl", "\n".join(lines) + "\n")))
    result = run("search", "대구", "--limit", "2")
    assert [line.split()[0] for line in result.stdout.splitlines()[::2]] == ["k1", "k2"]
    assert "2 of 3 results" in result.stderr
    ranked = run("search", "대구", "--limit", "1", "--best-first")
    assert ranked.stdout.split()[0] == "k3" and "1 of 3 results" in ranked.stderr


def test_export_says_what_exists_when_a_name_is_a_typo(run):
    from tests.helpers import ROOT

    run("import", str(SEEDS), str(ROOT / "docs" / "demo-annotations.jsonl"))
    ghost = run("export", "--annotator", "ghost")
    assert ghost.exit_code == 1 and "no annotator 'ghost' has annotated anything here (annotators: sara)" in ghost.output
    nope = run("export", "--ids", "nope")
    assert nope.exit_code == 1 and "no document with the id 'nope' (the database has 5 documents" in nope.output
    binary = run("export", "--format", "spacy-docbin")
    assert binary.exit_code == 1 and "spacy-docbin is written to a .spacy file: give -o" in binary.output
    wrong = run("export", "--format", "jsonl", "--offsets", "utf16")
    assert wrong.exit_code == 1 and "--offsets applies to doccano and labelstudio" in wrong.output


def test_import_offsets_and_the_unit_line_in_the_summary(run, tmp_path: Path, db_path):
    text = "😀 김정은 위원장"
    # A doccano-shaped file whose offsets a script counted in code points: [2, 5) is 김정은.
    path = write(tmp_path / "d.jsonl", json.dumps({"id": "k", "text": text, "label": [[2, 5, "PER"]]},
                                                  ensure_ascii=False) + "\n")
    default = run("import", str(path))  # read as UTF-16 units (doccano's editor): lands one earlier
    assert default.exit_code == 0 and "offsets read as UTF-16 code units: 1 document" in default.stdout
    assert "import again with --offsets" in default.stdout
    again = tmp_path / "again.db"
    chosen = run("import", "--offsets", "codepoints", str(path), db=again)
    assert chosen.exit_code == 0 and "offsets read as code points: 1 document" in chosen.stdout
    from annotator.core.project import open_project

    with open_project(db_path) as store:
        assert [s.text for s in store.spans("k", store.member or "tester")] == [" 김정"]
    with open_project(again) as store:
        assert [s.text for s in store.spans("k", "tester")] == ["김정은"]


def test_export_bio_writes_the_label_list_and_lists_spans_inside_tokens(run, tmp_path: Path):
    path = write(tmp_path / "k.jsonl", json.dumps({"id": "k", "text": "동대구시장 방문", "annotator": "minji",
                                                   "spans": [{"start": 1, "end": 4, "label": "GPE"}]},
                                                  ensure_ascii=False) + "\n")
    run("import", str(path))
    out = tmp_path / "bio.jsonl"
    result = run("export", "--format", "bio", "-o", str(out))
    assert result.exit_code == 0
    assert "1 span left out of the token format" in result.stderr
    assert "document 'k', minji: GPE [1, 4) '대구시' has an edge inside a token" in result.stderr
    assert json.loads((tmp_path / "bio.labels.json").read_text(encoding="utf-8"))[:3] == ["O", "B-PER", "I-PER"]
    assert f"Wrote {tmp_path / 'bio.labels.json'}" in result.stderr


def test_typos_in_lang_and_annotators_are_errors_and_show_takes_a_unique_prefix(run):
    run("import", str(SEEDS))
    for args in (("docs", "--lang", "xx"), ("search", "대구", "--lang", "xx"), ("export", "--lang", "xx")):
        out = run(*args)
        assert out.exit_code == 1 and "no documents in language 'xx' (languages here: fa, ko)" in out.output, args
    ghost = run("agreement", "--annotators", "root,ghost")
    assert ghost.exit_code == 1 and "no annotator 'root', 'ghost' has annotated anything here" in ghost.output
    shown = run("show", PERSIAN_SEED[:7])
    assert shown.exit_code == 0 and shown.output.startswith(f"# {PERSIAN_SEED}")
    several = run("show", "00")
    assert several.exit_code == 1 and "'00' starts several document ids" in several.output
    none = run("show", "zz")
    assert none.exit_code == 1 and "no document with id 'zz' or an id starting with it" in none.output


def test_a_labelstudio_config_that_is_not_utf8_is_one_line(run, tmp_path: Path):
    run("import", str(SEEDS))
    config = tmp_path / "project.xml"
    config.write_bytes("<View><Text name='t' value='$text'/> é</View>".encode("latin-1"))
    out = run("export", "--format", "labelstudio", "--labelstudio-config", str(config))
    assert out.exit_code == 1 and "project.xml: not UTF-8 text" in out.output


def test_import_samples_needs_no_folder_of_the_repository(run, store, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # far from the repository's seeds/
    empty = run("docs")
    assert "annotator import --samples" in empty.stderr
    out = run("import", "--samples")
    assert out.exit_code == 0 and "5 documents added" in out.stdout
    none = run("import")
    assert none.exit_code == 2 and "or --samples" in none.output


# --- --db wherever it is written; reading makes nothing ----------------------------------------


def _every_command(tmp: Path, other: Path) -> dict[tuple[str, ...], list[str]]:
    """Each command, with arguments that do its work on a database holding the seeds and sara's
    demo layer."""
    from tests.helpers import ROOT

    return {
        ("import",): ["import", str(write(tmp / "extra.txt", "خبر تازه\nمتن"))],
        ("export",): ["export"],
        ("agreement",): ["agreement"],
        ("adjudicate",): ["adjudicate", "--auto"],
        ("merge",): ["merge", str(other)],
        ("assign",): ["assign", "--to", "reza", "--out", str(tmp / "batches")],
        ("docs",): ["docs"],
        ("queue",): ["queue", "reza"],
        ("progress",): ["progress"],
        ("report",): ["report", "-o", str(tmp / "report.html")],
        ("whoami",): ["whoami"],
        ("show",): ["show", PERSIAN_SEED[:7]],
        ("search",): ["search", "대구"],
        ("schema", "show"): ["schema", "show"],
        ("schema", "load"): ["schema", "load", str(ROOT / "resources" / "schema.toml")],
        ("stats",): ["stats"],
        ("screenshot",): ["screenshot", "--doc", PERSIAN_SEED[:7], "--out", str(tmp / "s.png"), "--size", "400x300"],
        ("suggest",): ["suggest", "--from", "sara", "--recommenders", "string"],
        ("check",): ["check"],
        ("recover",): ["recover", str(tmp / "recovered.db")],
        ("backup",): ["backup", "-o", str(tmp / "copy.db")],
        ("team", "init"): ["team", "init"],
        ("team", "add"): ["team", "add", "reza"],
        ("team", "list"): ["team", "list"],
    }


@pytest.mark.sqlite_only  # check, recover and backup work on files; the option's handling is the CLI's own
def test_every_command_works_on_the_db_given_before_it_and_never_makes_the_default(run, tmp_path, isolated_user):
    from tests.helpers import ROOT

    target, other = tmp_path / "given.db", tmp_path / "other.db"
    assert run("import", str(SEEDS), str(ROOT / "docs" / "demo-annotations.jsonl"), db=target).exit_code == 0
    assert run("import", str(write(tmp_path / "o.txt", "다른 기사\n본문")), db=other).exit_code == 0
    every = _every_command(tmp_path, other)
    assert set(every) | {("schema",), ("team",), ("bench",)} == set(_commands(cli))  # a new command: add it here
    for path, args in every.items():
        result = run("--db", str(target), *args, db=None)
        if path[0] == "team":  # a file is not a team database: said, and nothing else opened
            assert result.exit_code == 1 and "team's PostgreSQL database" in result.stderr, path
        else:
            assert result.exit_code == 0, (path, result.output)
    assert not (isolated_user / "data").exists()  # the default database (and its folder) never made
    assert (tmp_path / "s.png").exists() and (tmp_path / "batches" / "reza.db").exists()
    assert (tmp_path / "report.html").exists()


def test_the_db_written_on_the_command_line_wins_over_the_environment(run, tmp_path, monkeypatch):
    given, env, after = tmp_path / "given.db", tmp_path / "env.db", tmp_path / "after.db"
    for path, text in ((given, "대구 given"), (env, "대구 env"), (after, "대구 after")):
        run("import", str(write(tmp_path / f"{path.stem}.txt", text)), db=path)
    monkeypatch.setenv("ANNOTATOR_DB", str(env))
    assert run("--db", str(given), "docs", "--json", db=None).stdout.count('"id": "given"') == 1
    assert run("--db", str(given), "docs", "--json", db=after).stdout.count('"id": "after"') == 1
    assert run("docs", "--json", db=None).stdout.count('"id": "env"') == 1


@pytest.mark.sqlite_only  # a missing file; a team database lives on its server
def test_reading_commands_on_a_missing_database_say_so_and_make_nothing(run, tmp_path, isolated_user):
    missing = tmp_path / "nodir" / "x.db"
    for args in (["docs"], ["show", "a"], ["search", "대구"], ["stats"], ["agreement"], ["export"],
                 ["schema", "show"], ["check"], ["recover", str(tmp_path / "r.db")], ["backup"],
                 ["screenshot", "--doc", "a", "--out", str(tmp_path / "s.png")], ["suggest", "--from", "sara"],
                 ["adjudicate", "--auto"], ["assign", "--to", "sara", "--out", str(tmp_path / "b")],
                 ["whoami"], ["whoami", "sara"]):
        result = run(*args, db=missing)
        assert result.exit_code == 1, args
        assert result.stderr == (f"Error: {missing}: no such database file (`annotator --db {missing} import "
                                 "FILES` makes it; check the path for a typo)\n"), args
    assert not (tmp_path / "nodir").exists() and not (tmp_path / "b").exists()
    default = run("docs", db=None)
    assert default.exit_code == 1 and "no database yet" in default.stderr
    assert "annotator import --samples" in default.stderr
    assert not (isolated_user / "data").exists()
    assert run("import", str(SEEDS), db=missing).exit_code == 0 and missing.exists()  # writing makes it


@pytest.mark.sqlite_only  # the process and its pipe, not the database
@pytest.mark.parametrize("args", [["show", "big"], ["docs"], ["search", "대구", "--limit", "5000"],
                                  ["export", "--include-untouched", "-o", "-"]], ids=lambda a: a[0])
def test_a_closed_pipe_ends_quietly(args, tmp_path):
    """`annotator show ID | head -1`: the reader stops after a line; annotator ends without a word,
    with the status of a command a closed pipe ended (141). More output than a pipe holds (64 KB),
    so the pipe is closed while annotator still writes."""
    import os
    import subprocess
    import sys

    from tests.helpers import ROOT

    records = [{"id": "big", "text": "대구 مشهد و سمنان\n" * 20_000}]
    records += [{"id": f"k{i:04}", "title": f"대구 소식 {i}", "text": f"대구 소식 {i}"} for i in range(3000)]
    db = tmp_path / "pipe.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), "import",
                    str(write(tmp_path / "r.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)))],
                   env=env, check=True, capture_output=True)
    shell = 'set -o pipefail; "$@" | head -1'
    out = subprocess.run(["bash", "-c", shell, "bash", sys.executable, "-m", "annotator", "--db", str(db), *args],
                         env=env, capture_output=True, text=True)
    assert out.stderr == ""
    assert out.returncode == 141
    assert out.stdout.count("\n") == 1


# --- one identity -----------------------------------------------------------------------------


def test_whoami_keeps_the_name_in_the_database_and_every_command_uses_it(run, backend, tmp_path, monkeypatch):
    import getpass

    run("import", str(SEEDS))
    monkeypatch.delenv("ANNOTATOR_NAME")
    if backend == "postgresql":  # a team database: one is who one logs in as
        assert run("whoami").stdout == "postgres\n"
        refused = run("whoami", "sara")
        assert refused.exit_code == 1 and "you annotate as who you log in as (postgres)" in refused.stderr
        return
    first = run("whoami")
    assert first.stdout == f"{getpass.getuser()}\n" and "keeps no name yet" in first.stderr
    kept = run("whoami", "sara")
    assert kept.exit_code == 0 and kept.stdout == f"sara annotates {tmp_path / 'project.db'}\n"
    assert run("whoami").stdout == "sara\n"
    assert "0 / 5 done (sara)" in run("docs").stderr
    # import's records that name nobody are hers, and show lists her layer
    one = write(tmp_path / "one.jsonl", json.dumps({"id": "k", "text": "대구시는", "status": "done",
                                                    "spans": [{"start": 0, "end": 3, "label": "GPE"}]}) + "\n")
    assert run("import", str(one)).exit_code == 0
    assert "\n# 1 span by sara\n" in run("show", "k").stdout
    assert "1 / 6 done (sara)" in run("docs").stderr
    monkeypatch.setenv("ANNOTATOR_NAME", "minji")  # the environment wins, and is not kept
    assert "0 / 6 done (minji)" in run("docs").stderr
    assert run("whoami").stdout == "minji\n"
    monkeypatch.delenv("ANNOTATOR_NAME")
    assert run("whoami").stdout == "sara\n"
    assert run("whoami", "gold").exit_code == 1 and run("whoami", " ").exit_code == 1


def test_an_unknown_annotator_is_one_line_naming_the_known_ones_everywhere(run, tmp_path):
    one = write(tmp_path / "one.jsonl", json.dumps({"id": "k", "text": "대구시는", "annotator": "sara",
                                                    "spans": [{"start": 0, "end": 3, "label": "GPE"}]}) + "\n")
    run("import", str(one))
    for args in (["docs", "--annotator", "nobody"], ["show", "k", "--annotator", "nobody"],
                 ["export", "--annotator", "nobody"], ["suggest", "--from", "nobody"],
                 ["screenshot", "--doc", "k", "--out", str(tmp_path / "s.png"), "--annotator", "nobody"],
                 ["agreement", "--annotators", "nobody"]):
        result = run(*args)
        assert result.exit_code == 1, args
        assert result.stderr == "Error: no annotator 'nobody' has annotated anything here (annotators: sara)\n", args
    assert not (tmp_path / "s.png").exists()
    me = run("whoami").stdout.strip()  # who annotates here is known before their first span
    assert run("docs", "--annotator", me).exit_code == 0
    assert run("show", "k", "--annotator", "sara").exit_code == 0


def test_an_empty_export_says_which_filter_left_everything_out(run, tmp_path):
    run("import", str(SEEDS))
    nothing = run("export")
    assert nothing.exit_code == 0 and nothing.stdout == ""
    assert nothing.stderr == ("Exported 0 lines, 0 documents, 0 spans: no document has spans, themes or a status "
                              "by anyone (untouched documents are left out; --include-untouched keeps them)\n")
    assert run("export", "--include-untouched").stderr.startswith("Exported 5 lines, 5 documents, 0 spans\n")
    one = write(tmp_path / "one.jsonl", json.dumps({"id": "k", "text": "대구시는", "annotator": "sara",
                                                    "spans": [{"start": 0, "end": 3, "label": "GPE"}]}) + "\n")
    run("import", str(one))
    done = run("export", "--annotator", "sara", "--status", "done")
    assert done.exit_code == 0 and done.stderr.startswith("Exported 0 lines, 0 documents, 0 spans: "
                                                          "no layer by sara has status done\n")
    assert "no layer by sara in language fa has status done" in run("export", "--annotator", "sara", "--status",
                                                                       "done", "--lang", "fa").stderr
    me = run("whoami").stdout.strip()
    assert f"no document has spans, themes or a status by {me} (untouched" in run("export", "--annotator", me).stderr
    assert "no document has a gold layer yet" in run("export", "--gold").stderr
    assert run("export", "--annotator", "sara").stderr.startswith("Exported 1 line, 1 document, 1 span\n")


def test_a_count_of_one_is_singular(run, store, tmp_path):
    me = run("whoami").stdout.strip()
    one = write(tmp_path / "one.jsonl", json.dumps({"id": "k", "text": "대", "lang": "ko", "annotator": me,
                                                    "spans": [{"start": 0, "end": 1, "label": "GPE"}]}) + "\n")
    assert run("import", str(one)).stdout.startswith("1 file, 1 document added, 0 unchanged, 1 span added\n")
    shown = run("show", "k").stdout
    assert shown.startswith("# k  [ko, ltr, 1 character]\n") and f"\n# 1 span by {me}\n" in shown
    assert run("export").stderr.startswith("Exported 1 line, 1 document, 1 span\n")
    other = write(tmp_path / "other.jsonl", json.dumps({"id": "k", "text": "대", "annotator": "minji",
                                                        "spans": [{"start": 0, "end": 1, "label": "GPE"}]}) + "\n")
    run("import", str(other))
    assert run("adjudicate", "--auto").stdout.startswith("1 span and 0 themes accepted into gold on 1 document ")
    assert "Gold: 1 span, 0 documents adjudicated" in run("stats").stdout


def test_numbers_and_settings_out_of_range_are_one_line_at_the_door(run, monkeypatch):
    """Issue 20, 9: `search --limit 99999999999999999999` ended in an OverflowError traceback, and
    ANNOTATOR_LOCK_WAIT=abc, -1 or 1e309 were taken silently."""
    assert run("import", str(SEEDS)).exit_code == 0
    huge = run("search", "대구", "--limit", "99999999999999999999")
    assert huge.exit_code == 2 and "--limit" in huge.stderr and "Traceback" not in huge.stderr
    assert run("search", "대구", "--limit", "1000000000").exit_code == 0
    assert run("export", "--format", "bio", "--max-tokens", "0", "--annotator", "tester").exit_code == 2
    for value in ("abc", "-1", "1e309", "nan"):
        monkeypatch.setenv("ANNOTATOR_LOCK_WAIT", value)
        result = run("docs")
        assert result.exit_code == 1 and "ANNOTATOR_LOCK_WAIT" in result.stderr, (value, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    monkeypatch.setenv("ANNOTATOR_LOCK_WAIT", "2.5")
    assert run("docs").exit_code == 0


def test_a_terminal_without_persian_or_hangul_gets_escapes_not_a_traceback(tmp_path: Path):
    """Issue 20, 13: with LC_ALL=C PYTHONIOENCODING=latin-1, docs and show ended in UnicodeEncodeError."""
    import os
    import subprocess
    import sys

    db = tmp_path / "c.db"
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "latin-1"}
    assert subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), "import", str(SEEDS)],
                          env=env, capture_output=True).returncode == 0
    for args in (["docs"], ["show", PERSIAN_SEED], ["search", "대구"]):
        out = subprocess.run([sys.executable, "-m", "annotator", "--db", str(db), *args], env=env,
                             capture_output=True)
        assert out.returncode == 0 and b"Traceback" not in out.stderr, (args, out.stderr)
        assert b"\\u" in out.stdout  # Persian or Hangul, escaped


def test_a_lost_team_database_is_worded_for_a_command_that_has_ended():
    """Issue 20, 14: the command line's lost-connection error said 'it is tried again on the next
    change' after the command had exited."""
    from annotator.cli.common import failure_line
    from annotator.storage.errors import TeamDatabaseError

    line = failure_line(TeamDatabaseError("lost", "server closed the connection"), "postgresql://h/news")
    assert "tried again" not in line and line.endswith("run the command again once the server answers")
    refused = failure_line(TeamDatabaseError("refused", "permission denied for table gold_spans"), "x")
    assert "run the command again" not in refused
