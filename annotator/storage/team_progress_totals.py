"""The totals ``annotator progress`` shows without ``since`` on a team database (issue 24,
migration p009), as ``progress_totals`` holds them on a file (m010, ``progress_counts``): over the
finished layers, per layer and label the spans (``b`` = ''), per ordered pair of layers and label
the first one's spans on documents both finished (``n``) and the matches there (``m``).

Every member's transaction changes these few rows, so they are not updated in place: the owner's
statement triggers on ``span_counts``, ``span_matches`` and ``doc_status`` only INSERT into
``progress_deltas`` (inserts never wait for one another), and ``progress_sums`` is
``progress_totals`` plus the deltas. ``annotator_progress_fold()``, which anyone may call (progress
does, before it reads), moves the deltas it sees into ``progress_totals``; one fold at a time
(``pg_try_advisory_xact_lock``: a second caller skips), and deltas a writer has not committed yet
are not seen, so not moved. Everyone reads the three, nobody writes them (``team.DERIVED_TABLES``).

A status changed is counted as the difference between the document's sums after and before the
statement, under the same per-document advisory lock the span counts take (p007), so that two
members finishing one document at the same time are counted as a pair. A document deleted first
takes its statuses (a row trigger on ``documents``), while its counts are still there to subtract.
"""

from __future__ import annotations

from annotator.storage.progress_counts import finished_sums

def _done(w: str) -> str:
    return f"{w}.status = 'done' AND {w}.annotator <> 'model'"


