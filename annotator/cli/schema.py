"""The label schema: schema show and schema load."""

from __future__ import annotations

from pathlib import Path

import click

from annotator import terminal
from annotator.cli import common
from annotator.cli.common import CONTEXT, db_option, json_line, project, reports_errors
from annotator.core.errors import InputError
from annotator.core.relations import broken_by
from annotator.core.schema import load_schema_file
from annotator.core.text import counted

NO_RELATION_TYPES = ("add them in the window (Annotate → Labels and themes…, Relation types: one click adds the "
                     "default four), or load a schema file with [[relations]]: annotator schema load FILE")


@click.group(context_settings=CONTEXT)
def schema() -> None:
    """Show or load the label schema: entity labels, themes, relation types, hotkeys, colours, guidelines.

    \b
    Example:
        annotator schema show
        annotator schema load my-schema.toml
    """


@schema.command("show", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="The schema as one JSON object.")
@db_option
@reports_errors
def schema_show(as_json: bool, db: str | None) -> None:
    """Print the labels, themes, relation types and guidelines of the current schema.

    \b
    Example:
        annotator schema show
        annotator schema show --json > schema.json
    """
    with project(db) as store:
        current = store.schema()
    if as_json:
        click.echo(json_line(current.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Schema: {current.name or '(unnamed)'}")
    for heading, items in (("Entity labels", current.labels), ("Themes", current.themes)):
        click.echo(f"\n{heading}:")
        for item in items:
            click.echo(f"  [{item.hotkey or ' '}] {item.name:<24} {item.colour}  {item.display}")
    click.echo("\nRelations:")
    for kind in current.relations:
        click.echo(f"  [{kind.hotkey or ' '}] {kind.name:<24} {kind.colour}  {kind.display}  ({kind.rule()})")
    if not current.relations:  # a database made before relations: none until they are added
        click.echo(f"  none yet: {NO_RELATION_TYPES}")
    click.echo("\nGuidelines:\n")
    for line in current.guidelines_text().split("\n"):
        click.echo(terminal.visual(line) if common.is_tty() else line)


@schema.command("load", context_settings=CONTEXT)
@click.argument("file", type=click.Path(path_type=Path))
@db_option
@reports_errors
def schema_load(file: Path, db: str | None) -> None:
    """Replace the schema with FILE (TOML or JSON, shaped like resources/schema.toml).

    Labels and themes that annotations still use are kept even if FILE leaves them out.

    \b
    Example:
        annotator schema load resources/schema.toml
    """
    new = load_schema_file(file)
    with project(db, create=True) as store:
        why = broken_by(new, store.relation_end_labels())
        if why is not None:  # else the database's own export could not be imported again
            raise InputError(file, why)
        change = store.replace_schema(new)
    kinds = f", {counted(len(new.relations), 'relation type')}" if new.relations else ""
    click.echo(f"Loaded {file}: {counted(len(new.labels), 'label')}, {counted(len(new.themes), 'theme')}{kinds} "
               f"({len(change.added)} added, {len(change.updated)} updated, {len(change.removed)} removed)")
    if change.kept_in_use:
        click.echo("Kept because annotations use them: " + ", ".join(change.kept_in_use))
