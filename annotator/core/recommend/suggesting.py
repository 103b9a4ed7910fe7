"""Learning from a layer and writing suggestions, for ``annotator suggest`` and the window.

Suggestions are written into a layer of their own (``model``, or a name starting with
``model``), never into a person's layer: accepting one is the annotator's act. Each suggested
span is checked like an imported one (its text is the document's text at its offsets) and
carries ``RECOMMENDER SCORE`` as its note, which the window shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.errors import AnnotatorError
from annotator.core.model import GOLD, Document, Span, Status
from annotator.core.recommend import Suggestion
from annotator.core.recommend.strings import StringMatcher
from annotator.core.recommend.tagger import Tagger
from annotator.core.recommend.themes import ThemeClassifier
from annotator.storage import Store

RECOMMENDERS = ("string", "crf", "themes")
PAGE = 200


class SuggestError(AnnotatorError):
    pass


@dataclass
class Learned:
    matcher: StringMatcher | None = None
    tagger: Tagger | None = None
    themes: ThemeClassifier | None = None
    spans: int = 0
    documents: int = 0

    def suggest(self, text: str) -> list[Suggestion]:
        found: list[Suggestion] = []
        if self.matcher is not None:
            found += self.matcher.suggest(text)
        if self.tagger is not None:
            found += self.tagger.suggest(text)
        return merge(found)

    def close(self) -> None:
        if self.tagger is not None:
            self.tagger.close()


def merge(found: list[Suggestion]) -> list[Suggestion]:
    """One suggestion per place: where two recommenders overlap, the higher score wins."""
    best: list[Suggestion] = []
    for item in sorted(found, key=lambda s: (-s.score, s.start, -(s.end - s.start))):
        if any(item.start < k.end and k.start < item.end for k in best):
            continue
        best.append(item)
    return sorted(best, key=lambda s: (s.start, s.end))


def training_documents(store: Store, source: str, ids: Iterable[str] | None = None,
                       *, with_themes: bool = False) -> list:
    """The documents ``source`` touched (spans, themes or a status), with its spans (and, with
    ``with_themes``, its themes: (document, spans, themes))."""
    out = []
    for docs in store.document_pages(PAGE, ids=list(ids) if ids is not None else None):
        if source == GOLD:
            gold = store.gold_layers([d.id for d in docs])
            entries = {d.id: ([s for s, _ in gold[d.id]["spans"]], gold[d.id]["themes"]) for d in docs if d.id in gold}
        else:
            layers = store.layers([d.id for d in docs])
            entries = {d.id: (layers[d.id][source]["spans"], layers[d.id][source]["themes"])
                       for d in docs if source in layers.get(d.id, {})}
        for d in docs:
            if d.id in entries:
                spans, themes = entries[d.id]
                out.append((d, spans, themes) if with_themes else (d, spans))
    return out


def learn(documents: list[tuple[Document, list[Span]]], recommenders: Iterable[str] = RECOMMENDERS,
          gazetteer: Path | None = None) -> Learned:
    chosen = check_recommenders(recommenders)
    learned = Learned(spans=sum(len(item[1]) for item in documents), documents=len(documents))
    if "string" in chosen:
        learned.matcher = StringMatcher()
        learned.matcher.learn((s.text, s.label) for _, spans, *_ in documents for s in spans)
        if gazetteer is not None:
            learned.matcher.load_gazetteer(gazetteer)
    if "crf" in chosen:
        learned.tagger = Tagger()
        learned.tagger.train((doc.text, spans) for doc, spans, *_ in documents)
    if "themes" in chosen and documents and len(documents[0]) == 3:
        learned.themes = ThemeClassifier()
        learned.themes.train((doc.text, themes) for doc, _, themes in documents)
    return learned


def check_recommenders(names: Iterable[str]) -> list[str]:
    chosen = [n.strip() for n in names if n.strip()]
    unknown = [n for n in chosen if n not in RECOMMENDERS]
    if unknown or not chosen:
        raise SuggestError(f"unknown recommender {', '.join(map(repr, unknown)) or 'none'} "
                           f"(expected some of {', '.join(RECOMMENDERS)})")
    return chosen


@dataclass
class SuggestReport:
    learned_spans: int = 0
    learned_documents: int = 0
    documents: int = 0
    suggestions: int = 0
    themes: int = 0
    by_label: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        labels = ", ".join(f"{k} {v}" for k, v in sorted(self.by_label.items()))
        line = (f"learned from {self.learned_spans} spans in {self.learned_documents} documents; "
                f"{self.suggestions} suggestions in {self.documents} documents" + (f" ({labels})" if labels else ""))
        return line + (f"; {self.themes} themes suggested" if self.themes else "")


def suggest(store: Store, source: str | None, into: str = "model", *, ids: list[str] | None = None,
            lang: str | None = None, status: Status | None = None, recommenders: Iterable[str] = RECOMMENDERS,
            gazetteer: Path | None = None, command: str | None = None) -> SuggestReport:
    """Learn from ``source`` and write suggestions into ``into`` for the chosen documents (made
    anew there), in one transaction."""
    if into == GOLD or not into.startswith("model"):
        raise SuggestError(f"suggestions go into a layer of their own named model or model-…, not {into!r}: "
                           "a person's layer changes only by their accepting a suggestion")
    if into == source:
        raise SuggestError("--from and --into are the same layer")
    if command is not None:
        return _suggest_by_command(store, command, into, ids=ids, lang=lang)
    if source is None:
        raise SuggestError("give --from LAYER to learn from, or --command for an outside model")
    if source != GOLD and source not in store.annotators_with_layers():
        raise SuggestError(f"no annotator {source!r} has annotated anything here "
                           f"(annotators: {', '.join(store.annotators_with_layers()) or 'none yet'})")
    learned = learn(training_documents(store, source, with_themes=True), recommenders, gazetteer)
    report = SuggestReport(learned.spans, learned.documents)
    if not learned.spans and learned.themes is None:
        learned.close()
        raise SuggestError(f"{source} has no spans to learn from yet")
    try:
        with store.transaction():
            store.ensure_annotator(into)
            for docs in store.document_pages(PAGE, lang=lang, ids=ids):
                chosen = [d for d in docs if status is None or store.status(d.id, source) is status]
                store.clear_spans([d.id for d in chosen], into)
                spans = []
                for doc in chosen:
                    for s in learned.suggest(doc.text):
                        spans.append(Span(doc.id, into, s.start, s.end, s.label, doc.text[s.start:s.end],
                                          f"{s.recommender} {s.score:.2f}"))
                        report.by_label[s.label] = report.by_label.get(s.label, 0) + 1
                    if learned.themes is not None:
                        for theme in list(store.doc_themes(doc.id, into)):
                            store.remove_doc_theme(doc.id, into, theme)
                        picked = [(doc.id, into, theme) for theme, _ in learned.themes.suggest(doc.text)]
                        report.themes += store.add_doc_themes(picked)
                    report.documents += 1
                report.suggestions += store.add_spans(spans)
    finally:
        learned.close()
    return report


def _suggest_by_command(store: Store, command: str, into: str, *, ids: list[str] | None,
                        lang: str | None) -> SuggestReport:
    """An outside model's suggestions, checked like an import, written in one transaction."""
    from annotator.core.recommend.command import run

    report = SuggestReport()
    with store.transaction():
        store.ensure_annotator(into)
        known_labels, known_themes = store.label_names(), store.theme_names()
        for docs in store.document_pages(PAGE, lang=lang, ids=ids):
            found = run(command, docs)
            store.clear_spans([d.id for d in docs], into)
            by_id = {d.id: d for d in docs}
            spans = []
            for doc_id, (suggested, themes) in found.items():
                text = by_id[doc_id].text
                for s in suggested:
                    if s.label not in known_labels:
                        raise SuggestError(f"--command suggested the label {s.label!r}, which the schema lacks")
                    spans.append(Span(doc_id, into, s.start, s.end, s.label, text[s.start:s.end],
                                      f"{s.recommender} {s.score:.2f}"))
                    report.by_label[s.label] = report.by_label.get(s.label, 0) + 1
                report.themes += store.add_doc_themes([(doc_id, into, t) for t in themes if t in known_themes])
            report.documents += len(docs)
            report.suggestions += store.add_spans(spans)
    return report


