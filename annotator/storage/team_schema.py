"""A team database's schema in PostgreSQL, as its numbered migrations (over 400 lines: SQL).

They mirror the SQLite ones table by table, with the same check in the database that a span's text
is the document's text at its offsets (PostgreSQL's ``substr`` on UTF-8 text counts characters),
and the triggers and policies that make the database, not the client, decide who may write what
(see :mod:`annotator.storage.team`, which applies them: ``init``).
"""

from __future__ import annotations

from annotator.storage import progress_counts, team_progress_totals
from annotator.storage.common import RECOLOURED_THEMES
from annotator.storage.team_relations import P008_RELATIONS, P010_RELATION_REJECTIONS

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
    ("p005_document_pieces", """
-- Issue 22: a span's check read its document's text up to the span (the stored text's chunks up to
-- there, counting code points from its start), so each span of a 1 MB document cost as much as the
-- text before it. A document over 4,096 characters also keeps its text in pieces of 1,024 code
-- points (piece n is text[n * 1024:(n + 1) * 1024], as on a file: annotator.storage.common), made
-- by the database itself when the document is inserted: no member sends them or may write them, so
-- none can make the check read a text the document does not have. The check reads only the pieces
-- a span covers, and a span's length against its offsets rather than the document's.
CREATE TABLE IF NOT EXISTS document_pieces (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    piece TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, n)
);
-- At most 4 KB: a piece stays in its row, uncompressed, read without detoasting anything.
ALTER TABLE document_pieces ALTER COLUMN piece SET STORAGE PLAIN;
-- A text's pieces in one pass over its UTF-8 bytes: each piece is decoded from at most 4,096 bytes
-- cut at a character's first byte (substr on the text would count from its start for every piece).
CREATE OR REPLACE FUNCTION annotator_text_pieces(whole TEXT) RETURNS TABLE (n INTEGER, piece TEXT)
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE bytes BYTEA := convert_to(whole, 'UTF8'); total INTEGER := octet_length(bytes); at INTEGER := 0; cut INTEGER;
BEGIN
    n := 0;
    WHILE at < total LOOP
        cut := least(4096, total - at);
        WHILE at + cut < total AND (get_byte(bytes, at + cut) & 192) = 128 LOOP  -- inside a character
            cut := cut - 1;
        END LOOP;
        piece := left(convert_from(substring(bytes FROM at + 1 FOR cut), 'UTF8'), 1024);
        RETURN NEXT;
        at := at + octet_length(convert_to(piece, 'UTF8'));
        n := n + 1;
    END LOOP;
END $$;
CREATE OR REPLACE FUNCTION annotator_document_pieces() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    INSERT INTO public.document_pieces(doc_id, n, piece)
        SELECT NEW.id, p.n, p.piece FROM public.annotator_text_pieces(NEW.text) p;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS documents_pieces ON documents;
CREATE TRIGGER documents_pieces AFTER INSERT ON documents FOR EACH ROW WHEN (NEW.chars > 4096)
    EXECUTE FUNCTION annotator_document_pieces();
INSERT INTO document_pieces(doc_id, n, piece)
    SELECT d.id, p.n, p.piece FROM documents d, annotator_text_pieces(d.text) p WHERE d.chars > 4096
    ON CONFLICT DO NOTHING;
CREATE OR REPLACE FUNCTION annotator_span_covers_text() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE covered TEXT;
BEGIN
    covered := COALESCE(
        (SELECT substr(string_agg(p.piece, '' ORDER BY p.n), NEW.start - (NEW.start / 1024) * 1024 + 1,
                       NEW."end" - NEW.start)
            FROM public.document_pieces p
            WHERE p.doc_id = NEW.doc_id AND p.n BETWEEN NEW.start / 1024 AND (NEW."end" - 1) / 1024),
        (SELECT substr(d.text, NEW.start + 1, NEW."end" - NEW.start) FROM public.documents d WHERE d.id = NEW.doc_id));
    IF covered IS NULL OR NEW.text IS DISTINCT FROM covered OR char_length(NEW.text) <> NEW."end" - NEW.start THEN
        RAISE EXCEPTION 'span text does not match the document text at its offsets'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
"""),
    ("p006_queues_active_time", """
-- Issue 24, as m009 on a file: work queues (the leads' and the owner's to write, each member reads
-- their own), active time per window session and imported time (a member writes only their own
-- rows, everyone reads them). The grants and policies are team.init's.
CREATE TABLE IF NOT EXISTS queue_items (
    annotator TEXT COLLATE "C" NOT NULL REFERENCES annotators(name),
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    assigned_by TEXT COLLATE "C" NOT NULL DEFAULT '',
    assigned_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (annotator, doc_id)
);
CREATE INDEX IF NOT EXISTS queue_items_order ON queue_items(annotator, position);
CREATE TABLE IF NOT EXISTS active_time (
    annotator TEXT COLLATE "C" NOT NULL REFERENCES annotators(name),
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    session TEXT COLLATE "C" NOT NULL,
    clock TEXT COLLATE "C" NOT NULL,
    started_at TEXT COLLATE "C" NOT NULL,
    ranges TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    seconds DOUBLE PRECISION NOT NULL CHECK (seconds >= 0),
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (annotator, doc_id, session)
);
CREATE INDEX IF NOT EXISTS active_time_doc ON active_time(doc_id);
CREATE TABLE IF NOT EXISTS imported_time (
    annotator TEXT COLLATE "C" NOT NULL REFERENCES annotators(name),
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seconds DOUBLE PRECISION NOT NULL CHECK (seconds >= 0),
    source TEXT COLLATE "C" NOT NULL DEFAULT '',
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (annotator, doc_id)
);
-- Live: a queue handed out is announced (the windows read their queue again); time is not (a flush
-- every 30 s from every window would wake every other window for nothing they show).
DROP TRIGGER IF EXISTS queue_items_notify ON queue_items;
CREATE TRIGGER queue_items_notify AFTER INSERT OR UPDATE OR DELETE ON queue_items FOR EACH STATEMENT
    EXECUTE FUNCTION annotator_notify_statement();
"""),
    ("p007_progress_counts", """
-- Issue 24, as m010 on a file: the spans per document, layer and label (span_counts) and the exact
-- matches (same start, end and label) per document, pair of layers (a < b) and label
-- (span_matches), never the model layer, kept by the database as spans change so that progress
-- sums a few rows per document. Written by trigger functions of the owner's (whatever member
-- writes a span), once per statement from its transition tables (an import's page in one go);
-- everyone reads them, nobody writes them (team.init: DERIVED_TABLES).
CREATE TABLE IF NOT EXISTS span_counts (
    doc_id TEXT COLLATE "C" NOT NULL,
    annotator TEXT COLLATE "C" NOT NULL,
    label TEXT COLLATE "C" NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (doc_id, annotator, label)
);
CREATE TABLE IF NOT EXISTS span_matches (
    doc_id TEXT COLLATE "C" NOT NULL,
    a TEXT COLLATE "C" NOT NULL,
    b TEXT COLLATE "C" NOT NULL,
    label TEXT COLLATE "C" NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (doc_id, a, b, label)
);
INSERT INTO span_counts(doc_id, annotator, label, n)
    SELECT doc_id, annotator, label, count(*) FROM spans WHERE annotator <> 'model'
    GROUP BY doc_id, annotator, label ON CONFLICT DO NOTHING;
INSERT INTO span_matches(doc_id, a, b, label, n)
    SELECT x.doc_id, x.annotator, y.annotator, x.label, count(*) FROM spans x
    JOIN spans y ON y.doc_id = x.doc_id AND y.start = x.start AND y."end" = x."end" AND y.label = x.label
        AND y.annotator > x.annotator
    WHERE x.annotator <> 'model' AND y.annotator <> 'model'
    GROUP BY x.doc_id, x.annotator, y.annotator, x.label ON CONFLICT DO NOTHING;
""" + "".join(progress_counts._counted(*trigger) for trigger in (
        ("INSERT", "fresh", "SELECT id, doc_id, annotator, start, \"end\", label FROM fresh",
         "SELECT id, doc_id, annotator, start, \"end\", label FROM fresh WHERE false"),
        ("DELETE", "gone", "SELECT id, doc_id, annotator, start, \"end\", label FROM gone WHERE false",
         "SELECT id, doc_id, annotator, start, \"end\", label FROM gone"),
        ("UPDATE", "gone NEW TABLE AS fresh",
         progress_counts._CHANGED.format(side="f"), progress_counts._CHANGED.format(side="g"))))),
    ("p008_relations", P008_RELATIONS),  # issue 25: relations (annotator.storage.team_relations)
    ("p009_progress_totals", team_progress_totals.P009_PROGRESS_TOTALS),  # issue 24: progress without since
    ("p010_relation_rejections", P010_RELATION_REJECTIONS),  # issue 25: relations rejected in review
]
