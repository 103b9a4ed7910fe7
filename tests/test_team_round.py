"""A whole round in one team database, end to end: the owner sets it up with the CLI, two
annotators annotate the same articles at the same time from their own processes, a reviewer
adjudicates live while they work, the database refuses what is not theirs (through annotator and
in plain SQL), and the export holds every span exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from annotator.core.adjudication import AGREED, units
from annotator.core.project import open_project
from annotator.core.resources import seeds_gold_path
from annotator.storage import team
from annotator.storage.errors import TeamDatabaseError
from tests.helpers import ROOT, SEEDS

psycopg = pytest.importorskip("psycopg")

# One annotator's work, run in a process of its own: the gold set's spans, every one for sara,
# every other one for minji (and the rest with another label), a document at a time, then done.
ANNOTATE = r"""
import json, sys
from annotator.core.model import Span, Status
from annotator.core.project import open_project
url, name, gold = sys.argv[1:4]
with open_project(url) as store:
    assert store.member == name
    for line in open(gold, encoding="utf-8"):
        record = json.loads(line)
        for i, s in enumerate(record["spans"]):
            label = s["label"] if name == "sara" or i % 2 == 0 else ("ORG" if s["label"] != "ORG" else "PER")
            store.add_span(Span(record["id"], name, s["start"], s["end"], label, s["text"]))
        store.set_status(record["id"], name, Status.DONE)
print("done")
"""


def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "annotator", *args, "--db", url], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_a_round_in_one_team_database(pg_cluster, tmp_path: Path):
    name = "round"
    owner_url = pg_cluster.create_database(name)
    try:
        _round(pg_cluster, owner_url, name, tmp_path)
    finally:
        pg_cluster.drop_database(name)


def _round(cluster, owner_url: str, name: str, tmp_path: Path) -> None:
    # The owner: init, three members, the seeds.
    for args in (("team", "init"), ("team", "add", "sara"), ("team", "add", "minji"),
                 ("team", "add", "leila", "--reviewer"), ("import", str(SEEDS))):
        done = cli(*args, url=owner_url)
        assert done.returncode == 0, done.stderr
    assert cli("team", "list", url=owner_url).stdout.splitlines() == [
        "leila\treviewer", "minji\tannotator", "sara\tannotator"]
    urls = {member: cluster.url(member, name) for member in ("sara", "minji", "leila")}
    gold_records = [json.loads(line) for line in seeds_gold_path().read_text(encoding="utf-8").splitlines()]

    # Both annotators at once, each from their own process and connection.
    workers = [subprocess.Popen([sys.executable, "-c", ANNOTATE, urls[m], m, str(seeds_gold_path())], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for m in ("sara", "minji")]

    # The reviewer, live: whenever a document changes, what both annotators agree on goes to gold.
    with open_project(urls["leila"]) as leila:
        assert leila.role == "reviewer"
        leila.changes()
        accepted: set[tuple] = set()
        seen_live = 0
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            running = any(w.poll() is None for w in workers)
            changed = {c["doc"] for c in leila.changes() if c["doc"]}
            seen_live += bool(changed) and running
            for doc_id in sorted(changed) if running else [r["id"] for r in gold_records]:
                layers = {n: entry["spans"] for n, entry in leila.layers([doc_id]).get(doc_id, {}).items()}
                for unit in units(layers):
                    if unit.kind == AGREED and (doc_id, unit.start, unit.end) not in accepted:
                        version = unit.versions[0]
                        span = next(s for s in layers["sara"] if (s.start, s.end, s.label) ==
                                    (version.start, version.end, version.label))
                        leila.add_gold_span(span._replace(annotator="gold", id=None), proposed_by=version.annotators,
                                            decided_by="leila")
                        accepted.add((doc_id, unit.start, unit.end))
            if not running:
                break
            time.sleep(0.1)
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0 and out.strip() == "done", err
        assert seen_live > 0  # the reviewer worked while the annotators did
        for record in gold_records:
            leila.set_gold_status(record["id"], "adjudicated", decided_by="leila")

    total = sum(len(r["spans"]) for r in gold_records)
    with open_project(owner_url) as owner:
        # Gold holds only what both proposed, and everything they finally agree on.
        both = set()
        agreed = set()
        for record in gold_records:
            layers = {n: entry["spans"] for n, entry in owner.layers([record["id"]])[record["id"]].items()}
            keys = [{(s.start, s.end, s.label) for s in layers[n]} for n in ("sara", "minji")]
            both |= {(record["id"], *key) for key in keys[0] & keys[1]}
            agreed |= {(record["id"], u.start, u.end) for u in units(layers) if u.kind == AGREED}
            for g in owner.gold_spans(record["id"]):
                assert (record["id"], g.start, g.end, g.label) in both
        assert agreed <= accepted and len(agreed) > 100

    # Not theirs: refused through annotator, and in plain SQL.
    with open_project(urls["minji"]) as minji:
        record = gold_records[0]
        sara_span = minji.spans(record["id"], "sara")[0]
        for attempt in (lambda: minji.add_span(sara_span._replace(id=None, label="LOC")),
                        lambda: minji.add_gold_span(sara_span, proposed_by=["minji"], decided_by="minji"),
                        lambda: minji.set_gold_status(record["id"], "in_progress", decided_by="minji")):
            with pytest.raises(TeamDatabaseError) as refused:
                attempt()
            assert refused.value.kind == "refused"
    with cluster.connect("minji", name) as sql:
        assert sql.execute("UPDATE spans SET label = 'LOC' WHERE annotator = 'sara'").rowcount == 0
        assert sql.execute("DELETE FROM spans WHERE annotator = 'sara'").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute("DELETE FROM gold_spans")
    with cluster.connect("sara", name) as sql:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute("INSERT INTO spans(doc_id, annotator, start, \"end\", label, text, created_at, updated_at) "
                        "SELECT doc_id, 'minji', start, \"end\", 'LOC', text, created_at, updated_at FROM spans "
                        "WHERE annotator = 'sara' LIMIT 1")
        assert team.members(sql) == [("leila", "reviewer"), ("minji", "annotator"), ("sara", "annotator")]

    # The export: every span exactly once, per layer and in gold.
    out = tmp_path / "all.jsonl"
    exported = cli("export", "-o", str(out), url=owner_url)
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    keys = Counter((line["id"], line["annotator"], s["start"], s["end"], s["label"]) for line in lines
                   for s in line["spans"])
    assert max(keys.values()) == 1
    assert Counter(annotator for _, annotator, *_ in keys) == {"sara": total, "minji": total}
    gold_out = tmp_path / "gold.jsonl"
    assert cli("export", "--gold", "-o", str(gold_out), url=owner_url).returncode == 0
    gold_spans = [(line["id"], s["start"], s["end"]) for line in
                  map(json.loads, gold_out.read_text(encoding="utf-8").splitlines()) for s in line["spans"]]
    assert len(gold_spans) == len(set(gold_spans)) == len(accepted)
    agreement = cli("agreement", url=owner_url)
    assert agreement.returncode == 0 and "minji" in agreement.stdout and "sara" in agreement.stdout