def _function(name: str, body: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN {body}
    RETURN NULL;
END $$;"""


def _triggers(table: str, columns: str, body: str) -> str:
    """One function and trigger per event on ``table``: ``c`` = its rows added (d = 1) and taken
    away (-1), each with ``columns``."""
    out = []
    for event, tables, rows in (
            ("INSERT", "NEW TABLE AS fresh", f"SELECT {columns}, 1 AS d FROM fresh"),
            ("DELETE", "OLD TABLE AS gone", f"SELECT {columns}, -1 AS d FROM gone"),
            ("UPDATE", "OLD TABLE AS gone NEW TABLE AS fresh",
             f"SELECT {columns}, 1 AS d FROM fresh UNION ALL SELECT {columns}, -1 FROM gone")):
        name = f"annotator_{table}_totalled_{event.lower()}"
        fresh = "fresh" if event != "DELETE" else "(SELECT * FROM gone WHERE false)"
        gone = "gone" if event != "INSERT" else "(SELECT * FROM fresh WHERE false)"
        out.append(_function(name, body.format(rows=rows, fresh=fresh, gone=gone)))
        out.append(f"""
DROP TRIGGER IF EXISTS {table}_totalled_{event.lower()} ON {table};
CREATE TRIGGER {table}_totalled_{event.lower()} AFTER {event} ON {table} REFERENCING {tables}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();""")
    return "".join(out)


_INSERT = "INSERT INTO public.progress_deltas(a, b, label, n, m) SELECT a, b, label, sum(n), sum(m) FROM"
_KEEP = "GROUP BY a, b, label HAVING sum(n) <> 0 OR sum(m) <> 0;"
# A layer's spans changed: its own total and its pairs with the document's finished layers, if it is finished.
_COUNTS = f"""
    WITH c AS ({{rows}}) {_INSERT} (
        SELECT c.annotator AS a, CASE WHEN y.annotator = c.annotator THEN '' ELSE y.annotator END AS b,
            c.label, c.d * c.n AS n, 0 AS m FROM c
        JOIN public.doc_status x ON x.doc_id = c.doc_id AND x.annotator = c.annotator AND x.status = 'done'
        JOIN public.doc_status y ON y.doc_id = c.doc_id AND {_done('y')}) t {_KEEP}"""
# Two layers' matches changed: both ordered pairs, if both are finished.
_MATCHES = f"""
    WITH c AS ({{rows}}) {_INSERT} (
        SELECT p.a, p.b, c.label, 0 AS n, c.d * c.n AS m FROM c
        JOIN public.doc_status x ON x.doc_id = c.doc_id AND x.annotator = c.a AND x.status = 'done'
        JOIN public.doc_status y ON y.doc_id = c.doc_id AND y.annotator = c.b AND y.status = 'done'
        CROSS JOIN LATERAL (VALUES (c.a, c.b), (c.b, c.a)) p(a, b)) t {_KEEP}"""
# Statuses changed: the documents' sums over the finished layers after (w = 1) less those before (-1).
_STATUSES = f"""
    IF NOT EXISTS (SELECT 1 FROM {{fresh}} f WHERE {_done('f')})
            AND NOT EXISTS (SELECT 1 FROM {{gone}} g WHERE {_done('g')}) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(2424, k) FROM (SELECT DISTINCT abs(hashtext(doc_id) % 1024) AS k FROM (
        SELECT doc_id FROM {{fresh}} f UNION ALL SELECT doc_id FROM {{gone}} g) t ORDER BY k) l;
    WITH docs AS (SELECT DISTINCT doc_id FROM (
        SELECT doc_id FROM {{fresh}} f UNION ALL SELECT doc_id FROM {{gone}} g) t),
    done_now AS (SELECT s.doc_id, s.annotator FROM public.doc_status s JOIN docs ON docs.doc_id = s.doc_id
        WHERE {_done('s')}),
    st AS (SELECT doc_id, annotator, 1 AS w FROM done_now
        UNION ALL SELECT s.doc_id, s.annotator, -1 FROM done_now s
            WHERE NOT EXISTS (SELECT 1 FROM {{fresh}} f WHERE f.doc_id = s.doc_id AND f.annotator = s.annotator)
        UNION ALL SELECT g.doc_id, g.annotator, -1 FROM {{gone}} g WHERE {_done('g')})
    {_INSERT} (
        SELECT x.annotator AS a, CASE WHEN y.annotator = x.annotator THEN '' ELSE y.annotator END AS b,
            c.label, x.w * c.n AS n, 0 AS m
        FROM st x JOIN st y ON y.doc_id = x.doc_id AND y.w = x.w
        JOIN public.span_counts c ON c.doc_id = x.doc_id AND c.annotator = x.annotator
        UNION ALL SELECT p.a, p.b, s.label, 0, x.w * s.n FROM st x
        JOIN st y ON y.doc_id = x.doc_id AND y.w = x.w AND y.annotator > x.annotator
        JOIN public.span_matches s ON s.doc_id = x.doc_id AND s.a = x.annotator AND s.b = y.annotator
        CROSS JOIN LATERAL (VALUES (s.a, s.b), (s.b, s.a)) p(a, b)) t {_KEEP}"""

P009_PROGRESS_TOTALS = f"""
-- Issue 24, as m010's progress_totals on a file; see annotator.storage.team_progress_totals.
CREATE TABLE IF NOT EXISTS progress_totals (
    a TEXT COLLATE "C" NOT NULL,
    b TEXT COLLATE "C" NOT NULL,        -- '' for a's own spans
    label TEXT COLLATE "C" NOT NULL,
    n BIGINT NOT NULL,
    m BIGINT NOT NULL,
    PRIMARY KEY (a, b, label)
);
CREATE TABLE IF NOT EXISTS progress_deltas (
    a TEXT COLLATE "C" NOT NULL,
    b TEXT COLLATE "C" NOT NULL,
    label TEXT COLLATE "C" NOT NULL,
    n BIGINT NOT NULL,
    m BIGINT NOT NULL
);
INSERT INTO progress_totals(a, b, label, n, m) SELECT a, b, label, n, m FROM ({finished_sums()}) s
    ON CONFLICT DO NOTHING;
CREATE OR REPLACE VIEW progress_sums AS
    SELECT a, b, label, sum(n)::bigint AS n, sum(m)::bigint AS m FROM (
        SELECT a, b, label, n, m FROM progress_totals UNION ALL SELECT a, b, label, n, m FROM progress_deltas) t
    GROUP BY a, b, label;
CREATE OR REPLACE FUNCTION annotator_progress_fold() RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock(2424, 1024) THEN
        RETURN false;  -- another fold is under way
    END IF;
    WITH gone AS (DELETE FROM public.progress_deltas RETURNING a, b, label, n, m)
    INSERT INTO public.progress_totals(a, b, label, n, m) SELECT a, b, label, sum(n), sum(m) FROM gone
        GROUP BY a, b, label
        ON CONFLICT (a, b, label) DO UPDATE SET n = public.progress_totals.n + excluded.n,
            m = public.progress_totals.m + excluded.m;
    RETURN true;
END $$;
CREATE OR REPLACE FUNCTION annotator_document_unfinished() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    DELETE FROM public.doc_status WHERE doc_id = OLD.id;
    RETURN OLD;
END $$;
DROP TRIGGER IF EXISTS documents_unfinished ON documents;
CREATE TRIGGER documents_unfinished BEFORE DELETE ON documents FOR EACH ROW
    EXECUTE FUNCTION annotator_document_unfinished();
""" + _triggers("span_counts", "doc_id, annotator, label, n", _COUNTS) \
    + _triggers("span_matches", "doc_id, a, b, label, n", _MATCHES) \
    + _triggers("doc_status", "doc_id, annotator, status", _STATUSES)

# What progress reads, and runs first.
READ = "progress_sums"
FOLD = "SELECT annotator_progress_fold()"
