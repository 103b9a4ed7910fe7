"""A team's PostgreSQL database: its schema, and who may write what, decided by PostgreSQL itself.

The schema (``team_schema``: its numbered migrations) mirrors the SQLite one table by table (a
layer's row names its annotator in an ``annotator`` column), with the same check in the database
that a span's text is the document's text at its offsets.

Who may write what is roles, grants and row-level security, not the client:

- ``annotator_DB_annotators`` and ``annotator_DB_reviewers`` are group roles of this database (DB:
  its name; roles are the server's, so two team databases on one server keep their groups
  apart); a person is a login role in one of them (``annotator team add``), and is their layer:
  ``annotator = current_user``;
- every member reads everything; a member writes only their own spans, themes, statuses and
  suggestion rejections (a policy per table, for INSERT, UPDATE and DELETE);
- gold and adjudication (``gold_*``) are written only by reviewers;
- documents, the label schema and settings only by the owner (the role that ran ``annotator
  team init``) and the leads the owner names (``team add --lead``: reviewers who also do that);
- a long document's pieces (``document_pieces``, what a span's check reads) only by the database
  itself, from the document's text as it is inserted; everyone reads them, as the documents;
  membership only by the owner.

This module sets a team database up; ``team_store`` annotates in one (the Store on PostgreSQL).
"""

from __future__ import annotations

import re
from typing import Any

from annotator.storage.errors import DatabaseError
from annotator.storage.team_schema import MIGRATIONS

LAYER_TABLES = ("spans", "doc_themes", "doc_status", "suggestion_rejections", "relations")
GOLD_TABLES = ("gold_spans", "gold_themes", "gold_documents", "gold_rejections", "gold_theme_rejections",
               "gold_relations", "gold_relation_rejections")
OWNER_TABLES = ("settings", "documents", "labels", "themes", "relation_types", "annotators")
LEAD_TABLES = ("settings", "documents", "labels", "themes", "relation_types")  # the owner's, but membership
# The database's own copies, made by its triggers: everyone reads them, nobody writes them (a
# document's pieces come with the document, whoever may insert it: issue 22, p005; the counts
# progress sums come with the spans, whoever writes them: issue 24, p007).
DERIVED_TABLES = ("document_pieces", "span_counts", "span_matches", "progress_totals", "progress_deltas",
                  "progress_sums")
# Issue 24: time is a member's own, as their layer is (each writes only their rows, all read them);
# a queue is the leads' and owner's to write, and each annotator reads only their own.
TIME_TABLES = ("active_time", "imported_time")
QUEUE_TABLES = ("queue_items",)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,62}$")


def is_url(value: str | None) -> bool:
    return bool(value) and value.split("://", 1)[0].lower() in ("postgresql", "postgres") and "://" in value


# A server that stops answering without closing the connection (a network split) is noticed
# within about 10 s instead of the system's two hours (TCP only; a Unix socket needs none).
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
              "tcp_user_timeout": 8_000}


def connect(url: str, *, timeout: int = 10, keepalive: bool = False) -> Any:
    """A connection to a team database (a libpq URL; the password from PGPASSWORD or ~/.pgpass,
    never from the URL's user)."""
    import psycopg

    if not is_url(url):
        raise DatabaseError(f"{url!r} is not a PostgreSQL URL (postgresql://USER@HOST/DATABASE)")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=timeout, **(_KEEPALIVE if keepalive else {}))
    except psycopg.Error as err:
        raise DatabaseError(f"cannot open the team database {shown(url)}: {_why_not(err)}") from None


# What a failed connection means for the person who tried, and what they can do.
_ADVICE = (
    (r'role "([^"]+)" does not exist', "ask the database's owner to add you (annotator team add {0})"),
    (r"password authentication failed", "check the password in PGPASSWORD or ~/.pgpass"),
    (r"no password supplied", "give the password in PGPASSWORD or ~/.pgpass, never on the command line"),
    (r'database "[^"]+" does not exist', "check the database's name in the URL"),
    (r"permission denied for database", "you are not a member of this team database: its owner adds members "
                                        "with annotator team add"),
    (r"Connection refused|No such file or directory|timeout expired|could not translate host name|"
     r"Network is unreachable", "is the PostgreSQL server running there? Check the host and port in the URL"),
)


