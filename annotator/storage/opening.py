"""Opening a database by where it is: a file path opens a :class:`Store` (SQLite), a
``postgresql://`` URL a :class:`TeamStore` (PostgreSQL). The one place that knows both backends,
so neither class names the other."""

from __future__ import annotations

from pathlib import Path

from annotator.storage.store import Store
from annotator.storage.team import is_url
from annotator.storage.team_store import TeamStore


def is_team_location(location: str | Path) -> bool:
    """Whether ``location`` names a team database (a URL) rather than a file."""
    return isinstance(location, str) and is_url(location)


def open_store(location: str | Path) -> Store:
    """Open or create the database at ``location``, migrating an older one (see :meth:`Store.open`
    and :meth:`TeamStore.open`)."""
    if is_team_location(location):
        return TeamStore.open(str(location))
    return Store.open(location)


def open_readonly(location: str | Path) -> Store:
    """Open another project's database only to read it: never migrated, never written."""
    if is_team_location(location):
        return TeamStore.open_readonly(str(location))
    return Store.open_readonly(location)
