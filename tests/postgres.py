"""A throwaway PostgreSQL cluster for the tests: the installed server binaries, a data folder and a
Unix socket in a temporary folder, no TCP. PostgreSQL refuses to run as root, so as root (CI) the
cluster runs as the ``postgres`` user. Where the binaries are missing the tests that need it are
skipped with a reason; `.ci/run` installs them and sets ANNOTATOR_REQUIRE_POSTGRES, so that a
missing server fails instead."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest


def server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class Cluster:
    root: Path
    socket: Path
    superuser: str

    def url(self, user: str | None = None, database: str = "postgres") -> str:
        return f"postgresql://{user or self.superuser}@/{database}?host={self.socket}"

    def connect(self, user: str | None = None, database: str = "postgres"):
        import psycopg

        return psycopg.connect(host=str(self.socket), user=user or self.superuser, dbname=database, autocommit=True)


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start_cluster() -> Cluster:
    binaries = server_bin()
    if binaries is None:
        why = "PostgreSQL's server binaries are not installed (Debian: apt-get install postgresql)"
        if os.environ.get("ANNOTATOR_REQUIRE_POSTGRES"):  # CI: a skipped PostgreSQL test is a failure
            pytest.fail(why)
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
    data, socket = root / "data", root / "socket"
    socket.mkdir()
    if os.geteuid() == 0:  # the server runs as postgres: it must own its folders
        user = pwd.getpwnam("postgres")
        for path in (root, socket):
            os.chown(path, user.pw_uid, user.pw_gid)
        superuser = "postgres"
    else:
        superuser = pwd.getpwuid(os.geteuid()).pw_name
    subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", superuser, "--auth=trust",
                                    "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
                                    "-o", f"-k {socket} -c listen_addresses='' -c fsync=off", "start"]),
                   check=True, capture_output=True)
    return Cluster(root, socket, superuser)


def stop_cluster(cluster: Cluster) -> None:
    binaries = server_bin()
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(cluster.root / "data"), "-m", "immediate",
                                    "stop"]), capture_output=True)
    shutil.rmtree(cluster.root, ignore_errors=True)
