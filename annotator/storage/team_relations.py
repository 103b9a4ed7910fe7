"""A team database's relations between spans (issue 25), as migration p008 (team_schema lists it):
the tables, the composite foreign keys that keep a relation's ends in its own document and layer,
and the triggers a relation shares with a span (its id given by the database, live notices, gold's
provenance). The policies and grants are team.init's (relations is a layer table, gold_relations a
gold one, relation_types the schema's, as labels).
"""

P008_RELATIONS = """
-- Issue 25, as m011 on a file: relations between two spans of one layer and document, the rule
-- kept by composite foreign keys (a relation's ends are found only among its own document's and
-- layer's spans; a span deleted takes its relations). Row-level security is the spans' (team.init:
-- relations is a layer table, gold_relations a gold one, relation_types the schema's).
CREATE TABLE IF NOT EXISTS relation_types (
    name TEXT COLLATE "C" PRIMARY KEY,
    title TEXT COLLATE "C" NOT NULL DEFAULT '',
    colour TEXT COLLATE "C" NOT NULL,
    hotkey TEXT COLLATE "C",
    directed INTEGER NOT NULL DEFAULT 1 CHECK (directed IN (0, 1)),
    from_labels TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    to_labels TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    description TEXT COLLATE "C" NOT NULL DEFAULT '',
    examples TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS spans_layer_key ON spans(id, doc_id, annotator);
CREATE TABLE IF NOT EXISTS relations (
    id BIGSERIAL PRIMARY KEY,
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator TEXT COLLATE "C" NOT NULL REFERENCES annotators(name),
    from_span BIGINT NOT NULL,
    to_span BIGINT NOT NULL,
    label TEXT COLLATE "C" NOT NULL REFERENCES relation_types(name) ON UPDATE CASCADE,
    note TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    CHECK (from_span <> to_span),
    UNIQUE (doc_id, annotator, from_span, to_span, label),
    FOREIGN KEY (from_span, doc_id, annotator) REFERENCES spans(id, doc_id, annotator) ON DELETE CASCADE,
    FOREIGN KEY (to_span, doc_id, annotator) REFERENCES spans(id, doc_id, annotator) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS relations_from ON relations(from_span);
CREATE INDEX IF NOT EXISTS relations_to ON relations(to_span);
CREATE INDEX IF NOT EXISTS relations_label ON relations(label);
CREATE UNIQUE INDEX IF NOT EXISTS gold_spans_doc_key ON gold_spans(id, doc_id);
CREATE TABLE IF NOT EXISTS gold_relations (
    id BIGSERIAL PRIMARY KEY,
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    from_span BIGINT NOT NULL,
    to_span BIGINT NOT NULL,
    label TEXT COLLATE "C" NOT NULL REFERENCES relation_types(name) ON UPDATE CASCADE,
    note TEXT COLLATE "C",
    proposed_by TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    decided_by TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL,
    CHECK (from_span <> to_span),
    UNIQUE (doc_id, from_span, to_span, label),
    FOREIGN KEY (from_span, doc_id) REFERENCES gold_spans(id, doc_id) ON DELETE CASCADE,
    FOREIGN KEY (to_span, doc_id) REFERENCES gold_spans(id, doc_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS gold_relations_from ON gold_relations(from_span);
CREATE INDEX IF NOT EXISTS gold_relations_to ON gold_relations(to_span);
-- A relation's id is the database's to give, as a span's (p004): fresh from its sequence, or the
-- one its own layer had (an undone deletion). The two functions now know the relation tables.
CREATE OR REPLACE FUNCTION annotator_span_deleted() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    DELETE FROM public.annotator_deleted_spans WHERE deleted_at < now() - interval '7 days';
    IF TG_TABLE_NAME IN ('spans', 'relations') THEN
        INSERT INTO public.annotator_deleted_spans(tbl, id, annotator) SELECT TG_TABLE_NAME, g.id, g.annotator FROM gone g
            ON CONFLICT (tbl, id) DO UPDATE SET annotator = excluded.annotator, deleted_at = excluded.deleted_at;
    ELSE
        INSERT INTO public.annotator_deleted_spans(tbl, id, annotator) SELECT TG_TABLE_NAME, g.id, 'gold' FROM gone g
            ON CONFLICT (tbl, id) DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
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
    IF TG_TABLE_NAME IN ('spans', 'relations') THEN
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
-- Gold relations' provenance is the database's, as gold spans' (p004): who decided and when are
-- the member's and the server's; who proposed it names only annotators whose own layer holds a
-- relation of that type between spans at the gold ends' offsets with their labels.
CREATE OR REPLACE FUNCTION annotator_gold_relation_provenance() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE claimed TEXT[];
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'USAGE')
       OR (TG_OP = 'UPDATE' AND pg_trigger_depth() > 1) THEN
        RETURN NEW;
    END IF;
    IF current_user <> session_user THEN
        RAISE EXCEPTION 'gold is decided by the member logged in (%), not under the role %', session_user,
                        current_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.decided_by := current_user;
    NEW.decided_at := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"');
    BEGIN
        claimed := ARRAY(SELECT json_array_elements_text(NEW.proposed_by::json));
    EXCEPTION WHEN OTHERS THEN
        claimed := '{}';
    END;
    NEW.proposed_by := COALESCE((SELECT json_agg(DISTINCT r.annotator ORDER BY r.annotator)::text
        FROM public.relations r
        JOIN public.spans a ON a.id = r.from_span JOIN public.spans b ON b.id = r.to_span
        JOIN public.gold_spans ga ON ga.id = NEW.from_span JOIN public.gold_spans gb ON gb.id = NEW.to_span
        WHERE r.doc_id = NEW.doc_id AND r.label = NEW.label AND r.annotator = ANY (claimed)
          AND a.start = ga.start AND a."end" = ga."end" AND a.label = ga.label
          AND b.start = gb.start AND b."end" = gb."end" AND b.label = gb.label), '[]');
    RETURN NEW;
END $$;
DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['relations', 'gold_relations'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_id_in_turn', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OF id ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION annotator_id_in_turn()', t || '_id_in_turn', t);
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_deleted', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS gone FOR EACH STATEMENT '
                       'EXECUTE FUNCTION annotator_span_deleted()', t || '_deleted', t);
        -- Live: a relation made, changed or deleted is announced as a span is (p002).
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_notify', t);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION annotator_notify_row()', t || '_notify', t);
    END LOOP;
END $$;
DROP TRIGGER IF EXISTS gold_relations_provenance ON gold_relations;
CREATE TRIGGER gold_relations_provenance BEFORE INSERT OR UPDATE ON gold_relations FOR EACH ROW
    EXECUTE FUNCTION annotator_gold_relation_provenance();
DROP TRIGGER IF EXISTS relation_types_notify ON relation_types;
CREATE TRIGGER relation_types_notify AFTER INSERT OR UPDATE OR DELETE ON relation_types FOR EACH STATEMENT
    EXECUTE FUNCTION annotator_notify_statement();
"""

