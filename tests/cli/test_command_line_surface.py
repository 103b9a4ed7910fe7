"""The command line's surface: every command's name, params and help against a checked-in snapshot.

The snapshot (command_line_surface.json) is what ``annotator`` offers its users: names, arguments,
options with their types, defaults and flags, the help text and the rendered ``--help`` of every
command and subcommand. A change to any of it shows here as a diff; when the change is meant,
regenerate it with ``python -m tests.cli.test_command_line_surface`` and commit both.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

import click

from annotator.cli import cli

SNAPSHOT = Path(__file__).with_name("command_line_surface.json")


def _plain(value: Any) -> Any:
    """A default or a type's detail as JSON: containers walked, anything else by its repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, type):
        return value.__name__
    return repr(value)


def _text(text: str | None) -> str | None:
    """A docstring as Python 3.13 keeps it (indentation stripped), whichever Python reads it."""
    return None if text is None else inspect.cleandoc(text)


def _param(param: click.Parameter) -> dict[str, Any]:
    info = param.to_info_dict()  # name, opts, type, default, required, nargs, multiple, envvar, help, is_flag, ...
    kind = param.type
    info["type"]["class"] = type(kind).__name__
    if isinstance(kind, click.Path):
        info["type"]["path_type"] = kind.type  # str, bytes or pathlib.Path
    info["metavar"] = param.metavar
    info["expose_value"] = param.expose_value
    info["is_eager"] = param.is_eager
    info["callback"] = getattr(param.callback, "__name__", None)
    if isinstance(param, click.Option):
        info["show_default"] = param.show_default
        info["show_envvar"] = param.show_envvar
    return _plain(info)


def _command(command: click.Command, ctx: click.Context) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": command.name,
        "class": type(command).__name__,
        "help": _text(command.help),
        "short_help": _text(command.short_help),
        "epilog": _text(command.epilog),
        "hidden": command.hidden,
        "deprecated": command.deprecated,
        "context_settings": _plain(command.context_settings),
        "params": [_param(p) for p in command.get_params(ctx)],
        "rendered_help": command.get_help(ctx),
    }
    if isinstance(command, click.Group):
        out["invoke_without_command"] = command.invoke_without_command
        out["no_args_is_help"] = command.no_args_is_help
        out["chain"] = command.chain
        out["commands"] = {
            name: _command(sub, _context(sub, name, ctx))
            for name, sub in sorted(command.commands.items())
        }
    return out


def _context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    """A context as click makes one for ``command`` (its context_settings), at a fixed width."""
    # 98 columns: what click gives a terminal 100 or more wide (max_content_width 100, less 2).
    settings = {**command.context_settings, "terminal_width": 98}
    return click.Context(command, info_name=name, parent=parent, **settings)


def surface() -> dict[str, Any]:
    return _command(cli, _context(cli, "annotator", None))


def test_the_command_line_surface_is_unchanged():
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert surface() == expected


def test_the_snapshot_covers_every_command():
    def names(node: dict[str, Any], prefix: str = "") -> set[str]:
        found = set()
        for name, sub in node.get("commands", {}).items():
            found.add(prefix + name)
            found |= names(sub, prefix + name + " ")
        return found

    listed = names(json.loads(SNAPSHOT.read_text(encoding="utf-8")))
    assert {"import", "export", "team", "team add", "schema load", "bench"} <= listed
    assert listed == names(surface())


if __name__ == "__main__":  # python -m tests.cli.test_command_line_surface: write the snapshot anew
    SNAPSHOT.write_text(json.dumps(surface(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {SNAPSHOT}\n")
