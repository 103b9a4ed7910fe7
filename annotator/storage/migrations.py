"""Numbered, append-only migrations of annotator's SQLite schema (over 400 lines: every migration
since the first, in order, one place to read the file's schema from).

Never edit a migration that has shipped: add the next number. tests/storage/test_migrations.py
upgrades a database from every past version.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from annotator.core.text import index_form
from annotator.storage import progress_counts
from annotator.storage.common import recolour_themes_sql

migrations = Migrations("annotator")


@migrations(name="m001_initial")
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE documents (
            seq INTEGER PRIMARY KEY,          -- stable row number: list order and search rowid
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            text TEXT NOT NULL,               -- NFC, LF line ends; offsets are code points into it
            lang TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('ltr', 'rtl')),
            source TEXT NOT NULL DEFAULT '',
            meta TEXT NOT NULL DEFAULT '{}',  -- JSON object
            text_hash TEXT NOT NULL,          -- sha256 of text
            chars INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX documents_lang ON documents(lang);
        CREATE TABLE labels (
            name TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            colour TEXT NOT NULL,
            hotkey TEXT,
            description TEXT NOT NULL DEFAULT '',
            example_fa TEXT NOT NULL DEFAULT '',
            example_ko TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL
        );
        CREATE TABLE themes (
            name TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            colour TEXT NOT NULL,
            hotkey TEXT,
            description TEXT NOT NULL DEFAULT '',
            example_fa TEXT NOT NULL DEFAULT '',
            example_ko TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL
        );
        CREATE TABLE annotators (
            name TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        );
        CREATE TABLE spans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: undo commands refer to span ids
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL REFERENCES annotators(name),
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL REFERENCES labels(name) ON UPDATE CASCADE,
            text TEXT NOT NULL,               -- documents.text[start:end], kept for checks and exports
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ("end" > start),
            UNIQUE (doc_id, annotator, start, "end", label)
        );
        CREATE INDEX spans_label ON spans(label);
        CREATE TABLE doc_themes (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL REFERENCES annotators(name),
            theme TEXT NOT NULL REFERENCES themes(name) ON UPDATE CASCADE,
            created_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, annotator, theme)
        );
        CREATE TABLE doc_status (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL REFERENCES annotators(name),
            status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'done', 'skipped')),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, annotator)
        );
        -- The gold layer, built by a reviewer from the annotators' layers.
        CREATE TABLE gold_spans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL REFERENCES labels(name) ON UPDATE CASCADE,
            text TEXT NOT NULL,
            note TEXT,
            proposed_by TEXT NOT NULL DEFAULT '[]',   -- JSON list of annotator names
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            CHECK ("end" > start),
            UNIQUE (doc_id, start, "end", label)
        );
        CREATE TRIGGER gold_spans_cover_text BEFORE INSERT ON gold_spans
        WHEN NEW.text IS NOT (SELECT substr(text, NEW.start + 1, NEW."end" - NEW.start)
                              FROM documents WHERE id = NEW.doc_id)
          OR NEW."end" > (SELECT chars FROM documents WHERE id = NEW.doc_id)
        BEGIN SELECT RAISE(ABORT, 'gold span text does not match the document text at its offsets'); END;
        CREATE TABLE gold_themes (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            theme TEXT NOT NULL REFERENCES themes(name) ON UPDATE CASCADE,
            proposed_by TEXT NOT NULL DEFAULT '[]',
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, theme)
        );
        -- The database itself keeps the offsets rule: a span's text is exactly what it covers.
        -- SQLite's substr() counts characters (code points) in TEXT, as Python slicing does.
        CREATE TRIGGER spans_cover_text BEFORE INSERT ON spans
        WHEN NEW.text IS NOT (SELECT substr(text, NEW.start + 1, NEW."end" - NEW.start)
                              FROM documents WHERE id = NEW.doc_id)
          OR NEW."end" > (SELECT chars FROM documents WHERE id = NEW.doc_id)
        BEGIN SELECT RAISE(ABORT, 'span text does not match the document text at its offsets'); END;
        CREATE TRIGGER spans_cover_text_update BEFORE UPDATE OF start, "end", text ON spans
        WHEN NEW.text IS NOT (SELECT substr(text, NEW.start + 1, NEW."end" - NEW.start)
                              FROM documents WHERE id = NEW.doc_id)
          OR NEW."end" > (SELECT chars FROM documents WHERE id = NEW.doc_id)
        BEGIN SELECT RAISE(ABORT, 'span text does not match the document text at its offsets'); END;
        CREATE TABLE gold_documents (
            doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('in_progress', 'adjudicated')),
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL
        );
        """
    )


