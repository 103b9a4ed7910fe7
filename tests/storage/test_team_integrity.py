"""A team database keeps its data whole by itself (issue 20): each attack is plain SQL from the
attacking member's own login, and PostgreSQL refuses it or makes it harmless, while annotator's
own client still does everything it did."""

from __future__ import annotations

import re
import time

import pytest

from annotator.core.model import Span
from annotator.core.project import open_project
from annotator.storage import team
from tests.storage.test_team_postgres import INSERT_SPAN, NOW, TEXT, cluster, database, span_row  # noqa: F401

psycopg = pytest.importorskip("psycopg")

OTHER = "سازمان سمنان اعلام کرد"  # another document's text: the same offsets cover other words there
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


@pytest.fixture
def team_db(database, cluster):  # noqa: F811
    """test_team_postgres's database, opened once by its owner, so that its members' stores open."""
    open_project(cluster.url(database=database)).close()
    return database


def add_document(cluster, database, doc_id: str, text: str) -> None:
    with cluster.connect(database=database) as owner:
        owner.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                      "VALUES (%s, 't', %s, 'fa', 'rtl', 'h', %s, %s)", [doc_id, text, len(text), NOW])


def add_lead(cluster, database, name: str = "reza") -> None:
    with cluster.connect(database=database) as owner:
        team.add_member(owner, name, lead=True)


def gold_row(word: str = "مشهد") -> list:
    start = TEXT.index(word)
    return ["d1", start, start + len(word), "GPE", word]


