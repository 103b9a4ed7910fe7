"""The counts progress sums on a team database (issue 24, p007) and its totals over the finished
layers (p009): the database writes them whoever writes a span or a status, everyone reads them, no
member writes them; the migrations fill an older database's."""

from __future__ import annotations

import threading
import uuid

import pytest

from annotator.storage import team
from annotator.storage.progress_counts import finished_sums
from tests.core.test_progress_counts import SCRATCH_COUNTS, SCRATCH_MATCHES
from tests.storage.test_team_postgres import INSERT_SPAN, NOW, TEXT, cluster, database, span_row  # noqa: F401

psycopg = pytest.importorskip("psycopg")


def test_members_spans_are_counted_by_the_database_and_the_counts_are_nobodys_to_write(cluster, database):
    with cluster.connect("sara", database) as sara:
        sara.execute(INSERT_SPAN, span_row("sara"))
        sara.execute(INSERT_SPAN, span_row("sara", "대구시는"))
    with cluster.connect("minji", database) as minji:
        minji.execute(INSERT_SPAN, span_row("minji"))  # the same span as sara's: a match
        assert sorted(minji.execute("SELECT annotator, n FROM span_counts").fetchall()) == [("minji", 1), ("sara", 2)]
        assert minji.execute("SELECT doc_id, a, b, label, n FROM span_matches").fetchall() == [
            ("d1", "minji", "sara", "GPE", 1)]
        for statement in ("INSERT INTO span_counts VALUES ('d1', 'minji', 'GPE', 5)",
                          "UPDATE span_counts SET n = 9", "DELETE FROM span_counts",
                          "INSERT INTO span_matches VALUES ('d1', 'minji', 'sara', 'GPE', 5)",
                          "UPDATE span_matches SET n = 9 WHERE a = 'minji'", "DELETE FROM span_matches"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                minji.execute(statement)
            minji.rollback()
        minji.execute("DELETE FROM spans WHERE annotator = 'minji'")
        assert minji.execute("SELECT count(*) FROM span_matches").fetchone()[0] == 0
        assert minji.execute("SELECT annotator, n FROM span_counts").fetchall() == [("sara", 2)]


def test_the_migration_counts_an_older_team_databases_spans(cluster):
    name = f"t{uuid.uuid4().hex[:10]}"
    with cluster.connect() as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with cluster.connect(database=name) as owner:
            older = [(n, script) for n, script in team.MIGRATIONS if n < "p007"]
            for n, script in older:
                owner.execute(script)
                owner.execute("INSERT INTO annotator_migrations(name) VALUES (%s)", [n])
            owner.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                          "VALUES ('d1', 't', %s, 'fa', 'rtl', 'h', %s, %s)", [TEXT, len(TEXT), NOW])
            owner.execute("INSERT INTO labels(name, colour, position) VALUES ('GPE', '#2D783C', 0), "
                          "('ORG', '#2D783C', 1)")
            for who in ("sara", "minji", "model"):
                owner.execute("INSERT INTO annotators VALUES (%s, %s)", [who, NOW])
                for word in ("مشهد", "대구시는"):
                    owner.execute(INSERT_SPAN, span_row(who, word))
            owner.execute(INSERT_SPAN, [*span_row("sara", "خبر")[:4], "ORG", "خبر", NOW, NOW])
            owner.commit()
            assert team.init(owner) == [n for n, _ in team.MIGRATIONS if n >= "p007"]
            counts = sorted(owner.execute("SELECT doc_id, annotator, label, n FROM span_counts").fetchall())
            matches = sorted(owner.execute("SELECT doc_id, a, b, label, n FROM span_matches").fetchall())
            assert counts == sorted(owner.execute(SCRATCH_COUNTS.replace("?", "%s")).fetchall())
            assert matches == sorted(owner.execute(SCRATCH_MATCHES).fetchall()) == [("d1", "minji", "sara", "GPE", 2)]
            assert ("d1", "sara", "GPE", 2) in counts and all(row[1] != "model" for row in counts)
    finally:
        with cluster.connect() as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def totals(conn, source: str = "progress_sums") -> list[tuple]:
    return sorted(conn.execute(f"SELECT a, b, label, n, m FROM {source} WHERE n <> 0 OR m <> 0").fetchall())


def scratch_totals(conn) -> list[tuple]:
    return sorted(conn.execute(f"SELECT * FROM ({finished_sums()}) s WHERE n <> 0 OR m <> 0").fetchall())


