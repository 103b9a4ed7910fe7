"""The window on a team database: each member's window as that member, what one saves shows in
the others within two seconds, what PostgreSQL refuses says "Not saved" with the reason and
leaves nothing on screen or in the database, and a server that goes away is retried until it
answers. Real team databases in a throwaway cluster (tests/postgres.py); real key presses and
mouse drags."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from annotator.core.importing import import_paths
from annotator.core.project import open_project
from annotator.gui.app import create_app
from annotator.gui.window import MainWindow
from annotator.storage import team
from tests.gui.conftest import drag, key
from tests.helpers import write

TEXT = "대구시는 지난 18일 스마트시티 엑스포에서 권혁원 과장이 발표했다"
FA_TEXT = "خبر از مشهد و سمنان امروز"


def at(word: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def plain(text: str) -> str:
    """Without the isolating marks the window puts around names and document text."""
    return text.replace("\u2068", "").replace("\u2069", "")


def database_name(url: str) -> str:
    return re.search(r"/([^/?]+)\?", url).group(1)


def set_up(cluster, request, tmp_path: Path) -> str:
    """A fresh team database with members sara, minji (annotators), leila and hana (reviewers), and two
    documents the owner imported; its name."""
    from tests.postgres import team_database

    url = team_database(cluster, request)
    name = database_name(url)
    with cluster.connect(database=name) as owner:
        team.add_member(owner, "sara")
        team.add_member(owner, "minji")
        team.add_member(owner, "leila", reviewer=True)
        team.add_member(owner, "hana", reviewer=True)
    docs = write(tmp_path / "docs.jsonl", "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in [
        {"id": "r", "text": TEXT, "lang": "ko"}, {"id": "f", "text": FA_TEXT, "lang": "fa"}]))
    with open_project(url) as store:
        import_paths(store, [docs], annotator=store.member)
    return name


@pytest.fixture
def team_db(pg_cluster, request, tmp_path):
    return set_up(pg_cluster, request, tmp_path)


@pytest.fixture
def open_window(qtbot, request, tmp_path):
    """Open a window on a team database as a member, as the app does (the annotator is the
    login unless given); its store closes after the window."""
    create_app()

    def make(url: str, annotator: str | None = None, doc: str = "r") -> MainWindow:
        store = open_project(url)
        request.addfinalizer(store.close)
        settings = QSettings(str(tmp_path / f"ui-{store.member}-{annotator}.ini"), QSettings.IniFormat)
        win = MainWindow(store, annotator or store.member, settings)
        win._quiet_dialogs = True
        qtbot.addWidget(win)
        win.resize(1200, 800)
        win.show()
        qtbot.waitExposed(win)
        win.open_document(doc)
        return win

    return make


def focus(qtbot, win: MainWindow) -> None:
    """The keyboard to this window's article, as a click on the window gives it."""
    win.raise_()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)
    win.view.setFocus()


def test_who_and_where_are_shown(pg_cluster, team_db, open_window):
    sara = open_window(pg_cluster.url("sara", team_db))
    assert sara.annotator == "sara" and sara.store.member == "sara" and sara.store.role == "annotator"
    assert "sara" in sara.windowTitle() and f"/{team_db}?" in sara.windowTitle()
    label = plain(sara.annotator_label.text())
    assert label == f"Annotator: sara · annotator, team database {team_db}"
    assert sara.annotator_label.toolTip() == f"Connected to {sara.store.path} as sara (annotator)"


