"""Whose layer a peer's records land in: ``--layer-map OLD=NEW``, and the warning when a peer's
file could not keep layers apart (doccano's one file per member, Label Studio's JSON_MIN).

A peer's file names people its own way (Label Studio ``ls-ID``, Prodigy ``dataset-session``,
doccano the member its file is named after); ``--layer-map`` renames them on the way in, several
old names to one new one if they are one person. Layers the file itself merged cannot be taken
apart again: the import says which.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import regex

from annotator.core.errors import InputError
from annotator.core.formats import MODEL
from annotator.core.model import GOLD
from annotator.core.schema import has_invisible
from annotator.core.text import counted

# Why a tool's file merges layers, for the warning (tools not listed keep them apart, or mean it:
# a Prodigy session's examples are one person's).
_WHY = {
    "doccano": ("lines", "doccano exports one file per member, with every copy of a document that member holds "
                "in it: those layers cannot be told apart any more"),
    "labelstudio": ("annotations", "Label Studio's JSON_MIN names only the user who made each annotation (and "
                    "JSON only when annotator's own export wrote the names): export JSON to keep them apart"),
}


# What Prodigy puts after the dataset when no session name was given: a timestamp, or "default".
_SESSION_NOBODY = regex.compile(r"-(?:\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}|default)$")


def session_person(name: str) -> str | None:
    """The person a Prodigy ``dataset-session`` name names (``news_ner-sara``: sara), or None where
    the part after the dataset is a timestamp, ``default``, or holds no letter."""
    if "-" not in name.strip("-") or _SESSION_NOBODY.search(name):
        return None
    person = name.rsplit("-", 1)[1]
    return person if regex.search(r"\p{L}", person) else None


def parse_layer_map(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``OLD=NEW`` pairs as given to ``--layer-map`` (repeatable; several OLD may share a NEW)."""
    out: dict[str, str] = {}
    for item in items:
        old, sep, new = item.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise InputError("--layer-map", f"{item!r} is not OLD=NEW (a layer name in the file, then yours)")
        if GOLD in (old, new):
            raise InputError("--layer-map", f"{item!r}: {GOLD!r} is the adjudicated layer and is not renamed")
        if (old == MODEL) != (new == MODEL):  # suggestions would become human spans, or the reverse
            raise InputError("--layer-map", f"{item!r}: {MODEL!r} holds a model's suggestions (left out of training "
                                            "exports), not a person's spans: it is not renamed, nor is a person "
                                            "renamed to it")
        if has_invisible(new):
            raise InputError("--layer-map", f"{new!r} holds an invisible or direction-changing character")
        if out.get(old, new) != new:
            raise InputError("--layer-map", f"{old!r} is mapped twice ({out[old]!r} and {new!r})")
        out[old] = new
    return out


class Merges:
    """Records of one peer's file that land in the same layer of the same document."""

    def __init__(self) -> None:
        # (file, tool, layer) -> document -> what each record called its layer (None: nothing)
        self.seen: dict[tuple[str, str, str], dict[str, list[str | None]]] = defaultdict(lambda: defaultdict(list))

    def add(self, rec: Any, layer: str) -> None:
        """``rec`` lands in ``layer`` (its name after --layer-map: the one the warning names)."""
        if rec.tool in _WHY and rec.annotator is not None:
            self.seen[(str(rec.path), rec.tool, layer)][rec.id].append(rec.origin)

    def warnings(self) -> list[str]:
        out = []
        for (path, tool, layer), docs in self.seen.items():
            merged = {doc: names for doc, names in docs.items() if len(names) > 1}
            if not merged:
                continue
            what, why = _WHY[tool]
            names = sorted({n for names in merged.values() for n in names if n})
            said = f" (the {what} name {', '.join(names)})" if names else ""
            out.append(f"{path}: on {counted(len(merged), 'document')}, several {what}{said} were merged into the "
                       f"one layer {layer!r}: {why}")
        return out


