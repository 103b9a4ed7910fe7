"""Shared fixtures: every test runs headless, with its own database and user folders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from click.testing import CliRunner, Result  # noqa: E402
from hypothesis import settings  # noqa: E402

from annotator.cli import cli  # noqa: E402
from annotator.core.project import open_project  # noqa: E402
from annotator.storage import Store  # noqa: E402
# Speed targets live in benchmarks, not tests: no hypothesis deadline, so a loaded machine
# (CI on two cores) cannot fail a property test for being slow.
settings.register_profile("annotator", deadline=None)
settings.load_profile("annotator")


@pytest.fixture(autouse=True)
def isolated_user(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the real home: user data, config and the annotator name are per test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("ANNOTATOR_NAME", "tester")
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    return home


# The storage and core tests run against both backends: a SQLite file, and a team database in a
# throwaway PostgreSQL cluster (tests/postgres.py), opened by its owner.
# The window tests listed here run there too, opened by the database's owner on the layer
# "tester", as on a file; tests/gui/test_team.py has the members' own windows.
BOTH_BACKENDS = ("tests/storage/test_store.py", "tests/storage/test_relations.py", "tests/storage/test_long_documents.py", "tests/core/",
                 "tests/test_cli.py", "tests/gui/test_annotating.py", "tests/gui/test_review.py",
                 "tests/gui/test_span_menu.py", "tests/gui/test_key_path.py", "tests/gui/test_long_documents.py",
                 "tests/cli/test_queue_commands.py", "tests/gui/test_queues.py",
                 "tests/gui/test_progress_view.py", "tests/gui/test_relation_types_editor.py",
                 "tests/cli/test_schema_relation_rules.py")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    where = str(Path(metafunc.definition.fspath).relative_to(Path(__file__).parent.parent))
    both = where.startswith(BOTH_BACKENDS) and metafunc.definition.get_closest_marker("sqlite_only") is None
    if both and metafunc.definition.get_closest_marker("postgresql_only") is not None:
        metafunc.parametrize("backend", ["postgresql"])
        return
    metafunc.parametrize("backend", ["sqlite", "postgresql"] if both else ["sqlite"])


@pytest.fixture(scope="session")
def pg_cluster():
    from tests.postgres import start_cluster, stop_cluster

    cluster = start_cluster()
    yield cluster
    stop_cluster(cluster)


@pytest.fixture
def db_path(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Path | str:
    """The test's database: a file, or (the postgresql backend) a fresh team database's URL."""
    if backend == "sqlite":
        return tmp_path / "project.db"
    from tests.postgres import team_database

    return team_database(request.getfixturevalue("pg_cluster"), request)


@pytest.fixture
def store(db_path: Path | str) -> Store:
    s = open_project(db_path)
    yield s
    s.close()


@pytest.fixture
def run(db_path: Path):
    """Run the CLI against the test database; returns click's Result."""

    def invoke(*args: str, db: Path | None = db_path, input: str | None = None) -> Result:
        argv = list(args) + (["--db", str(db)] if db is not None else [])
        return CliRunner().invoke(cli, argv, input=input, catch_exceptions=False)

    return invoke

