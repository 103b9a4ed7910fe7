"""Who is annotating a database: one name that the window and the command line agree on.

The name is a setting of the database itself, so every front end opening it sees the same one:
the window asks for it at first start and keeps it there, File → Switch annotator changes it, and
``annotator whoami`` shows or sets it. ``$ANNOTATOR_NAME`` wins over it (a session's choice, not
kept); the login name is the last fallback. On a team database one is who one logs in as.
"""

from __future__ import annotations

import getpass
import os

from annotator.core.errors import AnnotatorError
from annotator.core.model import GOLD
from annotator.storage import Store

ENV_NAME = "ANNOTATOR_NAME"
NAME_SETTING = "annotator"  # this database's annotator
ASSIGNED_SETTING = "assigned_to"  # what annotator assign writes into each batch file


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): fall back to a plain name
        return "annotator"


def environment_name() -> str | None:
    return os.environ.get(ENV_NAME, "").strip() or None


def remembered_annotator(store: Store) -> str | None:
    """The name kept in the database (a batch from annotator assign: the one it was assigned to)."""
    if store.is_team:
        return store.member
    return store.setting(NAME_SETTING) or store.setting(ASSIGNED_SETTING) or None


def known_annotator(store: Store) -> str | None:
    """Who is annotating, without asking: the team member, else $ANNOTATOR_NAME, else the name
    kept in the database; None when nobody has said yet."""
    if store.is_team:
        return store.member
    return environment_name() or remembered_annotator(store)


def current_annotator(store: Store) -> str:
    """Who is annotating, for the command line: as :func:`known_annotator`, else the login name."""
    return known_annotator(store) or login_name()


def remember_annotator(store: Store, name: str) -> None:
    """Keep ``name`` as this database's annotator (a team database's member is their login)."""
    name = name.strip()
    if not name:
        raise AnnotatorError("an annotator's name cannot be empty")
    if name == GOLD:
        raise AnnotatorError(f"{GOLD!r} is reserved for the adjudicated layer")
    if store.is_team:
        raise AnnotatorError(f"on a team database you annotate as who you log in as ({store.member})")
    with store.transaction():
        store.set_setting(NAME_SETTING, name)


def check_annotators(store: Store, *names: str | None, error: type[AnnotatorError] = AnnotatorError) -> None:
    """An --annotator that names no layer here is a typo, not an empty result: one line naming
    the annotators there are. This database's own annotator is known before their first span.
    For the commands that read a layer (import --annotator NAME brings a new one in)."""
    known = store.annotators_with_layers()
    me = known_annotator(store)
    unknown = [name for name in names if name is not None and name not in known and name != me]
    if unknown:
        raise error(f"no annotator {', '.join(map(repr, unknown))} has annotated anything here "
                             f"(annotators: {', '.join(known) or 'none yet'})")
