"""The Store's relations between spans (issue 25): an annotator's layer's and gold's.

A relation joins two spans of one document and layer, and the database keeps that rule itself
(m011 on a file, p008 on a team database): a relation names its document and layer, and composite
foreign keys find its ends only among that document's and layer's spans, so a relation across
documents or layers is refused whoever writes it, and a span deleted takes its relations with it
(the window restores them with :meth:`RelationsPart.restore_relation` when the deletion is undone).
A relation is the same relation when its document, layer, ends and type are: adding it again
changes nothing. Whether a relation fits the schema (its type's end rule) is
:mod:`annotator.core.relations`' to say, before it is written.

Each write is committed when it returns, as a span's is, unless a ``transaction()`` is open.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlite_utils import Database

from annotator.core.model import GOLD, Relation
from annotator.storage.common import now

_COLUMNS = "doc_id, annotator, from_span, to_span, label, note, id"
_GOLD_COLUMNS = "doc_id, 'gold', from_span, to_span, label, note, id"


def _two_ends(relation: Relation) -> None:
    if relation.from_id == relation.to_id:
        raise ValueError(f"a relation joins two different spans, not span {relation.from_id} to itself")


class RelationsPart:
    """Part of :class:`annotator.storage.store.Store` (its ``db`` is an open sqlite-utils Database)."""

    db: Database
    transaction: Callable[[], AbstractContextManager[Any]]  # the Store's
    _returning: Callable[[str, list[Any]], tuple[Any, ...] | None]  # the Store's

    # --- an annotator's layer -------------------------------------------------------------------

    def add_relation(self, relation: Relation) -> int | None:
        """Insert a relation; its id, or None if the same relation (ends and type) was there.
        A relation with an ``id`` is inserted under that id (see :meth:`restore_relation`).
        Raises the database's error for ends that are not spans of its document and layer, and
        ValueError for a relation from a span to itself (SQLite's OR IGNORE would pass over it)."""
        _two_ends(relation)
        if self.db.execute("SELECT 1 FROM relations WHERE from_span = ? AND to_span = ? AND label = ? "
                           "AND annotator = ?",  # another layer's (on its spans) is refused by the database
                           [relation.from_id, relation.to_id, relation.label, relation.annotator]).fetchone():
            return None  # there already: asked before the INSERT, which would use up an id
        stamp = now()
        with_id = relation.id is not None  # PostgreSQL takes a NULL id literally
        row = self._returning(
            f"INSERT OR IGNORE INTO relations({'id, ' if with_id else ''}doc_id, annotator, from_span, to_span, "
            f"label, note, created_at, updated_at) VALUES ({'?, ' if with_id else ''}?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            [*([relation.id] if with_id else []), relation.doc_id, relation.annotator, relation.from_id,
             relation.to_id, relation.label, relation.note, stamp, stamp])
        return row[0] if row else None

    def add_relations(self, relations: list[Relation]) -> int:
        """Insert many relations at once (an import's); how many were new."""
        if not relations:
            return 0
        for relation in relations:
            _two_ends(relation)
        # Those already there (and a line's repeats) are left out before the INSERT: one ignored
        # there would still use up an id (SQLite's sqlite_sequence, PostgreSQL's sequence), and
        # importing the same file again is to change nothing. The ends, the type and the layer are
        # the key (a relation in another layer, on its spans, is the database's to refuse).
        there: set[tuple[int, int, str, str]] = set()
        starts = sorted({r.from_id for r in relations})
        for i in range(0, len(starts), 500):
            chunk = starts[i:i + 500]
            there.update(tuple(row) for row in self.db.execute(
                f"SELECT from_span, to_span, label, annotator FROM relations "
                f"WHERE from_span IN ({', '.join('?' * len(chunk))})", chunk).fetchall())
        new = []
        for r in relations:
            if (r.from_id, r.to_id, r.label, r.annotator) not in there:
                there.add((r.from_id, r.to_id, r.label, r.annotator))
                new.append(r)
        if not new:
            return 0
        stamp = now()
        cur = self.db.conn.executemany(
            "INSERT OR IGNORE INTO relations(doc_id, annotator, from_span, to_span, label, note, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(r.doc_id, r.annotator, r.from_id, r.to_id, r.label, r.note, stamp, stamp) for r in new])
        return cur.rowcount

    def get_relation(self, relation_id: int) -> Relation | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM relations WHERE id = ?", [relation_id]).fetchone()
        return Relation(*row) if row else None

    def relations(self, doc_id: str, annotator: str) -> list[Relation]:
        """The layer's relations on the document, in the order they were made."""
        cur = self.db.execute(f"SELECT {_COLUMNS} FROM relations WHERE doc_id = ? AND annotator = ? ORDER BY id",
                              [doc_id, annotator])
        return [Relation(*row) for row in cur]

    def relations_of_span(self, span_id: int) -> list[Relation]:
        """The relations that start or end at the span (what its deletion takes with it)."""
        cur = self.db.execute(f"SELECT {_COLUMNS} FROM relations WHERE from_span = ? UNION "
                              f"SELECT {_COLUMNS} FROM relations WHERE to_span = ? ORDER BY 7", [span_id, span_id])
        return [Relation(*row) for row in cur]

    def delete_relation(self, relation_id: int, *, doc_id: str | None = None,
                        annotator: str | None = None) -> Relation | None:
        """Delete a relation; the relation as it was, or None if there was none (or, with ``doc_id``
        and ``annotator``, none of that document and layer, or none this connection may delete)."""
        found = self.get_relation(relation_id)
        if found is None or (doc_id is not None and found.doc_id != doc_id) or (
                annotator is not None and found.annotator != annotator):
            return None
        if self.db.execute("DELETE FROM relations WHERE id = ?", [relation_id]).rowcount == 0:
            return None  # not this connection's to delete (a team database's row-level security)
        return found

    def restore_relation(self, relation: Relation) -> None:
        """Put a deleted relation back under its own id (undo); raises if that is not possible
        (its id taken, or an end gone: restore its spans first)."""
        if relation.id is None or self.get_relation(relation.id) is not None:
            raise ValueError(f"relation {relation.id} cannot be restored: its id is taken")
        stamp = now()
        self.db.execute(
            "INSERT INTO relations(id, doc_id, annotator, from_span, to_span, label, note, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [relation.id, relation.doc_id, relation.annotator, relation.from_id, relation.to_id, relation.label,
             relation.note, stamp, stamp])

    def update_relation(self, relation_id: int, *, label: str | None = None,
                        note: str | None | type(...) = ...) -> Relation:
        """Change a relation's type or note (``note=None`` clears it); the relation as it is now.
        Raises ``KeyError`` for an unknown relation (or one this connection may not change)."""
        old = self.get_relation(relation_id)
        if old is None:
            raise KeyError(relation_id)
        changed = self.db.execute(
            "UPDATE relations SET label = ?, note = ?, updated_at = ? WHERE id = ?",
            [label or old.label, old.note if note is ... else note, now(), relation_id]).rowcount
        if changed == 0:
            raise KeyError(relation_id)
        updated = self.get_relation(relation_id)
        assert updated is not None
        return updated

    def relation_layers(self, doc_ids: list[str], annotator: str | None = None) -> dict[str, dict[str, list[Relation]]]:
        """Every layer's relations on these documents (only ``annotator``'s, when given), in one
        query: {doc: {annotator: [Relation]}}."""
        only, whose = ("", []) if annotator is None else (" AND annotator = ?", [annotator])
        out: dict[str, dict[str, list[Relation]]] = {}
        for row in self.db.execute(
                f"SELECT {_COLUMNS} FROM relations WHERE doc_id IN (SELECT value FROM json_each(?)){only} "
                "ORDER BY doc_id, annotator, id", [json.dumps(doc_ids), *whose]):
            out.setdefault(row[0], {}).setdefault(row[1], []).append(Relation(*row))
        return out

    def relation_counts(self, doc_ids: list[str] | None = None, annotator: str | None = None) -> dict[str, int]:
        """Relations per document (every layer's, or ``annotator``'s; gold's with ``GOLD``), for
        ``annotator docs``; documents without any are left out."""
        table, where, params = ("gold_relations", [], []) if annotator == GOLD else ("relations", [], [])
        if annotator is not None and annotator != GOLD:
            where.append("annotator = ?")
            params.append(annotator)
        if doc_ids is not None:
            where.append("doc_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(doc_ids))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return dict(self.db.execute(f"SELECT doc_id, COUNT(*) FROM {table}{clause} GROUP BY doc_id", params).fetchall())

    # --- gold -------------------------------------------------------------------------------------

    def add_gold_relation(self, relation: Relation, *, proposed_by: list[str], decided_by: str,
                          decided_at: str | None = None) -> int | None:
        """Put a relation between two gold spans into gold, with who proposed it and who decided;
        None if it was there."""
        _two_ends(relation)
        if self.db.execute("SELECT 1 FROM gold_relations WHERE from_span = ? AND to_span = ? AND label = ?",
                           [relation.from_id, relation.to_id, relation.label]).fetchone():
            return None  # there already: asked before the INSERT, which would use up an id
        row = self._returning(
            "INSERT OR IGNORE INTO gold_relations(doc_id, from_span, to_span, label, note, proposed_by, decided_by, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [relation.doc_id, relation.from_id, relation.to_id, relation.label, relation.note,
             json.dumps(sorted(proposed_by)), decided_by, decided_at or now()])
        return row[0] if row else None

    def gold_relations(self, doc_id: str) -> list[Relation]:
        cur = self.db.execute(f"SELECT {_GOLD_COLUMNS} FROM gold_relations WHERE doc_id = ? ORDER BY id", [doc_id])
        return [Relation(*row) for row in cur]

    def get_gold_relation(self, relation_id: int) -> tuple[Relation, dict[str, Any]] | None:
        row = self.db.execute(f"SELECT {_GOLD_COLUMNS}, proposed_by, decided_by, decided_at FROM gold_relations "
                              "WHERE id = ?", [relation_id]).fetchone()
        if row is None:
            return None
        return Relation(*row[:7]), {"proposed_by": json.loads(row[7]), "decided_by": row[8], "decided_at": row[9]}

    def gold_relations_of_span(self, span_id: int) -> list[Relation]:
        cur = self.db.execute(f"SELECT {_GOLD_COLUMNS} FROM gold_relations WHERE from_span = ? UNION "
                              f"SELECT {_GOLD_COLUMNS} FROM gold_relations WHERE to_span = ? ORDER BY 7",
                              [span_id, span_id])
        return [Relation(*row) for row in cur]

    def delete_gold_relation(self, relation_id: int) -> tuple[Relation, dict[str, Any]] | None:
        found = self.get_gold_relation(relation_id)
        if found is not None and self.db.execute("DELETE FROM gold_relations WHERE id = ?",
                                                 [relation_id]).rowcount == 0:
            return None
        return found

    def restore_gold_relation(self, relation: Relation, provenance: dict[str, Any]) -> None:
        if relation.id is None or self.get_gold_relation(relation.id) is not None:
            raise ValueError(f"gold relation {relation.id} cannot be restored: its id is taken")
        self.db.execute(
            "INSERT INTO gold_relations(id, doc_id, from_span, to_span, label, note, proposed_by, decided_by, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [relation.id, relation.doc_id, relation.from_id, relation.to_id, relation.label, relation.note,
             json.dumps(sorted(provenance.get("proposed_by") or [])), provenance["decided_by"],
             provenance.get("decided_at") or now()])

    def update_gold_relation(self, relation_id: int, *, decided_by: str, label: str | None = None,
                             note: str | None | type(...) = ...) -> Relation:
        """Change a gold relation's type or note (the reviewer's edit): ``decided_by`` and the time too."""
        found = self.get_gold_relation(relation_id)
        if found is None:
            raise KeyError(relation_id)
        old = found[0]
        changed = self.db.execute(
            "UPDATE gold_relations SET label = ?, note = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            [label or old.label, old.note if note is ... else note, decided_by, now(), relation_id]).rowcount
        if changed == 0:
            raise KeyError(relation_id)
        return self.get_gold_relation(relation_id)[0]  # type: ignore[index]

    def gold_relation_layers(self, doc_ids: list[str]) -> dict[str, list[tuple[Relation, dict[str, Any]]]]:
        """Gold's relations on these documents, with provenance: {doc: [(Relation, provenance)]}."""
        out: dict[str, list[tuple[Relation, dict[str, Any]]]] = {}
        for row in self.db.execute(
                f"SELECT {_GOLD_COLUMNS}, proposed_by, decided_by, decided_at FROM gold_relations "
                "WHERE doc_id IN (SELECT value FROM json_each(?)) ORDER BY doc_id, id", [json.dumps(doc_ids)]):
            out.setdefault(row[0], []).append(
                (Relation(*row[:7]), {"proposed_by": json.loads(row[7]), "decided_by": row[8], "decided_at": row[9]}))
        return out

    # --- the reviewer's rejections of proposed relations (m012) ----------------------------------

    def reject_relation(self, doc_id: str, source: tuple[int, int, str], target: tuple[int, int, str], label: str,
                        *, proposed_by: list[str], decided_by: str, decided_at: str | None = None) -> bool:
        """Record that the reviewer rejected a proposed relation, its ends named by place (start,
        end, label); False if it was rejected already."""
        return self.db.execute(
            "INSERT OR IGNORE INTO gold_relation_rejections(doc_id, from_start, from_end, from_label, to_start, "
            "to_end, to_label, label, proposed_by, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [doc_id, *source, *target, label, json.dumps(sorted(proposed_by)), decided_by,
             decided_at or now()]).rowcount > 0

    def unreject_relation(self, doc_id: str, source: tuple[int, int, str], target: tuple[int, int, str],
                          label: str) -> bool:
        return self.db.execute(
            "DELETE FROM gold_relation_rejections WHERE doc_id = ? AND from_start = ? AND from_end = ? AND "
            "from_label = ? AND to_start = ? AND to_end = ? AND to_label = ? AND label = ?",
            [doc_id, *source, *target, label]).rowcount > 0

    def rejected_relations(self, doc_id: str) -> set[tuple[tuple[int, int, str], tuple[int, int, str], str]]:
        """(from, to, type) of the relations the reviewer rejected on the document."""
        return {((row[0], row[1], row[2]), (row[3], row[4], row[5]), row[6]) for row in self.db.execute(
            "SELECT from_start, from_end, from_label, to_start, to_end, to_label, label FROM gold_relation_rejections "
            "WHERE doc_id = ?", [doc_id])}

    def gold_relation_pairs(self, doc_ids: list[str]) -> dict[str, set[tuple[tuple[int, int, str], tuple[int, int, str]]]]:
        """{doc: the pairs of ends, each an end's gold span as (start, end, label), in that order,
        gold holds a relation between}, in one query whatever the number of documents (what decides
        a relation unit: annotator.core.relation_review); documents without any are left out."""
        out: dict[str, set[tuple[tuple[int, int, str], tuple[int, int, str]]]] = {}
        for row in self.db.execute(
                'SELECT r.doc_id, a.start, a."end", a.label, b.start, b."end", b.label FROM gold_relations r '
                "JOIN gold_spans a ON a.id = r.from_span JOIN gold_spans b ON b.id = r.to_span "
                "WHERE r.doc_id IN (SELECT value FROM json_each(?))", [json.dumps(doc_ids)]):
            out.setdefault(row[0], set()).add(tuple(sorted(((row[1], row[2], row[3]), (row[4], row[5], row[6])))))
        return out

    def rejected_relation_sets(self, doc_ids: list[str]) -> dict[
            str, set[tuple[tuple[int, int, str], tuple[int, int, str], str]]]:
        """:meth:`rejected_relations` of many documents in one query: {doc: {(from, to, type)}};
        documents without any are left out."""
        out: dict[str, set[tuple[tuple[int, int, str], tuple[int, int, str], str]]] = {}
        for row in self.db.execute(
                "SELECT doc_id, from_start, from_end, from_label, to_start, to_end, to_label, label FROM "
                "gold_relation_rejections WHERE doc_id IN (SELECT value FROM json_each(?))", [json.dumps(doc_ids)]):
            out.setdefault(row[0], set()).add(((row[1], row[2], row[3]), (row[4], row[5], row[6]), row[7]))
        return out

    def relation_rejections(self, doc_id: str) -> list[dict[str, Any]]:
        """The document's rejected relations with provenance: ``from``, ``to`` (places), ``label``,
        ``proposed_by``, ``decided_by``, ``decided_at`` (what a merge brings over)."""
        return [{"from": (row[0], row[1], row[2]), "to": (row[3], row[4], row[5]), "label": row[6],
                 "proposed_by": json.loads(row[7]), "decided_by": row[8], "decided_at": row[9]}
                for row in self.db.execute(
                    "SELECT from_start, from_end, from_label, to_start, to_end, to_label, label, proposed_by, "
                    "decided_by, decided_at FROM gold_relation_rejections WHERE doc_id = ? ORDER BY 1, 2, 3, 4, 5, 6, 7",
                    [doc_id])]

    # --- an import's lookups ------------------------------------------------------------------------

    def span_ids(self, doc_ids: list[str], annotators: list[str]) -> dict[tuple[str, str, int, int, str], int]:
        """{(doc_id, annotator, start, end, label): id} of these layers' spans on these documents:
        where an imported line's relations find their ends."""
        rows = self.db.execute(
            'SELECT doc_id, annotator, start, "end", label, id FROM spans WHERE doc_id IN (SELECT value FROM '
            "json_each(?)) AND annotator IN (SELECT value FROM json_each(?))", [json.dumps(doc_ids), json.dumps(annotators)])
        return {tuple(row[:5]): row[5] for row in rows}

    def gold_span_ids(self, doc_ids: list[str]) -> dict[tuple[str, int, int, str], int]:
        """{(doc_id, start, end, label): id} of gold's spans on these documents."""
        rows = self.db.execute('SELECT doc_id, start, "end", label, id FROM gold_spans WHERE doc_id IN '
                               "(SELECT value FROM json_each(?))", [json.dumps(doc_ids)])
        return {tuple(row[:4]): row[4] for row in rows}
