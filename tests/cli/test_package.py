"""The annotator.cli package's own rules: what each module opens with, its size, which way imports go."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "annotator" / "cli"
MODULES = sorted(PACKAGE.glob("*.py"))
# The commands that open or render the window reach the GUI, inside the function that needs it:
# annotator alone (the window), screenshot and bench, agreement --charts.
REACH_THE_GUI = {"__init__", "window", "review"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imports(node: ast.AST, *, in_functions: bool = True) -> list[tuple[str, list[str]]]:
    """(module, names) for every absolute import under node; function-level ones unless told not.
    A plain ``import x`` has the one name "import"."""
    found = []
    for child in _walk(node, in_functions):
        if isinstance(child, ast.Import):
            found += [(alias.name, ["import"]) for alias in child.names]  # the module itself
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            found.append((child.module, [alias.name for alias in child.names]))
    return found


def _walk(node: ast.AST, in_functions: bool):
    yield node
    for child in ast.iter_child_nodes(node):
        if in_functions or not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _walk(child, in_functions)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_each_module_opens_with_a_line_saying_what_it_holds_and_stays_short(path: Path):
    doc = ast.get_docstring(_tree(path), clean=False)
    assert doc and doc.split("\n")[0].strip().endswith("."), path.name
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name


@pytest.mark.parametrize("path", [p for p in MODULES if p.stem != "__init__"], ids=lambda p: p.stem)
def test_imports_go_one_way(path: Path):
    """The package imports the command modules; they import common.py, never the package's group;
    common.py imports no other part of the command line."""
    for module, names in _imports(_tree(path)):
        assert module != "annotator.cli" or set(names) <= {"common"}, (path.name, module, names)
        assert not module.startswith("annotator.cli.") or module == "annotator.cli.common", (path.name, module)
        if path.stem == "common":
            assert not (module == "annotator.cli" or module.startswith("annotator.cli.")), (path.name, module)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_the_gui_is_reached_only_inside_the_commands_that_show_it(path: Path):
    tree = _tree(path)
    at_top = [m for m, _ in _imports(tree, in_functions=False) if m.startswith(("annotator.gui", "PySide6"))]
    assert at_top == [], path.name
    anywhere = [m for m, _ in _imports(tree) if m.startswith(("annotator.gui", "PySide6"))]
    assert not anywhere or path.stem in REACH_THE_GUI, (path.name, anywhere)