def _why_not(err: Exception) -> str:
    """PostgreSQL's reason in one line, without the driver's prefixes, and what to do about it."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    first = lines[0] if lines else "no reason given"
    first = re.sub(r"^(connection failed|connection is bad):\s*", "", first)
    first = re.sub(r"^.*?failed:\s*(FATAL:\s*)?", "", first) if "FATAL:" in first else first
    for pattern, advice in _ADVICE:
        found = re.search(pattern, first)
        if found:
            return f"{first}; {advice.format(*found.groups())}"
    return first


def shown(url: str) -> str:
    """A URL as messages show it: never a password, wherever it was put (``user:password@``, with
    an ``@`` or a ``/`` in it unescaped too, or ``?password=`` and the like)."""
    head, sep, query = url.partition("?")
    scheme, colon, rest = head.partition("://")
    at = rest.rfind("@")
    if colon and at >= 0:
        rest = rest[:at].split(":", 1)[0] + rest[at:]
        head = f"{scheme}://{rest}"
    query = re.sub(r"(?i)((?:^|&)[^=&]*password=)[^&]*", r"\1***", query)
    return head + sep + query


def explain(err: Exception) -> str:
    """PostgreSQL's refusal in one line."""
    import psycopg

    first = (str(err).strip().splitlines() or [type(err).__name__])[0]
    if isinstance(err, psycopg.errors.InsufficientPrivilege):
        return f"refused by the team database: {first} ({refusal_hint(first)})"
    return first


def refusal_hint(message: str) -> str:
    """Who may write where PostgreSQL refused a connection (its message names the table)."""
    table = re.search(r'for table "?(\w+)"?', message)
    name = table.group(1) if table else ""
    if name in QUEUE_TABLES:
        return "work queues are written by the leads and the owner; a member reads their own"
    if name in LAYER_TABLES or name in TIME_TABLES or name == "member_settings":
        return "a member writes only their own layer: rows that name another annotator are refused"
    if name in GOLD_TABLES:
        return "gold and adjudication are written by reviewers and leads"
    if name in DERIVED_TABLES:
        return "a document's pieces are written by the database itself, with the document"
    if name == "annotators" or "role" in message:
        return "only the database's owner manages its members"
    if name in OWNER_TABLES:
        return "documents, the label schema and the settings are changed by the owner and the leads"
    if "span's id" in message:
        return "a span's id is the database's to give, and one layer's never becomes another's"
    if "large object" in message or re.search(r"function lo_\w+", message):
        return "large objects are no part of a team database"
    return "a member writes only their own layer, gold only a reviewer, documents and the schema only the owner"


def check_name(name: str) -> str:
    """A member's name is their login role: letters, digits, ``_ . -``, starting with a letter."""
    if not _NAME.match(name):
        raise DatabaseError(f"{name!r} cannot be a member's name: letters, digits, _ . - only, "
                            "starting with a letter or _, at most 63 characters")
    return name


def _quote(conn: Any, name: str) -> str:
    from psycopg import sql

    return sql.Identifier(name).as_string(conn)


def _group_name(database: str, kind: str) -> str:
    """``annotator_DB_KIND``; a database whose name would not fit PostgreSQL's 63 bytes is named
    by a hash of it instead, so that two groups never cut to the same name."""
    name = f"annotator_{database}_{kind}"
    if len(name.encode("utf-8")) <= 63:
        return name
    import hashlib

    return f"annotator_{hashlib.sha256(database.encode('utf-8')).hexdigest()[:16]}_{kind}"


def groups(conn: Any) -> tuple[str, str]:
    """The names of this database's annotators' and reviewers' group roles."""
    database = conn.execute("SELECT current_database()").fetchone()[0]
    return _group_name(database, "annotators"), _group_name(database, "reviewers")


def lead_group(conn: Any) -> str:
    """The name of this database's leads' group role: the people the owner names to add
    documents and change the label schema (and review); membership stays the owner's."""
    database = conn.execute("SELECT current_database()").fetchone()[0]
    return _group_name(database, "leads")


def applied(conn: Any) -> list[str]:
    exists = conn.execute("SELECT to_regclass('annotator_migrations')").fetchone()[0]
    if exists is None:
        return []
    return [row[0] for row in conn.execute("SELECT name FROM annotator_migrations ORDER BY name")]


def check_version(conn: Any) -> None:
    known = {name for name, _ in MIGRATIONS}
    newer = [name for name in applied(conn) if name not in known]
    if newer:
        raise DatabaseError("this team database was written by a newer version of annotator "
                            f"({', '.join(newer)}): upgrade annotator to open it")


