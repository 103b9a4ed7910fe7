"""The label schema: entity labels, document themes, relation types, their colours and hotkeys,
and guidelines."""

from __future__ import annotations

import json
import re
import unicodedata
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from annotator.core.colours import farthest
from annotator.core.errors import InputError
from annotator.core.text import shown

_NAME = re.compile(r"^[^\s\"'<>&]{1,64}$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_HOTKEY = re.compile(r"^[a-z0-9]$")


def valid_name(name: str) -> bool:
    """A label or theme name: 1-64 characters without white space, quotes or angle brackets, and
    without invisible or direction-changing characters (GPE and GPE+U+200B must not be two labels)."""
    return bool(_NAME.match(name)) and not has_invisible(name)


def has_invisible(text: str) -> bool:
    """Control (Cc) or format (Cf: zero-width, bidi controls, BOM) characters: invisible in a name."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


@dataclass(frozen=True)
class Label:
    """An entity label or a document theme."""

    name: str
    title: str = ""
    colour: str = "#868E96"
    hotkey: str | None = None
    description: str = ""
    example_fa: str = ""
    example_ko: str = ""

    @property
    def display(self) -> str:
        return self.title or self.name


@dataclass(frozen=True)
class RelationType:
    """A type of relation between two spans of one layer and document (issue 25): ``from_labels``
    and ``to_labels`` are the entity labels allowed at each end (empty: any label). An undirected
    type (``directed=False``) still stores its ends in the order they were made."""

    name: str
    title: str = ""
    colour: str = "#5C6B7A"
    hotkey: str | None = None
    directed: bool = True
    from_labels: tuple[str, ...] = ()
    to_labels: tuple[str, ...] = ()
    description: str = ""
    examples: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        return self.title or self.name

    def allows(self, from_label: str, to_label: str) -> bool:
        """Whether spans labelled so may be its ends (either way round when undirected)."""
        def fits(a: str, b: str) -> bool:
            return (not self.from_labels or a in self.from_labels) and (not self.to_labels or b in self.to_labels)
        return fits(from_label, to_label) or (not self.directed and fits(to_label, from_label))

    def rule(self) -> str:
        """Its end rule in words: ``PER -> ROLE``, ``any -> GPE|LOC``; ``--`` when undirected."""
        arrow = " -> " if self.directed else " -- "
        return arrow.join("|".join(ends) or "any" for ends in (self.from_labels, self.to_labels))

    def to_dict(self) -> dict[str, Any]:
        """As the schema file writes it (``from`` and ``to``, lists)."""
        return {"name": self.name, "title": self.title, "colour": self.colour, "hotkey": self.hotkey,
                "directed": self.directed, "from": list(self.from_labels), "to": list(self.to_labels),
                "description": self.description, "examples": list(self.examples)}


@dataclass(frozen=True)
class Schema:
    name: str = ""
    guidelines: str = ""
    labels: tuple[Label, ...] = ()
    themes: tuple[Label, ...] = ()
    relations: tuple[RelationType, ...] = ()

    def relation(self, name: str) -> RelationType | None:
        return next((kind for kind in self.relations if kind.name == name), None)

    def with_label_renamed(self, old: str, new: str) -> Schema:
        """This schema with the relation types' ends naming label ``new`` where they named ``old``
        (they name labels by value; the labels themselves are the caller's to rename)."""
        def ends(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new if name == old else name for name in names)
        kinds = tuple(replace(kind, from_labels=ends(kind.from_labels), to_labels=ends(kind.to_labels))
                      for kind in self.relations)
        return replace(self, relations=kinds)

    def label(self, name: str) -> Label | None:
        return next((label for label in self.labels if label.name == name), None)

    def theme(self, name: str) -> Label | None:
        return next((theme for theme in self.themes if theme.name == name), None)

    def guidelines_text(self) -> str:
        """The guidelines as plain text: the general part, then a paragraph per label and theme."""
        parts = [self.guidelines.strip()] if self.guidelines.strip() else []
        for heading, items in (("Entity labels", self.labels), ("Themes", self.themes)):
            if not items:
                continue
            parts.append(heading)
            for item in items:
                key = f" [{item.hotkey}]" if item.hotkey else ""
                lines = [f"{item.name}: {item.display}{key}"]
                if item.description:
                    lines.append(f"  {item.description}")
                if item.example_fa:
                    lines.append(f"  Persian: {item.example_fa}")
                if item.example_ko:
                    lines.append(f"  Korean: {item.example_ko}")
                parts.append("\n".join(lines))
        if self.relations:
            parts.append("Relations")
            for kind in self.relations:
                key = f" [{kind.hotkey}]" if kind.hotkey else ""
                lines = [f"{kind.name}: {kind.display}{key} ({kind.rule()})"]
                if kind.description:
                    lines.append(f"  {kind.description}")
                lines += [f"  Example: {example}" for example in kind.examples]
                parts.append("\n".join(lines))
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "guidelines": self.guidelines,
            "labels": [asdict(label) for label in self.labels],
            "themes": [asdict(theme) for theme in self.themes],
            "relations": [kind.to_dict() for kind in self.relations],
        }


def _label(raw: Any, where: str, path: Path) -> Label:
    if not isinstance(raw, dict):
        raise InputError(path, f"{where} must be a table with at least a name")
    known = {"name", "title", "colour", "color", "hotkey", "description", "example_fa", "example_ko"}
    extra = sorted(set(raw) - known)
    if extra:
        raise InputError(path, f"{where}: unknown field {extra[0]!r}")
    for key, value in raw.items():
        if not isinstance(value, str):
            raise InputError(path, f"{where}: {key} must be a string, not {type(value).__name__}")
    name = raw.get("name", "")
    if not _NAME.match(name):
        raise InputError(path, f"{where}: name {shown(name)} must be 1-64 characters without spaces or quotes")
    colour = raw.get("colour", raw.get("color", Label.colour))
    if not _COLOUR.match(colour):
        raise InputError(path, f"{where} ({name}): colour {colour!r} must look like #1C7ED6")
    hotkey = raw.get("hotkey") or None
    if hotkey is not None and not _HOTKEY.match(hotkey):
        raise InputError(path, f"{where} ({shown(name)}): hotkey {shown(hotkey)} must be one lower-case letter or digit")
    return Label(
        name=name,
        title=raw.get("title", ""),
        colour=colour.upper(),
        hotkey=hotkey,
        description=raw.get("description", ""),
        example_fa=raw.get("example_fa", ""),
        example_ko=raw.get("example_ko", ""),
    )


_RELATION_FIELDS = {"name", "title", "colour", "color", "hotkey", "directed", "from", "to", "description", "examples"}


def _names(raw: Any, key: str, where: str, path: Path) -> tuple[str, ...]:
    """A relation end's labels: a list of names (a single name is taken as a list of one)."""
    value = raw.get(key)
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise InputError(path, f"{where}: {key} must be a list of label names")
    return tuple(dict.fromkeys(value))


def _relation(raw: Any, where: str, path: Path, labels: set[str]) -> RelationType:
    if not isinstance(raw, dict):
        raise InputError(path, f"{where} must be a table with at least a name")
    extra = sorted(set(raw) - _RELATION_FIELDS)
    if extra:
        raise InputError(path, f"{where}: unknown field {extra[0]!r}")
    for key in ("name", "title", "colour", "color", "hotkey", "description"):
        if raw.get(key) is not None and not isinstance(raw[key], str):  # a null hotkey: none (schema show --json)
            raise InputError(path, f"{where}: {key} must be a string, not {type(raw[key]).__name__}")
    name = raw.get("name", "")
    if not valid_name(name):
        raise InputError(path, f"{where}: name {shown(name)} must be 1-64 characters without spaces or quotes")
    where = f"{where} ({name})"  # a valid name: nothing to quote
    if name in labels:  # brat's annotation.conf, for one, could not tell the two apart
        raise InputError(path, f"{where}: the name is a label's; a relation type needs a name of its own")
    colour = raw.get("colour", raw.get("color", RelationType.colour))
    if not _COLOUR.match(colour):
        raise InputError(path, f"{where}: colour {colour!r} must look like #1C7ED6")
    hotkey = raw.get("hotkey") or None
    if hotkey is not None and not _HOTKEY.match(hotkey):
        raise InputError(path, f"{where}: hotkey {shown(hotkey)} must be one lower-case letter or digit")
    directed = raw.get("directed", True)
    if not isinstance(directed, bool):
        raise InputError(path, f"{where}: directed must be true or false, not {directed!r}")
    ends = {key: _names(raw, key, where, path) for key in ("from", "to")}
    for key, names in ends.items():
        unknown = [label for label in names if label not in labels]
        if unknown:
            raise InputError(path, f"{where}: {key} names {shown(unknown[0])}, which is not a label of this schema")
    examples = raw.get("examples", [])
    if isinstance(examples, str):
        examples = [examples]
    if not isinstance(examples, list) or not all(isinstance(item, str) for item in examples):
        raise InputError(path, f"{where}: examples must be a list of strings")
    return RelationType(name=name, title=raw.get("title", ""), colour=colour.upper(), hotkey=hotkey,
                        directed=directed, from_labels=ends["from"], to_labels=ends["to"],
                        description=raw.get("description", ""), examples=tuple(examples))


def schema_from_dict(data: Any, path: Path) -> Schema:
    """Validate a parsed schema file; errors name the file and the entry."""
    if not isinstance(data, dict):
        raise InputError(path, "a schema must be a table with labels and themes")
    extra = sorted(set(data) - {"name", "guidelines", "labels", "themes", "relations"})
    if extra:
        raise InputError(path, f"unknown top-level field {extra[0]!r}")
    for key in ("name", "guidelines"):
        if not isinstance(data.get(key, ""), str):
            raise InputError(path, f"{key} must be a string")
    groups: dict[str, tuple[Label, ...]] = {}
    for kind in ("labels", "themes"):
        raw = data.get(kind, [])
        if not isinstance(raw, list):
            raise InputError(path, f"{kind} must be a list")
        groups[kind] = tuple(_label(item, f"{kind}[{i}]", path) for i, item in enumerate(raw))
    raw_relations = data.get("relations", [])
    if not isinstance(raw_relations, list):
        raise InputError(path, "relations must be a list")
    label_names = {label.name for label in groups["labels"]}
    relations = tuple(_relation(item, f"relations[{i}]", path, label_names) for i, item in enumerate(raw_relations))
    for kind, items in (*groups.items(), ("relations", relations)):
        seen: set[str] = set()
        for item in items:
            if item.name in seen:
                raise InputError(path, f"{kind}: {item.name!r} appears twice")
            seen.add(item.name)
    keys: dict[str, str] = {}
    for item in (*groups["labels"], *groups["themes"], *relations):
        if item.hotkey:
            if item.hotkey in keys:
                raise InputError(path, f"hotkey {item.hotkey!r} is used by both {keys[item.hotkey]} and {item.name}")
            keys[item.hotkey] = item.name
    return Schema(
        name=data.get("name", ""),
        guidelines=data.get("guidelines", ""),
        labels=groups["labels"],
        themes=groups["themes"],
        relations=relations,
    )


def load_schema_file(path: str | Path) -> Schema:
    """Read a TOML or JSON schema file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(path, f"cannot read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise InputError(path, "not valid UTF-8", line) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(path, f"invalid JSON: {err.msg}", err.lineno) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise InputError(path, f"invalid TOML: {err}") from None
    return schema_from_dict(data, path)


def free_hotkey(taken: set[str]) -> str | None:
    """A hotkey no label or theme uses yet, for labels added by an import."""
    for key in "abcfhijkmnqstuvwxyz90":
        if key not in taken:
            return key
    return None


def colour_for(labels: Iterable[str] = (), themes: Iterable[str] = (), *, kind: str = "labels") -> str:
    """A colour for a new label or theme (added in the editor, by an import or a merge): of the
    colours readable on both pages, the one farthest from the label and theme colours in use
    (:func:`annotator.core.colours.farthest`; a label is kept apart as a highlight too)."""
    return farthest(labels, themes, highlight=kind == "labels")
