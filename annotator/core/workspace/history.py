"""The undo history without Qt: a stack of done operations and one of undone ones.

The window keeps Qt's QUndoStack for its menus (annotator.gui.commands wraps each operation);
this is the same history for code without a window, and what the workspace's tests drive.
"""

from __future__ import annotations

from typing import Callable

from annotator.core.workspace.operations import Change, Operation

Apply = Callable[..., "Change | None"]  # Workspace.apply(operation, undone=False)


class History:
    def __init__(self, apply: Apply):
        self.apply = apply
        self.done: list[Operation] = []
        self.undone: list[Operation] = []

    def push(self, operation: Operation) -> Change | None:
        """Do ``operation``; kept for undo only if it was saved (a failed one is dropped)."""
        change = self.apply(operation)
        if change is not None:
            self.done.append(operation)
            self.undone.clear()
        return change

    def undo(self) -> Change | None:
        if not self.done:
            return None
        operation = self.done.pop()
        change = self.apply(operation, undone=True)
        if change is not None:
            self.undone.append(operation)
        return change  # a failed undo drops the operation: its place no longer matches the disk

    def redo(self) -> Change | None:
        if not self.undone:
            return None
        operation = self.undone.pop()
        change = self.apply(operation)
        if change is not None:
            self.done.append(operation)
        return change

    def clear(self) -> None:
        self.done.clear()
        self.undone.clear()
