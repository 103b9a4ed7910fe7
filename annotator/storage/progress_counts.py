"""The counts ``annotator progress`` sums (issue 24), kept by the database as spans and statuses
change, on both backends: the SQL of SQLite's migration m010 and PostgreSQL's p007.

- ``span_counts``: spans per document, layer and label (a row only while there is one);
- ``span_matches``: exact matches (same start, end and label) per document, pair of layers
  (``a`` < ``b``) and label;
- ``progress_totals`` (SQLite here; a team database's, kept as deltas: ``team_progress_totals``):
  over the finished layers (status ``done``), per layer and label the
  spans (``b`` = ''), and per ordered pair of layers and label the first one's spans on documents
  both finished (``n``) and the matches there (``m``): what ``progress`` shows without ``since``.

The ``model`` layer is never counted. On SQLite, row triggers keep them (an import's page is
counted at its end instead: ``span_counts_paused``, AnnotationsPart.add_spans); on PostgreSQL,
statement triggers of the owner's from their transition tables (team.init grants them read only).
"""

from __future__ import annotations


def _matching(row: str, other: str = "") -> str:
    """The other annotators (never ``model``) whose layer has a span with ``row``'s document,
    offsets and label: one look-up per annotator by the spans' unique key."""
    skip = f" AND y.id <> {other}.id" if other else ""
    return (f'SELECT o.name FROM annotators o CROSS JOIN spans y ON y.doc_id = {row}.doc_id AND y.annotator = o.name '
            f'AND y.start = {row}.start AND y."end" = {row}."end" AND y.label = {row}.label '
            f"WHERE o.name <> {row}.annotator AND o.name <> 'model' AND {row}.annotator <> 'model'{skip}")


def counted(row: str, sign: int, other: str = "") -> str:
    """A trigger's statements adding (sign 1) or taking away (-1) span ``row`` from the counts
    (``span_counts``, ``span_matches``); ``other``: a row to leave out of the matches (an update's NEW)."""
    if sign > 0:
        return f"""
            INSERT INTO span_counts(doc_id, annotator, label, n) SELECT {row}.doc_id, {row}.annotator, {row}.label, 1
                WHERE {row}.annotator <> 'model' ON CONFLICT (doc_id, annotator, label) DO UPDATE SET n = n + 1;
            INSERT INTO span_matches(doc_id, a, b, label, n)
                SELECT {row}.doc_id, min(m.name, {row}.annotator), max(m.name, {row}.annotator), {row}.label, 1
                FROM ({_matching(row, other)}) m WHERE true
                ON CONFLICT (doc_id, a, b, label) DO UPDATE SET n = n + 1;"""
    key = f"doc_id = {row}.doc_id AND label = {row}.label"
    pair = f"{key} AND {row}.annotator IN (a, b)"
    return f"""
            UPDATE span_counts SET n = n - 1 WHERE {key} AND annotator = {row}.annotator;
            DELETE FROM span_counts WHERE {key} AND annotator = {row}.annotator AND n <= 0;
            UPDATE span_matches SET n = n - 1 WHERE {pair}
                AND (CASE WHEN a = {row}.annotator THEN b ELSE a END) IN ({_matching(row, other)});
            DELETE FROM span_matches WHERE {pair} AND n <= 0;"""


