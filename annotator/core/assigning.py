"""Splitting the work: a database file per annotator with their batch of documents.

A team outgrows one laptop by splitting work, not by sharing one SQLite file over a network drive
(SQLite's locking is unreliable there). The reviewer runs ``annotator assign``: each annotator gets
a file of their own with the schema, their documents and whatever they had already annotated on
them; they annotate offline (``annotator --db sara.db``); the reviewer brings the files back with
``annotator merge``. With ``overlap`` > 1 each document goes to that many annotators, which is what
agreement figures and adjudication need.

Without a folder (``assign_queues``) the same plan becomes each annotator's work queue in the
database itself (issue 24): on a team database the one everyone shares, where a member's window
shows their queue first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.errors import AnnotatorError
from annotator.core.schema import has_invisible
from annotator.core.text import counted
from annotator.core.model import GOLD, Status
from annotator.storage import Store, remove_database_files


@dataclass
class AssignReport:
    files: dict[str, Path] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return "\n".join(f"{name}: {counted(self.documents[name], 'document')} in {path}"
                         for name, path in self.files.items())


def batches(doc_ids: list[str], annotators: list[str], overlap: int) -> dict[str, list[str]]:
    """Round-robin: document i goes to ``overlap`` annotators in turn, so loads differ by at most one."""
    if not annotators:
        raise AnnotatorError("assign to at least one annotator")
    if len(set(annotators)) != len(annotators):
        raise AnnotatorError("an annotator is named twice")
    if GOLD in annotators:
        raise AnnotatorError(f"{GOLD!r} is reserved for the adjudicated layer")
    if not 1 <= overlap <= len(annotators):
        raise AnnotatorError(f"overlap must be between 1 and the number of annotators ({len(annotators)})")
    out: dict[str, list[str]] = {name: [] for name in annotators}
    n = len(annotators)
    for i, doc_id in enumerate(doc_ids):
        for j in range(overlap):
            out[annotators[(i * overlap + j) % n]].append(doc_id)
    return out


def assign(store: Store, annotators: list[str], out_dir: str | Path, *, overlap: int = 1,
           lang: str | None = None, ids: Iterable[str] | None = None, unfinished: bool = False) -> AssignReport:
    """Write ``out_dir/NAME.db`` for each annotator. An existing file is never overwritten."""
    out_dir = Path(out_dir)
    for name in annotators:
        # A name becomes a file name: it must stay a name inside --out, not a path out of it.
        if (not name or name in (".", "..") or "/" in name or "\\" in name or name != name.strip()
                or has_invisible(name) or name.startswith(".")):
            raise AnnotatorError(f"annotator name {name!r} cannot be a file name in {out_dir} "
                                 "(no path separators, no leading dot, no invisible characters)")
    targets = {name: out_dir / f"{name}.db" for name in annotators}
    taken = [str(p) for p in targets.values() if p.exists()]
    if taken:
        raise AnnotatorError(f"{taken[0]} exists already; assign into a new folder")
    plan = batches(_chosen(store, lang, ids, unfinished), annotators, overlap)
    out_dir.mkdir(parents=True, exist_ok=True)
    schema = store.schema()
    report = AssignReport()
    written: list[Path] = []
    try:
        _write_batches(store, plan, targets, schema, report, written)
    except BaseException:
        for path in written:  # all the files or none: a re-run must not find half of them
            remove_database_files(path)
        raise
    return report


def _write_batches(store: Store, plan: dict[str, list[str]], targets: dict[str, Path], schema,
                   report: AssignReport, written: list[Path]) -> None:
    for name, doc_ids in plan.items():
        written.append(targets[name])
        with Store.open(targets[name]) as target:
            with target.transaction():
                target.replace_schema(schema)
                target.ensure_annotator(name)
                for doc_id in doc_ids:
                    target.insert_document(store.get_document(doc_id))
                    layer = store.layers([doc_id]).get(doc_id, {}).get(name)
                    if layer is None:
                        continue  # nothing yet: a fresh start
                    ids = {span.id: target.add_span(span._replace(id=None)) for span in layer["spans"]}
                    target.add_relations([r._replace(id=None, from_id=ids[r.from_id], to_id=ids[r.to_id])
                                          for r in store.relations(doc_id, name)
                                          if ids.get(r.from_id) and ids.get(r.to_id)])  # their relations too
                    for theme in layer["themes"]:
                        target.add_doc_theme(doc_id, name, theme)
                    target.set_status(doc_id, name, layer["status"])
                target.set_setting("initialised", "1")  # no seeds, no default schema: this is a batch
                target.set_setting("assigned_to", name)
        report.files[name] = targets[name]
        report.documents[name] = len(doc_ids)


def _chosen(store: Store, lang: str | None, ids: Iterable[str] | None, unfinished: bool) -> list[str]:
    chosen = []
    for docs in store.document_pages(lang=lang, ids=ids):
        for doc in docs:
            if unfinished and any(layer["status"] is Status.DONE
                                  for layer in store.layers([doc.id]).get(doc.id, {}).values()):
                continue
            chosen.append(doc.id)
    return chosen


def assign_queues(store: Store, annotators: list[str], *, overlap: int = 1, lang: str | None = None,
                  ids: Iterable[str] | None = None, unfinished: bool = False, append: bool = False,
                  by: str = "") -> dict[str, int]:
    """Record each annotator's queue in ``store``: the same round-robin plan as :func:`assign`.
    Without ``append`` a queue becomes exactly its plan (the same arguments again change nothing);
    with it the plan's documents not yet queued are added at its end. All queues are written in one
    transaction. Returns how many documents each queue gained (or, replaced, holds)."""
    if ids is not None:
        ids = list(ids)
        missing = [doc_id for doc_id in ids if store.get_document(doc_id) is None]
        if missing:
            raise AnnotatorError(f"no document {missing[0]!r} in this database")
    plan = batches(_chosen(store, lang, ids, unfinished), annotators, overlap)
    counts: dict[str, int] = {}
    with store.transaction():
        for name in annotators:
            store.ensure_annotator(name)
            if append:
                counts[name] = store.append_queue(name, plan[name], by=by)
            else:
                store.set_queue(name, plan[name], by=by)
                counts[name] = len(plan[name])
    return counts