P010_RELATION_REJECTIONS = """
-- Issue 25, as m012 on a file: a reviewer's rejection of a proposed relation, its ends named by
-- place, so that its unit counts as decided. A gold table (team.init's GOLD_TABLES: reviewers and
-- leads write it); its provenance is the database's, as a rejected span's.
CREATE TABLE IF NOT EXISTS gold_relation_rejections (
    doc_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    from_start INTEGER NOT NULL,
    from_end INTEGER NOT NULL,
    from_label TEXT COLLATE "C" NOT NULL,
    to_start INTEGER NOT NULL,
    to_end INTEGER NOT NULL,
    to_label TEXT COLLATE "C" NOT NULL,
    label TEXT COLLATE "C" NOT NULL REFERENCES relation_types(name) ON UPDATE CASCADE ON DELETE CASCADE,
    proposed_by TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    decided_by TEXT COLLATE "C" NOT NULL,
    decided_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, from_start, from_end, from_label, to_start, to_end, to_label, label)
);
-- Who decided and when are the member's and the server's; who proposed it names only annotators
-- whose own layer holds a relation of that type between spans at those places (either way round
-- for an undirected type).
CREATE OR REPLACE FUNCTION annotator_relation_rejection_provenance() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE claimed TEXT[];
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'USAGE')
       OR (TG_OP = 'UPDATE' AND pg_trigger_depth() > 1) THEN
        RETURN NEW;
    END IF;
    IF current_user <> session_user THEN
        RAISE EXCEPTION 'gold is decided by the member logged in (%), not under the role %', session_user,
                        current_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.decided_by := current_user;
    NEW.decided_at := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"');
    BEGIN
        claimed := ARRAY(SELECT json_array_elements_text(NEW.proposed_by::json));
    EXCEPTION WHEN OTHERS THEN
        claimed := '{}';
    END;
    NEW.proposed_by := COALESCE((SELECT json_agg(DISTINCT r.annotator ORDER BY r.annotator)::text
        FROM public.relations r
        JOIN public.spans a ON a.id = r.from_span JOIN public.spans b ON b.id = r.to_span
        WHERE r.doc_id = NEW.doc_id AND r.label = NEW.label AND r.annotator = ANY (claimed)
          AND ((a.start = NEW.from_start AND a."end" = NEW.from_end AND a.label = NEW.from_label
                AND b.start = NEW.to_start AND b."end" = NEW.to_end AND b.label = NEW.to_label)
            OR (EXISTS (SELECT 1 FROM public.relation_types t WHERE t.name = NEW.label AND t.directed = 0)
                AND b.start = NEW.from_start AND b."end" = NEW.from_end AND b.label = NEW.from_label
                AND a.start = NEW.to_start AND a."end" = NEW.to_end AND a.label = NEW.to_label))), '[]');
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS gold_relation_rejections_provenance ON gold_relation_rejections;
CREATE TRIGGER gold_relation_rejections_provenance BEFORE INSERT OR UPDATE ON gold_relation_rejections
    FOR EACH ROW EXECUTE FUNCTION annotator_relation_rejection_provenance();
DROP TRIGGER IF EXISTS gold_relation_rejections_notify ON gold_relation_rejections;
CREATE TRIGGER gold_relation_rejections_notify AFTER INSERT OR UPDATE OR DELETE ON gold_relation_rejections
    FOR EACH ROW EXECUTE FUNCTION annotator_notify_row();
-- A label renamed is renamed in the rejected relations' ends from inside the rename (a nested
-- update, no decision), as in the rejected spans (annotator_rename_follows).
CREATE OR REPLACE FUNCTION annotator_rename_in_relation_rejections() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        UPDATE public.gold_relation_rejections SET from_label = NEW.name WHERE from_label = OLD.name;
        UPDATE public.gold_relation_rejections SET to_label = NEW.name WHERE to_label = OLD.name;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS labels_rename_in_relation_rejections ON labels;
CREATE TRIGGER labels_rename_in_relation_rejections AFTER UPDATE OF name ON labels
    FOR EACH ROW EXECUTE FUNCTION annotator_rename_in_relation_rejections();
"""