COUNTS_TABLES = """
        CREATE TABLE span_counts (
            doc_id TEXT NOT NULL,
            annotator TEXT NOT NULL,
            label TEXT NOT NULL,
            n INTEGER NOT NULL,               -- the layer's spans with this label (never 0: the row goes)
            PRIMARY KEY (doc_id, annotator, label)
        ) WITHOUT ROWID;
        CREATE TABLE span_matches (
            doc_id TEXT NOT NULL,
            a TEXT NOT NULL,                  -- two annotators' layers, a < b
            b TEXT NOT NULL,
            label TEXT NOT NULL,
            n INTEGER NOT NULL,               -- spans with the same start, end and label in both
            PRIMARY KEY (doc_id, a, b, label)
        ) WITHOUT ROWID;
        -- A row here only inside an import's transaction (AnnotationsPart.add_spans): the triggers
        -- stand aside and the page's documents are counted again at its end, in a few statements.
        CREATE TABLE span_counts_paused (one INTEGER PRIMARY KEY CHECK (one = 1));
"""
_COUNTING = "NOT EXISTS (SELECT 1 FROM span_counts_paused)"
COUNTS_FILL = """
        INSERT INTO span_counts(doc_id, annotator, label, n)
            SELECT doc_id, annotator, label, count(*) FROM spans WHERE annotator <> 'model'
            GROUP BY doc_id, annotator, label;
        INSERT INTO span_matches(doc_id, a, b, label, n)
            SELECT x.doc_id, x.annotator, y.annotator, x.label, count(*) FROM spans x
            JOIN spans y ON y.doc_id = x.doc_id AND y.start = x.start AND y."end" = x."end" AND y.label = x.label
                AND y.annotator > x.annotator
            WHERE x.annotator <> 'model' AND y.annotator <> 'model'
            GROUP BY x.doc_id, x.annotator, y.annotator, x.label;
"""



# --- totals over the finished layers (SQLite) ---------------------------------------------------

TOTALS_TABLE = """
        CREATE TABLE progress_totals (
            a TEXT NOT NULL,
            b TEXT NOT NULL,                  -- '' for a's own spans
            label TEXT NOT NULL,
            n INTEGER NOT NULL,
            m INTEGER NOT NULL,
            PRIMARY KEY (a, b, label)
        ) WITHOUT ROWID;
"""


def finished_sums() -> str:
    """(a, b, label, n, m) as ``progress_totals`` holds them, counted from span_counts and span_matches."""
    x, y = (f"{w}.status = 'done' AND {w}.annotator <> 'model'" for w in ("x", "y"))
    both = (f"JOIN doc_status x ON x.doc_id = s.doc_id AND x.annotator = s.a AND {x} "
            f"JOIN doc_status y ON y.doc_id = s.doc_id AND y.annotator = s.b AND {y}")
    return f"""SELECT a, b, label, sum(n) AS n, sum(m) AS m FROM (
            SELECT c.annotator AS a, '' AS b, c.label AS label, c.n AS n, 0 AS m FROM span_counts c
                JOIN doc_status x ON x.doc_id = c.doc_id AND x.annotator = c.annotator AND {x}
            UNION ALL SELECT c.annotator, y.annotator, c.label, c.n, 0 FROM span_counts c
                JOIN doc_status x ON x.doc_id = c.doc_id AND x.annotator = c.annotator AND {x}
                JOIN doc_status y ON y.doc_id = c.doc_id AND y.annotator <> c.annotator AND {y}
            UNION ALL SELECT s.a, s.b, s.label, 0, s.n FROM span_matches s {both}
            UNION ALL SELECT s.b, s.a, s.label, 0, s.n FROM span_matches s {both}
        ) t GROUP BY a, b, label"""


def _done(doc: str, who: str) -> str:
    return f"EXISTS (SELECT 1 FROM doc_status WHERE doc_id = {doc} AND annotator = {who} AND status = 'done')"


def _others(doc: str, who: str) -> str:
    """The other finished layers of the document, as ``y``."""
    return (f"doc_status y WHERE y.doc_id = {doc} AND y.annotator <> {who} AND y.annotator <> 'model' "
            "AND y.status = 'done'")


def _add(column: str) -> str:
    return f"ON CONFLICT (a, b, label) DO UPDATE SET {column} = {column} + excluded.{column};"


def _layer(doc: str, who: str, label: str, delta: str) -> str:
    """A layer's spans with a label changed by ``delta``: its totals if it is finished."""
    return f"""
            INSERT INTO progress_totals(a, b, label, n, m) SELECT {who}, '', {label}, {delta}, 0
                WHERE {_done(doc, who)} {_add("n")}
            INSERT INTO progress_totals(a, b, label, n, m) SELECT {who}, y.annotator, {label}, {delta}, 0
                FROM {_others(doc, who)} AND {_done(doc, who)} {_add("n")}"""