INSERT_GOLD = ('INSERT INTO gold_spans(doc_id, start, "end", label, text, proposed_by, decided_by, decided_at) '
               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")


# --- 1. a span is checked against its document on every change of what it depends on --------------

def test_a_span_moved_to_another_document_is_checked_against_that_documents_text(cluster, team_db):
    add_document(cluster, team_db, "d2", OTHER + " " + TEXT)
    with cluster.connect("sara", team_db) as sara:
        sara.execute(INSERT_SPAN, span_row("sara"))
        with pytest.raises(psycopg.errors.CheckViolation, match="does not match the document text"):
            sara.execute("UPDATE spans SET doc_id = 'd2' WHERE annotator = current_user")
    with cluster.connect("leila", team_db) as leila:  # a reviewer, with gold
        leila.execute(INSERT_GOLD, [*gold_row(), "[]", "leila", NOW])
        with pytest.raises(psycopg.errors.CheckViolation, match="does not match the document text"):
            leila.execute("UPDATE gold_spans SET doc_id = 'd2'")
    with cluster.connect(database=team_db) as owner:
        assert owner.execute("SELECT doc_id FROM spans UNION ALL SELECT doc_id FROM gold_spans").fetchall() == \
            [("d1",), ("d1",)]
    with open_project(cluster.url(database=team_db)) as store:  # every span still its document's text
        for doc in ("d1", "d2"):
            for layer in ("sara",):
                for span in store.spans(doc, layer):
                    assert store.get_document(doc).text[span.start:span.end] == span.text


# --- 2. membership is the owner's alone -------------------------------------------------------

def test_a_lead_cannot_remove_rename_or_add_a_member(cluster, team_db):
    add_lead(cluster, team_db)
    add_document(cluster, team_db, "d2", OTHER)
    with cluster.connect("reza", team_db) as reza:
        reza.execute("DELETE FROM documents WHERE id = 'd2'")  # documents are still a lead's
        for statement in ("DELETE FROM annotators WHERE name = 'sara'",
                          "UPDATE annotators SET name = 'sara2' WHERE name = 'sara'",
                          "INSERT INTO annotators VALUES ('mallory', 'now')",
                          "TRUNCATE annotators CASCADE"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table annotators"):
                reza.execute(statement)
    with open_project(cluster.url("sara", team_db)) as sara:  # her next save is hers, as before
        assert sara.add_span(Span("d1", "sara", *span_row("sara")[2:6])) is not None


def test_a_leads_refusal_to_register_a_name_says_whose_job_that_is(cluster, team_db):
    from annotator.storage import explain
    from annotator.storage.errors import TeamDatabaseError

    add_lead(cluster, team_db)
    with open_project(cluster.url("reza", team_db)) as reza:
        with pytest.raises(TeamDatabaseError) as refused:
            reza.ensure_annotator("mallory")
        assert "its owner adds members" in explain(refused.value, reza.path)
    with cluster.connect("reza", team_db) as sql:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
            sql.execute("DELETE FROM annotators WHERE name = 'minji'")
        assert team.explain(refused.value).endswith("(only the database's owner manages its members)")


# --- 3. gold provenance is the database's ------------------------------------------------------

def test_a_reviewer_cannot_forge_who_proposed_or_decided_gold_or_when(cluster, team_db):
    with cluster.connect("sara", team_db) as sara:
        sara.execute(INSERT_SPAN, span_row("sara"))
        sara.execute("INSERT INTO doc_themes VALUES ('d1', 'sara', 'health', %s)", [NOW])
    with cluster.connect("leila", team_db) as leila:
        leila.execute(INSERT_GOLD, [*gold_row(), '["minji", "sara", "nobody"]', "sara", "x"])
        leila.execute("INSERT INTO gold_themes VALUES ('d1', 'health', '[\"minji\", \"sara\"]', 'sara', 'x')")
        leila.execute("INSERT INTO gold_documents VALUES ('d1', 'adjudicated', 'sara', '1999-01-01')")
        leila.execute("INSERT INTO gold_rejections VALUES ('d1', 0, 3, 'GPE', '[\"minji\"]', 'minji', 'x')")
        leila.execute("INSERT INTO gold_theme_rejections VALUES ('d1', 'other', 'minji', 'x')")
        leila.execute(INSERT_GOLD, [*gold_row("대구시"), "not json", "sara", "x"])
        # Changing it afterwards is a decision too: hers, now.
        leila.execute("UPDATE gold_spans SET decided_by = 'sara', decided_at = 'x', proposed_by = '[\"minji\"]' "
                      "WHERE text = 'مشهد'")
        rows = {
            "gold_spans": leila.execute("SELECT text, proposed_by, decided_by, decided_at FROM gold_spans "
                                        "ORDER BY start").fetchall(),
            "gold_themes": leila.execute("SELECT theme, proposed_by, decided_by, decided_at FROM gold_themes").fetchall(),
            "gold_documents": leila.execute("SELECT status, '', decided_by, decided_at FROM gold_documents").fetchall(),
            "gold_rejections": leila.execute("SELECT label, proposed_by, decided_by, decided_at "
                                             "FROM gold_rejections").fetchall(),
            "gold_theme_rejections": leila.execute("SELECT theme, '', decided_by, decided_at "
                                                   "FROM gold_theme_rejections").fetchall(),
        }
    assert [(what, proposed) for what, proposed, _, _ in rows["gold_spans"]] == [("مشهد", "[]"), ("대구시", "[]")]
    assert rows["gold_themes"][0][1] == '["sara"]'  # only who ticked it: sara
    assert rows["gold_rejections"][0][1] == "[]"
    for table, found in rows.items():
        for _, _, by, at in found:
            assert by == "leila" and ISO.match(at), (table, by, at)
    with cluster.connect("leila", team_db) as leila:  # proposed by those whose layer holds it: sara's
        leila.execute("DELETE FROM gold_spans")
        leila.execute(INSERT_GOLD, [*gold_row(), '["minji", "sara"]', "leila", NOW])
        assert leila.execute("SELECT proposed_by FROM gold_spans").fetchone()[0] == '["sara"]'


def test_the_owners_merge_keeps_the_provenance_its_file_recorded_and_a_reviewers_store_is_as_before(cluster, team_db):
    with cluster.connect(database=team_db) as owner:
        owner.execute(INSERT_GOLD, [*gold_row(), '["omar"]', "nasrin", "2026-01-01T00:00:00.000+00:00"])
        assert owner.execute("SELECT proposed_by, decided_by, decided_at FROM gold_spans").fetchone() == \
            ('["omar"]', "nasrin", "2026-01-01T00:00:00.000+00:00")
        owner.execute("DELETE FROM gold_spans")
    with cluster.connect("sara", team_db) as sara:
        sara.execute(INSERT_SPAN, span_row("sara"))
    with open_project(cluster.url("leila", team_db)) as leila:
        gold_id = leila.add_gold_span(Span("d1", "gold", *span_row("sara")[2:6]), proposed_by=["sara"],
                                      decided_by="leila")
        span, provenance = leila.get_gold_span(gold_id)
        assert provenance["proposed_by"] == ["sara"] and provenance["decided_by"] == "leila"
        gone = leila.delete_gold_span(gold_id)
        leila.restore_gold_span(*gone)  # an undo
        assert leila.get_gold_span(gold_id)[1]["proposed_by"] == ["sara"]
        assert leila.set_gold_status("d1", "adjudicated", decided_by="leila")


def test_a_lead_renaming_a_label_or_theme_leaves_gold_decided_by_whom_it_was(cluster, team_db):
    add_lead(cluster, team_db)
    with cluster.connect("sara", team_db) as sara:
        sara.execute(INSERT_SPAN, span_row("sara"))
    with open_project(cluster.url("leila", team_db)) as leila:
        leila.add_gold_span(Span("d1", "gold", *span_row("sara")[2:6]), proposed_by=["sara"], decided_by="leila")
        leila.reject_proposal("d1", 0, 3, "GPE", proposed_by=[], decided_by="leila")
        leila.reject_gold_theme("d1", "health", decided_by="leila")
    with cluster.connect("leila", team_db) as sql:
        before = sql.execute("SELECT decided_by, decided_at FROM gold_spans UNION ALL SELECT decided_by, decided_at "
                             "FROM gold_rejections UNION ALL SELECT decided_by, decided_at "
                             "FROM gold_theme_rejections").fetchall()
    with open_project(cluster.url("reza", team_db)) as reza:
        reza.rename_label("labels", "GPE", "PLACE")
        reza.rename_label("themes", "health", "wellbeing")
    with cluster.connect("leila", team_db) as sql:
        assert sql.execute("SELECT label, proposed_by FROM gold_spans UNION ALL SELECT label, proposed_by "
                           "FROM gold_rejections UNION ALL SELECT theme, '' FROM gold_theme_rejections").fetchall() == \
            [("PLACE", '["sara"]'), ("PLACE", "[]"), ("wellbeing", "")]
        assert sql.execute("SELECT decided_by, decided_at FROM gold_spans UNION ALL SELECT decided_by, decided_at "
                           "FROM gold_rejections UNION ALL SELECT decided_by, decided_at "
                           "FROM gold_theme_rejections").fetchall() == before
    with cluster.connect("reza", team_db) as sql:  # relabelling a rejection, its label still there: a decision
        sql.execute("UPDATE gold_rejections SET label = 'LOC'")  # a label of the default schema
        assert sql.execute("SELECT decided_by FROM gold_rejections").fetchone()[0] == "reza"
        sql.execute("DELETE FROM labels WHERE name = 'ORG'")  # a stale rejection, its label gone...
        sql.execute("UPDATE gold_rejections SET label = 'ORG'")
    with cluster.connect("leila", team_db) as sql:  # ...relabelled by a reviewer is her decision, no rename
        sql.execute("UPDATE gold_rejections SET label = 'PER'")
        assert sql.execute("SELECT label, decided_by FROM gold_rejections").fetchone() == ("PER", "leila")


# --- 4. a document's text never changes under its spans ---------------------------------------

def test_a_documents_text_never_changes_and_its_length_is_the_databases(cluster, team_db):
    add_lead(cluster, team_db)
    with cluster.connect("sara", team_db) as sara:
        sara.execute(INSERT_SPAN, span_row("sara"))
    with cluster.connect("reza", team_db) as reza:
        with pytest.raises(psycopg.errors.CheckViolation, match="text never changes"):
            reza.execute("UPDATE documents SET text = %s WHERE id = 'd1'", ["x" + TEXT])
        reza.execute("UPDATE documents SET chars = 3, title = 'new title' WHERE id = 'd1'")  # the title is a lead's
        reza.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                     "VALUES ('d2', 't', 'abc', 'fa', 'rtl', 'h', 99, %s)", [NOW])
        assert reza.execute("SELECT id, title, chars, text FROM documents ORDER BY id").fetchall() == \
            [("d1", "new title", len(TEXT), TEXT), ("d2", "t", 3, "abc")]
    with cluster.connect(database=team_db) as owner:  # the owner too: a new text is a new document
        with pytest.raises(psycopg.errors.CheckViolation, match="text never changes"):
            owner.execute("UPDATE documents SET text = 'abd' WHERE id = 'd2'")


def test_a_long_documents_pieces_are_the_databases_own_and_no_member_writes_them(cluster, team_db):
    """Issue 22: a span's check reads the pieces of a long document's text it covers. They are made
    by the database from the text a lead inserts, read by everyone, and written by no member: a
    piece that lied would let a span that is not the text in."""
    from tests.storage.test_long_documents import long_text

    add_lead(cluster, team_db)
    text = long_text(6)
    with cluster.connect("reza", team_db) as reza:
        reza.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                     "VALUES ('d2', 't', %s, 'fa', 'rtl', 'h', 0, %s)", [text, NOW])
    pieces = "SELECT string_agg(piece, '' ORDER BY n), count(*) FROM document_pieces WHERE doc_id = 'd2'"
    attacks = ("INSERT INTO document_pieces VALUES ('d1', 0, 'x')",
               "UPDATE document_pieces SET piece = repeat('x', char_length(piece)) WHERE n = 1",
               "DELETE FROM document_pieces")
    for member in ("reza", "leila", "sara"):
        with cluster.connect(member, team_db) as conn:
            assert conn.execute(pieces).fetchone() == (text, len(text) // 1024 + 1)
            for attack in attacks:
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="document_pieces"):
                    conn.execute(attack)
    with cluster.connect("sara", team_db) as sara:
        word = text.split()[-20]  # in the last piece
        start = text.index(" " + word + " ") + 1
        sara.execute(INSERT_SPAN, ["d2", "sara", start, start + len(word), "GPE", word, NOW, NOW])
        with pytest.raises(psycopg.errors.CheckViolation, match="does not match the document text"):
            sara.execute(INSERT_SPAN, ["d2", "sara", start + 1, start + len(word) + 1, "GPE", word, NOW, NOW])
    with cluster.connect("reza", team_db) as reza:  # a document the lead deletes takes its pieces along
        reza.execute("DELETE FROM documents WHERE id = 'd2'")
        assert reza.execute(pieces).fetchone() == (None, 0)
    assert team.refusal_hint('permission denied for table document_pieces') == \
        "a document's pieces are written by the database itself, with the document"


