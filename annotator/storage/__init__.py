"""Storage: the only package that imports sqlite-utils (or sqlite3)."""

import importlib
import sys


def _load_sqlite_utils() -> None:
    """sqlite-utils imports pandas and numpy whenever they are installed, to map their types.
    annotator stores neither, and in an environment where a training library brought them in
    (datasets, spaCy) those imports cost about 250 ms of every start and every command. They are
    hidden while sqlite-utils loads, and only if nothing has imported them yet."""
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import pandas" raises ImportError
    try:
        importlib.import_module("sqlite_utils")
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


_load_sqlite_utils()

from annotator.storage.errors import DATABASE_ERRORS, DatabaseBusy, explain  # noqa: E402
from annotator.storage.files import remove_database_files  # noqa: E402
from annotator.storage.opening import open_readonly, open_store  # noqa: E402
from annotator.storage.store import SchemaChange, Store, text_hash  # noqa: E402

__all__ = ["DATABASE_ERRORS", "DatabaseBusy", "SchemaChange", "Store", "explain", "open_readonly", "open_store",
           "remove_database_files", "text_hash"]