def _pair(doc: str, a: str, b: str, label: str, delta: str) -> str:
    """Two layers' matches changed by ``delta``: both ordered pairs' totals if both are finished."""
    both = f"{_done(doc, a)} AND {_done(doc, b)}"
    return "".join(f"""
            INSERT INTO progress_totals(a, b, label, n, m) SELECT {p}, {q}, {label}, 0, {delta}
                WHERE {both} {_add("m")}""" for p, q in ((a, b), (b, a)))


def _flip(row: str, sign: str) -> str:
    """Layer ``row`` (a doc_status row) finished (sign 1) or no longer (-1): its spans and its
    pairs with the document's other finished layers, added or taken away."""
    doc, who = f"{row}.doc_id", f"{row}.annotator"
    pair = f"x.doc_id = y.doc_id AND x.a = min(y.annotator, {who}) AND x.b = max(y.annotator, {who})"
    return f"""
            INSERT INTO progress_totals(a, b, label, n, m) SELECT {who}, '', c.label, {sign} * c.n, 0
                FROM span_counts c WHERE c.doc_id = {doc} AND c.annotator = {who} {_add("n")}
            INSERT INTO progress_totals(a, b, label, n, m) SELECT {who}, y.annotator, c.label, {sign} * c.n, 0
                FROM {_others(doc, who).replace(" WHERE ", f" JOIN span_counts c ON c.doc_id = y.doc_id AND c.annotator = {who} WHERE ", 1)} {_add("n")}
            INSERT INTO progress_totals(a, b, label, n, m) SELECT y.annotator, {who}, c.label, {sign} * c.n, 0
                FROM {_others(doc, who).replace(" WHERE ", " JOIN span_counts c ON c.doc_id = y.doc_id AND c.annotator = y.annotator WHERE ", 1)} {_add("n")}
            INSERT INTO progress_totals(a, b, label, n, m) SELECT {who}, y.annotator, x.label, 0, {sign} * x.n
                FROM {_others(doc, who).replace(" WHERE ", f" JOIN span_matches x ON {pair} WHERE ", 1)} {_add("m")}
            INSERT INTO progress_totals(a, b, label, n, m) SELECT y.annotator, {who}, x.label, 0, {sign} * x.n
                FROM {_others(doc, who).replace(" WHERE ", f" JOIN span_matches x ON {pair} WHERE ", 1)} {_add("m")}"""


_SIGN = "(CASE WHEN NEW.status = 'done' THEN 1 ELSE -1 END)"
TOTALS_TRIGGERS = f"""
        CREATE TRIGGER span_counts_added AFTER INSERT ON span_counts
        BEGIN {_layer("NEW.doc_id", "NEW.annotator", "NEW.label", "NEW.n")}
        END;
        CREATE TRIGGER span_counts_changed AFTER UPDATE OF n ON span_counts
        BEGIN {_layer("NEW.doc_id", "NEW.annotator", "NEW.label", "NEW.n - OLD.n")}
        END;
        CREATE TRIGGER span_counts_gone AFTER DELETE ON span_counts
        BEGIN {_layer("OLD.doc_id", "OLD.annotator", "OLD.label", "-OLD.n")}
        END;
        CREATE TRIGGER span_matches_added AFTER INSERT ON span_matches
        BEGIN {_pair("NEW.doc_id", "NEW.a", "NEW.b", "NEW.label", "NEW.n")}
        END;
        CREATE TRIGGER span_matches_changed AFTER UPDATE OF n ON span_matches
        BEGIN {_pair("NEW.doc_id", "NEW.a", "NEW.b", "NEW.label", "NEW.n - OLD.n")}
        END;
        CREATE TRIGGER span_matches_gone AFTER DELETE ON span_matches
        BEGIN {_pair("OLD.doc_id", "OLD.a", "OLD.b", "OLD.label", "-OLD.n")}
        END;
        CREATE TRIGGER doc_status_finished AFTER INSERT ON doc_status
        WHEN NEW.status = 'done' AND NEW.annotator <> 'model'
        BEGIN {_flip("NEW", "1")}
        END;
        CREATE TRIGGER doc_status_refinished AFTER UPDATE OF status ON doc_status
        WHEN (NEW.status = 'done') <> (OLD.status = 'done') AND NEW.annotator <> 'model'
        BEGIN {_flip("NEW", _SIGN)}
        END;
        CREATE TRIGGER doc_status_unfinished AFTER DELETE ON doc_status
        WHEN OLD.status = 'done' AND OLD.annotator <> 'model'
        BEGIN {_flip("OLD", "-1")}
        END;
"""