# --- 5. one member cannot hold the others up for long -----------------------------------------

def test_a_lead_cannot_lock_the_membership_table(cluster, team_db):
    add_lead(cluster, team_db)
    with cluster.connect("reza", team_db) as reza:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table annotators"):
            with reza.transaction():
                reza.execute("LOCK TABLE annotators IN ACCESS EXCLUSIVE MODE")


def test_a_members_forgotten_lock_is_let_go(cluster, team_db, monkeypatch):
    with cluster.connect("sara", team_db) as sara:  # what every member's session starts with
        assert {name: sara.execute(f"SHOW {name}").fetchone()[0] for name in team.SESSION_LIMITS} == \
            {"idle_in_transaction_session_timeout": "10min", "lock_timeout": "15s"}
    monkeypatch.setitem(team.SESSION_LIMITS, "idle_in_transaction_session_timeout", "1s")
    with cluster.connect(database=team_db) as owner:
        team.init(owner)  # the owner's next init sets the limits anew
    sara = cluster.connect("sara", team_db)
    try:
        sara.execute("BEGIN")
        sara.execute("LOCK TABLE spans IN ACCESS EXCLUSIVE MODE")  # and walks away
        with cluster.connect("minji", team_db) as minji:
            started = time.monotonic()
            minji.execute(INSERT_SPAN, span_row("minji"))  # waits for the lock, then gets it
            assert time.monotonic() - started < 10
        with pytest.raises(psycopg.Error, match="idle-in-transaction timeout"):  # her session was ended
            sara.execute("SELECT 1")
    finally:
        sara.close()


