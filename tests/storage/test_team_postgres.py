"""A team's PostgreSQL database keeps its members apart by itself: an annotator connects as their
own role and tries, in plain SQL, to write where they do not belong; PostgreSQL refuses."""

from __future__ import annotations

import pytest

psycopg = pytest.importorskip("psycopg")

from annotator.storage import team  # noqa: E402
from annotator.storage.errors import DatabaseError  # noqa: E402

TEXT = "خبر 😀 از مشهد: 대구시는 발표했다."
NOW = "2026-11-30T00:00:00.000+00:00"


@pytest.fixture
def cluster(pg_cluster):
    """The session's throwaway cluster (tests/conftest.py)."""
    return pg_cluster


@pytest.fixture
def database(cluster):
    """A fresh database, initialised by its owner (the cluster's superuser here), with members
    sara and minji (annotators) and leila (a reviewer), one document and one label."""
    import uuid

    name = f"t{uuid.uuid4().hex[:10]}"
    with cluster.connect() as admin:
        admin.execute(f"CREATE DATABASE {name}")
    with cluster.connect(database=name) as owner:
        assert team.init(owner) == [name for name, _ in team.MIGRATIONS]
        assert team.init(owner) == []  # idempotent
        for member, reviewer in (("sara", False), ("minji", False), ("leila", True)):
            team.add_member(owner, member, reviewer=reviewer)
        owner.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                      "VALUES ('d1', 't', %s, 'fa', 'rtl', 'h', %s, %s)", [TEXT, len(TEXT), NOW])
        owner.execute("INSERT INTO labels(name, colour, position) VALUES ('GPE', '#2D783C', 0)")
        owner.execute("INSERT INTO themes(name, colour, position) VALUES ('health', '#2D783C', 0)")
        owner.execute("INSERT INTO relation_types(name, colour, position) VALUES ('located_in', '#5A8C28', 0)")
    yield name
    with cluster.connect() as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def span_row(annotator: str, word: str = "مشهد") -> list:
    start = TEXT.index(word)  # after an emoji: code points, as PostgreSQL's substr counts them
    return ["d1", annotator, start, start + len(word), "GPE", word, NOW, NOW]


