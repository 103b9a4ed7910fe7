"""Progress a lead can read at a glance (``annotator progress`` and ``report``, issue 24).

Qt-free; every figure is counted by the Store's ``progress_*`` methods in SQL. Definitions (also
in docs/guide.md, "Progress"):

- A layer is *finished* when its status is ``done``. ``since`` keeps the layers whose status was
  last changed at or after it (``doc_status.updated_at``, UTC) and the active time of sessions
  begun then or later (imported time, which has no start, only without ``since``). *Assigned*
  is the queue as it is now, whatever ``since`` says; None (shown —) for the others' queues when
  the reader is a member who may read only their own (a team database's annotator or reviewer).
- Per annotator: assigned (documents in their queue), done, skipped and in progress (their layers
  with that status, in a queue or not), active hours (all their active time), median minutes per
  document (over their finished documents that have active time), spans per hour (spans in their
  finished layers ÷ active hours), agreement with the others (span F1, exact start, end and label,
  against *each* other annotator on the documents both finished, pooled: 2·Σmatches ÷ Σ(their
  spans + the other's spans) over the pairs) and with gold (on adjudicated documents they
  finished: 2·matches ÷ (their spans + gold spans)).
- Per label: spans in finished layers, and the same two F1 figures over every annotator.
- Corpus: documents, finished by at least ``k`` annotators, adjudicated (gold status
  ``adjudicated``), left (neither).
- Done per day: layers marked done on each UTC day of their status's ``updated_at``.
- Per document (at most 2,000 of those two or more finished, every n-th in import order): active
  minutes (all annotators) and pooled pairwise F1 among its finished layers.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.storage import Store

MAX_DOCUMENTS = 2000  # per-document points: at most this many documents, every n-th in import order


def parse_since(value: str) -> str:
    """A date (YYYY-MM-DD, the start of that UTC day) or an ISO time, as the UTC text the
    database's times are written in; ValueError, in one line, for anything else."""
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


def _f1(matches: int, size: int) -> float | None:
    """2·matches ÷ size, where size already sums both sides."""
    return 2 * matches / size if size else None


@dataclass
class AnnotatorProgress:
    name: str
    assigned: int | None = 0  # None: a queue the reader may not read (see own_queue_only)
    done: int = 0
    skipped: int = 0
    in_progress: int = 0
    active_hours: float = 0.0
    median_minutes: float | None = None
    spans: int = 0
    spans_per_hour: float | None = None
    f1_others: float | None = None
    f1_gold: float | None = None


@dataclass
class LabelProgress:
    name: str
    spans: int = 0
    f1_others: float | None = None
    f1_gold: float | None = None


@dataclass
class CorpusProgress:
    documents: int
    finished_by_k: int
    k: int
    adjudicated: int
    left: int


@dataclass
class DocumentPoint:
    doc_id: str
    active_minutes: float
    f1: float | None


