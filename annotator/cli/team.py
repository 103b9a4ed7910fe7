"""Working as a team: its PostgreSQL database (team init, add, list), and offline files (assign, merge)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from annotator.cli.common import CONTEXT, MOST, db_option, project, reports_errors, team_db_option
from annotator.core.errors import AnnotatorError
from annotator.core.text import counted


@click.group(context_settings=CONTEXT)
def team() -> None:
    """A team's PostgreSQL database, where PostgreSQL itself decides who may write what.

    Run by the database's owner, with --db postgresql://OWNER@HOST/DATABASE (or $ANNOTATOR_DB);
    passwords come from PGPASSWORD or ~/.pgpass, never from the command line.

    \b
    Example:
        annotator team init --db postgresql://owner@db.example/news
        annotator team add sara --db postgresql://owner@db.example/news
        annotator team add leila --reviewer --password-stdin --db postgresql://owner@db.example/news
        annotator team list --db postgresql://owner@db.example/news
    """


@contextlib.contextmanager
def team_database(db: str | None) -> Iterator[Any]:
    from annotator.storage import team as teams

    if not teams.is_url(db):
        raise click.ClickException("annotator team works on a team's PostgreSQL database: "
                                   "give --db postgresql://OWNER@HOST/DATABASE")
    conn = teams.connect(db)
    try:
        yield conn
    except Exception as err:  # PostgreSQL's refusal or failure: one line
        if isinstance(err, (AnnotatorError, click.ClickException)):
            raise
        raise click.ClickException(teams.explain(err)) from None
    finally:
        conn.close()


@team.command("init", context_settings=CONTEXT)
@team_db_option
@reports_errors
def team_init(db: str | None) -> None:
    """Create the schema, the annotators' and reviewers' group roles, the grants and the row-level
    security policies (or complete them: it can be run again).

    \b
    Example:
        annotator team init --db postgresql://owner@db.example/news
    """
    from annotator.storage import team as teams

    with team_database(db) as conn:
        ran = teams.init(conn)
    with project(db, create=True) as store:  # the default label schema, the first time
        labels = len(store.schema().labels)
    click.echo(f"Team database ready ({', '.join(ran) if ran else 'already up to date'}; {counted(labels, 'label')})")


@team.command("add", context_settings=CONTEXT)
@click.argument("name")
@click.option("--reviewer", is_flag=True, help="A reviewer: writes gold and adjudication too.")
@click.option("--lead", is_flag=True, help="A lead: a reviewer who also adds documents and changes the label schema.")
@click.option("--password-stdin", is_flag=True, help="Read the member's password from standard input (one line).")
@team_db_option
@reports_errors
def team_add(name: str, reviewer: bool, lead: bool, password_stdin: bool, db: str | None) -> None:
    """Add a person: a login role of their own, in the annotators' (or reviewers', or leads')
    group; adding someone again moves them. Without --password-stdin the role has no password
    (for a server that authenticates otherwise). Membership stays the owner's.

    \b
    Example:
        annotator team add sara --db postgresql://owner@db.example/news
        printf '%s\\n' "$PW" | annotator team add leila --reviewer --password-stdin --db postgresql://owner@db.example/news
        annotator team add reza --lead --db postgresql://owner@db.example/news
    """
    from annotator.storage import team as teams

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and not password:
        raise click.ClickException("--password-stdin read an empty password")
    with team_database(db) as conn:
        teams.add_member(conn, name, reviewer=reviewer, lead=lead, password=password)
    kind = "lead" if lead else "reviewer" if reviewer else "annotator"
    click.echo(f"{name} is a{'n' if kind == 'annotator' else ''} {kind} of the team database")


@team.command("list", context_settings=CONTEXT)
@team_db_option
@reports_errors
def team_list(db: str | None) -> None:
    """The members and their roles.

    \b
    Example:
        annotator team list --db postgresql://owner@db.example/news
    """
    from annotator.storage import team as teams

    with team_database(db) as conn:
        for name, role in teams.members(conn):
            click.echo(f"{name}\t{role}")


@click.command(context_settings=CONTEXT)
@click.option("--to", "to", required=True, metavar="A,B,...", help="The annotators, comma-separated.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="A new folder for the files (NAME.db each).")
@click.option("--overlap", default=1, show_default=True, metavar="K", type=click.IntRange(min=1, max=MOST),
              help="How many annotators get each document (2 or more for agreement and adjudication).")
@click.option("--lang", metavar="CODE", help="Only documents in this language.")
@click.option("--ids", multiple=True, metavar="ID", help="Only these documents (repeat the option).")
@click.option("--unfinished", is_flag=True, help="Leave out documents someone has marked done.")
@db_option
@reports_errors
def assign(to: str, out: Path, overlap: int, lang: str | None, ids: tuple[str, ...], unfinished: bool,
           db: str | None) -> None:
    """Split the work: write a database file per annotator with their batch of documents, to
    annotate offline (annotator --db FILE) and bring back with annotator merge.

    \b
    Example:
        annotator assign --to sara,minji,reza --overlap 2 --out batch-1/
        annotator merge batch-1/sara.db
    """
    from annotator.core.assigning import assign as assign_work

    names = [name.strip() for name in to.split(",") if name.strip()]
    with project(db) as store:
        report = assign_work(store, names, out, overlap=overlap, lang=lang, ids=list(ids) or None,
                             unfinished=unfinished)
    click.echo(report.summary())


@click.command(context_settings=CONTEXT)
@click.argument("other", type=click.Path(path_type=Path))
@db_option
@reports_errors
def merge(other: Path, db: str | None) -> None:
    """Bring in another annotator's database file, read-only: documents matched by id and text,
    their layers added, conflicts reported, nothing here overwritten.

    \b
    Example:
        annotator merge ~/Downloads/minji.db
    """
    from annotator.core.merging import merge as merge_databases

    with project(db, create=True) as store:
        report = merge_databases(store, other)
    click.echo(report.summary())