INSERT_SPAN = ('INSERT INTO spans(doc_id, annotator, start, "end", label, text, created_at, updated_at) '
               "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
INSERT_RELATION = ("INSERT INTO relations(doc_id, annotator, from_span, to_span, label, created_at, updated_at) "
                   f"VALUES ('d1', %s, %s, %s, 'located_in', '{NOW}', '{NOW}')")


def test_members_and_their_groups(cluster, database):
    with cluster.connect(database=database) as owner:
        assert team.members(owner) == [("leila", "reviewer"), ("minji", "annotator"), ("sara", "annotator")]
        team.add_member(owner, "minji", reviewer=True)  # a change of group, not a second membership
        assert ("minji", "reviewer") in team.members(owner)
        with pytest.raises(DatabaseError, match="cannot be a member's name"):
            team.add_member(owner, "bad name; DROP TABLE spans")


def test_an_annotator_writes_their_own_layer_and_reads_everyone(cluster, database):
    with cluster.connect("sara", database) as sara:
        sara.execute(INSERT_SPAN, span_row("sara"))
        sara.execute("INSERT INTO doc_themes VALUES ('d1', 'sara', 'health', %s)", [NOW])
        sara.execute("INSERT INTO doc_status VALUES ('d1', 'sara', 'done', %s)", [NOW])
        sara.execute("UPDATE spans SET note = 'checked' WHERE annotator = 'sara'")
    with cluster.connect("minji", database) as minji:
        assert minji.execute("SELECT annotator, text, note FROM spans").fetchall() == [("sara", "مشهد", "checked")]


def test_another_annotators_rows_are_refused_in_every_table_with_an_annotator_column(cluster, database):
    with cluster.connect("minji", database) as minji:
        minji.execute(INSERT_SPAN, span_row("minji"))
        minji.execute("INSERT INTO doc_themes VALUES ('d1', 'minji', 'health', %s)", [NOW])
        minji.execute("INSERT INTO doc_status VALUES ('d1', 'minji', 'done', %s)", [NOW])
        minji.execute("INSERT INTO suggestion_rejections VALUES ('d1', 'minji', 'model', 0, 3, 'GPE', %s)", [NOW])
        ends = [minji.execute(INSERT_SPAN + " RETURNING id", span_row("minji", word)).fetchone()[0]
                for word in ("از", "대구시는")]
        minji.execute(INSERT_RELATION, ["minji", *ends])
    with cluster.connect("sara", database) as sara:
        sara_ends = [sara.execute(INSERT_SPAN + " RETURNING id", span_row("sara", word)).fetchone()[0]
                     for word in ("از", "대구시는")]
    inserts = {
        "spans": (INSERT_SPAN, span_row("minji", "대구시")),
        "doc_themes": ("INSERT INTO doc_themes VALUES ('d1', %s, 'health', %s)", ["minji", NOW]),
        "doc_status": ("INSERT INTO doc_status VALUES ('d1', %s, 'new', %s)", ["leila", NOW]),
        "suggestion_rejections": ("INSERT INTO suggestion_rejections VALUES ('d1', %s, 'model', 4, 5, 'GPE', %s)",
                                  ["minji", NOW]),
        # minji's relation between sara's spans: refused by row-level security (and by the keys)
        "relations": (INSERT_RELATION, ["minji", *sara_ends]),
    }
    assert set(inserts) == set(team.LAYER_TABLES)
    with cluster.connect("sara", database) as sara:
        for table, (statement, params) in inserts.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                sara.execute(statement, params)
        for table in team.LAYER_TABLES:
            # Another's rows are not hers to change or delete: PostgreSQL leaves them untouched.
            assert sara.execute(f"UPDATE {table} SET annotator = 'sara' WHERE annotator = 'minji'").rowcount == 0
            assert sara.execute(f"DELETE FROM {table} WHERE annotator = 'minji'").rowcount == 0
        # Nor may she move her own row into another's layer.
        sara.execute(INSERT_SPAN, span_row("sara"))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            sara.execute("UPDATE spans SET annotator = 'minji' WHERE annotator = 'sara'")
    with cluster.connect(database=database) as owner:
        counts = {table: owner.execute(f"SELECT count(*) FROM {table} WHERE annotator = 'minji'").fetchone()[0]
                  for table in team.LAYER_TABLES}
    assert counts == {"spans": 3, "doc_themes": 1, "doc_status": 1, "suggestion_rejections": 1, "relations": 1}


def test_gold_is_for_reviewers_and_documents_for_the_owner(cluster, database):
    gold = ('INSERT INTO gold_spans(doc_id, start, "end", label, text, decided_by, decided_at) '
            "VALUES ('d1', %s, %s, 'GPE', 'مشهد', %s, %s)")
    start = TEXT.index("مشهد")
    with cluster.connect("sara", database) as sara:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sara.execute(gold, [start, start + 4, "sara", NOW])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sara.execute("INSERT INTO gold_documents VALUES ('d1', 'adjudicated', 'sara', %s)", [NOW])
        for statement in ("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                          "VALUES ('d2', 't', 'x', 'fa', 'rtl', 'h', 1, 'now')",
                          "UPDATE labels SET colour = '#000000'", "DELETE FROM documents",
                          "INSERT INTO annotators VALUES ('mallory', 'now')", "UPDATE settings SET value = ''"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                sara.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sara.execute("CREATE ROLE mallory LOGIN")
    with cluster.connect("leila", database) as leila:
        leila.execute(gold, [start, start + 4, "leila", NOW])
        leila.execute("INSERT INTO gold_documents VALUES ('d1', 'adjudicated', 'leila', %s)", [NOW])
        assert leila.execute("SELECT text FROM gold_spans").fetchall() == [("مشهد",)]


def test_the_database_checks_span_text_against_the_document_in_code_points(cluster, database):
    with cluster.connect("sara", database) as sara:
        wrong = span_row("sara")
        wrong[2] += 1  # one code point later: the UTF-16 offset a web tool would send after the emoji
        wrong[3] += 1
        with pytest.raises(psycopg.errors.CheckViolation, match="does not match the document text"):
            sara.execute(INSERT_SPAN, wrong)
        sara.execute(INSERT_SPAN, span_row("sara", "대구시"))


def test_a_database_from_a_newer_annotator_is_refused(cluster, database):
    with cluster.connect(database=database) as owner:
        owner.execute("INSERT INTO annotator_migrations(name) VALUES ('p999_future')")
        with pytest.raises(DatabaseError, match="newer version of annotator"):
            team.init(owner)


def test_team_commands_init_add_and_list_with_a_password_from_stdin(cluster):
    import subprocess
    import sys

    with cluster.connect() as admin:
        admin.execute("CREATE DATABASE cli_team")
    try:
        url = cluster.url(database="cli_team")

        def annotator(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "annotator", "team", *args, "--db", url], input=stdin,
                                  capture_output=True, text=True, timeout=120)

        first = annotator("init")
        assert first.returncode == 0 and "p001_initial" in first.stdout, first.stderr
        assert "already up to date" in annotator("init").stdout
        assert annotator("add", "sara").returncode == 0
        added = annotator("add", "nasrin", "--reviewer", "--password-stdin", stdin="s3cret\n")
        assert added.returncode == 0 and "s3cret" not in added.stdout + added.stderr
        assert annotator("list").stdout.splitlines() == ["nasrin\treviewer", "sara\tannotator"]
        # Roles are the server's: a login that another team's database has keeps its password.
        with cluster.connect() as admin:
            admin.execute("CREATE ROLE elsewhere LOGIN")
        taken = annotator("add", "elsewhere", "--password-stdin", stdin="mine\n")
        assert taken.returncode == 1 and "already logs in to this server" in taken.stderr
        assert len(taken.stderr.strip().splitlines()) == 1
        assert annotator("add", "elsewhere").returncode == 0  # joining without a password is theirs to do
        with cluster.connect(database="cli_team") as owner:  # the password was set, hashed by the server
            stored = owner.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'nasrin'").fetchone()[0]
        assert stored and stored.startswith("SCRAM-SHA-256$")
        # A member cannot run init (the owner's job): refused by the database, one line.
        refused = subprocess.run([sys.executable, "-m", "annotator", "team", "init", "--db",
                                  cluster.url("sara", "cli_team")], capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert refused.stderr.startswith("Error: ") and len(refused.stderr.strip().splitlines()) == 1
        # Nor add members: one line, saying whose job that is.
        refused = subprocess.run([sys.executable, "-m", "annotator", "team", "add", "mallory", "--db",
                                  cluster.url("sara", "cli_team")], capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
        assert "only the database's owner manages its members" in refused.stderr
        # Not a PostgreSQL URL, or no server there: one line each.
        for db, said in (("team.db", "give --db postgresql://"),
                         (f"postgresql://x@/nothing?host={cluster.root}/nowhere", "cannot open the team database")):
            out = subprocess.run([sys.executable, "-m", "annotator", "team", "list", "--db", db],
                                 capture_output=True, text=True, timeout=120)
            assert out.returncode == 1 and said in out.stderr and "Traceback" not in out.stderr
    finally:
        with cluster.connect() as admin:
            admin.execute("DROP DATABASE cli_team WITH (FORCE)")


def test_two_team_databases_on_one_server_keep_their_members_apart(cluster, database):
    with cluster.connect() as admin:
        admin.execute("CREATE DATABASE other_team")
    try:
        with cluster.connect(database="other_team") as owner:
            team.init(owner)
            team.add_member(owner, "omar")
            assert team.members(owner) == [("omar", "annotator")]
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            cluster.connect("omar", database)
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            cluster.connect("sara", "other_team")
    finally:
        with cluster.connect() as admin:
            admin.execute("DROP DATABASE other_team WITH (FORCE)")


def test_a_lead_the_owner_names_adds_documents_and_labels_and_reviews_but_not_members(cluster, database):
    with cluster.connect(database=database) as owner:
        team.add_member(owner, "reza", lead=True)
        assert ("reza", "lead") in team.members(owner)
        assert [name for name, _ in team.members(owner)] == ["leila", "minji", "reza", "sara"]  # no group roles
    with cluster.connect("reza", database) as reza:
        reza.execute("INSERT INTO documents(id, title, text, lang, direction, text_hash, chars, created_at) "
                     "VALUES ('d2', 't', 'x', 'fa', 'rtl', 'h', 1, %s)", [NOW])
        reza.execute("UPDATE labels SET colour = '#000000'")
        reza.execute("INSERT INTO gold_documents VALUES ('d2', 'adjudicated', 'reza', %s)", [NOW])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reza.execute("CREATE ROLE mallory LOGIN")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):  # layers: own only
            reza.execute(INSERT_SPAN, span_row("sara"))


def test_a_member_makes_no_temporary_table_to_stand_in_for_ours(cluster, database):
    with cluster.connect("sara", database) as sara:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="temporary"):
            sara.execute("CREATE TEMP TABLE documents(id text, text text, chars int)")
    with cluster.connect(database=database) as owner:  # and the checks name their tables anyway
        assert all("search_path=pg_catalog, public, pg_temp" in (config or [""])[0] for (config,) in owner.execute(
            "SELECT proconfig FROM pg_proc WHERE proname LIKE 'annotator_%'").fetchall())


def test_a_group_role_is_never_added_as_a_person(cluster, database):
    with cluster.connect(database=database) as owner:
        reviewers = team.groups(owner)[1]
        with pytest.raises(DatabaseError, match="group role of this server, not a person"):
            team.add_member(owner, reviewers)


def test_the_default_themes_old_colours_are_recoloured_once_and_a_chosen_colour_kept(cluster, database):
    """p003: a team database made before the default themes were recoloured (themes 1 and 5 were
    one purple) gets the new colours where a theme still has the old default."""
    with cluster.connect(database=database) as owner:
        owner.execute("DELETE FROM annotator_migrations WHERE name = 'p003_theme_colours'")
        owner.execute("INSERT INTO themes(name, colour, position) VALUES ('smart_governance', '#7950f2', 1), "
                      "('ai_cybersecurity', '#845EF7', 2), ('mobility', '#123456', 3)")
        assert team.init(owner) == ["p003_theme_colours"]
        colours = dict(owner.execute("SELECT name, colour FROM themes").fetchall())
    assert colours["smart_governance"] == "#7460BC" and colours["ai_cybersecurity"] == "#946074"
    assert colours["mobility"] == "#123456" and colours["health"] == "#2D783C"  # chosen: kept


def test_queues_are_the_leads_to_write_and_each_member_reads_their_own(cluster, database):
    insert = ("INSERT INTO queue_items(annotator, doc_id, position, assigned_at) VALUES (%s, 'd1', 0, %s)")
    with cluster.connect(database=database) as owner:
        team.add_member(owner, "lena", lead=True)
        owner.execute(insert, ["minji", NOW])  # the owner writes queues
    with cluster.connect("lena", database) as lena:
        lena.execute(insert, ["sara", NOW])  # and a lead
        assert lena.execute("SELECT annotator FROM queue_items ORDER BY 1").fetchall() == [("minji",), ("sara",)]
    with cluster.connect("sara", database) as sara:
        # A member may not write another's queue, nor her own, in plain SQL.
        for name in ("minji", "leila", "sara"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                sara.execute("INSERT INTO queue_items(annotator, doc_id, position, assigned_at) "
                             "VALUES (%s, 'd1', 1, %s) ON CONFLICT DO NOTHING", [name, NOW])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sara.execute("DELETE FROM queue_items")
        # She sees her own queue, not minji's.
        assert sara.execute("SELECT annotator, doc_id FROM queue_items").fetchall() == [("sara", "d1")]
    with cluster.connect("leila", database) as leila:  # a reviewer is no lead: no queue writing
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            leila.execute(insert, ["leila", NOW])
    with cluster.connect(database=database) as owner:
        assert owner.execute("SELECT count(*) FROM queue_items").fetchone()[0] == 2


def test_active_time_is_each_members_own_to_write_and_everyones_to_read(cluster, database):
    insert = ("INSERT INTO active_time(annotator, doc_id, session, clock, started_at, ranges, seconds, updated_at) "
              "VALUES (%s, 'd1', 's', 'host:boot', %s, '[[0, 30]]', 30, %s)")
    with cluster.connect("sara", database) as sara:
        sara.execute(insert, ["sara", NOW, NOW])
        sara.execute("INSERT INTO imported_time VALUES ('sara', 'd1', 12.5, 'label-studio', %s)", [NOW])
        for statement in (insert, "INSERT INTO imported_time VALUES (%s, 'd1', 1, '', %s)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                sara.execute(statement, ["minji", NOW, NOW][:statement.count("%s")])
    with cluster.connect("minji", database) as minji:
        assert minji.execute("UPDATE active_time SET seconds = 0").rowcount == 0  # not hers
        assert minji.execute("DELETE FROM imported_time").rowcount == 0
        # Everyone reads it: a lead's progress figures need all of it.
        assert minji.execute("SELECT annotator, seconds FROM active_time").fetchall() == [("sara", 30.0)]
        assert minji.execute("SELECT annotator, seconds FROM imported_time").fetchall() == [("sara", 12.5)]
