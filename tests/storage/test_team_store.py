"""The Store on a team database, as its members use it: each connects as their own role, writes
their own layer, is refused elsewhere in one line, sees the others' saves, and survives the server
going away. (The same Store methods run against both backends in test_store.py and tests/core.)"""

from __future__ import annotations

import threading
import time

import pytest

from annotator.core.merging import merge
from annotator.core.model import Document, Span, Status
from annotator.core.project import open_project
from annotator.storage import DATABASE_ERRORS, Store, explain, team
from annotator.storage.cluster import halt, restart
from annotator.storage.errors import TeamDatabaseError
from annotator.storage.team_search import tsquery_of, tsvector_of
from annotator.storage.team_store import translate
from tests.postgres import start_cluster, team_database

from tests.helpers import SEEDS as SEEDS_DIR

psycopg = pytest.importorskip("psycopg")

TEXT = "😀 خبر از مشهد: 대구시는 발표했다. 남대구에서"


def test_translate_carries_the_dialect_over_and_leaves_literals_alone():
    assert translate("SELECT a FROM t WHERE b = ? AND c LIKE 'x?%'") == \
        "SELECT a FROM t WHERE b = %s AND c LIKE 'x?%'"
    assert translate("INSERT OR IGNORE INTO t(a) VALUES (?) RETURNING id") == \
        "INSERT INTO t(a) VALUES (%s) ON CONFLICT DO NOTHING RETURNING id"
    assert translate("INSERT OR IGNORE INTO spans(a) VALUES (?) RETURNING id") == \
        'INSERT INTO spans(a) VALUES (%s) ON CONFLICT (doc_id, annotator, start, "end", label) DO NOTHING RETURNING id'
    assert translate("INSERT OR IGNORE INTO t(a) VALUES (?)") == "INSERT INTO t(a) VALUES (%s) ON CONFLICT DO NOTHING"
    assert translate("SELECT 1 WHERE d.id IS NOT ? AND x IN (SELECT value FROM json_each(?))") == \
        "SELECT 1 WHERE d.id IS DISTINCT FROM %s AND x IN (SELECT value FROM json_array_elements_text(%s::json))"
    assert translate("SELECT 'it''s ?' , 5 % 2") == "SELECT 'it''s ?' , 5 %% 2"


def test_index_tokens_and_queries_are_annotators_own():
    vector = tsvector_of(TEXT)
    # Folded Persian words whole, Hangul as overlapping bigrams, the emoji no token at all.
    assert "'مشهد':3" in vector and "'대구':4,11" in vector and "'구시':5" in vector and "😀" not in vector
    assert tsquery_of('"از مشهد" *') == "('از' <-> 'مشهد':*)"
    assert tsquery_of('"대구" * AND "발표" *') == "('대구':*) & ('발표':*)"
    assert tsquery_of('"부산"') == "('부산')"
    assert tsquery_of("") == "'_'"


@pytest.fixture
def members(pg_cluster, request):
    """A team database with the seeds' label schema, one document, and members sara and minji
    (annotators) and leila (a reviewer): {name: URL}, the owner's under "owner"."""
    url = team_database(pg_cluster, request)
    name = database_of(url)
    with pg_cluster.connect(database=name) as owner:
        for member, reviewer in (("sara", False), ("minji", False), ("leila", True)):
            team.add_member(owner, member, reviewer=reviewer)
    with open_project(url) as store:
        store.insert_document(Document("d1", "t", TEXT, "fa", "rtl"))
    return {"owner": url, **{m: pg_cluster.url(m, name) for m in ("sara", "minji", "leila")}}


def database_of(url: str) -> str:
    """The database's name in a test cluster's URL (postgresql://USER@/NAME?host=...)."""
    return url.split("@/")[1].split("?")[0]


def span(annotator: str, word: str = "مشهد", label: str = "GPE") -> Span:
    start = TEXT.index(word)  # after an emoji: code points
    return Span("d1", annotator, start, start + len(word), label, word)


