"""Errors the core raises; the CLI and the GUI turn them into messages, never tracebacks."""

from __future__ import annotations

from pathlib import Path


class AnnotatorError(Exception):
    """Any error a user can act on; its message is one line, ready to show."""


class InputError(AnnotatorError):
    """Bad input: names the file, the line where there is one, and what is wrong."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class DatabaseError(AnnotatorError):
    """The database file cannot be used: too new, not ours, or damaged."""