def init(conn: Any) -> list[str]:
    """Create (or complete) the schema, the two group roles, the grants and the policies, in one
    transaction; run by the database's owner. Idempotent: returns the migrations it applied."""
    check_version(conn)
    done = set(applied(conn))
    ran = []
    with conn.transaction():
        for name, script in MIGRATIONS:
            if name not in done:
                conn.execute(script)
                conn.execute("INSERT INTO annotator_migrations(name) VALUES (%s)", [name])
                ran.append(name)
        annotators, reviewers = (_quote(conn, g) for g in groups(conn))
        leads = _quote(conn, lead_group(conn))
        for group in (*groups(conn), lead_group(conn)):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [group]).fetchone() is None:
                conn.execute(f"CREATE ROLE {_quote(conn, group)} NOLOGIN")
        # A lead is a reviewer who also adds documents and changes the label schema and settings;
        # membership (annotators) stays the owner's: a lead who could delete a member's row would
        # lock them out while their login stays.
        conn.execute(f"GRANT {reviewers} TO {leads}")
        exists = lambda t: conn.execute("SELECT to_regclass(%s)", [t]).fetchone()[0] is not None  # noqa: E731
        # A table a later migration adds (relations: p008) is granted once it is there: init runs
        # with an older list of migrations in the upgrade tests.
        owned, lead_tables = [t for t in OWNER_TABLES if exists(t)], [t for t in LEAD_TABLES if exists(t)]
        layer_tables, gold_tables = [t for t in LAYER_TABLES if exists(t)], [t for t in GOLD_TABLES if exists(t)]
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(lead_tables)} TO {leads}")
        conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON annotators FROM {leads}")
        conn.execute(f"GRANT USAGE ON SEQUENCE documents_seq_seq TO {leads}")
        derived = [t for t in DERIVED_TABLES if exists(t)]
        timed, queues = [t for t in TIME_TABLES if exists(t)], [t for t in QUEUE_TABLES if exists(t)]
        tables = (*owned, *layer_tables, *gold_tables, *derived, "annotator_migrations", *timed, *queues)
        everyone = f"{annotators}, {reviewers}"
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {everyone}")
        conn.execute(f"GRANT SELECT ON {', '.join(tables)} TO {everyone}")
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join((*layer_tables, *timed))} TO {everyone}")
        for table in queues:  # like gold, for the leads; each annotator reads their own queue
            conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {table} TO {leads}")
            conn.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            for policy in ("own_queue", "lead_queues"):
                conn.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
            conn.execute(f"CREATE POLICY own_queue ON {table} FOR SELECT USING (annotator = current_user)")
            conn.execute(f"CREATE POLICY lead_queues ON {table} TO {leads} USING (true) WITH CHECK (true)")
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(gold_tables)} TO {reviewers}")
        conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON member_settings TO {everyone}")
        conn.execute("ALTER TABLE member_settings ENABLE ROW LEVEL SECURITY")
        conn.execute("DROP POLICY IF EXISTS own_rows ON member_settings")
        conn.execute("CREATE POLICY own_rows ON member_settings USING (annotator = current_user) "
                     "WITH CHECK (annotator = current_user)")
        conn.execute(f"GRANT USAGE ON SEQUENCE spans_id_seq TO {everyone}")
        conn.execute(f"GRANT USAGE ON SEQUENCE gold_spans_id_seq TO {reviewers}")
        if exists("relations_id_seq"):  # issue 25 (p008)
            conn.execute(f"GRANT USAGE ON SEQUENCE relations_id_seq TO {everyone}")
            conn.execute(f"GRANT USAGE ON SEQUENCE gold_relations_id_seq TO {reviewers}")
        # Only members connect (PUBLIC may by default): another team's members stay out.
        database = _quote(conn, conn.execute("SELECT current_database()").fetchone()[0])
        conn.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM PUBLIC")
        conn.execute(f"GRANT CONNECT ON DATABASE {database} TO {everyone}")
        for name, _ in members(conn):
            _session_limits(conn, name)
        # Large objects are no part of a team database: no member makes one (PUBLIC may by
        # default). The functions are the server's superuser's: only one can revoke this.
        if conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
            conn.execute(f"REVOKE EXECUTE ON FUNCTION {', '.join(_LARGE_OBJECT_MAKERS)} FROM PUBLIC")
        for table in (*layer_tables, *timed):
            conn.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            conn.execute(f"DROP POLICY IF EXISTS read_all ON {table}")
            conn.execute(f"CREATE POLICY read_all ON {table} FOR SELECT USING (true)")
            for action, clause in (("INSERT", "WITH CHECK (annotator = current_user)"),
                                   ("UPDATE", "USING (annotator = current_user) WITH CHECK (annotator = current_user)"),
                                   ("DELETE", "USING (annotator = current_user)")):
                policy = f"own_{action.lower()}"
                conn.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
                conn.execute(f"CREATE POLICY {policy} ON {table} FOR {action} {clause}")
    return ran