class LayerNames:
    """The layer each record of an import goes to, and what the import has to say about it:
    ``--layer-map`` applied (to the file's name, or the ``ls-ID`` an email stands for), Label
    Studio users known by email named by their id (``ls_users``: email -> ``ls-ID``, from snapshot
    exports, this import's and earlier ones'), and the merges a peer's file made."""

    def __init__(self, layer_map: dict[str, str], ls_users: dict[str, str], layers: set[str] | None = None):
        self.layer_map = layer_map
        # email -> ls-ID; and ls-ID -> email for a user whose layer was named by the email first (a
        # snapshot's JSON_MIN, or a release that named snapshot users so): that name is kept
        self.ls_users = dict(ls_users)
        self.layers = layers if layers is not None else set()  # the database's layers, kept up to date by the importer
        self.split: list[tuple[str, str]] = []  # (email, ls-ID) that both name a layer here
        self.mapped: set[str] = set()  # the --layer-map names some record had
        self.merges = Merges()
        self.learnt = False  # ls_users has gained a user the database does not keep yet
        self.emails: dict[str, str] = {}  # ls-ID -> email, as this import's snapshots showed them
        self.unknown: set[str] = set()  # Label Studio users known only by an email
        self.sessions: set[str] = set()  # Prodigy's dataset-session names, as the files gave them

    def layer(self, rec: Any) -> str:
        """The layer a record that names one goes to."""
        name = self._named(rec)
        if rec.tool != "annotator":
            self.merges.add(rec, name)
        return name

    def _named(self, rec: Any) -> str:
        name = rec.annotator
        if rec.tool == "labelstudio" and "@" in name:  # a snapshot's JSON_MIN: an email, no id
            if name in self.ls_users:
                name = self.ls_users[name]
            else:
                self.unknown.add(name)
        if rec.tool == "labelstudio" and "@" not in name and "@" in self.ls_users.get(name, ""):
            name = self.ls_users[name]  # ls-ID of a user whose layer keeps the email it was first named by
        if rec.tool == "prodigy":
            self.sessions.add(name)
        for old in (rec.annotator, name):
            if old in self.layer_map:
                self.mapped.add(old)
                return self.layer_map[old]
        return name

    def learn(self, users: dict[str, str]) -> None:
        """Label Studio users a snapshot export showed with both email and id."""
        for email, name in users.items():
            if self.ls_users.get(email) != name:
                self.ls_users[email] = name
                self.learnt = True
            if email in self.layers and self.ls_users.get(name) != email:
                if name not in self.layers:  # one name per person: the one the database has already
                    self.ls_users[name] = email
                    self.learnt = True
                elif (email, name) not in self.split:
                    self.split.append((email, name))
            self.emails[name] = email

    def warnings(self) -> list[str]:
        out = self.merges.warnings()
        for email in sorted(self.unknown):
            out.append(f"Label Studio user {email} is named by email: a snapshot's JSON_MIN gives no id, and no "
                       f"snapshot JSON imported here showed one; if it is ls-ID in other exports, import again with "
                       f"--layer-map {email}=ls-ID")
        people: dict[str, list[str]] = defaultdict(list)  # news_ner-sara, news_cat-sara: sara's two datasets
        nobody: list[str] = []  # news_ner-2026-12-01_10-00-00, news_ner-default: sessions that name no person
        for name in sorted(self.sessions - set(self.layer_map)):
            person = session_person(name)
            if person:
                people[person].append(name)
            elif _SESSION_NOBODY.search(name):
                nobody.append(name)
        for person, names in sorted(people.items()):
            if len(names) > 1:
                maps = " ".join(f"--layer-map {name}={person}" for name in names)
                out.append(f"Prodigy named {', '.join(names)} apart (a session is dataset-session): if they are "
                           f"one person, import again with {maps}")
        if nobody:
            maps = " ".join(f"--layer-map {name}=NAME" for name in nobody)
            out.append(f"Prodigy sessions {', '.join(nobody)} name no person (a timestamp or 'default' session): each "
                       f"is a layer of its own; to say whose they are, import again with {maps} (NAME: the person's)")
        for email, name in self.split:
            out.append(f"Label Studio user {name} is {email} (a snapshot export shows both), and this database "
                       f"holds a layer under each name, made before it knew: they are one person's, and stay two "
                       f"layers here ({name} gets their spans from now on). To have one layer, import the files "
                       f"into a new database with --layer-map {email}={name}")
        for old in sorted(set(self.layer_map) - self.mapped):
            out.append(f"--layer-map {old}={self.layer_map[old]}: no record in these files is by {old!r}")
        return out
