"""The learning curve (``annotator bench``): a simulated annotator working through the learning
corpus with suggestions on, and the actions per entity it takes against annotating by hand.
Beside annotator.benchmarks, whose learning figures it follows in the run."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.benchmarks import Figure

CURVE_DOCUMENTS = 200
CURVE_CHECKPOINTS = (10, 50, 200)


def learning_curve(documents: int = CURVE_DOCUMENTS, *, every: int = 10) -> list[tuple[int, int, int, int]]:
    """A simulated annotator works through the learning corpus (annotator.learning_corpus) in
    order, with the string matcher's and the tagger's suggestions on. On each document it rejects
    every suggestion that is not exactly a gold span (start, end and label), accepts the rest, and
    adds by hand each gold span no suggestion gave. A rejection lowers its pattern's score, as in
    the window, and is applied again after each retraining. The recommenders learn from the
    documents done so far: after each of the first ``every`` documents, then after every
    ``every``-th.

    Per document: (gold spans, suggestions accepted, suggestions rejected, spans added by hand)."""
    import tempfile

    from annotator.core.model import Document, Span
    from annotator.core.recommend.suggesting import learn
    from annotator.core.tokens import preload
    from annotator.learning_corpus import make_learning_corpus

    preload()
    items = []
    with tempfile.TemporaryDirectory(prefix="annotator-curve-") as tmp:
        path = Path(tmp) / "curve.jsonl"
        make_learning_corpus(path, documents)
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            doc = Document(record["id"], "", record["text"], "und", "rtl")
            items.append((doc, [Span(doc.id, "gold", s["start"], s["end"], s["label"], doc.text[s["start"]:s["end"]])
                                for s in record["spans"]]))
    learned = None
    rejected: list[tuple[str, str]] = []
    out = []
    try:
        for i, (doc, gold) in enumerate(items):
            if i and (i <= every or i % every == 0):
                if learned is not None:
                    learned.close()
                learned = learn(items[:i], ["string", "crf"])
                for text, label in rejected:
                    learned.matcher.reject(text, label)
            truth = {(s.start, s.end, s.label) for s in gold}
            offered = {(s.start, s.end, s.label) for s in learned.suggest(doc.text)} if learned else set()
            right, wrong = offered & truth, offered - truth
            for start, end, label in sorted(wrong):
                rejected.append((doc.text[start:end], label))
                learned.matcher.reject(doc.text[start:end], label)
            out.append((len(truth), len(right), len(wrong), len(truth) - len(right)))
    finally:
        if learned is not None:
            learned.close()
    return out


def actions(part: list[tuple[int, int, int, int]], *, accept_all: bool = True) -> int:
    """The annotator's actions on these documents with suggestions: one per rejection (Shift+X),
    one per span added by hand (a selection and its label's key, as without suggestions), and one
    per document to accept what is left (Ctrl+Alt+A) or, without ``accept_all``, one per accepted
    suggestion (Shift+A)."""
    return sum(rejected + added + ((1 if accepted else 0) if accept_all else accepted)
               for _, accepted, rejected, added in part)


def learning_curve_figures(documents: int = CURVE_DOCUMENTS, checkpoints: tuple[int, ...] = CURVE_CHECKPOINTS,
                           *, window: int = 10, scale: str = "") -> tuple[list[Figure], list[dict]]:
    """Actions per gold entity on the ``window`` documents up to each checkpoint with
    suggestions (:func:`actions`), beside the same documents without them (every entity added by
    hand: 1 action each). The learning corpus repeats the seeds' sentences, so the curve is
    optimistic: its names come back in every document. Also returns each checkpoint's counts."""
    per_document = learning_curve(documents)
    figures, counts = [], []
    for n in checkpoints:
        part = per_document[max(0, n - window):n]
        gold = sum(p[0] for p in part)
        row = {"documents": f"{max(1, n - window + 1)}-{n}", "gold": gold, "accepted": sum(p[1] for p in part),
               "rejected": sum(p[2] for p in part), "added": sum(p[3] for p in part),
               "actions": actions(part), "actions_accepting_one_by_one": actions(part, accept_all=False)}
        counts.append(row)
        figures.append(Figure(f"actions/entity, docs {row['documents']}, {row['accepted'] / gold:.0%} "
                              f"accepted (optimistic corpus){scale}",
                              row["actions"] / gold, "", 1.0, "<= 1x by hand", 1.0, True, decimals=2))
    return figures, counts
