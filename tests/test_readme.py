"""README's quick start is two commands on its first screen, CI runs the very same test command, its
apt line installs what Qt needs as root and with sudo, and the examples in docs/format.md are real."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.helpers import ROOT

APT = "$(command -v sudo) apt-get update && $(command -v sudo) apt-get install "


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


def test_the_two_commands_are_on_readmes_first_screen():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    app, tests = _quick_start_commands()
    assert readme.index(app) < readme.index(tests) < 40


def _apt_line() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    [line] = [x for x in section.splitlines() if x.startswith(APT)]
    return line


def test_readme_and_ci_install_venv_and_every_library_qts_display_plugin_links():
    from annotator.gui.app import XCB_PACKAGES

    line = _apt_line()
    assert line.startswith(APT)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    debs = ci.split("debs=(", 1)[1].split(")", 1)[0].split()
    assert set(XCB_PACKAGES) | {"python3-venv", "xvfb"} == set(line[len(APT):].split()) == set(debs)


@pytest.mark.parametrize("shell", ["sh", "bash"])
@pytest.mark.parametrize("with_sudo", [False, True], ids=["as-root-without-sudo", "with-sudo"])
def test_the_apt_line_works_as_root_without_sudo_and_with_sudo(tmp_path, shell, with_sudo):
    """README's apt line pasted into a shell: apt-get runs itself where there is no sudo (root in a
    container), and through sudo where there is one. apt-get and sudo are stand-ins that log."""
    path = shutil.which(shell)
    assert path, f"no {shell} on this machine"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    stand_ins = {"apt-get": 'printf \'apt-get %s\\n\' "$*" >> "$LOG"\n'}
    if with_sudo:
        stand_ins["sudo"] = 'printf \'sudo \' >> "$LOG"\nexec "$@"\n'
    for name, body in stand_ins.items():
        (bin_dir / name).write_text("#!/bin/sh\n" + body)
        (bin_dir / name).chmod(0o755)
    line = _apt_line()
    out = subprocess.run([path, "-c", line], env={"PATH": str(bin_dir), "LOG": str(log)},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    sudo = "sudo " if with_sudo else ""
    packages = line[len(APT):]
    assert log.read_text().splitlines() == [f"{sudo}apt-get update", f"{sudo}apt-get install {packages}"]


def test_the_window_names_the_same_apt_line_when_a_library_is_missing(tmp_path, monkeypatch):
    from annotator.gui import app

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(app, "_xcb_plugin", lambda: tmp_path / "libqxcb-missing.so")
    problem = app.display_problem()
    assert "libqxcb-missing.so is missing" in problem
    command = problem.split("on Debian or Ubuntu: ", 1)[1]
    assert command == APT + " ".join(app.XCB_PACKAGES)
    # README's line: the same libraries, after what `python3 -m venv` needs and before Xvfb for the tests
    assert _apt_line() == command.replace(APT, APT + "python3-venv ") + " xvfb"


def _input_section() -> str:
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    return text.split("\n## Input", 1)[1].split("\n## ", 1)[0]


def test_the_jsonl_example_imports_as_written(tmp_path, run):
    block = re.search(r"```json\n(.*?)```", _input_section(), re.S).group(1)
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
    shown_conll = re.search(r"```\n(-DOCSTART- -X- O O\n.*?)```", text, re.S).group(1)
    assert shown_conll == conll.rstrip("\n") + "\n"  # a Markdown block cannot end with the blank line
    conllu = run("export", "--format", "conllu", "--annotator", "minji").stdout
    shown_conllu = re.search(r"```\n(# newdoc id = .*?)```", text, re.S).group(1)
    assert shown_conllu == conllu.rstrip("\n") + "\n"
    brat = tmp_path / "brat"
    assert run("export", "--format", "brat", "-o", str(brat)).exit_code == 0
    shown_sara, shown_minji = re.findall(r"```\n(T1\t.*?)```", text, re.S)
    assert (brat / "sara" / "fa-0001.ann").read_text(encoding="utf-8") == shown_sara
    assert (brat / "minji" / "ko-0001.ann").read_text(encoding="utf-8") == shown_minji  # with its R line