def test_a_span_sara_makes_shows_in_the_reviewers_and_minjis_windows_within_two_seconds(
        qtbot, pg_cluster, team_db, open_window):
    sara = open_window(pg_cluster.url("sara", team_db))
    leila = open_window(pg_cluster.url("leila", team_db))
    leila.review.mode_action.trigger()  # the reviewer compares the annotators' layers
    minji = open_window(pg_cluster.url("minji", team_db))
    minji.suggestions.set_source("sara")  # minji reviews sara's spans as suggestions
    assert leila.review.units == [] and minji.view.suggestions == []
    minji.view.select(*at("스마트시티"))  # minji's own selection, which a live refresh must leave alone

    focus(qtbot, sara)
    drag(qtbot, sara, *at("대구시"))
    key(qtbot, sara, "g")
    saved_at = time.monotonic()
    assert sara.saved_label.text().startswith("Saved")
    assert [(s.label, s.text) for s in sara.store.spans("r", "sara")] == [("GPE", "대구시")]  # in the database

    qtbot.waitUntil(lambda: [(u.start, u.end) for u in leila.review.units] == [at("대구시")], timeout=2000)
    qtbot.waitUntil(lambda: [(s.text, s.annotator) for s in minji.view.suggestions] == [("대구시", "sara")],
                    timeout=2000)
    latency = time.monotonic() - saved_at
    assert latency < 2.0
    assert [(s.label, s.text) for s in leila.view.suggestions] == [("GPE", "대구시")]  # undecided: wavy
    assert leila.review.panel.summary.text().startswith("1 units, 0 decided")
    assert minji.view.selection() == at("스마트시티")  # minji's selection stayed
    assert minji.store.spans("r", "minji") == []  # nothing was written for her

    # The reviewer accepts it into gold with the keyboard; sara's layer is untouched.
    focus(qtbot, leila)
    qtbot.keyClick(leila.view, Qt.Key_F8)
    qtbot.keyClick(leila.view, Qt.Key_Return)
    assert leila.saved_label.text().startswith("Saved")
    gold = leila.store.gold_layers(["r"])["r"]["spans"]
    assert [(s.label, s.text, p["decided_by"]) for s, p in gold] == [("GPE", "대구시", "leila")]

    # Sara's next span, in the other document too: minji's list follows sara's, leila's gold status.
    focus(qtbot, sara)
    drag(qtbot, sara, *at("권혁원"))
    key(qtbot, sara, "p")
    qtbot.waitUntil(lambda: len(leila.review.units) == 2, timeout=2000)
    assert leila.review.panel.summary.text().startswith("2 units, 1 decided")


def test_the_document_list_follows_another_reviewers_adjudication(qtbot, pg_cluster, team_db, open_window):
    leila = open_window(pg_cluster.url("leila", team_db))
    leila.review.mode_action.trigger()  # the list's status column is gold's
    hana = open_window(pg_cluster.url("hana", team_db))
    hana.review.mode_action.trigger()
    model = leila.documents.model
    row = model.row_of("r")
    assert model.index(row, 2).data() == "not started"
    focus(qtbot, hana)
    qtbot.keyClick(hana.view, Qt.Key_Return, Qt.ControlModifier)  # hana: this document is adjudicated
    assert hana.store.gold_status("r") == "adjudicated"
    qtbot.waitUntil(lambda: model.index(row, 2).data() == "adjudicated", timeout=2000)


def test_an_annotator_adjudicating_is_refused_and_nothing_stays(qtbot, pg_cluster, team_db, open_window):
    sara = open_window(pg_cluster.url("sara", team_db))
    focus(qtbot, sara)
    drag(qtbot, sara, *at("대구시"))
    key(qtbot, sara, "g")
    minji = open_window(pg_cluster.url("minji", team_db))  # an annotator, not a reviewer
    minji.review.mode_action.trigger()
    focus(qtbot, minji)
    before = minji.store.dump()
    qtbot.keyClick(minji.view, Qt.Key_F8)
    qtbot.keyClick(minji.view, Qt.Key_Return)  # accept sara's unit into gold: only reviewers may
    assert minji.saved_label.text() == "Not saved"
    message = plain(minji.statusBar().currentMessage())
    assert message.startswith("Not saved: could not label «대구시» as GPE: refused by the team database")
    assert "written by reviewers and leads" in message and "Traceback" not in message
    assert minji.store.gold_layers(["r"]).get("r", {"spans": []})["spans"] == []
    assert minji.view.spans == []  # gold, as the database has it: empty
    assert minji.undo_stack.count() == 0  # nothing to undo that was not saved
    # A theme ticked into gold is refused too, and the box shows the database again.
    qtbot.keyClick(minji.view, Qt.Key_1)
    assert minji.saved_label.text() == "Not saved"
    assert not any(box.isChecked() for box in minji.themes_panel.boxes.values())
    assert minji.store.dump() == before