def add_member(conn: Any, name: str, *, reviewer: bool = False, lead: bool = False,
               password: str | None = None) -> None:
    """A login role for a person, in the annotators', the reviewers' or the leads' group, and
    their layer. Adding someone again moves them to the group given."""
    check_name(name)
    role = _quote(conn, name)
    annotators, reviewers = (_quote(conn, g) for g in groups(conn))
    leads = _quote(conn, lead_group(conn))
    group = leads if lead else reviewers if reviewer else annotators
    with conn.transaction():
        found = conn.execute("SELECT rolcanlogin, EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g "
                             "ON g.oid = m.roleid WHERE m.member = r.oid AND g.rolname IN (%s, %s, %s)) "
                             "FROM pg_roles r WHERE rolname = %s",
                             [*groups(conn), lead_group(conn), name]).fetchone()
        if found is None:
            conn.execute(f"CREATE ROLE {role} LOGIN")
        elif not found[0]:
            raise DatabaseError(f"{name!r} is a group role of this server, not a person: choose another name")
        elif password and not found[1]:
            # Roles are the server's: this password would be theirs in every team they are in.
            raise DatabaseError(f"{name!r} already logs in to this server (a member of another team?): add them "
                                "without --password-stdin, and their password stays their own")
        if password:
            from psycopg import sql

            # Hashed here (SCRAM), so the server's statement log never holds the password itself.
            hashed = conn.pgconn.encrypt_password(password.encode("utf-8"), name.encode("utf-8"), b"scram-sha-256")
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name),
                                                                    sql.Literal(hashed.decode("ascii"))))
        conn.execute(f"REVOKE {annotators}, {reviewers}, {leads} FROM {role}")
        conn.execute(f"GRANT {group} TO {role}")
        _session_limits(conn, name)
        conn.execute("INSERT INTO annotators(name, created_at) VALUES (%s, to_char(now() AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS+00:00')) ON CONFLICT (name) DO NOTHING", [name])


# What a member's sessions in this database do by default (ALTER ROLE ... IN DATABASE): a
# transaction left open (a psql session that took a lock, then walked away) is ended after ten
# minutes (not less: annotator's own suggestion run waits for an outside model on a page of 200
# documents inside its transaction), and a lock the member waits for is given up after 15 s, so
# their queued request never holds the others behind it. A member can SET these otherwise in
# their own session: PostgreSQL has no way to forbid that, nor LOCK TABLE (in any mode) on a
# table they may UPDATE or DELETE in, which annotator's own statements need.
SESSION_LIMITS = {"idle_in_transaction_session_timeout": "10min", "lock_timeout": "15s"}
_LARGE_OBJECT_MAKERS = ("lo_create(oid)", "lo_creat(integer)", "lo_import(text)", "lo_import(text, oid)",
                        "lo_from_bytea(oid, bytea)")


def _session_limits(conn: Any, name: str) -> None:
    from psycopg import errors, sql

    database = conn.execute("SELECT current_database()").fetchone()[0]
    for setting, value in SESSION_LIMITS.items():
        try:
            with conn.transaction():  # a savepoint: a member who is a superuser is left as they are
                conn.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET {} = {}").format(
                    sql.Identifier(name), sql.Identifier(database), sql.Identifier(setting), sql.Literal(value)))
        except errors.InsufficientPrivilege:
            pass
    try:  # one member cannot take every connection the server has (max_connections is 100 by default)
        with conn.transaction():
            conn.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT {}").format(
                sql.Identifier(name), sql.Literal(CONNECTION_LIMIT)))
    except errors.InsufficientPrivilege:
        pass


# A member's connections at once, over the server: a window uses two or three (its store, the
# listener, a question whether a lost server answers), a suggestion worker one, a command one.
CONNECTION_LIMIT = 20


def members(conn: Any) -> list[tuple[str, str]]:
    """(name, "annotator", "reviewer" or "lead") of every member of this database, by name."""
    annotators, reviewers = groups(conn)
    leads = lead_group(conn)
    rows = conn.execute(
        "SELECT r.rolname, g.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
        "JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname IN (%s, %s, %s) AND r.rolcanlogin ORDER BY r.rolname",
        [annotators, reviewers, leads]).fetchall()
    kinds = {annotators: "annotator", reviewers: "reviewer", leads: "lead"}
    return [(name, kinds[group]) for name, group in rows]