@dataclass
class Progress:
    since: str | None
    annotators: list[AnnotatorProgress]
    labels: list[LabelProgress]
    corpus: CorpusProgress
    done_per_day: dict[str, dict[str, int]]  # day: {annotator: layers marked done}
    documents: list[DocumentPoint] = field(default_factory=list)
    own_queue_only: str | None = None  # a member who reads only their queue: the others' assigned is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute(store: Store, since: str | None = None, *, k: int = 2) -> Progress:
    """Every figure of ``annotator progress``; see the module's docstring for what each means."""
    queues = store.progress_queue_sizes()
    people: dict[str, AnnotatorProgress] = {}

    def person(name: str) -> AnnotatorProgress:
        return people.setdefault(name, AnnotatorProgress(name))

    for name, size in queues.items():
        if name != "model":
            person(name).assigned = size
    for name, status, count in store.progress_statuses(since):
        setattr(person(name), status, count)
    span_counts = store.progress_span_counts(since)
    for name, _label, count in span_counts:
        person(name).spans += count
    active = store.progress_active(since)
    per_person: dict[str, float] = defaultdict(float)
    per_doc_minutes: dict[str, float] = defaultdict(float)
    for (name, doc), seconds in active.items():  # one pass: 300,000 layers in a large project
        if name != "model":
            per_person[name] += seconds
            per_doc_minutes[doc] += seconds / 60
    for name, seconds in per_person.items():
        person(name).active_hours = seconds / 3600
    finished_days = store.progress_finished(since)
    minutes: dict[str, list[float]] = defaultdict(list)
    get = active.get
    for name, doc, _day in finished_days:
        seconds = get((name, doc))
        if seconds:
            minutes[name].append(seconds / 60)
    for p in people.values():
        p.median_minutes = statistics.median(minutes[p.name]) if minutes[p.name] else None
        p.spans_per_hour = p.spans / p.active_hours if p.active_hours else None

    labels: dict[str, LabelProgress] = {}
    for _name, label, count in span_counts:
        labels.setdefault(label, LabelProgress(label)).spans += count
    by_person: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a, b, label, n, m in store.progress_pairs(since):
        # m: a's spans matched by b (the same number from b's side); n: a's spans on documents
        # both finished, which are also on b's side of the pair
        by_person[a][0] += m
        by_person[a][1] += n
        by_person[b][1] += n
        by_label[label][0] += m  # over ordered pairs: 2·matches already
        by_label[label][1] += n
    for name, (m, n) in by_person.items():
        person(name).f1_others = _f1(m, n)
    for label, (m, n) in by_label.items():
        labels.setdefault(label, LabelProgress(label)).f1_others = m / n if n else None
    theirs, gold = store.progress_gold(since)
    gp: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    gl: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, label, n, m in theirs:
        for key, table in ((name, gp), (label, gl)):
            table[key][0] += m
            table[key][1] += n
    for name, label, n in gold:
        gp[name][1] += n
        gl[label][1] += n
    for name, (m, n) in gp.items():
        person(name).f1_gold = _f1(m, n)
    for label, (m, n) in gl.items():
        labels.setdefault(label, LabelProgress(label)).f1_gold = _f1(m, n)

    days: dict[str, dict[str, int]] = {}
    for (name, day), count in sorted(Counter((name, day) for name, _doc, day in finished_days).items(),
                                     key=lambda item: (item[0][1], item[0][0])):
        days.setdefault(day, {})[name] = count
    per_doc = Counter(doc for _name, doc, _day in finished_days)  # finished layers per document
    order = store.progress_document_order()
    shared = [doc for doc in order if per_doc.get(doc, 0) >= 2]  # in import order
    if len(shared) > MAX_DOCUMENTS:  # every n-th, in import order
        shared = shared[:: -(-len(shared) // MAX_DOCUMENTS)]
    agreement = store.progress_document_agreement(shared, since)
    points = [DocumentPoint(doc, per_doc_minutes.get(doc, 0.0), m / n if n else None)
              for doc, (m, n) in sorted(agreement.items())]
    enough = {doc for doc, count in per_doc.items() if count >= k}
    adjudicated_ids = set(store.progress_adjudicated_ids())
    total, by_k, adjudicated, left = (len(order), len(enough), len(adjudicated_ids),
                                      len(order) - len(enough | adjudicated_ids))
    people.pop("model", None)
    member = _own_queue_only(store)
    if member is not None:  # the others' queues are not theirs to read: unknown, not empty
        for p in people.values():
            if p.name != member:
                p.assigned = None
    return Progress(since, sorted(people.values(), key=lambda p: p.name),
                    sorted(labels.values(), key=lambda l: l.name),
                    CorpusProgress(total, by_k, k, adjudicated, left), dict(sorted(days.items())), points, member)


def _own_queue_only(store: Store) -> str | None:
    """The member reading, when they may read only their own queue (an annotator or reviewer on a
    team database; a lead and the owner read every queue), else None."""
    role = getattr(store, "role", None)
    return getattr(store, "member", None) if role not in (None, "owner", "lead") else None


# How the figures are written, the same in the terminal, the report and the window.
ANNOTATOR_HEADINGS = ["Annotator", "Assigned", "Done", "Skipped", "In progress", "Active hours", "Median min/doc",
                      "Spans/hour", "F1 vs others", "F1 vs gold"]
LABEL_HEADINGS = ["Label", "Spans", "F1 vs others", "F1 vs gold"]


def number(value: float | None, digits: int = 2) -> str:
    """A figure with ``digits`` decimals; a dash when there is nothing to count it from."""
    return "—" if value is None else f"{value:.{digits}f}"


def annotator_cells(p: AnnotatorProgress) -> list[str]:
    """One annotator's row under ``ANNOTATOR_HEADINGS``: hours and F1 to 2 decimals, minutes and
    spans per hour to 1."""
    return [p.name, "—" if p.assigned is None else str(p.assigned), str(p.done), str(p.skipped), str(p.in_progress), number(p.active_hours),
            number(p.median_minutes, 1), number(p.spans_per_hour, 1), number(p.f1_others), number(p.f1_gold)]


def label_cells(lab: LabelProgress) -> list[str]:
    return [lab.name, str(lab.spans), number(lab.f1_others), number(lab.f1_gold)]


def corpus_line(c: CorpusProgress) -> str:
    return (f"Documents: {c.documents}; finished by at least {c.k}: {c.finished_by_k}; "
            f"adjudicated: {c.adjudicated}; left: {c.left}")
