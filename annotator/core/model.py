"""The records annotator works with, free of storage and of Qt."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

GOLD = "gold"  # the annotator name reserved for the adjudicated layer


class Status(str, Enum):
    """An annotator's progress on one document."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    SKIPPED = "skipped"

    @classmethod
    def parse(cls, value: str) -> Status:
        key = value.strip().lower().replace(" ", "_").replace("-", "_")
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown status {value!r} (expected one of {names})") from None


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str
    lang: str
    direction: str
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    text_hash: str = ""


class Span(NamedTuple):
    """An entity span: ``text == document.text[start:end]`` (code points, end-exclusive).

    A NamedTuple, not a dataclass: a document can hold thousands, and they are made on every open.
    """

    doc_id: str
    annotator: str
    start: int
    end: int
    label: str
    text: str
    note: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class DocumentSummary:
    """One row of the document list: what a list shows without the text."""

    id: str
    title: str
    lang: str
    direction: str
    status: Status
    spans: int
    chars: int
    source: str
    seq: int = 0


class Relation(NamedTuple):
    """A relation between two spans of one layer and document (issue 25): ``from_id`` and ``to_id``
    are the spans' ids (gold spans' ids in gold, where ``annotator`` is ``GOLD``); ``label`` is a
    relation type of the schema (:class:`annotator.core.schema.RelationType`). Rules about it are
    in :mod:`annotator.core.relations`; the database keeps both ends in its document and layer."""

    doc_id: str
    annotator: str
    from_id: int
    to_id: int
    label: str
    note: str | None = None
    id: int | None = None