# --- 6. notices, ids, large objects --------------------------------------------------------------

def test_a_forged_change_notice_never_speaks_for_another_member(cluster, team_db):
    with open_project(cluster.url("leila", team_db)) as leila, cluster.connect("sara", team_db) as sara:
        assert leila.changes() == []  # listening from now on
        sara.execute("SELECT pg_notify('annotator_changes', json_build_object('table', 'spans', 'doc', 'd1', "
                     "'by', 'leila', 'connection', %s)::text)", [leila.connection_id])
        sara.execute("SELECT pg_notify('annotator_changes', json_build_object('table', 'spans', 'doc', 'd1', "
                     "'by', 'leila', 'connection', pg_backend_pid())::text)")
        with sara.transaction():  # a flood: 20,000 notices that everything changed
            sara.execute("SELECT pg_notify('annotator_changes', json_build_object('table', '*', 'doc', NULL, "
                         "'by', 'leila', 'connection', g)::text) FROM generate_series(1, 20000) g")
        seen: list[dict] = []
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline and not seen:
            seen += leila.changes()
            time.sleep(0.05)
        time.sleep(0.2)
        seen += leila.changes()
    sender = [(c["table"], c["doc"], c["by"]) for c in seen]
    assert sender == [("spans", "d1", "sara")], sender[:5]  # said by sara, as the server knows her