def test_a_member_is_their_login_and_writes_only_their_own_layer(members):
    with open_project(members["sara"]) as sara:
        assert (sara.member, sara.role, sara.is_team) == ("sara", "annotator", True)
        assert sara.add_span(span("sara")) is not None
        sara.add_doc_theme("d1", "sara", sara.schema().themes[0].name)
        assert sara.set_status("d1", "sara", Status.DONE)
        refusals = {  # each with who may write there instead
            "own layer": lambda: sara.add_span(span("minji")),
            "reviewers and leads": lambda: sara.add_gold_span(span("sara"), proposed_by=["sara"], decided_by="sara"),
            "changed by the owner and the leads": lambda: sara.insert_document(Document("d2", "t", "x", "fa", "rtl")),
            "the label schema": lambda: sara.rename_label("labels", "GPE", "PLACE"),
            "its owner adds members": lambda: sara.ensure_annotator("mallory"),
        }
        for hint, attempt in refusals.items():
            with pytest.raises(TeamDatabaseError) as refused:
                attempt()
            assert refused.value.kind == "refused", hint
            line = explain(refused.value, sara.path)
            assert line.startswith("refused by the team database postgresql://sara@/") and "\n" not in line
            assert hint in line
        # One refusal in a transaction takes the whole transaction back with it.
        with pytest.raises(DATABASE_ERRORS), sara.transaction():
            sara.add_span(span("sara", "대구시", "LOC"))
            sara.add_span(span("minji", "대구시", "LOC"))
        assert [s.text for s in sara.spans("d1", "sara")] == ["مشهد"]
    with open_project(members["leila"]) as leila:
        assert leila.role == "reviewer"
        assert leila.add_gold_span(span("sara"), proposed_by=["sara"], decided_by="leila") is not None
        assert leila.set_gold_status("d1", "adjudicated", decided_by="leila")
    with open_project(members["minji"]) as minji:  # everyone reads every layer
        assert [s.annotator for s in minji.spans("d1", "sara")] == ["sara"]
        assert minji.gold_status("d1") == "adjudicated" and minji.status("d1", "sara") is Status.DONE


def test_a_members_settings_are_their_own(members):
    with open_project(members["sara"]) as sara:
        sara.set_setting("last_document/sara", "d1")
        sara.set_setting("last_document/sara", "d1-again")
        assert sara.setting("last_document/sara") == "d1-again"
        assert sara.setting("initialised") == "1"  # the owner's, read by all
    with open_project(members["minji"]) as minji:
        assert minji.setting("last_document/sara") is None


def test_each_member_sees_the_others_saves(members):
    with open_project(members["sara"]) as sara, open_project(members["leila"]) as leila:
        assert leila.changes() == []  # the first call starts listening
        sara.add_span(span("sara"))
        sara.set_status("d1", "sara", Status.IN_PROGRESS)
        seen: list[dict] = []
        deadline = time.monotonic() + 2.0
        while len(seen) < 2 and time.monotonic() < deadline:
            seen += leila.changes()
            time.sleep(0.02)
        assert {(c["table"], c["doc"], c["by"]) for c in seen} == {("spans", "d1", "sara"), ("doc_status", "d1", "sara")}
        assert {c["connection"] for c in seen} == {sara.connection_id} != {leila.connection_id}
        assert leila.changes() == []


def test_a_label_keys_one_statement_writes_only_ones_own_layer_and_is_seen(members):
    """add_span_started is one statement on a team database (the span and the document started):
    a member's own layer only, refused whole on another's (no span, no status), and announced like
    the two writes it replaces, each by the connection that made it."""
    with open_project(members["sara"]) as sara, open_project(members["minji"]) as minji:
        assert minji.changes() == []  # listening
        span_id, before = sara.add_span_started(span("sara"))
        assert span_id is not None and before is Status.NEW and sara.status("d1", "sara") is Status.IN_PROGRESS
        with pytest.raises(TeamDatabaseError) as refused:
            sara.add_span_started(span("minji", "대구시는", "LOC"))
        assert refused.value.kind == "refused"
        assert minji.spans("d1", "minji") == [] and minji.status("d1", "minji") is Status.NEW
        seen: list[dict] = []
        deadline = time.monotonic() + 2.0
        while len(seen) < 2 and time.monotonic() < deadline:
            seen += minji.changes()
            time.sleep(0.02)
        assert {(c["table"], c["doc"], c["by"], c["connection"]) for c in seen} == {
            ("spans", "d1", "sara", sara.connection_id), ("doc_status", "d1", "sara", sara.connection_id)}
        with pytest.raises(TeamDatabaseError):  # a member may not start another's document either
            minji.add_span_started(span("sara", "대구시는", "LOC"))
        assert [s.text for s in sara.spans("d1", "sara")] == ["مشهد"]


