"""A throwaway PostgreSQL cluster for the tests (``annotator.storage.cluster``): the installed
server binaries, a data folder and a Unix socket in a temporary folder, no TCP; as root (CI) the
server runs as the ``postgres`` user. Where the binaries are missing the tests that need it are
skipped with a reason; `.ci/run` installs them and sets ANNOTATOR_REQUIRE_POSTGRES, so that a
missing server fails instead."""

from __future__ import annotations

import os

import pytest

from annotator.storage import cluster as clusters
from annotator.storage.cluster import Cluster, server_binaries  # noqa: F401 (used by the tests)


def start_cluster() -> Cluster:
    try:
        return clusters.start()
    except FileNotFoundError as err:
        if os.environ.get("ANNOTATOR_REQUIRE_POSTGRES"):  # CI: a skipped PostgreSQL test is a failure
            pytest.fail(str(err))
        pytest.skip(str(err))


def stop_cluster(cluster: Cluster) -> None:
    cluster.stop()


_TEMPLATE = "annotator_template"


def team_database(cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A fresh team database, a copy of one set up once per session (``team init`` and the default
    schema), dropped when the test ends; its URL, for the owner."""
    import uuid

    from annotator.core.project import open_project
    from annotator.storage import team

    with cluster.connect() as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_TEMPLATE]).fetchone() is None:
            admin.execute(f"CREATE DATABASE {_TEMPLATE}")
            with cluster.connect(database=_TEMPLATE) as owner:
                team.init(owner)
            open_project(cluster.url(database=_TEMPLATE)).close()
        name = f"t{uuid.uuid4().hex[:12]}"
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}")
    with cluster.connect(database=name) as owner:
        team.init(owner)  # this database's own group roles and grants

    def drop() -> None:
        with cluster.connect() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    request.addfinalizer(drop)
    return cluster.url(database=name)