def test_a_member_cannot_take_the_id_of_a_span_another_just_deleted(cluster, team_db):
    with open_project(cluster.url("minji", team_db)) as minji:
        theirs = minji.add_span(Span("d1", "minji", *span_row("minji")[2:6]))
        gone = minji.delete_span(theirs)
        with cluster.connect("sara", team_db) as sara:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="another layer") as refused:
                sara.execute('INSERT INTO spans(id, doc_id, annotator, start, "end", label, text, created_at, '
                             "updated_at) VALUES (%s, 'd1', 'sara', %s, %s, 'GPE', %s, %s, %s)",
                             [theirs, *span_row("sara", "대구시")[2:4], "대구시", NOW, NOW])
            assert team.explain(refused.value).endswith("(a span's id is the database's to give, and one layer's "
                                                        "never becomes another's)")
            sara.execute(INSERT_SPAN, span_row("sara", "대구시"))
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="id never changes"):
                sara.execute("UPDATE spans SET id = %s WHERE annotator = 'sara'", [theirs])
        minji.restore_span(gone)  # her undo
        assert minji.get_span(theirs) == gone
        # and undone twice over: deleted and restored again under the same id
        minji.restore_span(minji.delete_span(theirs))
        assert minji.get_span(theirs) == gone


def test_a_member_cannot_take_an_id_the_sequence_gave_another_but_not_yet_used(cluster, team_db):
    insert = ('INSERT INTO spans(id, doc_id, annotator, start, "end", label, text, created_at, updated_at) '
              "VALUES (%s, 'd1', %s, %s, %s, 'GPE', %s, %s, %s)")
    with cluster.connect("minji", team_db) as minji, cluster.connect("sara", team_db) as sara:
        hers = minji.execute("SELECT nextval('spans_id_seq')").fetchone()[0]  # her insert's, in a moment
        for taken in (hers, hers - 1 if hers > 1 else hers):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="given by the database"):
                sara.execute(insert, [taken, "sara", *span_row("sara")[2:4], "مشهد", NOW, NOW])
        minji.execute(insert, [hers, "minji", *span_row("minji")[2:4], "مشهد", NOW, NOW])  # hers to use
    with cluster.connect("leila", team_db) as leila:  # gold: the same
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="given by the database"):
            leila.execute('INSERT INTO gold_spans(id, doc_id, start, "end", label, text, decided_by, decided_at) '
                          "VALUES (1, %s, %s, %s, %s, %s, 'leila', 'now')", gold_row())


def test_deleted_ids_are_remembered_for_a_week(cluster, team_db):
    with open_project(cluster.url("minji", team_db)) as minji:
        old = minji.delete_span(minji.add_span(Span("d1", "minji", *span_row("minji")[2:6])))
        with cluster.connect(database=team_db) as owner:
            owner.execute("UPDATE annotator_deleted_spans SET deleted_at = now() - interval '8 days'")
        recent = minji.delete_span(minji.add_span(Span("d1", "minji", *span_row("minji", "대구시")[2:6])))
        with cluster.connect(database=team_db) as owner:
            assert owner.execute("SELECT id FROM annotator_deleted_spans").fetchall() == [(recent.id,)]
        minji.restore_span(recent)
        from annotator.storage.errors import TeamDatabaseError

        with pytest.raises(TeamDatabaseError, match="given by the database"):
            minji.restore_span(old)


