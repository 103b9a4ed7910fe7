"""The Store's label schema and annotators."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from annotator.core.model import Relation
from annotator.core.schema import Label, RelationType, Schema
from annotator.storage.common import _kind_table, now
from annotator.storage.relations_part import _COLUMNS, _GOLD_COLUMNS


@dataclass
class SchemaChange:
    """What loading a schema did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_in_use: list[str] = field(default_factory=list)


class SchemaPart:
    """Part of :class:`annotator.storage.store.Store` (its ``db`` is an open sqlite-utils Database)."""

    db: Database

    # --- schema -------------------------------------------------------------------------------

    def schema(self) -> Schema:
        def rows(table: str) -> tuple[Label, ...]:
            cur = self.db.execute(
                f"SELECT name, title, colour, hotkey, description, example_fa, example_ko "
                f"FROM {table} ORDER BY position, name"
            )
            return tuple(Label(*row) for row in cur)

        return Schema(
            name=self.setting("schema_name", "") or "",
            guidelines=self.setting("guidelines", "") or "",
            labels=rows("labels"),
            themes=rows("themes"),
            relations=self.relation_types(),
        )

    def relation_types(self) -> tuple[RelationType, ...]:
        """The schema's relation types, in their order (issue 25); none in a file older than them
        (another project's, opened only to read and never migrated: annotator merge)."""
        if not getattr(self, "is_team", False) and not self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'relation_types'").fetchone():
            return ()
        cur = self.db.execute(
            "SELECT name, title, colour, hotkey, directed, from_labels, to_labels, description, examples "
            "FROM relation_types ORDER BY position, name")
        return tuple(RelationType(name, title, colour, hotkey, bool(directed), tuple(json.loads(ends_from)),
                                  tuple(json.loads(ends_to)), description, tuple(json.loads(examples)))
                     for name, title, colour, hotkey, directed, ends_from, ends_to, description, examples in cur)

    def label_names(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT name FROM labels")}

    def theme_names(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT name FROM themes")}

    def hotkeys(self) -> set[str]:
        cur = self.db.execute(
            "SELECT hotkey FROM labels WHERE hotkey IS NOT NULL "
            "UNION SELECT hotkey FROM themes WHERE hotkey IS NOT NULL "
            "UNION SELECT hotkey FROM relation_types WHERE hotkey IS NOT NULL"
        )
        return {row[0] for row in cur}

    def add_label(self, label: Label, kind: str = "labels") -> None:
        """Add one entity label (``kind="labels"``) or theme (``kind="themes"``) at the end."""
        table = _kind_table(kind)
        position = self.db.execute(f"SELECT COALESCE(MAX(position), -1) + 1 FROM {table}").fetchone()[0]
        self.db.execute(
            f"INSERT INTO {table}(name, title, colour, hotkey, description, example_fa, example_ko, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [label.name, label.title, label.colour, label.hotkey, label.description,
             label.example_fa, label.example_ko, position],
        )

    def replace_schema(self, schema: Schema) -> SchemaChange:
        """Make the stored schema equal to ``schema``; labels still used by spans are kept."""
        change = SchemaChange()
        with self.transaction():
            for kind, items, usage in (
                ("labels", schema.labels, "SELECT 1 FROM spans WHERE label = ? UNION ALL "
                                          "SELECT 1 FROM gold_spans WHERE label = ? LIMIT 1"),
                ("themes", schema.themes, "SELECT 1 FROM doc_themes WHERE theme = ? UNION ALL "
                                          "SELECT 1 FROM gold_themes WHERE theme = ? LIMIT 1"),
            ):
                existing = {row[0] for row in self.db.execute(f"SELECT name FROM {kind}")}
                wanted = {item.name for item in items}
                # Free every hotkey first so that two labels may swap keys.
                self.db.execute(f"UPDATE {kind} SET hotkey = NULL")
                for name in sorted(existing - wanted):
                    if self.db.execute(usage, [name, name]).fetchone():
                        change.kept_in_use.append(name)
                    else:
                        self.db.execute(f"DELETE FROM {kind} WHERE name = ?", [name])
                        change.removed.append(name)
                for position, item in enumerate(items):
                    (change.updated if item.name in existing else change.added).append(item.name)
                    self.db.execute(
                        f"INSERT INTO {kind}(name, title, colour, hotkey, description, example_fa, "
                        "example_ko, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET title = excluded.title, "
                        "colour = excluded.colour, hotkey = excluded.hotkey, "
                        "description = excluded.description, example_fa = excluded.example_fa, "
                        "example_ko = excluded.example_ko, position = excluded.position",
                        [item.name, item.title, item.colour, item.hotkey, item.description,
                         item.example_fa, item.example_ko, position],
                    )
                self.db.execute(
                    f"UPDATE {kind} SET position = position + ? WHERE name NOT IN "
                    f"(SELECT value FROM json_each(?))",
                    [len(items), json.dumps(sorted(wanted))],
                )
            self._replace_relation_types(schema.relations, change)
            self.set_setting("schema_name", schema.name)
            self.set_setting("guidelines", schema.guidelines)
        return change

    def _replace_relation_types(self, kinds: tuple[RelationType, ...], change: SchemaChange) -> None:
        """As labels: the stored relation types become ``kinds``; a type relations use is kept."""
        existing = {row[0] for row in self.db.execute("SELECT name FROM relation_types")}
        wanted = {kind.name for kind in kinds}
        self.db.execute("UPDATE relation_types SET hotkey = NULL")
        for name in sorted(existing - wanted):
            if self.db.execute("SELECT 1 FROM relations WHERE label = ? UNION ALL "
                               "SELECT 1 FROM gold_relations WHERE label = ? LIMIT 1", [name, name]).fetchone():
                change.kept_in_use.append(name)
            else:
                self.db.execute("DELETE FROM relation_types WHERE name = ?", [name])
                change.removed.append(name)
        for position, kind in enumerate(kinds):
            (change.updated if kind.name in existing else change.added).append(kind.name)
            self.db.execute(
                "INSERT INTO relation_types(name, title, colour, hotkey, directed, from_labels, to_labels, "
                "description, examples, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET title = excluded.title, colour = excluded.colour, "
                "hotkey = excluded.hotkey, directed = excluded.directed, from_labels = excluded.from_labels, "
                "to_labels = excluded.to_labels, description = excluded.description, "
                "examples = excluded.examples, position = excluded.position",
                [kind.name, kind.title, kind.colour, kind.hotkey, int(kind.directed),
                 json.dumps(list(kind.from_labels), ensure_ascii=False),
                 json.dumps(list(kind.to_labels), ensure_ascii=False), kind.description,
                 json.dumps(list(kind.examples), ensure_ascii=False), position])
        self.db.execute("UPDATE relation_types SET position = position + ? WHERE name NOT IN "
                        "(SELECT value FROM json_each(?))", [len(kinds), json.dumps(sorted(wanted))])

    def add_relation_type(self, kind: RelationType) -> None:
        """Add one relation type at the end (a merge brings in the other file's)."""
        self._replace_relation_types((*self.relation_types(), kind), SchemaChange())

    def rename_relation_type(self, old: str, new: str) -> None:
        """Rename a relation type; relations and gold relations follow (by foreign key)."""
        with self.transaction():
            if self.db.execute("SELECT 1 FROM relation_types WHERE name = ?", [new]).fetchone():
                raise ValueError(f"{new!r} exists already")
            self.db.execute("UPDATE relation_types SET name = ? WHERE name = ?", [new, old])

    def relation_type_usage(self, name: str) -> dict[str, int]:
        """How many relations of type ``name`` each layer has (gold's under ``gold``); layers
        without any are left out."""
        return dict(self.db.execute(
            "SELECT annotator, COUNT(*) FROM relations WHERE label = ? GROUP BY annotator "
            "UNION ALL SELECT 'gold', COUNT(*) FROM gold_relations WHERE label = ? HAVING COUNT(*) > 0",
            [name, name]).fetchall())

    def relation_end_labels(self) -> list[tuple[str, str, str, str, int]]:
        """Per relation type, the labels its relations' ends have now, per layer (gold's under
        ``gold``), and how many: (type, from label, to label, layer, count). What a change of
        a type's end rule is checked against (annotator.core.relations.broken_by)."""
        return [tuple(row) for row in self.db.execute(
            "SELECT r.label, a.label, b.label, r.annotator, COUNT(*) FROM relations r "
            "JOIN spans a ON a.id = r.from_span JOIN spans b ON b.id = r.to_span "
            "GROUP BY r.label, a.label, b.label, r.annotator UNION ALL "
            "SELECT r.label, a.label, b.label, 'gold', COUNT(*) FROM gold_relations r "
            "JOIN gold_spans a ON a.id = r.from_span JOIN gold_spans b ON b.id = r.to_span "
            "GROUP BY r.label, a.label, b.label").fetchall()]

    def take_relations_of_type(self, name: str) -> tuple[list[Relation], list[tuple[Relation, dict[str, Any]]]]:
        """Delete every relation of type ``name`` (every layer's and gold's), so that the type can
        go; what was deleted, for :meth:`restore_relation` and :meth:`restore_gold_relation` to
        put back under the same ids (undo). Raises ValueError, having deleted nothing the caller's
        transaction keeps, when some are not this connection's to delete (on a team database
        another member's layer is theirs)."""
        own = [Relation(*row) for row in self.db.execute(
            f"SELECT {_COLUMNS} FROM relations WHERE label = ? ORDER BY id", [name])]
        gold = [(Relation(*row[:7]), {"proposed_by": json.loads(row[7]), "decided_by": row[8], "decided_at": row[9]})
                for row in self.db.execute(f"SELECT {_GOLD_COLUMNS}, proposed_by, decided_by, decided_at "
                                           "FROM gold_relations WHERE label = ? ORDER BY id", [name])]
        for table, found in (("relations", own), ("gold_relations", gold)):
            if found and self.db.execute(f"DELETE FROM {table} WHERE label = ?", [name]).rowcount != len(found):
                layers = sorted({r.annotator for r in own} - {getattr(self, "member", None)})
                raise ValueError(f"some {name} relations are in layers this member may not change "
                                 f"({', '.join(layers) or 'gold'}): their annotators delete them first")
        return own, gold

    def rename_label(self, kind: str, old: str, new: str) -> None:
        """Rename a label or theme; spans, themes, gold and rejections follow (labels and themes
        cascade by foreign key; the rejection tables name them by value)."""
        table = _kind_table(kind)
        with self.transaction():
            if self.db.execute(f"SELECT 1 FROM {table} WHERE name = ?", [new]).fetchone():
                raise ValueError(f"{new!r} exists already")
            self.db.execute(f"UPDATE {table} SET name = ? WHERE name = ?", [new, old])
            if kind == "labels":
                for rejections in ("suggestion_rejections", "gold_rejections"):
                    self.db.execute(f"UPDATE {rejections} SET label = ? WHERE label = ?", [new, old])
                for end in ("from_label", "to_label"):  # a rejected relation's ends (m012)
                    self.db.execute(f"UPDATE gold_relation_rejections SET {end} = ? WHERE {end} = ?", [new, old])
                self._rename_in_relation_ends(old, new)
            else:
                self.db.execute("UPDATE gold_theme_rejections SET theme = ? WHERE theme = ?", [new, old])

    def _rename_in_relation_ends(self, old: str, new: str) -> None:
        """A renamed label's name in the relation types' ends (they name labels by value)."""
        for name, ends_from, ends_to in self.db.execute(
                "SELECT name, from_labels, to_labels FROM relation_types").fetchall():
            ends = [[new if label == old else label for label in json.loads(raw)] for raw in (ends_from, ends_to)]
            if ends != [json.loads(ends_from), json.loads(ends_to)]:
                self.db.execute("UPDATE relation_types SET from_labels = ?, to_labels = ? WHERE name = ?",
                                [json.dumps(ends[0], ensure_ascii=False), json.dumps(ends[1], ensure_ascii=False), name])

    def label_usage(self, kind: str, name: str) -> int:
        """How many spans (labels) or document themes (themes), gold included, use ``name``."""
        if _kind_table(kind) == "labels":
            sql = "SELECT (SELECT COUNT(*) FROM spans WHERE label = ?) + (SELECT COUNT(*) FROM gold_spans WHERE label = ?)"
        else:
            sql = ("SELECT (SELECT COUNT(*) FROM doc_themes WHERE theme = ?) + "
                   "(SELECT COUNT(*) FROM gold_themes WHERE theme = ?)")
        return self.db.execute(sql, [name, name]).fetchone()[0]

    # --- annotators ---------------------------------------------------------------------------

    def annotators(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM annotators ORDER BY name")]

    def annotators_with_layers(self, exclude: Iterable[str] = ()) -> list[str]:
        """Annotators with at least one span, theme or status other than new."""
        cur = self.db.execute(
            "SELECT annotator FROM spans UNION SELECT annotator FROM doc_themes "
            "UNION SELECT annotator FROM doc_status WHERE status != 'new' ORDER BY 1")
        return [row[0] for row in cur if row[0] not in set(exclude)]

    def layer_counts(self) -> dict[str, tuple[int, int]]:
        """``{annotator: (spans, documents with spans)}`` for every registered annotator."""
        out = {name: (0, 0) for name in self.annotators()}
        for name, spans, docs in self.db.execute(
                "SELECT annotator, COUNT(*), COUNT(DISTINCT doc_id) FROM spans GROUP BY annotator"):
            out[name] = (spans, docs)
        return out

    def ensure_annotator(self, name: str) -> bool:
        """Register ``name``; True if it is new. Read-only: registering waits for the first edit,
        which is refused anyway."""
        if self.readonly:
            return False
        cur = self.db.execute(
            "INSERT OR IGNORE INTO annotators(name, created_at) VALUES (?, ?)", [name, now()]
        )
        return cur.rowcount > 0
