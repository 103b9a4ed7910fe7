"""README's quick start is two commands, and CI runs the very same test command."""

from __future__ import annotations

import json
import re

from tests.helpers import ROOT


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)][:2]


def test_quick_start_has_an_app_command_and_a_test_command():
    app, tests = _quick_start_commands()
    assert "\n" not in app and "\n" not in tests
    assert app.endswith("annotator") and "pip install" in app
    assert "pip install -e '.[test]'" in tests and tests.endswith("pytest")


def test_ci_runs_the_readme_test_command():
    _, tests = _quick_start_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_readme_and_ci_install_every_library_qts_display_plugin_links():
    from annotator.gui.app import XCB_PACKAGES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if x.startswith("sudo apt-get install"))
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    debs = ci.split("debs=(", 1)[1].split(")", 1)[0].split()
    assert set(XCB_PACKAGES) | {"xvfb"} == set(line.split()[3:]) == set(debs)


def test_the_jsonl_example_imports_as_written(tmp_path, run):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "example.jsonl").write_text(block, encoding="utf-8")
    result = run("import", str(tmp_path / "example.jsonl"))
    assert result.exit_code == 0, result.output
    assert "2 documents added" in result.stdout and "2 spans added" in result.stdout


def _format_examples() -> tuple[list[str], str]:
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    return re.findall(r"```json\n(.*?)```", text, re.S), text


def _comparable(record: dict) -> dict:
    """What docs/format.md may leave out of a real line: the time, and the list of theme options."""
    return {k: v for k, v in record.items() if k not in ("updated_at", "options")}


def test_the_format_examples_are_what_the_exporter_writes(tmp_path, run):
    """Every example in docs/format.md is real: the annotator-format lines import, and exporting them
    in each format gives the doccano, Label Studio, spaCy and BIO examples shown (CoNLL and brat too)."""
    blocks, text = _format_examples()
    lines = [line for block in blocks if not block.startswith("[") for line in block.splitlines()]
    own = [json.loads(line) for line in lines if '"format": "annotator"' in line]
    assert len(own) == 3
    for record in own:
        for span in record["spans"]:
            assert record["text"][span["start"]:span["end"]] == span["text"]
    (tmp_path / "examples.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in own) + "\n")
    result = run("import", str(tmp_path / "examples.jsonl"))
    assert result.exit_code == 0, result.output
    assert "8 spans added" in result.stdout
    shown = {}
    for line in lines:
        record = json.loads(line)
        kind = ("doccano" if "doc_id" in record and "label" in record else "bio" if "ner_tags" in record
                else "spacy" if "tokens" in record else "jsonl")
        shown.setdefault(kind, []).append(_comparable(record))
    for fmt in ("doccano", "spacy", "bio"):
        out = run("export", "--format", fmt)
        assert out.exit_code == 0, out.output
        written = [_comparable(json.loads(x)) for x in out.stdout.splitlines()]
        for example in shown[fmt]:
            assert example in written, fmt
    [tasks] = [json.loads(block) for block in blocks if block.startswith("[")]
    out = run("export", "--format", "labelstudio")
    assert all(task in json.loads(out.stdout) for task in tasks)
    conll = run("export", "--format", "conll", "--annotator", "minji").stdout
    shown_conll = re.search(r"```\n(-DOCSTART- -X- -X- O\n.*?)```", text, re.S).group(1)
    assert shown_conll == conll.rstrip("\n") + "\n"  # a Markdown block cannot end with the blank line
    brat = tmp_path / "brat"
    assert run("export", "--format", "brat", "-o", str(brat)).exit_code == 0
    shown_ann = re.search(r"```\n(T1\t.*?)```", text, re.S).group(1)
    assert (brat / "sara" / "fa-0001.ann").read_text(encoding="utf-8") == shown_ann