def test_a_poll_reads_what_came_without_waiting_and_knows_its_own_saves(members, monkeypatch):
    """changes() asks the listening socket without waiting (a window polls on its own thread every
    half second: psycopg's notifies(timeout=…) spun there for its whole timeout, nothing or not),
    names this connection's own saves by its member without asking the server, and asks the
    server who sent the others'."""
    from annotator.storage import team_store

    waits: list = []
    select = team_store.select.select
    monkeypatch.setattr(team_store.select, "select", lambda r, w, x, timeout=None: waits.append(timeout) or
                        select(r, w, x, timeout))
    with open_project(members["sara"]) as sara, open_project(members["minji"]) as minji:
        asked: list[str] = []
        execute = minji.db.execute
        monkeypatch.setattr(minji.db, "execute", lambda sql, params=(): asked.append(sql) or execute(sql, params))
        assert minji.changes() == [] and minji.changes() == []  # listening; nothing came
        assert waits and set(waits) == {0} and asked == []

        def seen(count: int) -> list[dict]:
            found: list[dict] = []
            deadline = time.monotonic() + 2.0
            while len(found) < count and time.monotonic() < deadline:
                found += minji.changes()
                time.sleep(0.02)
            return found

        minji.add_span_started(span("minji"))
        assert {(c["table"], c["by"], c["connection"]) for c in seen(2)} == {
            ("spans", "minji", minji.connection_id), ("doc_status", "minji", minji.connection_id)}
        assert not [sql for sql in asked if "pg_stat_activity" in sql]
        sara.add_span(span("sara", "대구시는", "LOC"))
        assert [(c["table"], c["by"], c["connection"]) for c in seen(1)] == [("spans", "sara", sara.connection_id)]
        assert len([sql for sql in asked if "pg_stat_activity" in sql]) == 1
        assert set(waits) == {0}


