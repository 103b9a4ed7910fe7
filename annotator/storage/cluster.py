"""A throwaway PostgreSQL cluster from the installed server binaries, for the tests and for
``annotator bench``: a data folder and a Unix socket in a temporary folder, no TCP, trust
authentication for local connections only. PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` user (Debian's packages create it)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def server_binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian keeps them out of PATH), or None."""
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

    def connect(self, user: str | None = None, database: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(host=str(self.socket), user=user or self.superuser, dbname=database, autocommit=True)

    def create_database(self, name: str) -> str:
        """A new empty database; its URL for the superuser (who owns it)."""
        with self.connect() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(database=name)

    def drop_database(self, name: str) -> None:
        with self.connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        binaries = server_binaries()
        if binaries is not None:
            subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                                            "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start() -> Cluster:
    """Start a cluster; raises ``FileNotFoundError`` when the server binaries are not installed."""
    binaries = server_binaries()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL's server binaries are not installed (Debian: apt-get install postgresql)")
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
    try:
        subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", superuser, "--auth=trust",
                                        "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
                                        "-o", f"-k {socket} -c listen_addresses='' -c fsync=off", "start"]),
                       check=True, capture_output=True)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Cluster(root, socket, superuser)


def restart(cluster: Cluster) -> None:
    """Start a stopped cluster again (a test of the server going away and coming back)."""
    binaries = server_binaries()
    assert binaries is not None
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(cluster.root / "data"), "-l",
                                    str(cluster.root / "log"), "-w", "-o",
                                    f"-k {cluster.socket} -c listen_addresses='' -c fsync=off", "start"]),
                   check=True, capture_output=True)


def halt(cluster: Cluster) -> None:
    """Stop the server at once, as a crash or a pulled cable would, keeping its data."""
    binaries = server_binaries()
    assert binaries is not None
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(cluster.root / "data"), "-m", "immediate",
                                    "stop"]), check=True, capture_output=True)
