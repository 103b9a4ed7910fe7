"""What every command shares: the --db options, opening the database, one-line errors, JSON lines.

A command module imports these; none of them imports a command module, or the package.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from annotator.core import stopping
from annotator.core.errors import AnnotatorError
from annotator.core.project import open_project
from annotator.core.stopping import Stopped
from annotator.core.text import escape_line_separators
from annotator.storage import DATABASE_ERRORS, Store, explain

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# The largest count an option takes (SQLite's integers end at 2**63 - 1; no corpus comes near this).
MOST = 10**9


def _given_db(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--db is the same wherever it is written: a command's own (after it) first, then the one
    before the command (the group's), then $ANNOTATOR_DB. Each command resolves it here, so none
    can fall back to the default database while the user named another."""
    if ctx.parent is None or ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
        return value
    root = ctx.find_root()
    if root.get_parameter_source("db") is ParameterSource.COMMANDLINE:
        return root.params.get("db")
    return value


def db_option(fn: F) -> F:
    return click.option(
        "--db",
        "db",
        metavar="PATH",
        envvar="ANNOTATOR_DB",
        show_envvar=True,
        callback=_given_db,
        help="Database file, or a team database's postgresql://USER@HOST/DATABASE URL. Default: annotator.db in your user data folder.",
    )(fn)


def team_db_option(fn: F) -> F:
    return click.option("--db", "db", metavar="URL", envvar="ANNOTATOR_DB", show_envvar=True, callback=_given_db,
                        help="The team database: postgresql://OWNER@HOST/DATABASE.")(fn)


def annotator_option(help_text: str) -> Callable[[F], F]:
    return click.option("--annotator", "annotator", metavar="NAME", help=help_text)


def reports_errors(fn: F) -> F:
    """Turn the core's errors into click's one-line ``Error: ...`` and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Stopped as stop:
            raise SystemExit(128 + stop.signum) from None
        except BrokenPipeError:  # before OSError: a reader that stopped reading is no error of ours
            closed_pipe()
        except AnnotatorError as err:
            raise click.ClickException(str(err)) from None
        except OSError as err:  # a path that cannot be read or written: one line, no traceback
            where = f"{err.filename}: " if err.filename else ""
            raise click.ClickException(f"{where}{err.strerror or err}") from None
        except DATABASE_ERRORS as err:
            raise click.ClickException(explain(err)) from None
        finally:  # a query a signal ended fails as "interrupted": the signal's status, not an error
            if stopping.requested():
                raise SystemExit(128 + stopping.requested()) from None  # noqa: B012

    return wrapper  # type: ignore[return-value]


def closed_pipe() -> NoReturn:
    """What reads our output stopped (`annotator docs | head -1`): end quietly, as cat does, with
    status 141 (128 + SIGPIPE, what a shell reports for a command a closed pipe ended). Standard
    output now goes nowhere, so Python's last flush at exit cannot fail again."""
    with contextlib.suppress(OSError, ValueError):  # no file descriptor (click's test runner)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    raise SystemExit(141)


def _lock_wait() -> float | None:
    """$ANNOTATOR_LOCK_WAIT: how long a writer waits for another (seconds, 0 to 3600; tests shorten
    it), or None when it is not set. Anything else is one line naming it, before any file opens."""
    value = os.environ.get("ANNOTATOR_LOCK_WAIT")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds <= 3600:  # NaN, inf and negatives fail here too
        raise click.ClickException(f"ANNOTATOR_LOCK_WAIT={value[:40]!r} is not a number of seconds from 0 to 3600")
    return seconds


def failure_line(err: BaseException, where) -> str:
    """A database failure in one line, worded for a command that has ended: a lost team database
    is not tried again by it (the window does that itself)."""
    line = explain(err, where)
    if getattr(err, "kind", None) == "lost":
        line += "; run the command again once the server answers"
    return line


@contextlib.contextmanager
def project(db: str | None, *, create: bool = False) -> Iterator[Store]:
    """The database --db names, open. Only commands that write pass ``create``: a reading command
    on a database that is not there says so, and makes no file and no folder."""
    wait = _lock_wait()
    store = open_project(db, create=create)
    if wait is not None:
        store.lock_wait = wait
    store.on_wait = lambda: click.echo(f"Waiting for another annotator process to finish writing to {store.path}…",
                                       err=True)
    try:
        if store.backup_path:
            click.echo(f"Upgraded {store.path}; the old version is kept as {store.backup_path}", err=True)
        yield store
    except DATABASE_ERRORS as err:  # SQLite's own failure: one line, worded for what happened
        raise click.ClickException(failure_line(err, store.path)) from None
    finally:
        with contextlib.suppress(*DATABASE_ERRORS):
            store.close()


def json_line(value: Any, **kwargs: Any) -> str:
    """JSON as annotator prints it: UTF-8 text, with U+2028 and U+2029 escaped (consumers that
    split lines on them, Python's own splitlines among them, would break a record in two)."""
    return escape_line_separators(json.dumps(value, **kwargs))


def is_tty() -> bool:
    """Whether standard output is a terminal. Commands ask it as ``common.is_tty()``, so that a test
    can stand in a terminal by setting this one name."""
    return sys.stdout.isatty()


def document_id(store: Store, given: str) -> str:
    """The document ``given`` names: its id, or the one id that starts with it (000_b57 for
    000_b57cd57af517ef66). What show and screenshot both take."""
    if store.get_document(given) is not None:
        return given
    found = store.ids_with_prefix(given)
    if len(found) == 1:
        return found[0]
    if not found:
        raise click.ClickException(f"no document with id {given!r} or an id starting with it (see: annotator docs)")
    listed = ", ".join(found[:10]) + (", ..." if len(found) > 10 else "")
    raise click.ClickException(f"{given!r} starts several document ids ({listed}): give more of it")
