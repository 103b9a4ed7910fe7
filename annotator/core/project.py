"""Opening a project: where its database lives, and what a new one starts with."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from annotator.core.errors import DatabaseError

from annotator.core.identity import environment_name, login_name
from annotator.core.importing import import_paths
from annotator.core.resources import default_schema_path, seeds_dir
from annotator.core.schema import load_schema_file
from annotator.storage import Store, open_store, remove_database_files

ENV_DB = "ANNOTATOR_DB"


def user_data_dir() -> Path:
    """The platform's per-user data folder for annotator."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "annotator"


def resolve_db_path(option: str | Path | None = None) -> tuple[Path | str, bool]:
    """The database to use and whether it is the default one: ``--db``, else $ANNOTATOR_DB, else
    ``annotator.db`` in the user data folder. A team database is its ``postgresql://`` URL (a str)."""
    if option is not None and not str(option).strip():
        # An unset variable in a script (--db "$DB"): never fall back to the user's own database.
        raise DatabaseError("--db is empty (an unset variable?): give the database file")
    if option:
        return _not_a_url(str(option), "--db"), False
    env = os.environ.get(ENV_DB)
    if env is not None and env != "" and not env.strip():
        raise DatabaseError(f"${ENV_DB} is blank: give the database file")
    if env:
        return _not_a_url(env, f"${ENV_DB}"), False
    return user_data_dir() / "annotator.db", True


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _not_a_url(value: str, where: str) -> Path | str:
    """A database file's path, or a team database's URL. A URL of another kind is an error, not a
    path (that made a folder named «mysql:»)."""
    url = _URL.match(value)
    if url:
        kind = url.group(1).lower()
        if kind in ("postgresql", "postgres"):
            return value
        raise DatabaseError(f"{where}: {kind}:// is not a kind of database annotator opens; give a database file "
                            "or a postgresql:// URL")
    return Path(value)


def default_annotator() -> str:
    """$ANNOTATOR_NAME, else the login name (before a database is open; with one,
    :func:`annotator.core.identity.current_annotator` also reads the name kept in it)."""
    return environment_name() or login_name()


def missing_database(path: Path, is_default: bool) -> str:
    """One line for a database file that is not there, saying what makes one."""
    if is_default:
        return (f"no database yet ({path}): `annotator import --samples` makes it with the five sample "
                "articles, `annotator import FILES` with your own, and `annotator` opens the window on it")
    return (f"{path}: no such database file (`annotator --db {path} import FILES` makes it; "
            "check the path for a typo)")


def open_project(option: str | Path | None = None, *, create: bool = True) -> Store:
    """Open (with ``create``, creating if needed) the project database.

    Without ``create`` a database file that does not exist is an error naming it, and nothing is
    made: no file, no folder (what reading commands use: a typo in --db is not a new database).

    A new database gets the default schema; the default database also gets the sample articles,
    so that a fresh install opens on real text. Both happen in one transaction, recorded in the
    ``initialised`` setting, so an interrupted first start is simply redone. A team database
    (a URL) is set up by its owner or a lead (``annotator team init`` does it); a member finds
    it ready.
    """
    path, is_default = resolve_db_path(option)
    team = isinstance(path, str)
    if not team and not create and not path.exists():
        raise DatabaseError(missing_database(path, is_default))
    existed = team or path.exists()
    store = open_store(path)
    if store.setting("initialised") is None:
        if team and store.role not in ("owner", "lead"):
            store.close()
            raise DatabaseError(f"{store.path} has no label schema yet: its owner runs annotator team init")
        try:
            with store.transaction():
                store.replace_schema(load_schema_file(default_schema_path()))
                if is_default:
                    import_paths(store, [seeds_dir()], annotator=default_annotator())
                store.set_setting("initialised", "1")
        except BaseException:
            store.close()
            if not existed:  # a new database that could not be set up (a full disk): leave nothing behind
                remove_database_files(path)
            raise
    return store