def test_two_members_writing_at_once_lose_nothing(members):
    words = [w for w in ("خبر", "مشهد", "대구시는", "발표했다", "남대구에서")]

    def work(name: str, failures: list) -> None:
        try:
            with open_project(members[name]) as store:
                for round_ in range(10):
                    for word in words:
                        label = ("GPE", "LOC", "ORG")[round_ % 3]
                        store.add_span(span(name, word, label))
                    store.set_status("d1", name, Status.IN_PROGRESS if round_ % 2 else Status.DONE)
        except Exception as err:  # noqa: BLE001 - reported below
            failures.append(err)

    failures: list = []
    threads = [threading.Thread(target=work, args=(name, failures)) for name in ("sara", "minji")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with open_project(members["owner"]) as owner:
        assert owner.span_counts("d1") == {"minji": 15, "sara": 15}  # 5 words x 3 labels each, none lost
        assert owner.status("d1", "sara") is Status.IN_PROGRESS


def test_a_member_merges_their_offline_file_but_not_anothers_layer(members, tmp_path):
    offline = tmp_path / "sara.db"
    with Store.open(offline) as mine, mine.transaction():
        with open_project(members["owner"]) as owner:
            mine.replace_schema(owner.schema())
            mine.insert_document(owner.get_document("d1"))
        mine.ensure_annotator("sara")
        mine.add_span(span("sara", "대구시는", "LOC"))
    with open_project(members["sara"]) as sara:
        report = merge(sara, offline)
        assert report.spans_added == 1 and [s.text for s in sara.spans("d1", "sara")] == ["대구시는"]
        with Store.open(offline) as mine, mine.transaction():
            mine.ensure_annotator("minji")
            mine.add_span(span("minji", "발표했다", "ORG"))
        before = sara.dump()
        with pytest.raises(TeamDatabaseError, match="row-level security"):
            merge(sara, offline)
        assert sara.dump() == before  # the merge is one transaction: nothing of it stayed


def test_the_server_going_away_is_not_saved_then_comes_back(tmp_path):
    cluster = start_cluster()  # its own: this one is stopped mid-test
    try:
        url = cluster.create_database("gone")
        with cluster.connect(database="gone") as owner:
            team.init(owner)
        with open_project(url) as store:
            store.insert_document(Document("d1", "t", TEXT, "fa", "rtl"))
            store.ensure_annotator("postgres")
            assert store.changes() == []
            halt(cluster)
            with pytest.raises(TeamDatabaseError) as lost:
                store.add_span(span("postgres"))
            assert lost.value.kind == "lost"
            assert "was lost" in explain(lost.value, store.path) and not store.reachable()
            restart(cluster)
            assert store.reachable()
            assert store.spans("d1", "postgres") == []  # the edit in flight was not saved
            assert store.add_span(span("postgres")) is not None
            assert store.changes() == [{"table": "*", "doc": None, "by": None}]  # listening again: look again
    finally:
        cluster.stop()


def test_a_lead_imports_and_changes_the_schema_an_annotator_cannot(members, pg_cluster, tmp_path):
    name = database_of(members["owner"])
    with pg_cluster.connect(database=name) as owner:
        team.add_member(owner, "reza", lead=True)
    from annotator.core.importing import import_paths
    from tests.helpers import SEEDS

    with open_project(pg_cluster.url("reza", name)) as reza:
        assert reza.role == "lead"
        assert import_paths(reza, [SEEDS], annotator="reza").documents_added == 5
        reza.rename_label("labels", "EVENT", "HAPPENING")
        reza.set_setting("guidelines", "Mark every city.")
    with open_project(members["minji"]) as minji:
        assert minji.count_documents() == 6 and "HAPPENING" in minji.label_names()  # d1 and the seeds
        assert minji.setting("guidelines") == "Mark every city."
        new = tmp_path / "new.txt"
        new.write_text("خبر تازه از مشهد", encoding="utf-8")
        with pytest.raises(TeamDatabaseError, match="permission denied for table documents"):
            import_paths(minji, [new], annotator="minji")
        assert minji.count_documents() == 6


def test_another_members_span_is_never_reported_changed_or_deleted(members):
    with open_project(members["minji"]) as minji:
        theirs = minji.add_span(span("minji"))
    with open_project(members["sara"]) as sara:
        # Row-level security hides another's row from UPDATE and DELETE: nothing happens, and the
        # Store says so instead of returning the span as if it had been changed.
        assert sara.delete_span(theirs) is None
        with pytest.raises(KeyError):
            sara.update_span(theirs, label="LOC")
        assert [(s.id, s.label) for s in sara.spans("d1", "minji")] == [(theirs, "GPE")]


def test_a_team_database_from_a_newer_annotator_or_none_at_all_is_one_line(members, pg_cluster):
    from annotator.core.errors import DatabaseError

    name = database_of(members["owner"])
    with pg_cluster.connect(database=name) as owner:
        owner.execute("INSERT INTO annotator_migrations(name) VALUES ('p999_future')")
    with pytest.raises(DatabaseError, match="newer version of annotator"):
        open_project(members["sara"])
    empty = pg_cluster.create_database("not_a_team")
    try:
        with pytest.raises(DatabaseError, match="not an annotator team database yet: its owner runs annotator team init"):
            open_project(empty)
    finally:
        pg_cluster.drop_database("not_a_team")


def test_a_connection_that_fails_says_why_and_what_to_do(members, pg_cluster):
    from annotator.core.errors import DatabaseError

    name = database_of(members["owner"])
    for url, said in (
        (pg_cluster.url("nobody", name), 'role "nobody" does not exist; ask the database\'s owner to add you '
                                         "(annotator team add nobody)"),
        (pg_cluster.url("sara", "no_such_db"), "check the database's name in the URL"),
        (f"postgresql://sara@/{name}?host={pg_cluster.root}/elsewhere", "is the PostgreSQL server running there?"),
    ):
        with pytest.raises(DatabaseError) as failed:
            open_project(url)
        line = str(failed.value)
        assert line.startswith("cannot open the team database postgresql://") and said in line, line
        assert "\n" not in line and "connection failed" not in line


def test_a_stray_notification_never_costs_the_real_ones(members, pg_cluster):
    name = database_of(members["owner"])
    with open_project(members["sara"]) as sara, open_project(members["leila"]) as leila, \
            pg_cluster.connect("minji", name) as minji:
        leila.changes()
        for junk in ("not json", "[1, 2]", '"text"', '{"doc": 5}'):  # any member may NOTIFY on the channel
            minji.execute("SELECT pg_notify('annotator_changes', %s)", [junk])
        sara.add_span(span("sara"))
        seen: list[dict] = []
        deadline = time.monotonic() + 2.0
        while not seen and time.monotonic() < deadline:
            seen += leila.changes()
            time.sleep(0.02)
        assert [(c["table"], c["doc"], c["by"]) for c in seen] == [("spans", "d1", "sara")]


def test_a_member_cannot_take_span_ids_ahead_of_the_others(members, pg_cluster):
    name = database_of(members["owner"])
    with open_project(members["sara"]) as sara:
        mine = sara.add_span(span("sara"))
    with pg_cluster.connect("sara", name) as sql:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="given by the database"):
            sql.execute('INSERT INTO spans(id, doc_id, annotator, start, "end", label, text, created_at, updated_at) '
                        "VALUES (%s, 'd1', 'sara', 0, 1, 'GPE', %s, 'now', 'now')", [mine + 1, TEXT[0]])
    with open_project(members["minji"]) as minji:
        assert minji.add_span(span("minji")) == mine + 1  # the next id was still free for her
    with open_project(members["sara"]) as sara:  # an undone deletion comes back under its own id
        gone = sara.delete_span(mine)
        sara.restore_span(gone)
        assert sara.get_span(mine) == gone


