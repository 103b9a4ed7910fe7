"""The window's Qt-free workspace: the open database, document, layer and selection, the edits
(operations) and their history, and events saying what happened.

The GUI observes it (annotator.gui.window wires its views to the events) and never holds these
itself; see docs/architecture.md.
"""

from annotator.core.workspace.events import Events
from annotator.core.workspace.history import History
from annotator.core.workspace.operations import Change, Operation
from annotator.core.workspace.workspace import Workspace

__all__ = ["Change", "Events", "History", "Operation", "Workspace"]
