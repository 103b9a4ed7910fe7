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


def test_the_jsonl_example_imports_as_written(tmp_path, run):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "example.jsonl").write_text(block, encoding="utf-8")
    result = run("import", str(tmp_path / "example.jsonl"))
    assert result.exit_code == 0, result.output
    assert "2 documents added" in result.stdout and "2 spans added" in result.stdout


def test_the_format_examples_are_exact_and_import(tmp_path, run):
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    lines = [line for block in re.findall(r"```json\n(.*?)```", text, re.S) for line in block.splitlines()]
    assert len(lines) == 5
    own = [json.loads(line) for line in lines if '"format": "annotator"' in line]
    for record in own:
        for span in record["spans"]:
            assert record["text"][span["start"]:span["end"]] == span["text"]
    (tmp_path / "examples.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in own) + "\n")
    result = run("import", str(tmp_path / "examples.jsonl"))
    assert result.exit_code == 0, result.output
    assert "8 spans added" in result.stdout
