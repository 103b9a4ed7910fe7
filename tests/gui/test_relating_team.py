"""Relations on a team database (issue 25): what one member relates shows in a window that follows
that layer, and a member cannot relate spans in another's layer: "Not saved" in one line, nothing
written, nothing left on screen or on the undo stack."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.core.workspace.operations import AddSpan
from tests.gui.test_team import at, focus, open_window, plain, team_db  # noqa: F401 (fixtures)


def label(win, word: str, name: str):
    start, end = at(word)
    return win.view.span(win.workspace.do(AddSpan(win.workspace, "r", start, end, name, word)).focus_span)


def test_a_relation_sara_makes_shows_in_a_window_following_her_layer(qtbot, pg_cluster, team_db, open_window):
    sara = open_window(pg_cluster.url("sara", team_db))
    minji = open_window(pg_cluster.url("minji", team_db), annotator="sara")  # minji reads sara's layer
    city, expo = label(sara, "대구시", "GPE"), label(sara, "스마트시티 엑스포", "EVENT")
    focus(qtbot, sara)
    sara.select_span(city.id)
    qtbot.keyClick(sara.view, Qt.Key_L, Qt.ControlModifier)
    qtbot.keyClick(sara.view, Qt.Key_Right)
    qtbot.keyClick(sara.view, "m")
    assert [(r.from_id, r.to_id, r.label) for r in sara.store.relations("r", "sara")] == [
        (city.id, expo.id, "participates_in")]
    qtbot.waitUntil(lambda: [a.label for a in minji.view.arcs] == ["participates_in"], timeout=3000)
    assert minji.relating.panel.row_count() == 1
    sara.undo_action.trigger()  # and its deletion too
    qtbot.waitUntil(lambda: minji.view.arcs == (), timeout=3000)


def test_a_member_cannot_relate_spans_in_anothers_layer(qtbot, pg_cluster, team_db, open_window):
    sara = open_window(pg_cluster.url("sara", team_db))
    city, expo = label(sara, "대구시", "GPE"), label(sara, "스마트시티 엑스포", "EVENT")
    minji = open_window(pg_cluster.url("minji", team_db), annotator="sara")
    before = minji.store.dump()
    focus(qtbot, minji)
    minji.select_span(city.id)
    qtbot.keyClick(minji.view, Qt.Key_L, Qt.ControlModifier)
    qtbot.keyClick(minji.view, Qt.Key_Right)
    qtbot.keyClick(minji.view, "m")
    assert minji.saved_label.text() == "Not saved"
    message = plain(minji.statusBar().currentMessage())
    assert message.startswith("Not saved: could not relate «대구시» participates_in «스마트시티 엑스포»: "
                              "refused by the team database") and "\n" not in message
    assert minji.store.relations("r", "sara") == [] and minji.store.dump() == before
    assert minji.view.arcs == () and minji.relating.panel.row_count() == 0
    assert minji.undo_stack.count() == 0
