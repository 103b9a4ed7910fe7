"""The Store on a team's PostgreSQL database: the same methods, one more dialect (over 400 lines:
every override and its translation in one place, so the two dialects can be compared side by side;
the search index's entries and queries are in ``team_search``).

Every method the Store's parts define is shared: they write their SQL once, in SQLite's dialect,
and :func:`translate` carries the few mechanical differences over (``?`` placeholders, ``INSERT
OR IGNORE``, ``json_each``, ``IS NOT``). What cannot be said the same way in both is a method
that :class:`TeamStore` overrides: opening, transactions, settings, and search (SQLite's FTS5
index against a ``tsvector`` column annotator fills itself, from the same index tokens).

Who may write what is PostgreSQL's to decide (see ``team``): a refusal comes back as
:class:`TeamDatabaseError` (``refused``), worded in one line by ``explain``. The driver's own
exception classes never leave this module, and psycopg is imported only when a team database
is opened, so that working on a file costs nothing for it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import select
from collections.abc import Callable, Iterator
from typing import Any

from annotator.core.errors import DatabaseError
from annotator.core.model import Document, Span, Status
from annotator.storage import team
from annotator.storage.team import shown
from annotator.storage.team_search import tsquery_of, tsvector_of
from annotator.storage.common import _listing, covered_sql, now, text_hash
from annotator.storage.errors import TeamDatabaseError
from annotator.storage.store import Store

CHANNEL = "annotator_changes"
# psycopg reports some failures it has already raised (a pipeline ended by an error) through
# logging; with no handler Python would print them on stderr, a second line beside ours.
logging.getLogger("psycopg").addHandler(logging.NullHandler())


# --- the dialect --------------------------------------------------------------------------------

_QUOTED = re.compile(r"('(?:[^']|'')*')")


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """The Store's SQL (SQLite's dialect) as PostgreSQL says it. Only the differences the shared
    statements use are carried over; string literals are left as they are."""
    ignore = "INSERT OR IGNORE INTO" in sql
    parts = _QUOTED.split(sql)
    for i in range(0, len(parts), 2):  # outside string literals
        part = parts[i]
        part = part.replace("INSERT OR IGNORE INTO", "INSERT INTO")
        part = part.replace("json_each(?)", "json_array_elements_text(?::json)")
        part = part.replace("IS NOT ?", "IS DISTINCT FROM ?")
        part = part.replace("%", "%%").replace("?", "%s")
        parts[i] = part
    out = "".join(parts)
    if ignore:
        # Only the same span is ignored: a clash on the id (which a member could otherwise take
        # ahead of another's next span) is an error, never a span silently not saved.
        table = re.match(r"\s*INSERT INTO (\w+)", out)
        target = _NATURAL_KEYS.get(table.group(1) if table else "", "")
        conflict = f" ON CONFLICT {target} DO NOTHING" if target else " ON CONFLICT DO NOTHING"
        returning = out.rfind(" RETURNING ")
        if returning >= 0:
            out = out[:returning] + conflict + out[returning:]
        else:
            out += conflict
    return out


# The tables whose primary key is not what makes a row the same row.
_NATURAL_KEYS = {"spans": '(doc_id, annotator, start, "end", label)', "gold_spans": '(doc_id, start, "end", label)',
                 "relations": "(doc_id, annotator, from_span, to_span, label)",
                 "gold_relations": "(doc_id, from_span, to_span, label)"}


def _error(err: Exception) -> TeamDatabaseError:
    """psycopg's exception as storage's own, with PostgreSQL's first line."""
    import psycopg

    first = (str(err).strip().splitlines() or [type(err).__name__])[0]
    errors = psycopg.errors
    state = getattr(err, "sqlstate", None) or ""
    if isinstance(err, errors.InsufficientPrivilege):
        kind = "refused"
    elif isinstance(err, (errors.LockNotAvailable, errors.DeadlockDetected, errors.SerializationFailure,
                          errors.QueryCanceled)):
        kind = "busy"
    elif isinstance(err, psycopg.OperationalError) and (not state or state.startswith(("08", "57P"))):
        kind = "lost"  # no answer from the server, or it shut down: not a limit or a full disk
    elif isinstance(err, errors.CheckViolation):
        kind = "check"
    elif isinstance(err, psycopg.IntegrityError):
        kind = "conflict"
    else:
        kind = "other"
    return TeamDatabaseError(kind, first, team.refusal_hint(first) if kind == "refused" else "")