def test_a_member_makes_no_large_object(cluster, team_db):
    with cluster.connect("sara", team_db) as sara:
        for statement in ("SELECT lo_create(0)", "SELECT lo_creat(-1)", "SELECT lo_from_bytea(0, 'x'::bytea)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for function lo_"):
                sara.execute(statement)
        assert sara.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()[0] == 0


# --- the upgrade ---------------------------------------------------------------------------------

def test_a_database_set_up_by_an_older_annotator_upgrades_with_its_data(cluster, monkeypatch):
    import uuid

    name = f"t{uuid.uuid4().hex[:10]}"
    with cluster.connect() as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        older = [m for m in team.MIGRATIONS if m[0] < "p004"]
        with cluster.connect(database=name) as owner:
            monkeypatch.setattr(team, "MIGRATIONS", older)
            team.init(owner)
            team.add_member(owner, "sara")
            owner.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                          "VALUES ('d1', 't', %s, 'fa', 'rtl', 'h', 999, %s)", [TEXT, NOW])
            owner.execute("INSERT INTO labels(name, colour, position) VALUES ('GPE', '#2D783C', 0)")
            owner.execute(INSERT_SPAN, span_row("sara"))
            monkeypatch.undo()
            assert team.init(owner) == ["p004_integrity", "p005_document_pieces", "p006_queues_active_time",
                                        "p007_progress_counts", "p008_relations",
                                        "p009_progress_totals", "p010_relation_rejections"]
            assert owner.execute("SELECT chars FROM documents").fetchone()[0] == len(TEXT)
            assert owner.execute("SELECT annotator, n FROM span_counts").fetchall() == [("sara", 1)]
            assert team.init(owner) == []
        with cluster.connect("sara", name) as sara:
            with pytest.raises(psycopg.errors.CheckViolation):
                sara.execute("UPDATE spans SET doc_id = 'd1', start = start + 1")
            assert sara.execute("SHOW idle_in_transaction_session_timeout").fetchone()[0] == "10min"
    finally:
        with cluster.connect() as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_an_older_team_database_gets_its_long_documents_pieces_on_upgrade(cluster, monkeypatch):
    import uuid

    from tests.storage.test_long_documents import long_text

    name = f"t{uuid.uuid4().hex[:10]}"
    text = long_text(8)
    with cluster.connect() as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with cluster.connect(database=name) as owner:
            monkeypatch.setattr(team, "MIGRATIONS", [m for m in team.MIGRATIONS if m[0] < "p005"])
            team.init(owner)
            team.add_member(owner, "sara")
            for doc_id, body in (("long", text), ("short", TEXT)):
                owner.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                              "VALUES (%s, 't', %s, 'fa', 'rtl', 'h', 0, %s)", [doc_id, body, NOW])
            owner.execute("INSERT INTO labels(name, colour, position) VALUES ('GPE', '#2D783C', 0)")
            monkeypatch.undo()
            assert team.init(owner) == ["p005_document_pieces", "p006_queues_active_time", "p007_progress_counts",
                                        "p008_relations", "p009_progress_totals", "p010_relation_rejections"]
            assert owner.execute("SELECT doc_id, string_agg(piece, '' ORDER BY n) FROM document_pieces "
                                 "GROUP BY doc_id").fetchall() == [("long", text)]
            owner.execute("UPDATE document_pieces SET piece = repeat('x', 1024) WHERE n = 5")
        with cluster.connect("sara", name) as sara:  # its spans are checked against the pieces from now on
            far = ["long", "sara", 10, 14, "GPE", text[10:14], NOW, NOW]
            sara.execute(INSERT_SPAN, far)
            with pytest.raises(psycopg.errors.CheckViolation):
                sara.execute(INSERT_SPAN, ["long", "sara", 5 * 1024, 5 * 1024 + 4, "GPE", text[5 * 1024:5 * 1024 + 4],
                                           NOW, NOW])
    finally:
        with cluster.connect() as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