def test_a_member_opens_progress_and_is_told_the_others_queues_are_hidden(qtbot, pg_cluster, team_db, open_window):
    """Everyone reads every layer, but a member reads only their own queue: sara's Assigned is
    hers, minji's shows — to her, not 0 (said above the tables, and by the command line); the owner
    sees both."""
    from annotator.core.model import Status
    from annotator.gui.progress_view import MEMBER_NOTE

    with open_project(pg_cluster.url(database=team_db)) as owner:
        owner.set_queue("sara", ["r", "f"], by=owner.member)
        owner.set_queue("minji", ["r"], by=owner.member)
    minji = open_window(pg_cluster.url("minji", team_db))
    minji.store.set_status("r", "minji", Status.DONE)
    sara = open_window(pg_cluster.url("sara", team_db))
    focus(qtbot, sara)
    qtbot.keyClick(sara.view, Qt.Key_P, Qt.ControlModifier | Qt.ShiftModifier)
    dialog = sara.menus.progress
    rows = {dialog.annotators.item(r, 0).data(Qt.UserRole): [dialog.annotators.item(r, c).text() for c in (1, 2)]
            for r in range(dialog.annotators.rowCount())}
    assert rows["sara"] == ["2", "0"] and rows["minji"] == ["—", "1"]  # minji's done, not her queue
    from click.testing import CliRunner

    from annotator.cli import cli as cli_main

    said = CliRunner().invoke(cli_main, ["progress", "--db", pg_cluster.url("sara", team_db)])
    assert said.exit_code == 0, said.output
    minji_line = next(line for line in said.stdout.splitlines() if line.startswith("minji"))
    assert minji_line.split()[1] == "—" and "sara reads only their own queue here" in said.stderr
    as_json = CliRunner().invoke(cli_main, ["progress", "--json", "--db", pg_cluster.url("sara", team_db)])
    assert {p["name"]: p["assigned"] for p in json.loads(as_json.stdout)["annotators"]} == {"minji": None, "sara": 2}
    assert dialog.message.isVisible() and dialog.message.text() == MEMBER_NOTE
    owner_window = open_window(pg_cluster.url(database=team_db))
    focus(qtbot, owner_window)
    owner_window.menus.show_progress()
    owners = owner_window.menus.progress
    assert {p.name: p.assigned for p in owners.figures.annotators}["minji"] == 1
    assert not owners.message.isVisible()


def test_editing_another_members_layer_is_refused(qtbot, pg_cluster, team_db, open_window):
    minji = open_window(pg_cluster.url("minji", team_db), annotator="sara")  # minji's login, sara's layer
    assert "(sara · connected as minji @ postgresql://minji@/" in plain(minji.windowTitle())
    assert "only its owner's edits" in minji.statusBar().currentMessage()
    focus(qtbot, minji)
    before = minji.store.dump()
    drag(qtbot, minji, *at("권혁원"))
    key(qtbot, minji, "p")
    assert minji.saved_label.text() == "Not saved"
    message = plain(minji.statusBar().currentMessage())
    assert "refused by the team database" in message and "row-level security" in message
    assert "a member writes only their own layer" in message
    assert minji.view.spans == [] and minji.span_panel.model.spans == []
    assert minji.undo_stack.count() == 0 and not minji.undo_action.isEnabled()
    assert minji.store.spans("r", "sara") == [] and minji.store.dump() == before
    # Her own layer still saves: the refusal left nothing half done.
    minji.set_annotator("minji")
    focus(qtbot, minji)
    drag(qtbot, minji, *at("권혁원"))
    key(qtbot, minji, "p")
    assert minji.saved_label.text().startswith("Saved")
    assert [s.text for s in minji.store.spans("r", "minji")] == ["권혁원"]
    minji.undo_action.trigger()
    assert minji.store.spans("r", "minji") == [] and minji.saved_label.text().startswith("Saved")


def test_a_refused_undo_leaves_the_stacks_consistent(qtbot, pg_cluster, team_db, open_window):
    """The owner deletes sara's span while her window is open: her view follows, and undoing the
    span's creation says it is gone, leaving neither stack holding a change that is not there."""
    sara = open_window(pg_cluster.url("sara", team_db))
    focus(qtbot, sara)
    drag(qtbot, sara, *at("대구시"))
    key(qtbot, sara, "g")
    with pg_cluster.connect(database=team_db) as owner:
        owner.execute("DELETE FROM spans WHERE annotator = 'sara'")
    qtbot.waitUntil(lambda: sara.view.spans == [], timeout=2000)  # the owner's change shows
    sara.undo_action.trigger()
    assert sara.saved_label.text() == "Not saved"
    assert sara.undo_stack.count() == 0 and not sara.redo_action.isEnabled()


