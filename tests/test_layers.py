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


# --- circles ----------------------------------------------------------------------------------

# The window's features are typed against annotator.gui.host.Host, never MainWindow: only what
# assembles or drives the whole window imports it. gui/app.py opens it (the application's
# assembly); gui/bench.py and gui/bench_long.py measure it, as a person uses it, key presses and all.
WINDOW_IMPORTERS = {"annotator.gui.app", "annotator.gui.bench", "annotator.gui.bench_long"}


def _module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def import_graph() -> dict[str, set[str]]:
    """Which annotator module imports which, every import counted (in functions and under
    TYPE_CHECKING too: a circle there is a circle in the design). ``from package import module``
    is an edge to the module, not to the package's ``__init__``."""
    names = _module_names()
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                for alias in node.names:
                    edges.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in names else base)
        graph[name] = {e for e in edges if e in names and e != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(group)
    return found


def test_no_import_circle():
    assert circles(import_graph()) == []


def test_only_the_assembly_imports_the_window():
    graph = import_graph()
    assert {m for m, edges in graph.items() if "annotator.gui.window" in edges} == WINDOW_IMPORTERS


def test_the_circle_finder_finds_circles():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_a_submodule_imported_from_its_package_is_an_edge_to_the_submodule():
    graph = import_graph()
    assert "annotator.storage.team" in graph["annotator.storage.team_store"]  # "from annotator.storage import team"
    assert "annotator.storage" not in graph["annotator.storage.team_store"]


# --- sizes ------------------------------------------------------------------------------------

# Modules allowed over the bound: none (issue 21 split the window and the article view).
STILL_TOO_LONG: set[str] = set()


def _first_line(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=True) or ""
    return doc.split("\n\n", 1)[0].replace("\n", " ")


def test_every_module_opens_with_what_it_holds_and_a_long_one_says_why():
    unsaid, too_long, unexplained = [], [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE.parent))
        lines = len(path.read_text(encoding="utf-8").splitlines())
        opening = _first_line(path)
        if not opening:
            unsaid.append(name)
        if name in STILL_TOO_LONG:
            continue
        if lines > 600:
            too_long.append((name, lines))
        elif lines > 400 and "over 400 lines" not in opening:
            unexplained.append((name, lines))
    assert (unsaid, too_long, unexplained) == ([], [], [])