def test_a_connection_lost_inside_a_transaction_never_carries_on_in_a_new_one(members, pg_cluster):
    with open_project(members["sara"]) as sara:
        with pytest.raises(TeamDatabaseError) as lost:
            with sara.transaction():
                sara.add_span(span("sara"))
                with pg_cluster.connect() as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", [sara.connection_id])
                with pytest.raises(TeamDatabaseError):
                    sara.add_span(span("sara", "대구시는", "LOC"))
                # Caught inside: the next statement must not reconnect and commit on its own.
                with pytest.raises(TeamDatabaseError, match="lost in the middle of a change"):
                    sara.add_span(span("sara", "발표했다", "ORG"))
        assert lost.value.kind == "lost"
        assert sara.spans("d1", "sara") == []  # reconnected after the block: nothing of it was saved


def test_long_and_huge_documents_import_and_are_found_by_their_words(members):
    long_token = "ب" * 3000  # over PostgreSQL's 2,046 bytes for one lexeme
    article = (SEEDS_DIR / "000_b57cd57af517ef66.txt").read_text(encoding="utf-8")
    huge = article * (1_200_000 // len(article)) + " زمردفام"  # 1.2 MB: PostgreSQL's limits all reached
    with open_project(members["owner"]) as owner:
        owner.insert_documents([Document("long", "t", f"سلام {long_token} مشهد", "fa", "rtl"),
                                Document("huge", "t", huge, "fa", "rtl")])
        from annotator.core.text import match_expression

        assert [d.id for d in owner.search(match_expression("مشهد"))] == ["d1", "long", "huge"]
        assert [d.id for d in owner.search(match_expression("زمردفام"))] == ["huge"]
        assert owner.search(match_expression("café")) == []
        # 200,000 different words: more than 1 MB with positions; the words that fit, without them.
        vector = tsvector_of(" ".join(f"w{i}" for i in range(200_000)))
        assert ":" not in vector and owner.db.execute("SELECT length(?::tsvector)", [vector]).fetchone()[0] > 50_000


def test_a_failure_that_is_not_a_lost_connection_is_not_called_one(members):
    with open_project(members["owner"]) as owner:
        with pytest.raises(TeamDatabaseError) as failed:
            owner.db.execute("SELECT repeat('x', 3000)::tsvector")  # a program limit, not the network
        assert failed.value.kind == "other" and "was lost" not in explain(failed.value, owner.path)
        assert owner.reachable()


def test_urls_in_messages_never_show_a_password():
    from annotator.storage.team import shown

    assert shown("postgresql://sara:s3cret@db/news") == "postgresql://sara@db/news"
    assert shown("postgresql://sara:s3/cr@t@/news?host=/tmp/x") == "postgresql://sara@/news?host=/tmp/x"
    assert shown("postgresql://sara@db/news?sslmode=require&password=p&sslpassword=q") == \
        "postgresql://sara@db/news?sslmode=require&password=***&sslpassword=***"


def test_group_names_stay_apart_however_long_the_database_name():
    from annotator.storage.team import _group_name

    for database in ("news", "n" * 60, "خبرهای_" * 8):
        names = {_group_name(database, kind) for kind in ("annotators", "reviewers", "leads")}
        assert len(names) == 3 and all(len(n.encode("utf-8")) <= 63 for n in names)


def test_a_member_finds_a_database_set_up_or_is_told_who_sets_it_up(pg_cluster):
    from annotator.core.errors import DatabaseError

    url = pg_cluster.create_database("not_set_up")
    try:
        with pg_cluster.connect(database="not_set_up") as owner:
            team.init(owner)
            team.add_member(owner, "sara")
        member = pg_cluster.url("sara", "not_set_up")
        with pytest.raises(DatabaseError, match="has no label schema yet: its owner runs annotator team init"):
            open_project(member)
        with open_project(url) as first:  # the owner's first open gives it the default labels
            assert first.label_names()
        with open_project(member) as sara:
            assert sara.label_names() and sara.setting("initialised") == "1"
    finally:
        pg_cluster.drop_database("not_set_up")


def test_a_queue_handed_out_is_announced_and_each_member_reads_their_own(members, pg_cluster):
    name = database_of(members["owner"])
    with pg_cluster.connect(database=name) as owner:
        team.add_member(owner, "reza", lead=True)
    with open_project(pg_cluster.url("reza", name)) as reza, open_project(members["sara"]) as sara:
        assert sara.changes() == []  # listening
        assert reza.set_queue("sara", ["d1"], by="reza") and reza.set_queue("minji", ["d1"], by="reza")
        seen: list[dict] = []
        deadline = time.monotonic() + 2.0
        while not seen and time.monotonic() < deadline:
            seen += sara.changes()
            time.sleep(0.02)
        assert {c["table"] for c in seen} == {"queue_items"}
        assert sara.queues() == {"sara": ["d1"]} and reza.queues() == {"minji": ["d1"], "sara": ["d1"]}
        with pytest.raises(TeamDatabaseError) as refused:  # through annotator too, one line
            sara.append_queue("sara", ["d1", "d2"])
        assert refused.value.kind == "refused" and "leads and the owner" in explain(refused.value)
        # Her own time is hers to write; minji's is not.
        sara.record_active_time("sara", "d1", "s1", clock="h:b", started_at="2026-12-07T10:00:00", ranges=[(0, 5)])
        with pytest.raises(TeamDatabaseError):
            sara.record_active_time("minji", "d1", "s1", clock="h:b", started_at="2026-12-07T10:00:00",
                                    ranges=[(0, 5)])
        assert reza.active_seconds() == {("sara", "d1"): 5.0}


def test_relations_are_a_members_own_gold_a_reviewers_and_each_is_announced(members):
    """Issue 25: a member makes, changes, deletes and restores (undo) relations in their own layer
    only; gold relations are a reviewer's, with provenance the database checks; each change is
    announced to the other windows as a span's is."""
    from annotator.core.model import GOLD, Relation

    with open_project(members["sara"]) as sara, open_project(members["minji"]) as minji:
        assert minji.changes() == []  # listening
        ends = [sara.add_span(span("sara", "대구시", "GPE")), sara.add_span(span("sara", "مشهد", "GPE"))]
        made = sara.add_relation(Relation("d1", "sara", *ends, "located_in"))
        assert made is not None and sara.update_relation(made, note="보기").note == "보기"
        with pytest.raises(TeamDatabaseError) as refused:  # minji's relation between sara's spans
            minji.add_relation(Relation("d1", "minji", *ends, "located_in"))
        assert refused.value.kind == "conflict" and "foreign key" in str(refused.value)  # not her layer's spans
        with pytest.raises(TeamDatabaseError) as refused:  # sara's, written by minji
            minji.add_relation(Relation("d1", "sara", ends[1], ends[0], "located_in"))
        assert refused.value.kind == "refused"
        assert minji.delete_relation(made) is None and minji.get_relation(made) is not None
        with pytest.raises(KeyError):
            minji.update_relation(made, label="role_in")
        seen: list[dict] = []
        deadline = time.monotonic() + 2.0
        while not any(c["table"] == "relations" for c in seen) and time.monotonic() < deadline:
            seen += minji.changes()
            time.sleep(0.02)
        assert ("relations", "d1", sara.connection_id) in {(c["table"], c["doc"], c["connection"]) for c in seen}
        gone = sara.delete_relation(made)
        sara.restore_relation(gone)  # an undo: under its own id
        assert sara.get_relation(made) == gone
    with open_project(members["leila"]) as leila:
        gold_ends = [leila.add_gold_span(span("sara", word, "GPE"), proposed_by=["sara"], decided_by="leila")
                     for word in ("대구시", "مشهد")]
        gold = leila.add_gold_relation(Relation("d1", GOLD, *gold_ends, "located_in"), proposed_by=["sara", "minji"],
                                       decided_by="someone")
        # Who decided is the member logged in; who proposed it, only those whose layer holds it.
        assert leila.get_gold_relation(gold)[1]["proposed_by"] == ["sara"]
        assert leila.get_gold_relation(gold)[1]["decided_by"] == "leila"
    with open_project(members["sara"]) as sara:
        with pytest.raises(TeamDatabaseError) as refused:
            sara.add_gold_relation(Relation("d1", GOLD, gold_ends[1], gold_ends[0], "located_in"), proposed_by=[],
                                   decided_by="sara")
        assert refused.value.kind == "refused"
