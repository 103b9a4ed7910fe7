"""A team's PostgreSQL database: its schema, and who may write what, decided by PostgreSQL itself.

The schema mirrors the SQLite one table by table (a layer's row names its annotator in an
``annotator`` column), with its own numbered migrations and the same check in the database that
a span's text is the document's text at its offsets (code points: PostgreSQL's ``substr`` on
UTF-8 text counts characters).

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
  membership only by the owner.

This module sets a team database up; ``team_store`` annotates in one (the Store on PostgreSQL).
"""

from __future__ import annotations

import re
from typing import Any

from annotator.storage.common import RECOLOURED_THEMES
from annotator.storage.errors import DatabaseError

LAYER_TABLES = ("spans", "doc_themes", "doc_status", "suggestion_rejections")
GOLD_TABLES = ("gold_spans", "gold_themes", "gold_documents", "gold_rejections", "gold_theme_rejections")
OWNER_TABLES = ("settings", "documents", "labels", "themes", "annotators")
LEAD_TABLES = ("settings", "documents", "labels", "themes")  # the owner's, but membership
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,62}$")

# Numbered like SQLite's: a database written by a newer annotator is refused (see check_version).
MIGRATIONS: list[tuple[str, str]] = [
    ("p001_initial", """
CREATE TABLE IF NOT EXISTS settings (key TEXT COLLATE "C" PRIMARY KEY, value TEXT COLLATE "C" NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    seq BIGSERIAL UNIQUE,
    id TEXT COLLATE "C" PRIMARY KEY,
    title TEXT COLLATE "C" NOT NULL,
    text TEXT COLLATE "C" NOT NULL,
    lang TEXT COLLATE "C" NOT NULL,
    direction TEXT COLLATE "C" NOT NULL CHECK (direction IN ('ltr', 'rtl')),
    source TEXT COLLATE "C" NOT NULL DEFAULT '',
    meta TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    text_hash TEXT COLLATE "C" NOT NULL,
    chars INTEGER NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_lang ON documents(lang);
CREATE INDEX IF NOT EXISTS documents_text_hash ON documents(text_hash);
CREATE TABLE IF NOT EXISTS labels (
    name TEXT COLLATE "C" PRIMARY KEY, title TEXT COLLATE "C" NOT NULL DEFAULT '', colour TEXT COLLATE "C" NOT NULL, hotkey TEXT COLLATE "C",
    description TEXT COLLATE "C" NOT NULL DEFAULT '', example_fa TEXT COLLATE "C" NOT NULL DEFAULT '',
    example_ko TEXT COLLATE "C" NOT NULL DEFAULT '', position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS themes (
    name TEXT COLLATE "C" PRIMARY KEY, title TEXT COLLATE "C" NOT NULL DEFAULT '', colour TEXT COLLATE "C" NOT NULL, hotkey TEXT COLLATE "C",
    description TEXT COLLATE "C" NOT NULL DEFAULT '', example_fa TEXT COLLATE "C" NOT NULL DEFAULT '',
    example_ko TEXT COLLATE "C" NOT NULL DEFAULT '', position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS annotators (name TEXT COLLATE "C" PRIMARY KEY, created_at TEXT COLLATE "C" NOT NULL);
CREATE TABLE IF NOT EXISTS spans (
    id BIGSERIAL PRIMARY KEY,
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator TEXT COLLATE "C" NOT NULL REFERENCES annotators(name),
    start INTEGER NOT NULL CHECK (start >= 0),
    "end" INTEGER NOT NULL,
    label TEXT COLLATE "C" NOT NULL REFERENCES labels(name) ON UPDATE CASCADE,
    text TEXT COLLATE "C" NOT NULL,
    note TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    CHECK ("end" > start),
    UNIQUE (doc_id, annotator, start, "end", label)
);
CREATE INDEX IF NOT EXISTS spans_label ON spans(label);
CREATE TABLE IF NOT EXISTS doc_themes (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator TEXT COLLATE "C" NOT NULL REFERENCES annotators(name),
    theme TEXT COLLATE "C" NOT NULL REFERENCES themes(name) ON UPDATE CASCADE,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, annotator, theme)
);
CREATE TABLE IF NOT EXISTS doc_status (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator TEXT COLLATE "C" NOT NULL REFERENCES annotators(name),
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('new', 'in_progress', 'done', 'skipped')),
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, annotator)
);
CREATE TABLE IF NOT EXISTS suggestion_rejections (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator TEXT COLLATE "C" NOT NULL REFERENCES annotators(name),
    source TEXT COLLATE "C" NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    label TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, annotator, source, start, "end", label)
);
CREATE TABLE IF NOT EXISTS gold_spans (
    id BIGSERIAL PRIMARY KEY,
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    start INTEGER NOT NULL CHECK (start >= 0),
    "end" INTEGER NOT NULL,
    label TEXT COLLATE "C" NOT NULL REFERENCES labels(name) ON UPDATE CASCADE,
    text TEXT COLLATE "C" NOT NULL,
    note TEXT COLLATE "C",
    proposed_by TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    decided_by TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL,
    CHECK ("end" > start),
    UNIQUE (doc_id, start, "end", label)
);
CREATE TABLE IF NOT EXISTS gold_themes (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    theme TEXT COLLATE "C" NOT NULL REFERENCES themes(name) ON UPDATE CASCADE,
    proposed_by TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    decided_by TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, theme)
);
CREATE TABLE IF NOT EXISTS gold_documents (
    doc_id TEXT COLLATE "C" PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    status TEXT COLLATE "C" NOT NULL CHECK (status IN ('in_progress', 'adjudicated')),
    decided_by TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE IF NOT EXISTS gold_rejections (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    label TEXT COLLATE "C" NOT NULL,
    proposed_by TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    decided_by TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, start, "end", label)
);
CREATE TABLE IF NOT EXISTS gold_theme_rejections (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    theme TEXT COLLATE "C" NOT NULL,
    decided_by TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, theme)
);
-- A span's text is the document's text at its offsets (code points), checked by the database.
CREATE OR REPLACE FUNCTION annotator_span_covers_text() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE doc_text TEXT;
BEGIN
    SELECT text INTO doc_text FROM documents WHERE id = NEW.doc_id;
    IF doc_text IS NULL OR NEW."end" > char_length(doc_text)
       OR NEW.text IS DISTINCT FROM substr(doc_text, NEW.start + 1, NEW."end" - NEW.start) THEN
        RAISE EXCEPTION 'span text does not match the document text at its offsets'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS spans_cover_text ON spans;
CREATE TRIGGER spans_cover_text BEFORE INSERT OR UPDATE OF start, "end", text ON spans
    FOR EACH ROW EXECUTE FUNCTION annotator_span_covers_text();
DROP TRIGGER IF EXISTS gold_spans_cover_text ON gold_spans;
CREATE TRIGGER gold_spans_cover_text BEFORE INSERT OR UPDATE OF start, "end", text ON gold_spans
    FOR EACH ROW EXECUTE FUNCTION annotator_span_covers_text();
CREATE TABLE IF NOT EXISTS annotator_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
"""),
    ("p002_search_settings_live", """
-- Search: each document's index tokens (annotator.core.text: folded, Hangul as overlapping
-- bigrams) as a tsvector made by annotator itself, so that PostgreSQL's parser, whose idea of a
-- word depends on the server's locale, never splits Persian or Korean differently from a query.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS search TSVECTOR NOT NULL DEFAULT ''::tsvector;
CREATE INDEX IF NOT EXISTS documents_search ON documents USING gin (search);
-- The span check reads only the slice it compares: a document's text is stored uncompressed
-- (EXTERNAL), so substr fetches the bytes up to the span instead of inflating the whole text for
-- every span, which was half of a large import's time on the server.
ALTER TABLE documents ALTER COLUMN text SET STORAGE EXTERNAL;
-- Functions name their tables with the schema and carry their own search_path, so that a member's
-- temporary table named like one of ours can never stand in for it.
CREATE OR REPLACE FUNCTION annotator_span_covers_text() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE piece TEXT; doc_chars INTEGER;
BEGIN
    SELECT substr(d.text, NEW.start + 1, NEW."end" - NEW.start), d.chars INTO piece, doc_chars
        FROM public.documents d WHERE d.id = NEW.doc_id;
    IF doc_chars IS NULL OR NEW."end" > doc_chars OR NEW.text IS DISTINCT FROM piece THEN
        RAISE EXCEPTION 'span text does not match the document text at its offsets'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
-- A span's id is the database's to give: an id past the sequence (taken ahead, so that another
-- member's next span would collide with it) is refused. An undone deletion comes back under its
-- own earlier id, which the sequence gave.
CREATE OR REPLACE FUNCTION annotator_id_in_turn() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.id > COALESCE((SELECT last_value FROM pg_sequences WHERE schemaname = 'public'
                          AND sequencename = TG_TABLE_NAME || '_id_seq'), 0) THEN
        RAISE EXCEPTION 'a span''s id is given by the database, not chosen'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS spans_id_in_turn ON spans;
CREATE TRIGGER spans_id_in_turn BEFORE INSERT OR UPDATE OF id ON spans
    FOR EACH ROW EXECUTE FUNCTION annotator_id_in_turn();
DROP TRIGGER IF EXISTS gold_spans_id_in_turn ON gold_spans;
CREATE TRIGGER gold_spans_id_in_turn BEFORE INSERT OR UPDATE OF id ON gold_spans
    FOR EACH ROW EXECUTE FUNCTION annotator_id_in_turn();
-- A member's own settings (where they left off, their suggestion choices): their rows alone.
CREATE TABLE IF NOT EXISTS member_settings (
    annotator TEXT COLLATE "C" NOT NULL DEFAULT current_user,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (annotator, key)
);
-- Live: every change to a layer, gold or the documents is announced to the open windows.
CREATE OR REPLACE FUNCTION annotator_notify_row() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE doc TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN doc := OLD.doc_id; ELSE doc := NEW.doc_id; END IF;
    PERFORM pg_notify('annotator_changes', json_build_object('table', TG_TABLE_NAME, 'doc', doc,
                      'by', current_user, 'connection', pg_backend_pid())::text);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION annotator_notify_statement() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM pg_notify('annotator_changes', json_build_object('table', TG_TABLE_NAME, 'doc', NULL,
                      'by', current_user, 'connection', pg_backend_pid())::text);
    RETURN NULL;
END $$;
DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['spans', 'doc_themes', 'doc_status', 'suggestion_rejections', 'gold_spans',
                             'gold_themes', 'gold_documents', 'gold_rejections', 'gold_theme_rejections'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_notify', t);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION annotator_notify_row()', t || '_notify', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['documents', 'labels', 'themes', 'annotators'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_notify', t);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION annotator_notify_statement()', t || '_notify', t);
    END LOOP;
END $$;
"""),
    # The default themes' new colours, for a theme still in its old default (as m007 on a file).
    ("p003_theme_colours", "\n".join(
        f"UPDATE themes SET colour = '{new}' WHERE name = '{name}' AND upper(colour) = '{old}';"
        for name, (old, new) in RECOLOURED_THEMES.items())),
    ("p004_integrity", """
-- A span is checked against its document on a change of any column the check reads: moved to
-- another document (doc_id), it must still be that document's text at its offsets.
DROP TRIGGER IF EXISTS spans_cover_text ON spans;
CREATE TRIGGER spans_cover_text BEFORE INSERT OR UPDATE OF doc_id, start, "end", text ON spans
    FOR EACH ROW EXECUTE FUNCTION annotator_span_covers_text();
DROP TRIGGER IF EXISTS gold_spans_cover_text ON gold_spans;
CREATE TRIGGER gold_spans_cover_text BEFORE INSERT OR UPDATE OF doc_id, start, "end", text ON gold_spans
    FOR EACH ROW EXECUTE FUNCTION annotator_span_covers_text();
-- A document's text never changes once it is in (every layer's spans are offsets into it, and
-- annotator never changes it: a new text is a new document), and its length is the database's.
CREATE OR REPLACE FUNCTION annotator_document_text() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id IS DISTINCT FROM OLD.id THEN  -- a rename would let another text take the id the spans name
            RAISE EXCEPTION 'a document''s id never changes once imported (every layer''s spans name it)'
                            USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.text IS DISTINCT FROM OLD.text THEN
            RAISE EXCEPTION 'a document''s text never changes once imported (spans are offsets into it): '
                            'import the new text as another document' USING ERRCODE = 'check_violation';
        END IF;
        NEW.chars := OLD.chars;
    ELSE
        NEW.chars := char_length(NEW.text);
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS documents_text ON documents;
UPDATE documents SET chars = char_length(text) WHERE chars IS DISTINCT FROM char_length(text);
CREATE TRIGGER documents_text BEFORE INSERT OR UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION annotator_document_text();
-- Gold's provenance is the database's: who decided is the member logged in, when is the server's
-- clock, and who proposed it names only annotators whose own layer holds that very span (or
-- theme) now. The owner's writes keep what they carry (a merged or imported file's provenance:
-- the owner may change anything anyway), and a label or theme renamed (a cascade) is no decision.
CREATE OR REPLACE FUNCTION annotator_gold_provenance() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE claimed TEXT[];
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'USAGE')
       OR (TG_OP = 'UPDATE' AND pg_trigger_depth() > 1) THEN
        RETURN NEW;
    END IF;
    -- One decides as who one logged in as: never under a group's name (SET ROLE, or a role's
    -- default set with ALTER ROLE ... SET role), which would leave the decision nobody's.
    IF current_user <> session_user THEN
        RAISE EXCEPTION 'gold is decided by the member logged in (%), not under the role %', session_user,
                        current_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.decided_by := current_user;
    NEW.decided_at := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"');
    IF TG_TABLE_NAME IN ('gold_spans', 'gold_rejections', 'gold_themes') THEN
        BEGIN
            claimed := ARRAY(SELECT json_array_elements_text(NEW.proposed_by::json));
        EXCEPTION WHEN OTHERS THEN
            claimed := '{}';
        END;
        IF TG_TABLE_NAME = 'gold_themes' THEN
            NEW.proposed_by := COALESCE((SELECT json_agg(DISTINCT t.annotator ORDER BY t.annotator)::text
                FROM public.doc_themes t WHERE t.doc_id = NEW.doc_id AND t.theme = NEW.theme
                AND t.annotator = ANY (claimed)), '[]');
        ELSE
            NEW.proposed_by := COALESCE((SELECT json_agg(DISTINCT s.annotator ORDER BY s.annotator)::text
                FROM public.spans s WHERE s.doc_id = NEW.doc_id AND s.start = NEW.start AND s."end" = NEW."end"
                AND s.label = NEW.label AND s.annotator = ANY (claimed)), '[]');
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- The rejection tables name a label or theme by value: a rename follows them there from inside
-- the rename (a nested update, no decision), so that no one relabels a decided rejection by hand.
CREATE OR REPLACE FUNCTION annotator_rename_follows() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        IF TG_TABLE_NAME = 'labels' THEN
            UPDATE public.gold_rejections SET label = NEW.name WHERE label = OLD.name;
        ELSE
            UPDATE public.gold_theme_rejections SET theme = NEW.name WHERE theme = OLD.name;
        END IF;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS labels_rename_follows ON labels;
CREATE TRIGGER labels_rename_follows AFTER UPDATE OF name ON labels
    FOR EACH ROW EXECUTE FUNCTION annotator_rename_follows();
DROP TRIGGER IF EXISTS themes_rename_follows ON themes;
CREATE TRIGGER themes_rename_follows AFTER UPDATE OF name ON themes
    FOR EACH ROW EXECUTE FUNCTION annotator_rename_follows();
DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['gold_spans', 'gold_themes', 'gold_documents', 'gold_rejections',
                             'gold_theme_rejections'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_provenance', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION annotator_gold_provenance()', t || '_provenance', t);
    END LOOP;
END $$;
-- A span's id is the database's to give, and never another layer's. An inserted span's id is
-- either fresh from the sequence by this very insert (currval), or one its own layer had: an
-- undone deletion. Any other id is refused, below the sequence too, so that no member takes the
-- id another's insert is about to use or another's undo will want. Deleted ids are remembered
-- with their layer (gold's as "gold") for a week: long enough for an undo, which is made in the
-- window that deleted, and the table does not grow with every suggestion layer made anew.
-- Nobody changes a span's id.
CREATE TABLE IF NOT EXISTS annotator_deleted_spans (
    tbl TEXT COLLATE "C" NOT NULL,
    id BIGINT NOT NULL,
    annotator TEXT COLLATE "C" NOT NULL,
    deleted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tbl, id)
);
CREATE INDEX IF NOT EXISTS annotator_deleted_spans_at ON annotator_deleted_spans(deleted_at);
CREATE OR REPLACE FUNCTION annotator_span_deleted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    DELETE FROM public.annotator_deleted_spans WHERE deleted_at < now() - interval '7 days';
    IF TG_TABLE_NAME = 'spans' THEN
        INSERT INTO public.annotator_deleted_spans(tbl, id, annotator) SELECT 'spans', g.id, g.annotator FROM gone g
            ON CONFLICT (tbl, id) DO UPDATE SET annotator = excluded.annotator, deleted_at = excluded.deleted_at;
    ELSE
        INSERT INTO public.annotator_deleted_spans(tbl, id, annotator) SELECT TG_TABLE_NAME, g.id, 'gold' FROM gone g
            ON CONFLICT (tbl, id) DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS spans_deleted ON spans;
CREATE TRIGGER spans_deleted AFTER DELETE ON spans REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION annotator_span_deleted();
DROP TRIGGER IF EXISTS gold_spans_deleted ON gold_spans;
CREATE TRIGGER gold_spans_deleted AFTER DELETE ON gold_spans REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION annotator_span_deleted();
CREATE OR REPLACE FUNCTION annotator_id_in_turn() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE layer TEXT; was TEXT; fresh BOOLEAN;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id IS DISTINCT FROM OLD.id THEN
            RAISE EXCEPTION 'a span''s id never changes' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'spans' THEN
        layer := NEW.annotator;
    ELSE
        layer := 'gold';
    END IF;
    DELETE FROM public.annotator_deleted_spans WHERE tbl = TG_TABLE_NAME AND id = NEW.id RETURNING annotator INTO was;
    IF FOUND THEN
        IF was IS DISTINCT FROM layer THEN
            RAISE EXCEPTION 'span id % was another layer''s: a span''s id is given by the database, not chosen',
                NEW.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    BEGIN
        fresh := NEW.id = currval(format('public.%I', TG_TABLE_NAME || '_id_seq')::regclass);
    EXCEPTION WHEN object_not_in_prerequisite_state THEN  -- no id taken from it in this session
        fresh := false;
    END;
    IF fresh IS NOT TRUE THEN
        RAISE EXCEPTION 'a span''s id is given by the database, not chosen'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
"""),
]


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
    if name in LAYER_TABLES or name == "member_settings":
        return "a member writes only their own layer: rows that name another annotator are refused"
    if name in GOLD_TABLES:
        return "gold and adjudication are written by reviewers and leads"
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
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(LEAD_TABLES)} TO {leads}")
        conn.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON annotators FROM {leads}")
        conn.execute(f"GRANT USAGE ON SEQUENCE documents_seq_seq TO {leads}")
        tables = (*OWNER_TABLES, *LAYER_TABLES, *GOLD_TABLES, "annotator_migrations")
        everyone = f"{annotators}, {reviewers}"
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {everyone}")
        conn.execute(f"GRANT SELECT ON {', '.join(tables)} TO {everyone}")
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(LAYER_TABLES)} TO {everyone}")
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(GOLD_TABLES)} TO {reviewers}")
        conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON member_settings TO {everyone}")
        conn.execute("ALTER TABLE member_settings ENABLE ROW LEVEL SECURITY")
        conn.execute("DROP POLICY IF EXISTS own_rows ON member_settings")
        conn.execute("CREATE POLICY own_rows ON member_settings USING (annotator = current_user) "
                     "WITH CHECK (annotator = current_user)")
        conn.execute(f"GRANT USAGE ON SEQUENCE spans_id_seq TO {everyone}")
        conn.execute(f"GRANT USAGE ON SEQUENCE gold_spans_id_seq TO {reviewers}")
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
        for table in LAYER_TABLES:
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