def test_a_lost_connection_says_not_saved_retries_and_saves_when_back(qtbot, request, tmp_path, open_window):
    from annotator.storage import cluster as clusters
    from tests.postgres import start_cluster, stop_cluster

    cluster = start_cluster()  # its own: this one is halted
    request.addfinalizer(lambda: stop_cluster(cluster))
    name = set_up(cluster, request, tmp_path)
    sara = open_window(cluster.url("sara", name))
    sara.live.retry_timer.setInterval(500)  # the test need not wait the full three seconds
    focus(qtbot, sara)
    clusters.halt(cluster)
    drag(qtbot, sara, *at("대구시"))
    key(qtbot, sara, "g")
    assert sara.saved_label.text() == "Not saved · connection lost"
    message = plain(sara.statusBar().currentMessage())
    assert "Not saved: could not label «대구시» as GPE: the connection to the team database" in message
    assert "was lost" in message and "trying to reconnect" in message
    assert sara.live.lost and sara.live.retry_timer.isActive()
    assert sara.view.spans == [] and sara.undo_stack.count() == 0
    qtbot.keyClick(sara.view, Qt.Key_1)  # a theme's key while lost: not ticked, not saved
    assert not any(box.isChecked() for box in sara.themes_panel.boxes.values())
    assert "Not saved: could not" in sara.statusBar().currentMessage()
    view_point = sara.view.viewport().rect().center()
    qtbot.mouseClick(sara.view.viewport(), Qt.LeftButton, pos=view_point)  # clicking around reads nothing
    # While the server is gone, the window asks whether it answers on another thread, never on
    # its own (a gone host could keep it waiting): the store's connection is not touched.
    asked_from: list[str] = []
    answers, reconnect = sara.store.server_answers, sara.store.reachable
    sara.store.server_answers = lambda: asked_from.append(threading.current_thread().name) or answers()
    sara.store.reachable = lambda: (_ for _ in ()).throw(AssertionError("reconnected while gone"))
    qtbot.wait(1200)  # retries that find nothing say so, and raise nothing
    assert sara.live.lost and "does not answer" in sara.statusBar().currentMessage()
    assert asked_from and threading.main_thread().name not in asked_from
    sara.store.server_answers, sara.store.reachable = answers, reconnect

    clusters.restart(cluster)
    qtbot.waitUntil(lambda: not sara.live.lost, timeout=5000)
    assert sara.saved_label.text() == "Connected again"
    assert "again" in sara.statusBar().currentMessage()
    focus(qtbot, sara)
    drag(qtbot, sara, *at("대구시"))
    key(qtbot, sara, "g")
    assert sara.saved_label.text().startswith("Saved")
    with open_project(cluster.url(database=name)) as owner:
        assert [(s.label, s.text) for s in owner.spans("r", "sara")] == [("GPE", "대구시")]


def test_the_heartbeat_notices_a_server_gone_without_an_edit(qtbot, request, tmp_path, open_window):
    from annotator.storage import cluster as clusters
    from tests.postgres import start_cluster, stop_cluster

    cluster = start_cluster()
    request.addfinalizer(lambda: stop_cluster(cluster))
    name = set_up(cluster, request, tmp_path)
    sara = open_window(cluster.url("sara", name))
    sara.live.retry_timer.setInterval(500)
    clusters.halt(cluster)
    qtbot.waitUntil(lambda: sara.live.lost, timeout=8000)  # the heartbeat: every 5 s
    assert sara.saved_label.text() == "Connection lost"  # nothing was tried, so nothing "not saved"
    sara.annotating.go()  # reading while lost: said, never raised
    clusters.restart(cluster)
    qtbot.waitUntil(lambda: not sara.live.lost, timeout=5000)
    minji = open_window(cluster.url("minji", name))
    focus(qtbot, minji)
    sara.suggestions.set_source("minji")
    drag(qtbot, minji, *at("권혁원"))
    key(qtbot, minji, "p")
    qtbot.waitUntil(lambda: [s.text for s in sara.view.suggestions] == ["권혁원"], timeout=2000)  # live again