def sqlite_script() -> str:
    """m010: the tables, filled from the rows there, and the triggers."""
    return (COUNTS_TABLES + TOTALS_TABLE + COUNTS_FILL
            + f"INSERT INTO progress_totals(a, b, label, n, m) {finished_sums()};\n" + f"""
        CREATE TRIGGER spans_counted AFTER INSERT ON spans WHEN {_COUNTING} BEGIN {counted("NEW", 1)}
        END;
        CREATE TRIGGER spans_uncounted AFTER DELETE ON spans WHEN {_COUNTING} BEGIN {counted("OLD", -1)}
        END;
        CREATE TRIGGER spans_recounted AFTER UPDATE OF doc_id, annotator, start, "end", label ON spans
        WHEN {_COUNTING} AND (NEW.doc_id IS NOT OLD.doc_id OR NEW.annotator IS NOT OLD.annotator
          OR NEW.start IS NOT OLD.start OR NEW."end" IS NOT OLD."end" OR NEW.label IS NOT OLD.label)
        BEGIN {counted("OLD", -1, "NEW")} {counted("NEW", 1, "NEW")}
        END;
""" + TOTALS_TRIGGERS)


# --- PostgreSQL (p007) ----------------------------------------------------------------------------

_CHANGED = ('SELECT {side}.id, {side}.doc_id, {side}.annotator, {side}.start, {side}."end", {side}.label '
            'FROM fresh f JOIN gone g ON g.id = f.id WHERE (f.doc_id, f.annotator, f.start, f."end", f.label) '
            'IS DISTINCT FROM (g.doc_id, g.annotator, g.start, g."end", g.label)')
_MATCHED = """SELECT x.doc_id, least(x.annotator, y.annotator) AS a, greatest(x.annotator, y.annotator) AS b,
            x.label, {sign} AS d FROM {side} x JOIN {other} y ON y.doc_id = x.doc_id AND y.start = x.start
            AND y."end" = x."end" AND y.label = x.label AND y.annotator {cmp} x.annotator
            WHERE x.annotator <> 'model' AND y.annotator <> 'model'{kept}"""
# The spans matching each row, looked up in the document's index entries (OFFSET 0 keeps the
# planner from hashing the whole table for each page of an import).
_SPANS = """LATERAL (SELECT s.id, s.doc_id, s.annotator, s.start, s."end", s.label FROM public.spans s
            WHERE s.doc_id = x.doc_id AND s.start = x.start AND s."end" = x."end" AND s.label = x.label OFFSET 0)"""
BULK_ROWS = 200  # a statement on more spans than this counts its documents anew
_KEPT = " AND NOT EXISTS (SELECT 1 FROM plus z WHERE z.id = y.id)"