# The tables whose triggers announce changes (team.MIGRATIONS, p002).
_ANNOUNCED = frozenset((*team.LAYER_TABLES, *team.GOLD_TABLES, *team.QUEUE_TABLES, "documents", "labels", "themes",
                        "relation_types", "annotators"))


def _change(payload: str, sender: int) -> dict[str, Any] | None:
    """One announced change, or None for a payload annotator's triggers did not send (any member
    may NOTIFY on the channel: a stray one must not cost the real ones of its batch). ``sender``
    is the server process that sent it, as the server says (a payload cannot change that): a
    trigger's payload names its own, so one that names another connection is forged."""
    try:
        change = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(change, dict) or change.get("table") not in _ANNOUNCED or change.get("connection") != sender:
        return None
    doc = change.get("doc")
    return {"table": change["table"], "doc": doc if isinstance(doc, str) else None, "by": None, "connection": sender}


class PgDatabase:
    """The part of sqlite-utils' ``Database`` (and of its ``conn``) that the Store's parts use,
    over a psycopg connection in autocommit mode: a statement outside ``transaction()`` commits
    when it returns. A connection that broke is made again before the next statement, never in
    the middle of a transaction."""

    def __init__(self, url: str):
        self.url = url
        self.depth = 0  # transaction blocks open: counted here, not asked of a connection that may be dead
        self.pg = self._connect()
        self.conn = self  # the parts call db.conn.executemany

    def _connect(self, timeout: int = 10) -> Any:
        try:
            pg = team.connect(self.url, timeout=timeout, keepalive=True)
        except DatabaseError as err:
            raise TeamDatabaseError("lost", str(err)) from None
        try:
            pg.execute("SET lock_timeout = '15s'")  # a row another member holds: wait, then say busy
        except Exception as err:  # noqa: BLE001 - the driver's, turned into ours
            raise _error(err) from None
        return pg

    def _ready(self, timeout: int = 10) -> None:
        if self.pg.broken or self.pg.closed:
            if self.depth:  # the transaction died with its connection: never carry on in a new one
                raise TeamDatabaseError("lost", "the connection was lost in the middle of a change")
            self.pg = self._connect(timeout)

    @property
    def connection_id(self) -> int:
        """The server process behind this connection (a new one after reconnecting; 0 while lost)."""
        try:
            return self.pg.info.backend_pid
        except Exception:  # noqa: BLE001 - a closed connection has none
            return 0

    def _run(self, work: Callable[[], Any]) -> Any:
        import psycopg

        self._ready()
        try:
            return work()
        except psycopg.Error as err:
            raise _error(err) from None

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._run(lambda: self.pg.execute(translate(sql), list(params)))

    def executemany(self, sql: str, rows: Any) -> Any:
        """Each of ``rows`` (any iterable: a generator's rows are made while the server works on
        the ones sent before, psycopg pipelining them)."""
        def work() -> Any:
            cur = self.pg.cursor()
            cur.executemany(translate(sql), rows)
            return cur
        return self._run(work)

    @property
    def in_transaction(self) -> bool:
        return self.depth > 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; blocks nest as savepoints (psycopg's own)."""
        import psycopg

        self._ready()
        try:
            block = self.pg.transaction()
            block.__enter__()
        except psycopg.Error as err:
            raise _error(err) from None
        self.depth += 1
        try:
            try:
                yield
            except BaseException as exc:
                with contextlib.suppress(psycopg.Error):
                    block.__exit__(type(exc), exc, exc.__traceback__)
                raise
            if self.pg.broken or self.pg.closed:  # lost inside, and the error was caught there
                raise TeamDatabaseError("lost", "the connection was lost in the middle of a change")
            try:
                block.__exit__(None, None, None)
            except psycopg.Error as err:  # the commit itself failed: nothing was saved
                raise _error(err) from None
        finally:
            self.depth -= 1

    def close(self) -> None:
        self.pg.close()


# --- the Store ----------------------------------------------------------------------------------

class TeamStore(Store):
    """An open team database. ``member`` is who this connection is (PostgreSQL's
    ``current_user``, the layer it writes), ``role`` owner, lead, reviewer or annotator."""

    is_team = True

    def __init__(self, db: PgDatabase, url: str):
        super().__init__(db, url)  # type: ignore[arg-type]
        self.url = url
        self._listener: Any = None
        self._encoding = "utf-8"  # the listening connection's, once it listens
        self._unanalysed = 0
        member, owner, lead, reviewer = db.execute(
            "SELECT current_user, (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename = 'documents') = current_user OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
            "EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = ? AND pg_has_role(current_user, g.oid, 'MEMBER')), "
            "EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = ? AND pg_has_role(current_user, g.oid, 'MEMBER'))",
            [team.lead_group(db.pg), team.groups(db.pg)[1]]).fetchone()
        self.member = member
        self.role = "owner" if owner else "lead" if lead else "reviewer" if reviewer else "annotator"

    @classmethod
    def open(cls, url: str) -> TeamStore:  # type: ignore[override]
        """Open a team database by its URL (a libpq URL: the password from PGPASSWORD or
        ~/.pgpass). Its owner's first open applies the migrations a newer annotator brought; a
        member is told to ask the owner. Raises :class:`DatabaseError` in one line."""
        try:
            db = PgDatabase(url)
        except TeamDatabaseError as err:
            raise DatabaseError(str(err)) from None
        try:
            team.check_version(db.pg)
            applied = team.applied(db.pg)
            if not applied:
                raise DatabaseError(f"{shown(url)} is not an annotator team database yet: its owner runs "
                                    f"annotator team init --db {shown(url)}")
            if [name for name, _ in team.MIGRATIONS if name not in applied]:
                try:
                    team.init(db.pg)
                except Exception:  # noqa: BLE001 - a member may not: say what to do instead
                    raise DatabaseError(f"{shown(url)} was set up by an older annotator: its owner runs "
                                        "annotator team init to bring it up to date") from None
            return cls(db, shown(url))
        except BaseException:
            db.close()
            raise

    @classmethod
    def open_readonly(cls, url: str) -> TeamStore:  # type: ignore[override]
        """Reading needs no more than a member's connection: the same as :meth:`open`."""
        return cls.open(url)

    def close(self) -> None:
        self.db.close()
        if self._listener is not None:
            with contextlib.suppress(Exception):
                self._listener.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        outermost = not self.db.in_transaction
        with self.db.transaction():
            yield self
        if outermost:
            self._analyse_after_bulk()

    _ANALYSE_AFTER = 1000  # documents imported since the planner last looked

    def _analyse_after_bulk(self) -> None:
        """After a large import, fresh statistics for the planner: without them it takes a word
        found everywhere for a rare one, and the first search after the import scans and sorts
        every document (60-110 ms on 10,000, against 0.1 ms after ANALYZE, which costs 0.35 s)."""
        if self._unanalysed >= self._ANALYSE_AFTER and not self.db.in_transaction:
            self._unanalysed = 0
            with contextlib.suppress(TeamDatabaseError):  # a member may not: autovacuum will
                self.db.execute("ANALYZE documents, spans, doc_themes, doc_status")

    @property
    def busy(self) -> bool:
        return self.db.in_transaction

    def _returning(self, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
        return self.db.execute(sql, params).fetchone()  # autocommit: done when it returns

    def schema_version(self) -> list[str]:
        return team.applied(self.db.pg)

    def reachable(self) -> bool:
        """Whether the server answers now, connecting again if the connection was lost (waiting
        at most 2 s for that: a window asks this on its own thread)."""
        try:
            if not self.db.in_transaction:
                self.db._ready(timeout=2)
            self.db.execute("SELECT 1").fetchone()
            return True
        except TeamDatabaseError:
            return False

    def server_answers(self) -> bool:
        """Whether the server takes a new connection now (waiting at most 2 s), without touching
        this store's own: safe to ask from another thread, so a window can wait for a server that
        went away without freezing."""
        try:
            team.connect(self.db.url, timeout=2).close()
            return True
        except DatabaseError:
            return False

    @property
    def connection_id(self) -> int | None:
        """What ``changes()`` names as ``connection``: this store's own saves have this one."""
        return self.db.connection_id

    # --- settings: the owner's for the project, a member's own for their place in it -----------

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute(
            "SELECT value FROM member_settings WHERE annotator = current_user AND key = ? "
            "UNION ALL SELECT value FROM settings WHERE key = ? LIMIT 1", [key, key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        table = "settings" if self.role in ("owner", "lead") else "member_settings"
        self.db.execute(f"INSERT INTO {table}(key, value) VALUES (?, ?) "
                        "ON CONFLICT" + ("(key)" if table == "settings" else "(annotator, key)") +
                        " DO UPDATE SET value = excluded.value", [key, value])

    def ensure_annotator(self, name: str) -> bool:
        """A member is registered by ``team add``; only the owner registers other names (an
        imported layer, a model's)."""
        if self.db.execute("SELECT 1 FROM annotators WHERE name = ?", [name]).fetchone():
            return False
        if self.role != "owner":  # membership is the owner's alone (a lead's is refused by the database too)
            raise TeamDatabaseError("refused", f"{name!r} is not a member of this team database",
                                    "its owner adds members with annotator team add")
        self.db.execute("INSERT INTO annotators(name, created_at) VALUES (?, ?)", [name, now()])
        return True

    # --- annotations -----------------------------------------------------------------------------
    _PROGRESS_TOTALS, _PROGRESS_FOLD = "progress_sums", "SELECT annotator_progress_fold()"  # p009

    def add_spans(self, spans: list[Span]) -> int:
        """As on a file, in one statement for the whole page: a row at a time, each its own
        statement to parse and execute, cost the server three times the insert itself."""
        if not spans:
            return 0
        stamp = now()
        rows = json.dumps([[s.doc_id, s.annotator, s.start, s.end, s.label, s.text, s.note] for s in spans],
                          ensure_ascii=False)
        return self.db.execute(
            'INSERT INTO spans(doc_id, annotator, start, "end", label, text, note, created_at, updated_at) '
            "SELECT r->>0, r->>1, (r->>2)::integer, (r->>3)::integer, r->>4, r->>5, r->>6, ?, ? "
            "FROM json_array_elements(?::json) WITH ORDINALITY AS page(r, at) ORDER BY at "
            'ON CONFLICT (doc_id, annotator, start, "end", label) DO NOTHING', [stamp, stamp, rows]).rowcount

    def add_span_started(self, span: Span) -> tuple[int | None, Status | None]:
        """As on a file, in one statement (one round trip, atomic on its own, committed when it
        returns): the span, and its document started for its annotator when the span is new and
        the document was new. The status before is read in the statement's own snapshot."""
        stamp = now()
        row = self.db.execute(
            'WITH added AS (INSERT INTO spans(doc_id, annotator, start, "end", label, text, note, created_at, '
            'updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (doc_id, annotator, start, "end", label) '
            "DO NOTHING RETURNING id), "
            "was AS (SELECT status FROM doc_status WHERE doc_id = ? AND annotator = ?), "
            "started AS (INSERT INTO doc_status(doc_id, annotator, status, updated_at) "
            "SELECT ?, ?, 'in_progress', ? WHERE EXISTS (SELECT 1 FROM added) "
            "AND COALESCE((SELECT status FROM was), 'new') = 'new' "
            "ON CONFLICT (doc_id, annotator) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at "
            "RETURNING 1) "
            "SELECT (SELECT id FROM added), EXISTS (SELECT 1 FROM started)",
            [span.doc_id, span.annotator, span.start, span.end, span.label, span.text, span.note, stamp, stamp,
             span.doc_id, span.annotator, span.doc_id, span.annotator, stamp]).fetchone()
        return row[0], Status.NEW if row[1] else None

    # --- documents and search ------------------------------------------------------------------

    def insert_documents(self, docs: list[Document]) -> None:
        stamp = now()
        self.db.executemany(
            "INSERT INTO documents(id, title, text, lang, direction, source, meta, text_hash, chars, "
            "created_at, search) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::tsvector)",
            # a generator: each document's search entry is worked out while the server stores the ones before
            ((d.id, d.title, d.text, d.lang, d.direction, d.source, json.dumps(d.meta, ensure_ascii=False),
              d.text_hash or text_hash(d.text), len(d.text), stamp, tsvector_of(d.text)) for d in docs),
        )
        self._unanalysed += len(docs)
        self._analyse_after_bulk()

    def delete_document(self, doc_id: str) -> bool:
        return self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id]).rowcount > 0

    def _covered(self, doc: str, start: str, end: str) -> str:
        return covered_sql(doc, start, end, postgresql=True)  # the pieces are the server's own (p005)

    def _listing(self, annotator: str, lang: str | None, status: Status | None, ids: Any,
                 match: str | None, **options: bool) -> tuple[str, str, list[Any]]:
        listing, key, params = _listing(annotator, lang, status, ids, None, statuses=options.get("statuses", False))
        if match is not None:
            listing += " AND d.search @@ ?::tsquery"
            params.append(tsquery_of(match))
        return listing, key, params

    def _count_all_matches(self, match: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents WHERE search @@ ?::tsquery",
                               [tsquery_of(match)]).fetchone()[0]

    def _best_first(self, listing: str, params: list[Any], expression: str, lang: str | None,
                    limit: int) -> tuple[str, str, list[Any]]:
        return listing, "ts_rank(d.search, ?::tsquery) DESC, d.seq", [*params, tsquery_of(expression)]

    # --- live: what others changed ---------------------------------------------------------------

    def changes(self) -> list[dict[str, Any]]:
        """What was saved since the last call, by anyone (this connection included): ``{"table",
        "doc", "by", "connection"}`` each (``by`` the member, ``connection`` the saving store's
        ``connection_id``, both as the server knows the sender: a member's own NOTIFY can never
        speak for another), ``doc`` None for a change to the documents or the schema. Never waits;
        the first call starts listening. After the listening connection was lost and made again,
        one ``{"table": "*"}``: anything may have changed meanwhile."""
        import psycopg

        anything = [{"table": "*", "doc": None, "by": None}]
        if self._listener is None:
            return [] if self._listen() else []
        try:
            if self._listener.closed or self._listener.broken:
                return anything if self._listen() else []
            changes = [change for n in self._received()
                       if (change := _change(n.extra.decode(self._encoding), n.be_pid))]
            return self._senders(changes)
        except psycopg.Error:
            with contextlib.suppress(Exception):
                self._listener.close()
            return anything if self._listen() else []

    def _received(self) -> list[Any]:
        """The notifications the listening connection has received, never waiting: what its
        socket holds is read first (a server that went away shows as a socket to read whose read
        fails). psycopg's own notifies(timeout=…) spun for the whole timeout on the window's
        thread, a millisecond of every poll even when nothing had come."""
        pgconn = self._listener.pgconn
        for _ in range(8):  # a server that stops says so first, then closes: the close is read too
            if not select.select([pgconn.socket], [], [], 0)[0]:
                break
            pgconn.consume_input()
        received = []
        while (notify := pgconn.notifies()) is not None:
            received.append(notify)
        return received

    def _senders(self, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The changes, each once, ``by`` the member logged in on the connection that sent it (as
        the server knows it, never as the payload says; None when that connection has ended).
        This store's own connection is its member; others are asked of the server, on the main
        connection (a query on the listening one would take in notifications on the way)."""
        unique = list({tuple(c.values()): c for c in changes}.values())
        own = self.connection_id
        pids = sorted({c["connection"] for c in unique} - {own})
        who = dict(self.db.execute("SELECT pid, usename::text FROM pg_stat_activity WHERE pid = ANY(?)",
                                   [pids]).fetchall()) if pids else {}
        who[own] = self.member
        for change in unique:
            change["by"] = who.get(change["connection"])
        return unique

    def given_url(self) -> str:
        """The URL as it was given, a password in it included: for a process of annotator's own
        (the learning worker), never to be shown (``path`` is the URL without it)."""
        return self.db.url

    def _listen(self) -> bool:
        """A connection of its own that LISTENs (the main one may be inside a transaction, which
        holds notifications back); False when the server cannot be reached now."""
        import psycopg

        try:
            listener = team.connect(self.db.url, timeout=2)
            listener.execute(f"LISTEN {CHANNEL}")
        except (psycopg.Error, DatabaseError):
            return False
        self._listener = listener
        self._encoding = listener.info.encoding
        return True

    # --- figures --------------------------------------------------------------------------------

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        tables = [row[0] for row in self.db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY 1")]
        return {t: self.db.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