def test_two_windows_on_one_file_follow_each_other(qtbot, tmp_path, open_window):
    """A file has no LISTEN: another connection's commit is "*", and the view is read again."""
    db = tmp_path / "shared.db"
    docs = write(tmp_path / "docs.jsonl", json.dumps({"id": "r", "text": TEXT, "lang": "ko"}, ensure_ascii=False) + "\n")
    with open_project(db) as store:
        import_paths(store, [docs], annotator="sara")
    sara = open_window(str(db), "sara")
    minji = open_window(str(db), "minji")
    minji.suggestions.set_source("sara")
    focus(qtbot, sara)
    drag(qtbot, sara, *at("대구시"))
    key(qtbot, sara, "g")
    qtbot.waitUntil(lambda: [s.text for s in minji.view.suggestions] == ["대구시"], timeout=2000)


@pytest.fixture
def opened(monkeypatch):
    """The windows app.run() and screenshot() open (run's event loop returns at once)."""
    from PySide6.QtWidgets import QApplication, QInputDialog

    import annotator.gui.app as app_module

    windows: list[MainWindow] = []

    class Recorded(MainWindow):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            windows.append(self)

    def no_question(*args, **kwargs):
        raise AssertionError("a team database's window asked for a name")

    monkeypatch.setattr(app_module, "MainWindow", Recorded)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(no_question))
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    yield windows
    for win in windows:
        win._closed = True  # its store is closed: nothing left to save
        win.hide()
        win.deleteLater()


def test_the_app_opens_as_the_member_without_asking(pg_cluster, team_db, opened, tmp_path, monkeypatch):
    from annotator.gui.app import run, screenshot

    monkeypatch.setenv("ANNOTATOR_DB", pg_cluster.url("minji", team_db))
    assert run(None) == 0
    assert opened[0].annotator == "minji" and not opened[0].live.poll_timer.isActive()
    assert "(minji @ postgresql://minji@/" in plain(opened[0].windowTitle())
    out = screenshot(pg_cluster.url("sara", team_db), "r", tmp_path / "sara.png")
    assert out.exists() and opened[1].annotator == "sara"


def test_learning_from_my_layer_on_a_team_database(qtbot, pg_cluster, team_db, open_window, monkeypatch):
    """The worker opens the team database as the member (``--db`` the URL without a password;
    PGPASSWORD, ~/.pgpass or a password from the window's URL through its environment)."""
    from PySide6.QtWidgets import QInputDialog

    from annotator.core.resources import seeds_dir

    with open_project(pg_cluster.url(database=team_db)) as owner:
        import_paths(owner, [seeds_dir()], annotator=owner.member)
    first = "000_b57cd57af517ef66"
    sara = open_window(pg_cluster.url("sara", team_db), doc=first)
    focus(qtbot, sara)
    text = sara.document.text
    start = text.index("مشهد ")
    drag(qtbot, sara, start, start + 4)
    key(qtbot, sara, "g")
    assert [(s.start, s.label) for s in sara.store.spans(first, "sara")] == [(start, "GPE")]
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("My layer (sara)", True)))
    sara.learning.ask_source()
    assert sara.learning.training
    qtbot.waitUntil(lambda: sara.learning.ready and any(s.text == "مشهد" for s in sara.view.suggestions),
                    timeout=90_000)
    assert sara.statusBar().currentMessage().startswith("Suggestions learned from 1 span")


def test_the_worker_gets_a_password_from_the_url_through_its_environment():
    from annotator.gui.learning import worker_database

    class Team:
        is_team = True
        path = "postgresql://sara@db.example/news?sslmode=require&password=***"

        def given_url(self):
            return "postgresql://sara@db.example/news?sslmode=require&password=s%20cret"

    database, environment = worker_database(Team())
    assert database == "postgresql://sara@db.example/news?sslmode=require"
    assert environment.value("PGPASSWORD") == "s cret"
    Team.path, Team.given_url = "postgresql://sara@db/news", lambda self: "postgresql://sara:pw@db/news"
    assert worker_database(Team())[0] == "postgresql://sara@db/news"
    assert worker_database(Team())[1].value("PGPASSWORD") == "pw"
    Team.given_url = lambda self: "postgresql://sara@db/news"
    assert worker_database(Team()) == ("postgresql://sara@db/news", None)  # inherits PGPASSWORD, ~/.pgpass
