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
@click.option("--to", "to", metavar="A,B,...", help="The annotators, comma-separated.")
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False),
              help="A new folder for the files (NAME.db each). Without it, the queues are kept in the database.")
@click.option("--overlap", default=1, show_default=True, metavar="K", type=click.IntRange(min=1, max=MOST),
              help="How many annotators get each document (2 or more for agreement and adjudication).")
@click.option("--lang", metavar="CODE", help="Only documents in this language.")
@click.option("--ids", multiple=True, metavar="ID", help="Only these documents (repeat the option).")
@click.option("--unfinished", is_flag=True, help="Leave out documents someone has marked done.")
@click.option("--append", is_flag=True, help="Add to the queues instead of replacing them (no --out).")
@click.option("--clear", "clear", multiple=True, metavar="NAME", help="Empty NAME's queue (repeat the option).")
@db_option
@reports_errors
def assign(to: str | None, out: Path | None, overlap: int, lang: str | None, ids: tuple[str, ...], unfinished: bool,
           append: bool, clear: tuple[str, ...], db: str | None) -> None:
    """Hand out the work: each annotator's queue in the database (on a team database the one
    everyone shares), or with --out a database file per annotator to annotate offline
    (annotator --db FILE) and bring back with annotator merge. The same arguments again change
    nothing. On a team database the leads and the owner write queues.

    \b
    Example:
        annotator assign --to sara,minji,reza --overlap 2
        annotator assign --to sara --ids d17 --append
        annotator assign --clear reza
        annotator assign --to sara,minji,reza --overlap 2 --out batch-1/
        annotator merge batch-1/sara.db
    """
    from annotator.core.assigning import assign as assign_work
    from annotator.core.assigning import assign_queues
    from annotator.core.identity import current_annotator

    names = [name.strip() for name in (to or "").split(",") if name.strip()]
    if not names and not clear:
        raise click.UsageError("give --to A,B,... (whom to assign to), or --clear NAME")
    if out is not None and (append or clear):
        raise click.UsageError("--append and --clear change the queues in the database: leave out --out")
    with project(db) as store:
        if out is not None:
            report = assign_work(store, names, out, overlap=overlap, lang=lang, ids=list(ids) or None,
                                 unfinished=unfinished)
            click.echo(report.summary())
            return
        with store.transaction():
            emptied = {name: store.clear_queue(name) for name in clear}
            before = {name: store.queue(name) for name in names}
            counts = (assign_queues(store, names, overlap=overlap, lang=lang, ids=list(ids) or None,
                                    unfinished=unfinished, append=append, by=store.member or current_annotator(store))
                      if names else {})
            same = {name for name in names if store.queue(name) == before[name]}
    for name, n in emptied.items():
        click.echo(f"{name}: queue emptied ({counted(n, 'document')} taken out)")
    for name, n in counts.items():
        said = 'added to the queue' if append else 'in the queue'
        click.echo(f"{name}: {counted(n, 'document')} {said}" + (" (unchanged)" if name in same and not append else ""))


@click.command(context_settings=CONTEXT)
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document per line.")
@db_option
@reports_errors
def queue(name: str | None, as_json: bool, db: str | None) -> None:
    """Show a work queue (yours by default) in order, with each document's status.

    \b
    Example:
        annotator queue
        annotator queue sara --json
    """
    from annotator.cli.common import json_line
    from annotator.core.identity import current_annotator

    with project(db) as store:
        owner = name or store.member or current_annotator(store)
        rows = store.queue_status(owner)
        mine_only = store.is_team and store.role not in ("owner", "lead") and owner != store.member
    if as_json:
        for doc_id, title, status in rows:
            click.echo(json_line({"id": doc_id, "title": title, "status": status.value, "annotator": owner},
                                 ensure_ascii=False))
        return
    if not rows:
        why = " (a member reads only their own queue)" if mine_only else ""
        click.echo(f"{owner} has no queue in this database{why}", err=True)
        return
    for doc_id, title, status in rows:
        click.echo(f"{doc_id}\t{status.value}\t{' '.join(title.split())}")
    done = sum(status.value == "done" for _, _, status in rows)
    click.echo(f"{done} / {len(rows)} done ({owner}'s queue)", err=True)


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
