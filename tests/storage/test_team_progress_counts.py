"""The counts progress sums on a team database (issue 24, p007): the database writes them whoever
writes a span, everyone reads them, no member writes them; the migration fills an older database's."""

from __future__ import annotations

import uuid

import pytest

from annotator.storage import team
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
            assert team.init(owner) == ["p007_progress_counts", "p008_relations"]
            counts = sorted(owner.execute("SELECT doc_id, annotator, label, n FROM span_counts").fetchall())
            matches = sorted(owner.execute("SELECT doc_id, a, b, label, n FROM span_matches").fetchall())
            assert counts == sorted(owner.execute(SCRATCH_COUNTS.replace("?", "%s")).fetchall())
            assert matches == sorted(owner.execute(SCRATCH_MATCHES).fetchall()) == [("d1", "minji", "sara", "GPE", 2)]
            assert ("d1", "sara", "GPE", 2) in counts and all(row[1] != "model" for row in counts)
    finally:
        with cluster.connect() as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
