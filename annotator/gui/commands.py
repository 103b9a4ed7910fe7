"""The window's undo stack holds the workspace's operations: each wrapped in a ``QUndoCommand`` for
Qt's Undo and Redo menu items.

The operations and what each changed live in the core (annotator.core.workspace.operations);
``redo`` and ``undo`` here only ask the workspace to take the step (``Workspace.apply``: committed
before it returns, then its events say what changed). A step that fails marks its command
obsolete, so the undo stack never holds a change that is not on disk.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand, QUndoStack

from annotator.core.workspace import Change, Operation, Workspace


class Step(QUndoCommand):
    def __init__(self, workspace: Workspace, operation: Operation):
        super().__init__(operation.text)
        self.workspace = workspace
        self.operation = operation
        self.change = None  # what the last step changed (None: it was not saved)

    def redo(self) -> None:
        self.change = self.workspace.apply(self.operation)
        if self.change is None:
            self.setObsolete(True)  # rolled back: its place on the stack would claim a change not on disk

    def undo(self) -> None:
        if self.workspace.apply(self.operation, undone=True) is None:
            self.setObsolete(True)


class UndoStackHistory:
    """The workspace's history kept on the window's ``QUndoStack`` (its menu items, macros, clean state)."""

    def __init__(self, stack: QUndoStack, workspace: Workspace):
        self.stack = stack
        self.workspace = workspace

    def push(self, operation: Operation) -> Change | None:
        """Do ``operation`` (QUndoStack.push takes its step at once); the change, or None if it
        was not saved."""
        step = Step(self.workspace, operation)
        self.stack.push(step)
        return step.change

    def undo(self) -> None:
        self.stack.undo()

    def redo(self) -> None:
        self.stack.redo()

    def clear(self) -> None:
        self.stack.clear()