@migrations(name="m002_search_index")
def m002_search_index(db: Database) -> None:
    # Contentless: the index keeps no second copy of the text. Rows hold index_form(text), a folded
    # copy with Hangul as bigrams (see annotator.core.text); a delete must pass that same form again.
    db.execute(
        "CREATE VIRTUAL TABLE doc_search USING fts5("
        "body, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    rows = db.execute("SELECT seq, text FROM documents").fetchall()
    db.conn.executemany(
        "INSERT INTO doc_search(rowid, body) VALUES (?, ?)",
        ((seq, index_form(text)) for seq, text in rows),
    )



@migrations(name="m003_suggestion_rejections")
def m003_suggestion_rejections(db: Database) -> None:
    # An annotator reviewing another layer's spans as suggestions (a model's pre-annotations):
    # what they rejected, so it stays rejected. Accepted ones are simply spans of their own.
    db.executescript(
        """
        CREATE TABLE suggestion_rejections (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL REFERENCES annotators(name),
            source TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, annotator, source, start, "end", label)
        );
        """
    )


@migrations(name="m004_gold_rejections")
def m004_gold_rejections(db: Database) -> None:
    # A reviewer's rejection of an annotator's proposed span, so that the unit counts as decided.
    db.executescript(
        """
        CREATE TABLE gold_rejections (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL,
            proposed_by TEXT NOT NULL DEFAULT '[]',
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, start, "end", label)
        );
        -- A theme the reviewer decided against: auto-accept leaves it out.
        CREATE TABLE gold_theme_rejections (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            theme TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (doc_id, theme)
        );
        """
    )


@migrations(name="m005_document_order")
def m005_document_order(db: Database) -> None:
    # A small index in list order. Counting or skipping documents by seq otherwise walks the
    # table, whose rows carry whole texts: 110 ms for 100,000 documents, against a few ms here.
    # The document list uses it to jump to any row (the current document, a dragged scroll bar).
    db.execute("CREATE INDEX documents_seq ON documents(seq)")


@migrations(name="m006_text_hash_index")
def m006_text_hash_index(db: Database) -> None:
    # Another tool's task ids are not our document ids: an import finds the document by its text.
    db.execute("CREATE INDEX documents_text_hash ON documents(text_hash)")


@migrations(name="m007_theme_colours")
def m007_theme_colours(db: Database) -> None:
    # The default themes' new colours (themes 1 and 5 had been one purple), for a theme whose
    # colour is still the old default: a colour someone chose is kept.
    sql, rows = recolour_themes_sql()
    for row in rows:
        db.execute(sql, row)


def _covers_text(name: str, event: str, table: str, what: str) -> str:
    """A trigger refusing a row of ``table`` whose text is not its document's at its offsets: read
    from the pieces the span covers, or from the text itself for a document without pieces."""
    return f"""
        CREATE TRIGGER {name} BEFORE {event} ON {table}
        WHEN NEW.text IS NOT COALESCE(
                (SELECT substr(group_concat(p.piece, ''), NEW.start - (NEW.start / 1024) * 1024 + 1, NEW."end" - NEW.start)
                 FROM (SELECT piece FROM document_pieces WHERE doc_id = NEW.doc_id
                       AND n BETWEEN NEW.start / 1024 AND (NEW."end" - 1) / 1024 ORDER BY n) AS p),
                (SELECT substr(text, NEW.start + 1, NEW."end" - NEW.start) FROM documents WHERE id = NEW.doc_id))
          OR length(NEW.text) IS NOT NEW."end" - NEW.start
        BEGIN SELECT RAISE(ABORT, '{what} text does not match the document text at its offsets'); END;
"""


@migrations(name="m008_document_pieces")
def m008_document_pieces(db: Database) -> None:
    # Issue 22: a span's check read its document's whole text (SQLite reads all of a long value's
    # overflow pages for substr, then counts code points from its start), so each span of a 1 MB
    # document cost a millisecond or more. A document over 4,096 characters now also keeps its
    # text in pieces of 1,024 code points, written with it (annotator.storage.common.piece_rows),
    # and the span checks read only the pieces a span covers. A span's length is checked against
    # its offsets instead of reading the document's length, which lies behind its text in its row.
    db.executescript(
        """
        CREATE TABLE document_pieces (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            n INTEGER NOT NULL,               -- piece n is text[n * 1024:(n + 1) * 1024]
            piece TEXT NOT NULL,
            PRIMARY KEY (doc_id, n)
        );
        -- Spans are offsets into the text, and the pieces a copy of it: it never changes.
        CREATE TRIGGER documents_text_fixed BEFORE UPDATE OF text ON documents
        WHEN NEW.text IS NOT OLD.text
        BEGIN SELECT RAISE(ABORT, 'a document''s text never changes once imported (spans are offsets into it): import the new text as another document'); END;
        DROP TRIGGER spans_cover_text;
        DROP TRIGGER spans_cover_text_update;
        DROP TRIGGER gold_spans_cover_text;
"""
        + "".join(_covers_text(*trigger) for trigger in (
            ("spans_cover_text", "INSERT", "spans", "span"),
            ("spans_cover_text_update", 'UPDATE OF doc_id, start, "end", text', "spans", "span"),
            ("gold_spans_cover_text", "INSERT", "gold_spans", "gold span"),
            ("gold_spans_cover_text_update", 'UPDATE OF doc_id, start, "end", text', "gold_spans", "gold span")))
    )
    insert = "INSERT INTO document_pieces(doc_id, n, piece) VALUES (?, ?, ?)"
    for (doc_id,) in db.execute("SELECT id FROM documents WHERE chars > 4096").fetchall():  # one text at a time
        text = db.execute("SELECT text FROM documents WHERE id = ?", [doc_id]).fetchone()[0]
        if isinstance(text, str) and len(text) > 4096:
            db.conn.executemany(insert, ((doc_id, n, text[at:at + 1024])
                                         for n, at in enumerate(range(0, len(text), 1024))))


@migrations(name="m009_queues_active_time")
def m009_queues_active_time(db: Database) -> None:
    # Issue 24: work queues in the database (a lead hands out documents), and active time per
    # annotator, document and window session (annotator.storage.queues_part says how it is kept).
    db.executescript(
        """
        CREATE TABLE queue_items (
            annotator TEXT NOT NULL REFERENCES annotators(name),
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,        -- the queue's order
            assigned_by TEXT NOT NULL DEFAULT '',
            assigned_at TEXT NOT NULL,
            PRIMARY KEY (annotator, doc_id)
        );
        CREATE INDEX queue_items_order ON queue_items(annotator, position);
        CREATE TABLE active_time (
            annotator TEXT NOT NULL REFERENCES annotators(name),
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            session TEXT NOT NULL,            -- one window's time on one document
            clock TEXT NOT NULL,              -- the monotonic clock the ranges are on: machine and boot
            started_at TEXT NOT NULL,         -- wall clock, when the session began
            ranges TEXT NOT NULL DEFAULT '[]',  -- JSON [[start, end], ...] in seconds of that clock
            seconds REAL NOT NULL CHECK (seconds >= 0),  -- the session's total (ranges merged)
            updated_at TEXT NOT NULL,
            PRIMARY KEY (annotator, doc_id, session)
        );
        CREATE INDEX active_time_doc ON active_time(doc_id);
        CREATE TABLE imported_time (
            annotator TEXT NOT NULL REFERENCES annotators(name),
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            seconds REAL NOT NULL CHECK (seconds >= 0),
            source TEXT NOT NULL DEFAULT '',  -- where it came from: a tool's name, a file
            updated_at TEXT NOT NULL,
            PRIMARY KEY (annotator, doc_id)
        );
        """
    )


@migrations(name="m010_progress_counts")
def m010_progress_counts(db: Database) -> None:
    # Issue 24: progress looked every finished span up in every other finished layer (15 s at
    # 100,000 documents). The spans per document, layer and label, and the exact matches (same
    # start, end and label) per document, pair of layers and label, are now kept by triggers as
    # spans change (the model layer is never counted), so progress sums a few rows per document.
    # An import's page is counted at its end instead, set-based (span_counts_paused).
    db.executescript(progress_counts.sqlite_script())


@migrations(name="m011_relations")
def m011_relations(db: Database) -> None:
    # Issue 25: relations between two spans of one layer and document. The database keeps that
    # rule: a relation names its ends with its own document and layer, and the composite foreign
    # keys find them only among that document's and layer's spans (a span deleted takes its
    # relations). Types are the schema's (relation_types, as labels): a rename cascades.
    db.executescript(
        """
        CREATE TABLE relation_types (
            name TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            colour TEXT NOT NULL,
            hotkey TEXT,
            directed INTEGER NOT NULL DEFAULT 1 CHECK (directed IN (0, 1)),
            from_labels TEXT NOT NULL DEFAULT '[]',   -- JSON list of label names; [] = any label
            to_labels TEXT NOT NULL DEFAULT '[]',
            description TEXT NOT NULL DEFAULT '',
            examples TEXT NOT NULL DEFAULT '[]',      -- JSON list of strings
            position INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX spans_layer_key ON spans(id, doc_id, annotator);
        CREATE TABLE relations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: undo refers to relation ids
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            annotator TEXT NOT NULL REFERENCES annotators(name),
            from_span INTEGER NOT NULL,
            to_span INTEGER NOT NULL,
            label TEXT NOT NULL REFERENCES relation_types(name) ON UPDATE CASCADE,
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (from_span <> to_span),
            UNIQUE (doc_id, annotator, from_span, to_span, label),
            FOREIGN KEY (from_span, doc_id, annotator) REFERENCES spans(id, doc_id, annotator) ON DELETE CASCADE,
            FOREIGN KEY (to_span, doc_id, annotator) REFERENCES spans(id, doc_id, annotator) ON DELETE CASCADE
        );
        CREATE INDEX relations_from ON relations(from_span);
        CREATE INDEX relations_to ON relations(to_span);
        CREATE INDEX relations_label ON relations(label);
        CREATE UNIQUE INDEX gold_spans_doc_key ON gold_spans(id, doc_id);
        CREATE TABLE gold_relations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            from_span INTEGER NOT NULL,
            to_span INTEGER NOT NULL,
            label TEXT NOT NULL REFERENCES relation_types(name) ON UPDATE CASCADE,
            note TEXT,
            proposed_by TEXT NOT NULL DEFAULT '[]',   -- JSON list of annotator names
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            CHECK (from_span <> to_span),
            UNIQUE (doc_id, from_span, to_span, label),
            FOREIGN KEY (from_span, doc_id) REFERENCES gold_spans(id, doc_id) ON DELETE CASCADE,
            FOREIGN KEY (to_span, doc_id) REFERENCES gold_spans(id, doc_id) ON DELETE CASCADE
        );
        CREATE INDEX gold_relations_from ON gold_relations(from_span);
        CREATE INDEX gold_relations_to ON gold_relations(to_span);
        """
    )


@migrations(name="m012_relation_rejections")
def m012_relation_rejections(db: Database) -> None:
    # Issue 25: a reviewer's rejection of a proposed relation, so that its unit counts as decided.
    # Its ends are named by place (start, end, label), as a rejected span is; a label renamed is
    # renamed here (Store.rename_label), a type renamed follows by foreign key, a type removed
    # takes its rejections.
    db.executescript(RELATION_REJECTIONS)


RELATION_REJECTIONS = """
CREATE TABLE IF NOT EXISTS gold_relation_rejections (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    from_start INTEGER NOT NULL,
    from_end INTEGER NOT NULL,
    from_label TEXT NOT NULL,
    to_start INTEGER NOT NULL,
    to_end INTEGER NOT NULL,
    to_label TEXT NOT NULL,
    label TEXT NOT NULL REFERENCES relation_types(name) ON UPDATE CASCADE ON DELETE CASCADE,
    proposed_by TEXT NOT NULL DEFAULT '[]',
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, from_start, from_end, from_label, to_start, to_end, to_label, label)
);
"""


def known_names() -> list[str]:
    """Every migration this version of annotator knows, in order."""
    return [m.name for m in migrations.pending(Database(memory=True))]
