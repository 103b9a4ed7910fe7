"""annotator assign (without --out), docs --assigned-to and queue: work queues from the command
line, on a file and on a team database (issue 24)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import SEEDS


def _ids(run) -> list[str]:
    return [json.loads(line)["id"] for line in run("docs", "--json").stdout.splitlines()]


def test_assign_without_out_records_queues_and_again_changes_nothing(run, store):
    run("import", str(SEEDS))
    result = run("assign", "--to", "sara,minji,reza", "--overlap", "2")
    assert result.exit_code == 0, result.output
    assert "sara: 4 documents in the queue" in result.output
    before = store.dump()
    again = run("assign", "--to", "sara,minji,reza", "--overlap", "2")
    assert again.exit_code == 0
    assert again.output == result.output.replace(" queue\n", " queue (unchanged)\n")
    assert "(unchanged)" not in result.output and again.output.count("(unchanged)") == 3
    assert store.dump() == before
    queued = [json.loads(line) for line in run("docs", "--assigned-to", "sara", "--json").stdout.splitlines()]
    assert [row["id"] for row in queued] == store.queue("sara")
    shown = run("queue", "sara")
    assert shown.stdout.splitlines()[0].split("\t")[:2] == [store.queue("sara")[0], "new"]
    assert "0 / 4 done (sara's queue)" in shown.stderr
    assert [json.loads(line)["status"] for line in run("queue", "sara", "--json").stdout.splitlines()] == ["new"] * 4


def test_append_and_clear(run, store):
    run("import", str(SEEDS))
    ids = _ids(run)
    assert run("assign", "--to", "sara", "--ids", ids[0]).exit_code == 0
    result = run("assign", "--to", "sara", "--ids", ids[0], "--ids", ids[3], "--append")
    assert "sara: 1 document added to the queue" in result.output
    assert store.queue("sara") == [ids[0], ids[3]]
    result = run("assign", "--clear", "sara")
    assert "sara: queue emptied (2 documents taken out)" in result.output
    assert store.queue("sara") == []
    assert "sara has no queue in this database" in run("queue", "sara").stderr


def test_bad_arguments_are_one_line_and_change_nothing(run, store):
    run("import", str(SEEDS))
    before = store.dump()
    for args, says in ((("assign",), "give --to"),
                       (("assign", "--to", "sara", "--ids", "nope"), "no document 'nope'"),
                       (("assign", "--to", "sara", "--append", "--out", "x"), "leave out --out"),
                       (("assign", "--to", "sara,sara"), "named twice"),
                       (("assign", "--to", "sara", "--overlap", "2"), "overlap")):
        result = run(*args)
        assert result.exit_code != 0
        assert says in result.output and "Traceback" not in result.output
    assert store.dump() == before


@pytest.mark.postgresql_only
def test_a_member_sees_their_own_queue_and_may_not_write_one(run, store, db_path, pg_cluster):
    from annotator.storage import team

    database = db_path.split("@/", 1)[1].split("?")[0]
    with pg_cluster.connect(database=database) as owner:
        team.add_member(owner, "sara")
        team.add_member(owner, "minji")
    run("import", str(SEEDS))
    assert run("assign", "--to", "sara,minji").exit_code == 0  # the owner hands out the work
    sara = pg_cluster.url("sara", database)
    mine = run("docs", "--assigned-to", "sara", "--json", db=sara)
    assert [json.loads(line)["id"] for line in mine.stdout.splitlines()] == store.queue("sara")
    assert "(a member reads only their own queue)" in run("queue", "minji", db=sara).stderr
    before = store.dump()
    refused = run("assign", "--to", "sara", "--append", "--ids", store.queue("minji")[0], db=sara)
    assert refused.exit_code == 1
    assert "refused" in refused.output and "leads and the owner" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert store.dump() == before
