"""Opening a project: where its database lives, and what a new one starts with."""

from __future__ import annotations

import getpass
import os
import re
import sys
from pathlib import Path

from annotator.core.errors import DatabaseError

from annotator.core.importing import import_paths
from annotator.core.resources import default_schema_path, seeds_dir
from annotator.core.schema import load_schema_file
from annotator.storage import Store, remove_database_files

ENV_DB = "ANNOTATOR_DB"
ENV_NAME = "ANNOTATOR_NAME"


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
    """$ANNOTATOR_NAME, else the login name."""
    name = os.environ.get(ENV_NAME, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): fall back to a plain name
        return "annotator"


def open_project(option: str | Path | None = None) -> Store:
    """Open (creating if needed) the project database.

    A new database gets the default schema; the default database also gets the sample articles,
    so that a fresh install opens on real text. Both happen in one transaction, recorded in the
    ``initialised`` setting, so an interrupted first start is simply redone. A team database
    (a URL) is set up by its owner or a lead (``annotator team init`` does it); a member finds
    it ready.
    """
    path, is_default = resolve_db_path(option)
    team = isinstance(path, str)
    existed = team or path.exists()
    store = Store.open(path)
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