@dataclass
class Scores:
    true_positives: int = 0
    suggested: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.suggested if self.suggested else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "suggested": self.suggested, "gold": self.gold, "correct": self.true_positives}


def evaluate(store: Store, source: str, *, folds: int = 5, recommenders: Iterable[str] = RECOMMENDERS
             ) -> dict[str, dict[str, Scores]]:
    """Cross-validated exact-match precision, recall and F1 per recommender and label (and
    ``ALL``), over documents: a document is never split across folds."""
    chosen = [n for n in check_recommenders(recommenders) if n != "themes"]  # spans are scored here
    documents = training_documents(store, source)
    if len(documents) < 2:
        raise SuggestError(f"{source} has annotated {len(documents)} document(s): evaluation needs at least 2")
    folds = max(2, min(folds, len(documents)))
    results: dict[str, dict[str, Scores]] = {name: defaultdict(Scores) for name in chosen}
    for k in range(folds):
        test = [item for i, item in enumerate(documents) if i % folds == k]
        train = [item for i, item in enumerate(documents) if i % folds != k]
        for name in chosen:
            learned = learn(train, [name])
            try:
                for doc, spans in test:
                    truth = {(s.start, s.end, s.label) for s in spans}
                    guessed = {(s.start, s.end, s.label) for s in learned.suggest(doc.text)}
                    for label in {t[2] for t in truth | guessed} | {"ALL"}:
                        score = results[name][label]
                        mine = truth if label == "ALL" else {t for t in truth if t[2] == label}
                        theirs = guessed if label == "ALL" else {t for t in guessed if t[2] == label}
                        score.gold += len(mine)
                        score.suggested += len(theirs)
                        score.true_positives += len(mine & theirs)
            finally:
                learned.close()
    return {name: dict(scores) for name, scores in results.items()}
