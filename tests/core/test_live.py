"""The recommender worker the window talks to: JSON lines in and out, on the real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.importing import import_paths
from annotator.core.project import open_project
from annotator.core.recommend import live
from tests.helpers import ROOT, SEEDS, write

DEMO = ROOT / "docs" / "demo-annotations.jsonl"


def _ends_cleanly(proc) -> None:
    """The window closes the worker's input: it ends with status 0 and no traceback."""
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    assert "Traceback" not in proc.stderr.read()


def _reap(proc) -> None:
    """Whatever failed, no worker outlives its test, and its pipes close."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        pipe.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    db = tmp_path / "p.db"
    store = open_project(db)
    import_paths(store, [SEEDS, DEMO], annotator="maya")
    store.close()
    return db


def worker(db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "annotator.core.recommend.worker", "--db", str(db),
                             "--from", "sara", "--annotator", "maya", *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def events(proc: subprocess.Popen, until: str) -> list[dict]:
    out = []
    for line in proc.stdout:
        out.append(json.loads(line))
        if out[-1]["event"] in (until, "failed"):
            break
    return out


def test_the_worker_learns_serves_and_lowers_a_rejected_pattern(project: Path):
    proc = worker(project)
    try:
        trained = events(proc, "trained")[-1]
        assert trained["event"] == "trained"
        assert trained["state"]["spans"] == 35 and trained["state"]["documents"] == 2
        doc = "000_b57cd57af517ef66"
        proc.stdin.write(json.dumps({"suggest": doc}) + "\n")
        proc.stdin.flush()
        first = [e for e in events(proc, "suggestions") if e["event"] == "suggestions"][-1]
        with open_project(project) as store:
            text = store.get_document(doc).text
        mashhad = [s for s in first["spans"] if text[s[0]:s[1]] == "مشهد" and s[4] == "string"]
        assert mashhad and all(s[2] == "GPE" and s[3] == 1.0 for s in mashhad)
        assert all(0 <= s[0] < s[1] <= len(text) for s in first["spans"])
        proc.stdin.write(json.dumps({"reject": ["مشهد", "GPE"]}) + "\n")
        proc.stdin.write(json.dumps({"suggest": doc}) + "\n")
        proc.stdin.flush()
        again = [e for e in events(proc, "suggestions") if e["event"] == "suggestions"][-1]
        lowered = [s for s in again["spans"] if text[s[0]:s[1]] == "مشهد" and s[4] == "string"]
        assert lowered and all(s[3] < 1.0 for s in lowered)
        _ends_cleanly(proc)  # the window closes: the worker ends
    finally:
        _reap(proc)


def test_the_worker_evaluates_and_ranks_then_ends_with_no_serve(project: Path):
    proc = worker(project, "--no-serve")
    out, err = proc.communicate(timeout=120)
    lines = [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in lines]
    assert kinds[0] == "trained" and {"themes", "evaluated", "ranked"} <= set(kinds) and "failed" not in kinds, err
    themes = next(e for e in lines if e["event"] == "themes")["state"]["recommenders"]["themes"]
    assert themes["themes"] == ["health", "smart_governance"]  # learned in the worker, which hides pandas
    evaluated = next(e for e in lines if e["event"] == "evaluated")["state"]
    assert evaluated["folds"] == 2 and set(evaluated["evaluation"]) == {"string", "crf"}
    ranking = next(e for e in lines if e["event"] == "ranked")["ranking"]
    # maya has annotated nothing: every document is ranked, least sure first.
    assert len(ranking) == 5 and [r[1] for r in ranking] == sorted((r[1] for r in ranking), reverse=True)


def test_a_missing_database_or_a_bad_gazetteer_is_one_failed_line(tmp_path: Path, project: Path):
    proc = worker(tmp_path / "nothing.db", "--no-serve")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and json.loads(out)["event"] == "failed" and "Traceback" not in err
    store = open_project(project)
    live.Settings(gazetteer=str(write(tmp_path / "bad.tsv", "no tab here\n"))).save(store)
    store.close()
    proc = worker(project, "--no-serve")
    out, err = proc.communicate(timeout=60)
    failed = json.loads(out.splitlines()[-1])
    assert proc.returncode == 1 and failed["event"] == "failed" and "bad.tsv" in failed["message"]
    assert "bad.tsv:1:" in failed["message"] and "Traceback" not in err  # the file and the line


def test_settings_round_trip_and_a_damaged_setting_falls_back(project: Path):
    store = open_project(project)
    live.Settings(recommenders=("string",), retrain_every=5).save(store)
    assert live.Settings.load(store) == live.Settings(recommenders=("string",), retrain_every=5)
    store.set_setting(live.SETTINGS_KEY, "{not json")
    assert live.Settings.load(store) == live.Settings()
    store.close()


# The worker's events, each with the Korean analyser's modules loaded in it at that moment and
# whether it still asks the analyser process it was lent.
REPORTING = """
import sys
from annotator.core import tokens
from annotator.core.recommend import worker

said = worker.say


def say(event, **fields):
    asking = getattr(tokens._elsewhere, "__self__", None)
    said(event, **fields, kiwi=sorted(m for m in sys.modules if m.startswith("kiwipiepy")),
         lent=getattr(asking, "lent", None))


worker.say = say
sys.exit(worker.main(sys.argv[1:]))
"""


def test_a_worker_lent_the_analyser_never_loads_kiwi_and_suggests_as_kiwi_here_does(project: Path):
    """The window lends the suggestion process its Korean analyser (one Kiwi for the session):
    the worker tokenizes with it, never imports kiwipiepy, and suggests for the Korean seeds
    exactly what the same learning with Kiwi in this process suggests."""
    import os

    from annotator.core.analyser import KEY_VARIABLE, Analyser

    lender = Analyser()
    address, key = lender.address()
    proc = subprocess.Popen([sys.executable, "-c", REPORTING, "--db", str(project), "--from", "sara",
                             "--annotator", "maya", "--analyser", address],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, KEY_VARIABLE: key.hex()})
    korean = ["002_26049669d35f669e", "004_07f1b5d4621585f7"]
    try:
        seen = events(proc, "trained")
        assert seen[-1]["event"] == "trained", seen
        for doc in korean:
            proc.stdin.write(json.dumps({"suggest": doc}) + "\n")
        proc.stdin.flush()
        awaited = {"ranked", *korean}
        while awaited - {e.get("doc_id", e["event"]) for e in seen}:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            seen.append(json.loads(line))
            assert seen[-1]["event"] != "failed", seen[-1]
        _ends_cleanly(proc)
    finally:
        _reap(proc)
        lender.close()
    assert all(e["kiwi"] == [] and e["lent"] is True for e in seen), [(e["event"], e["kiwi"], e["lent"]) for e in seen]
    with open_project(project) as store:
        learned, state = live.train(store, "sara", "maya", live.Settings(), themes=False)
        model = live.LiveModel(learned, state)
        try:
            got = {e["doc_id"]: e["spans"] for e in seen if e["event"] == "suggestions"}
            assert got == {doc: model.suggest(store.get_document(doc).text)[0] for doc in korean}
            assert len(got[korean[0]]) > 10  # sara's Korean document: its names, by the matcher and the tagger
        finally:
            model.close()