def _counted(event: str, tables: str, plus: str, minus: str) -> str:
    """The function and trigger keeping span_counts and span_matches after an ``event`` statement on
    spans: ``plus`` and ``minus`` select the rows it added and took away."""
    name = f"annotator_spans_counted_{event.lower()}"
    rows = f"WITH plus AS ({plus}), minus AS ({minus})"
    matched = " UNION ALL ".join(_MATCHED.format(**k) for k in (
        {"sign": 1, "side": "plus", "other": _SPANS, "cmp": "<>", "kept": _KEPT},
        {"sign": 1, "side": "plus", "other": "plus", "cmp": ">", "kept": ""},
        {"sign": -1, "side": "minus", "other": _SPANS, "cmp": "<>", "kept": _KEPT},
        {"sign": -1, "side": "minus", "other": "minus", "cmp": ">", "kept": ""}))
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE many BOOLEAN; docs TEXT[] COLLATE "C";
BEGIN
    PERFORM pg_advisory_xact_lock(2424, k) FROM ({rows} SELECT DISTINCT abs(hashtext(doc_id) % 1024) AS k
        FROM (SELECT doc_id FROM plus UNION ALL SELECT doc_id FROM minus) t ORDER BY k) l;
    {rows} SELECT (SELECT count(*) FROM plus) + (SELECT count(*) FROM minus) > {BULK_ROWS} INTO many;
    {rows} INSERT INTO public.span_counts(doc_id, annotator, label, n)
        SELECT doc_id, annotator, label, sum(d) FROM (
            SELECT doc_id, annotator, label, 1 AS d FROM plus UNION ALL SELECT doc_id, annotator, label, -1 FROM minus) t
        WHERE annotator <> 'model' GROUP BY doc_id, annotator, label HAVING sum(d) <> 0
        ON CONFLICT (doc_id, annotator, label) DO UPDATE SET n = public.span_counts.n + excluded.n;
    {rows} DELETE FROM public.span_counts c USING minus t WHERE c.doc_id = t.doc_id AND c.annotator = t.annotator
        AND c.label = t.label AND c.n <= 0;
    IF many THEN  -- an import's page: the matches of its documents where two layers have spans, counted anew
        {rows} SELECT array_agg(t.doc_id) FROM (SELECT DISTINCT doc_id FROM plus UNION SELECT doc_id FROM minus) t
            WHERE EXISTS (SELECT 1 FROM public.span_matches m WHERE m.doc_id = t.doc_id)
            OR (SELECT count(DISTINCT c.annotator) FROM public.span_counts c WHERE c.doc_id = t.doc_id) >= 2
            INTO docs;
        DELETE FROM public.span_matches m USING unnest(docs) AS t(doc_id) WHERE m.doc_id = t.doc_id;
        INSERT INTO public.span_matches(doc_id, a, b, label, n)
            SELECT p.doc_id, p.a, p.b, p.label, count(*) FROM unnest(docs) AS t(doc_id) JOIN LATERAL (
                SELECT x.doc_id, x.annotator AS a, y.annotator AS b, x.label FROM public.spans x
                JOIN public.spans y ON y.doc_id = x.doc_id AND y.start = x.start AND y."end" = x."end"
                AND y.label = x.label AND y.annotator > x.annotator
                WHERE x.doc_id = t.doc_id AND y.doc_id = t.doc_id AND x.annotator <> 'model' AND y.annotator <> 'model'
                OFFSET 0) p ON true
            GROUP BY p.doc_id, p.a, p.b, p.label;
        RETURN NULL;
    END IF;
    {rows} INSERT INTO public.span_matches(doc_id, a, b, label, n)
        SELECT doc_id, a, b, label, sum(d) FROM ({matched}) t
        GROUP BY doc_id, a, b, label HAVING sum(d) <> 0
        ON CONFLICT (doc_id, a, b, label) DO UPDATE SET n = public.span_matches.n + excluded.n;
    {rows} DELETE FROM public.span_matches m USING minus t WHERE m.doc_id = t.doc_id AND m.label = t.label
        AND t.annotator IN (m.a, m.b) AND m.n <= 0;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS spans_counted_{event.lower()} ON spans;
CREATE TRIGGER spans_counted_{event.lower()} AFTER {event} ON spans REFERENCING {"OLD" if event != "INSERT" else "NEW"} TABLE AS {tables}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


