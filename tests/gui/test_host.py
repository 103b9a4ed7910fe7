"""The window's rooms use only what gui/host.py's Host declares, and the window has all of it."""

from __future__ import annotations

import re
from pathlib import Path

GUI = Path(__file__).resolve().parents[2] / "annotator" / "gui"
ROOMS = ("annotating", "files", "menus", "docks", "status", "search", "learning", "live", "review",
         "schema_editor", "span_menu", "suggestions", "activity")
SET_LATER = {"schema_editor", "last_menu"}  # set when the label editor or a right-click menu opens


def declared() -> set[str]:
    host = (GUI / "host.py").read_text(encoding="utf-8")
    return set(re.findall(r"^    (\w+):", host, re.M)) | set(re.findall(r"^    def (\w+)\(", host, re.M))


def test_rooms_use_only_what_the_host_declares():
    used: dict[str, set[str]] = {}
    for room in ROOMS:
        text = (GUI / f"{room}.py").read_text(encoding="utf-8")
        for match in re.finditer(r"\b(?:self\.window|window|w)\.(\w+)", text):
            used.setdefault(match.group(1), set()).add(room)
    assert {name: rooms for name, rooms in used.items() if name not in declared()} == {}


def test_the_window_has_all_the_host_declares(window):
    assert sorted(name for name in declared() - SET_LATER if not hasattr(window, name)) == []


def test_the_workspace_follows_what_the_window_opens_selects_and_edits(qtbot, window):
    from tests.gui.conftest import key
    from tests.helpers import DAEGU_SEED

    heard: list[str] = []
    for event in ("document_opened", "selection_changed", "span_added", "changed", "layer_switched"):
        window.workspace.events.connect(event, lambda event=event, **what: heard.append(event))
    window.open_document(DAEGU_SEED)
    assert window.workspace.document.id == DAEGU_SEED and heard[0] == "document_opened"
    window.view.select(0, 3)
    assert window.workspace.selection[:2] == (0, 3)
    key(qtbot, window, "o")
    [span] = window.view.spans
    assert window.workspace.selection[2] == span.id
    assert heard.index("span_added") < heard.index("changed")
    window.review.mode_action.trigger()
    assert "layer_switched" in heard and window.workspace.layer.is_gold
