"""The ``annotator`` command line: the click group, main(), and each command module's commands.

A thin layer of click over annotator.core. Each command's docstring is its ``--help``, with an
example; each calls into the core and turns its errors into one-line messages (exit status 1),
never tracebacks. What the commands share is in common.py; the commands live by noun in
documents, exports, review, suggestions, schema, team, maintenance, window and progress.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import NoReturn

import click

from annotator import __version__
from annotator.cli import documents, exports, maintenance, progress, review, schema, suggestions, team, window
from annotator.cli.common import CONTEXT, closed_pipe, db_option
from annotator.core import stopping
from annotator.core.errors import AnnotatorError


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@db_option
@click.version_option(__version__, prog_name="annotator")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Annotate Persian and Korean news: entity spans, themes, exact offsets.

    Run without a command to open the annotation window.

    \b
    Example:
        annotator import seeds/
        annotator docs
        annotator search 대구
    """
    if ctx.invoked_subcommand is None:
        from annotator.gui.app import run  # Qt loads only when the window is wanted

        try:
            ctx.exit(run(db))
        except AnnotatorError as err:
            raise click.ClickException(str(err)) from None


# In the order they were written; --help lists them by name.
COMMANDS = (documents.import_command, exports.export_command, review.agreement, review.adjudicate, team.merge,
            team.assign, documents.docs, documents.whoami, documents.show, documents.search, schema.schema,
            documents.stats, window.screenshot, suggestions.suggest, maintenance.check, maintenance.recover,
            maintenance.backup, team.team, window.bench, team.queue,
            progress.progress, progress.report)
for command in COMMANDS:
    cli.add_command(command)


def _stop(signum: int, frame: object) -> NoReturn:
    stopping.request(signum)
    raise SystemExit(128 + signum)


def _quiet_about_stops(unraisable: sys.UnraisableHookArgs, default=sys.unraisablehook) -> None:
    """The exit a signal raised while Python was cleaning up an object (a __del__) cannot leave
    it: Python would print it with a traceback and go on. The stop it asked for is kept (the
    command ends at its next step, see annotator.core.stopping), so nothing needs saying."""
    if stopping.requested() and isinstance(unraisable.exc_value, SystemExit):
        return
    default(unraisable)


def main() -> None:
    # SIGTERM and Ctrl+C end the process through Python: an export removes its .partial file, an
    # open transaction rolls back. Inside one long SQLite query the exit raised here is swallowed
    # by SQLite's progress handler, which ends the query; the stop asked for ends the command.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stop)
    stopping.arm()
    sys.unraisablehook = _quiet_about_stops
    for stream in (sys.stdout, sys.stderr):  # a terminal whose encoding lacks Persian or Hangul (LC_ALL=C,
        with contextlib.suppress(AttributeError, ValueError):  # PYTHONIOENCODING=latin-1) gets escapes
            stream.reconfigure(errors="backslashreplace")
    try:
        cli(prog_name="annotator")
    except BrokenPipeError:  # output closed outside a command's own reporting (its --help, say)
        closed_pipe()