# --- found by the adversarial pass that followed (someone who did not write the fixes) ---------------

def test_a_lead_cannot_swap_a_documents_text_under_its_spans_by_renaming_it(cluster, team_db):
    """The text trigger compared each row's own text: renaming d1 and inserting another text as d1
    in one statement left every layer's spans over the new text (the foreign keys accept a key that
    exists again when the statement ends)."""
    add_lead(cluster, team_db)
    with cluster.connect("sara", team_db) as sara:
        sara.execute(INSERT_SPAN, span_row("sara"))
    with cluster.connect("reza", team_db) as reza:
        with pytest.raises(psycopg.errors.CheckViolation, match="id never changes"):
            reza.execute("WITH u AS (UPDATE documents SET id = 'd1old' WHERE id = 'd1' RETURNING 1) "
                         "INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                         "SELECT 'd1', 't', 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', 'fa', 'rtl', 'h', 0, 'x' FROM u")
    with cluster.connect(database=team_db) as owner:
        assert owner.execute("SELECT id, text FROM documents").fetchall() == [("d1", TEXT)]


def test_a_lead_cannot_relabel_a_reviewers_rejection_under_her_name(cluster, team_db):
    """A lead's hand-made 'rename follows' (a rejection whose label was gone) kept the reviewer's
    name on a rejection the lead relabelled; renames now follow from inside the rename itself."""
    add_lead(cluster, team_db)
    with open_project(cluster.url("leila", team_db)) as leila:
        leila.reject_proposal("d1", 9, 13, "GPE", proposed_by=[], decided_by="leila")
    with cluster.connect("reza", team_db) as reza:
        reza.execute("BEGIN")
        reza.execute("UPDATE labels SET name = 'GPE~' WHERE name = 'GPE'")  # the rename takes the rejection along
        reza.execute("UPDATE gold_rejections SET label = 'ORG' WHERE start = 9")  # by hand: the lead's decision
        reza.execute("UPDATE labels SET name = 'GPE' WHERE name = 'GPE~'")
        reza.execute("COMMIT")
        assert reza.execute("SELECT label, decided_by FROM gold_rejections").fetchall() == [("ORG", "reza")]


def test_gold_is_never_decided_under_a_groups_name(cluster, team_db):
    """SET ROLE to the reviewers' group (or a role default set with ALTER ROLE ... SET role) made
    decided_by the group's name: a decision nobody made."""
    with cluster.connect("leila", team_db) as leila:
        reviewers = team.groups(leila)[1]
        leila.execute(f'SET ROLE "{reviewers}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="decided by the member logged in"):
            leila.execute(INSERT_GOLD, [*gold_row(), "[]", "leila", NOW])
    with cluster.connect(database=team_db) as owner:
        assert owner.execute("SELECT COUNT(*) FROM gold_spans").fetchone()[0] == 0


def test_one_member_cannot_take_every_connection(cluster, team_db):
    """97 connections from one member left the others 'remaining connection slots are reserved'."""
    held = []
    try:
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            for _ in range(team.CONNECTION_LIMIT + 1):
                held.append(cluster.connect("sara", team_db))
        assert len(held) == team.CONNECTION_LIMIT
        with cluster.connect("minji", team_db) as minji:  # the others still get in
            assert minji.execute("SELECT 1").fetchone() == (1,)
    finally:
        for conn in held:
            conn.close()


def test_a_leads_refused_team_add_says_whose_job_membership_is(cluster, team_db):
    """Issue 20, 14: a lead's refused `team add … --reviewer` gave a hint about layers."""
    from click.testing import CliRunner

    from annotator.cli import cli

    add_lead(cluster, team_db)
    for name in ("newbie", "sara"):  # a new login, and a member moved to the reviewers
        result = CliRunner().invoke(cli, ["team", "add", name, "--reviewer", "--db", cluster.url("reza", team_db)])
        assert result.exit_code == 1, result.output
        assert "only the database's owner manages its members" in result.stderr and "layer" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
