"""Looking after a database file: check, recover and backup."""

from __future__ import annotations

from pathlib import Path

import click

from annotator.cli.common import CONTEXT, db_option, reports_errors
from annotator.core.project import missing_database, resolve_db_path


def _db_path(db: str | None) -> Path:
    """The database file check, recover and backup read: it must be there."""
    path, is_default = resolve_db_path(db)
    if isinstance(path, str):
        raise click.ClickException("check, recover and backup work on a database file; a team database lives "
                                   "on its server, which checks and backs it up itself (pg_dump)")
    if not path.exists():
        raise click.ClickException(missing_database(path, is_default))
    return path


@click.command(context_settings=CONTEXT)
@db_option
@reports_errors
def check(db: str | None) -> None:
    """Check the database for damage: SQLite's integrity check, the search index's own check,
    the tables and triggers as annotator makes them, and every span's text against its
    document. Opens the file read-only; exits 1 if anything is wrong (then `annotator recover`
    copies what is readable into a new file).

    \b
    Example:
        annotator check
        annotator check --db batch-1/sara.db
    """
    from annotator.storage.maintenance import check as run_check

    report = run_check(_db_path(db))
    click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)


@click.command(context_settings=CONTEXT)
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@db_option
@reports_errors
def recover(out: Path, db: str | None) -> None:
    """Copy what is readable from a damaged database into a new file OUT, and say per table what
    was kept and what was lost. The damaged file is only read.

    \b
    Example:
        annotator recover recovered.db
        annotator --db recovered.db check
    """
    from annotator.storage.maintenance import recover as run_recover

    report = run_recover(_db_path(db), out)
    click.echo(report.summary())


@click.command(context_settings=CONTEXT)
@click.option("-o", "--out", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Where to write the copy. Default: NAME.backup-DATE.db beside the database.")
@db_option
@reports_errors
def backup(out: Path | None, db: str | None) -> None:
    """Copy the database now, safely while the window has it open (SQLite's online backup),
    written under a temporary name and renamed when complete.

    \b
    Example:
        annotator backup
        annotator backup -o /media/usb/annotator-2026-11-30.db
    """
    from annotator.storage.maintenance import backup as run_backup
    from annotator.storage.maintenance import restore_instructions, rolling_backup

    path = _db_path(db)
    written = run_backup(path, out) if out is not None else rolling_backup(path, path.parent, keep=10**6)
    click.echo(f"Wrote {Path(written).resolve()}")
    click.echo(restore_instructions(path), err=True)
