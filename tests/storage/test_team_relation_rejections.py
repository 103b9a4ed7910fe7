"""A reviewer's rejection of a proposed relation on a team database (issue 25, p010): a gold table,
written by reviewers only, its provenance the database's (who decided and when; who proposed it
only annotators whose layer holds that relation at those places), a label renamed followed."""

from __future__ import annotations

import json

import pytest

from tests.storage.test_team_integrity import ISO, team_db  # noqa: F401
from tests.storage.test_team_postgres import INSERT_RELATION, INSERT_SPAN, NOW, TEXT, cluster, database  # noqa: F401

psycopg = pytest.importorskip("psycopg")

INSERT_REJECTION = ("INSERT INTO gold_relation_rejections VALUES ('d1', %s, %s, 'GPE', %s, %s, 'GPE', 'located_in', "
                    "%s, %s, %s)")


def place(word: str) -> list[int]:
    start = TEXT.index(word)  # after an emoji: code points
    return [start, start + len(word)]


def test_a_rejected_relation_is_a_reviewers_with_provenance_the_database_gives(cluster, team_db):  # noqa: F811
    with cluster.connect("sara", team_db) as sara:
        ids = [sara.execute(INSERT_SPAN + " RETURNING id", ["d1", "sara", *place(word), "GPE", word, NOW, NOW])
               .fetchone()[0] for word in ("مشهد", "대구시")]
        sara.execute(INSERT_RELATION, ["sara", *ids])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # an annotator decides nothing in gold
            sara.execute(INSERT_REJECTION, [*place("مشهد"), *place("대구시"), "[]", "sara", NOW])
    with cluster.connect("leila", team_db) as leila:  # a reviewer: forges nothing
        leila.execute(INSERT_REJECTION, [*place("مشهد"), *place("대구시"), '["minji", "sara", "nobody"]', "sara", "x"])
        [(proposed, by, at)] = leila.execute(
            "SELECT proposed_by, decided_by, decided_at FROM gold_relation_rejections").fetchall()
        assert json.loads(proposed) == ["sara"] and by == "leila" and ISO.match(at)
    with cluster.connect(database=team_db) as owner:  # a label renamed: the ends follow, the decision stays
        owner.execute("UPDATE labels SET name = 'CITY' WHERE name = 'GPE'")
        assert owner.execute("SELECT from_label, to_label, decided_by FROM gold_relation_rejections").fetchall() == [
            ("CITY", "CITY", "leila")]