def test_two_members_writing_at_once_are_both_counted_in_the_totals(cluster, database):
    with cluster.connect(database=database) as owner:
        for doc in ("d2", "d3"):
            owner.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                          "VALUES (%s, 't', %s, 'fa', 'rtl', 'h', %s, %s)", [doc, TEXT, len(TEXT), NOW])
    with cluster.connect("sara", database) as sara, cluster.connect("minji", database) as minji:
        with sara.transaction():  # interleaved, on two documents: neither waits for the other
            sara.execute(INSERT_SPAN, span_row("sara"))
            with minji.transaction():
                minji.execute(INSERT_SPAN, ["d2", *span_row("minji")[1:]])
                sara.execute("INSERT INTO doc_status VALUES ('d1', 'sara', 'done', %s)", [NOW])
                minji.execute("INSERT INTO doc_status VALUES ('d2', 'minji', 'done', %s)", [NOW])
                minji.execute(INSERT_SPAN, ["d2", *span_row("minji", "대구시는")[1:]])
        assert totals(sara) == scratch_totals(sara) == [("minji", "", "GPE", 2, 0), ("sara", "", "GPE", 1, 0)]
        for who, conn in (("sara", sara), ("minji", minji)):
            conn.execute(INSERT_SPAN, ["d3", *span_row(who)[1:]])
        # Both finish d3 at once: the second waits for the first's commit, then counts the pair.
        errors: list[BaseException] = []
        with sara.transaction():
            sara.execute("INSERT INTO doc_status VALUES ('d3', 'sara', 'done', %s)", [NOW])
            assert sara.execute("SELECT annotator_progress_fold()").fetchone()[0] is True

            def finish() -> None:
                try:
                    minji.execute("INSERT INTO doc_status VALUES ('d3', 'minji', 'done', %s)", [NOW])
                    minji.execute("SELECT annotator_progress_fold()")  # false while sara's fold is under way
                except BaseException as err:  # noqa: BLE001 (a deadlock would land here)
                    errors.append(err)
            second = threading.Thread(target=finish)
            second.start()
            second.join(0.5)
        second.join(30)
        assert not second.is_alive() and errors == []
        assert totals(minji) == scratch_totals(minji) == [
            ("minji", "", "GPE", 3, 0), ("minji", "sara", "GPE", 1, 1), ("sara", "", "GPE", 2, 0),
            ("sara", "minji", "GPE", 1, 1)]
        assert totals(minji, "progress_totals") == totals(minji)  # all folded
        assert minji.execute("SELECT count(*) FROM progress_deltas").fetchone()[0] == 0
        for statement in ("INSERT INTO progress_totals VALUES ('minji', '', 'GPE', 5, 0)",
                          "UPDATE progress_totals SET n = 9", "DELETE FROM progress_totals",
                          "INSERT INTO progress_deltas VALUES ('minji', '', 'GPE', 5, 0)",
                          "UPDATE progress_deltas SET n = 9", "DELETE FROM progress_deltas"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                minji.execute(statement)
        minji.execute("DELETE FROM doc_status WHERE annotator = 'minji' AND doc_id = 'd3'")
        assert totals(sara) == scratch_totals(sara)
    with cluster.connect(database=database) as owner:
        owner.execute("DELETE FROM documents WHERE id IN ('d1', 'd3')")  # their finished layers go with them
        assert totals(owner) == scratch_totals(owner) == [("minji", "", "GPE", 2, 0)]


def test_the_migration_totals_an_older_team_databases_finished_layers(cluster):
    name = f"t{uuid.uuid4().hex[:10]}"
    with cluster.connect() as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with cluster.connect(database=name) as owner:
            for n, script in [(n, script) for n, script in team.MIGRATIONS if n < "p009"]:
                owner.execute(script)
                owner.execute("INSERT INTO annotator_migrations(name) VALUES (%s)", [n])
            owner.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                          "VALUES ('d1', 't', %s, 'fa', 'rtl', 'h', %s, %s)", [TEXT, len(TEXT), NOW])
            owner.execute("INSERT INTO labels(name, colour, position) VALUES ('GPE', '#2D783C', 0)")
            for who in ("sara", "minji", "model"):
                owner.execute("INSERT INTO annotators VALUES (%s, %s)", [who, NOW])
                owner.execute(INSERT_SPAN, span_row(who))
                owner.execute("INSERT INTO doc_status VALUES ('d1', %s, 'done', %s)", [who, NOW])
            owner.execute(INSERT_SPAN, span_row("sara", "대구시는"))
            assert team.init(owner) == ["p009_progress_totals", "p010_relation_rejections"]
            assert totals(owner, "progress_totals") == scratch_totals(owner) == [
                ("minji", "", "GPE", 1, 0), ("minji", "sara", "GPE", 1, 1), ("sara", "", "GPE", 2, 0),
                ("sara", "minji", "GPE", 2, 1)]
    finally:
        with cluster.connect() as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
