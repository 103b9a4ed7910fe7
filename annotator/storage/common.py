"""What the Store's parts share: the clock, text hashes and small SQL helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from annotator.core.model import Status


# The default themes' colours before issue 19 (themes 1 and 5 were one purple, economy stood by
# DATE's orange) and after: a database made from the default schema keeps its copy of the schema,
# so the migrations recolour a theme whose colour is still the old default, and nothing else.
RECOLOURED_THEMES: dict[str, tuple[str, str]] = {
    "smart_governance": ("#7950F2", "#7460BC"),
    "public_safety": ("#E03131", "#FC5058"),
    "mobility": ("#4263EB", "#7888C4"),
    "digital_infrastructure": ("#0C8599", "#0C8498"),
    "ai_cybersecurity": ("#845EF7", "#946074"),
    "health": ("#2F9E44", "#34A04C"),
    "international": ("#D6336C", "#CC2C54"),
    "economy": ("#B36B00", "#806C14"),
}


def recolour_themes_sql() -> tuple[str, list[list[str]]]:
    """The statement that gives a default theme still in its old colour the new one, and its rows."""
    return ("UPDATE themes SET colour = ? WHERE name = ? AND upper(colour) = ?",
            [[new, name, old] for name, (old, new) in RECOLOURED_THEMES.items()])


# A long document's text is also kept in pieces of PIECE_CHARS code points (table document_pieces,
# keyed (doc_id, n): piece n is text[n * PIECE_CHARS:(n + 1) * PIECE_CHARS]), so that checking a
# span against its document reads the one or two pieces it covers instead of the whole text:
# SQLite reads a whole text value (its overflow pages) for substr, and both SQLite and PostgreSQL
# count code points from the start of the text. A document of PIECED_OVER characters or fewer has
# no pieces: its whole text is read as before, which costs about as much as two pieces.
PIECE_CHARS = 1024
PIECED_OVER = 4 * PIECE_CHARS


def piece_rows(doc_id: str, text: str) -> Iterator[tuple[str, int, str]]:
    """The ``document_pieces`` rows of a document, one at a time (a 100 MB text's would be another
    200 MB at once): none for a short one."""
    if len(text) <= PIECED_OVER:
        return
    for n, at in enumerate(range(0, len(text), PIECE_CHARS)):
        yield doc_id, n, text[at:at + PIECE_CHARS]


def covered_sql(doc: str, start: str, end: str, *, postgresql: bool = False) -> str:
    """An SQL expression for a document's text[start:end] (its arguments SQL expressions, each
    used more than once: columns or ``NEW.`` values, not placeholders): from the pieces the span
    covers when the document has them, else from the whole text; NULL for no such document. Only
    a span past the end of a long document falls back to reading its whole text."""
    offset = f"{start} - ({start} / {PIECE_CHARS}) * {PIECE_CHARS} + 1"
    between = f"n BETWEEN {start} / {PIECE_CHARS} AND ({end} - 1) / {PIECE_CHARS}"
    if postgresql:
        pieces = (f"(SELECT substr(string_agg(piece, '' ORDER BY n), {offset}, {end} - {start}) "
                  f"FROM public.document_pieces WHERE doc_id = {doc} AND {between})")
        whole = f"(SELECT substr(text, {start} + 1, {end} - {start}) FROM public.documents WHERE id = {doc})"
    else:  # SQLite 3.40 has no group_concat(... ORDER BY): an ordered subquery feeds it
        pieces = (f"(SELECT substr(group_concat(p.piece, ''), {offset}, {end} - {start}) FROM (SELECT piece "
                  f"FROM document_pieces WHERE doc_id = {doc} AND {between} ORDER BY n) AS p)")
        whole = f"(SELECT substr(text, {start} + 1, {end} - {start}) FROM documents WHERE id = {doc})"
    return f"COALESCE({pieces}, {whole})"


def now() -> str:
    """A UTC timestamp, ISO 8601 with milliseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _listing(annotator: str, lang: str | None, status: Status | None, ids: Iterable[str] | None,
             match: str | None, *, statuses: bool = False, keys_only: bool = False) -> tuple[str, str, list[Any]]:
    """The document list with these filters as ``<FROM ...> WHERE ...`` (documents as d, and
    ``annotator``'s doc_status as st when a status is filtered on or ``statuses`` are read), the
    column that orders and pages it, and the parameters. More terms can follow with AND.

    With a search, the index is the outer loop (CROSS JOIN keeps it so): it hands matches over in
    import order and seeks past a key itself, so a page costs the same at any depth. Without any
    filter, ``keys_only`` (counting or skipping) reads the small index in seq order instead of
    the table, whose rows carry whole texts.
    """
    params: list[Any] = []
    if match is not None:
        source, key = "doc_search CROSS JOIN documents d ON d.seq = doc_search.rowid", "doc_search.rowid"
    elif keys_only and not lang and status is None and ids is None:
        source, key = "documents d INDEXED BY documents_seq", "d.seq"
    else:
        source, key = "documents d", "d.seq"
    if statuses or status is not None:
        source += " LEFT JOIN doc_status st ON st.doc_id = d.id AND st.annotator = ?"
        params.append(annotator)
    where = ["TRUE"]
    if lang:
        where.append("d.lang = ?")
        params.append(lang)
    if status is not None:
        where.append("COALESCE(st.status, 'new') = ?")
        params.append(status.value)
    if ids is not None:
        where.append("d.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(ids)))
    if match is not None:
        where.append("doc_search MATCH ?")
        params.append(match)
    return f"{source} WHERE {' AND '.join(where)}", key, params


def _kind_table(kind: str) -> str:
    if kind not in ("labels", "themes"):
        raise ValueError(f"kind must be 'labels' or 'themes', not {kind!r}")
    return kind


def _group(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, list[tuple[Any, Any]]]]:
    groups: dict[Any, list[tuple[Any, Any]]] = {}
    for key, *rest in rows:
        groups.setdefault(key, []).append(tuple(rest))
    return iter(groups.items())
