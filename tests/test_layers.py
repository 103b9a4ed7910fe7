"""The layers hold: a Qt-free core, storage alone on SQLite, shaping only for terminal output.

Every ``import`` in the package is read (function-level ones too), so a stray lazy import fails
here rather than on a machine without a display.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "annotator"
DOMAIN = {"errors", "model", "schema", "text", "resources"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules() -> list[tuple[str, set[str]]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        out.append((".".join(rel.parts), _imports(path)))
    return out


def _uses(imports: set[str], *roots: str) -> list[str]:
    return sorted(i for i in imports if i.split(".")[0] in roots or any(i.startswith(r + ".") for r in roots))


def _within(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


RULES = [
    ("only the GUI imports Qt", ("PySide6", "shiboken6"), ("annotator.gui",)),
    ("only the CLI imports click", ("click",), ("annotator.cli",)),
    # annotator.benchmarks measures against raw sqlite3 floors, so it must import sqlite3 itself.
    ("only storage imports SQLite", ("sqlite_utils", "sqlite3"), ("annotator.storage", "annotator.benchmarks")),
    ("only storage talks to PostgreSQL", ("psycopg",), ("annotator.storage",)),
    ("shaping is for terminal output only", ("arabic_reshaper", "bidi"), ("annotator.terminal", "annotator.charts")),
    ("the core never reaches up to a front end",
     ("annotator.cli", "annotator.gui", "annotator.terminal"),
     ("annotator.cli", "annotator.gui", "annotator.terminal", "annotator.__main__", "annotator.charts",
      "annotator.benchmarks")),
]


@pytest.mark.parametrize(("rule", "roots", "allowed"), RULES, ids=[r[0] for r in RULES])
def test_layer_rule(rule: str, roots: tuple[str, ...], allowed: tuple[str, ...]):
    offenders = {
        module: _uses(imports, *roots)
        for module, imports in _modules()
        if not _within(module, *allowed) and _uses(imports, *roots)
    }
    assert offenders == {}, rule


def test_domain_modules_do_not_depend_on_storage():
    offenders = {
        module: _uses(imports, "annotator.storage", "annotator.core.importing", "annotator.core.project")
        for module, imports in _modules()
        if module.split(".")[-1] in DOMAIN and module.startswith("annotator.core")
    }
    assert {m: v for m, v in offenders.items() if v} == {}


def test_the_checker_sees_function_level_imports(tmp_path: Path):
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from PySide6 import QtCore\n    import sqlite3\n")
    assert _imports(sample) == {"PySide6", "sqlite3"}
