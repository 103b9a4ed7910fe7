"""Learning from a layer and writing suggestions, for ``annotator suggest`` and the window
(over 400 lines: learning, suggesting a page or a long document's block at a time beside a forked
helper, writing in batches, and cross-validation share their parts).

Suggestions are written into a layer of their own (``model``, or a name starting with
``model``), never into a person's layer: accepting one is the annotator's act. Each suggested
span is checked like an imported one (its text is the document's text at its offsets) and
carries ``RECOMMENDER SCORE`` as its note, which the window shows.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from annotator.core import stopping
from annotator.core import blocks as _blocks
from annotator.core.errors import AnnotatorError
from annotator.core.identity import check_annotators
from annotator.core.text import counted
from annotator.core.model import GOLD, Document, Span, Status
from annotator.core.recommend import Suggestion
from annotator.core.recommend.strings import StringMatcher
from annotator.core.recommend.tagger import Tagger
from annotator.core.recommend.themes import ThemeClassifier
from annotator.core.token_view import keep_longest
from annotator.storage import Store

RECOMMENDERS = ("string", "crf", "themes")
PAGE = 200
BATCH = 10_000  # suggestions written at a time at most (a long document's are written as its blocks give them)


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
        return [s for found in self.suggest_blocks(text, most=len(text) + 1) for s in found]

    def suggest_blocks(self, text: str, most: int | None = None) -> Iterator[list[Suggestion]]:
        """The suggestions for ``text`` a block at a time (annotator.core.blocks, cut at line
        breaks only: a learned pattern never holds one, nor a sentence), in order: the same as
        for the whole text at once, in memory bounded by a block. A stretch of more than
        ``most`` characters without a line break raises BlockTooLong."""
        for offset, block in _blocks.blocks([text], sentence_ends=False, most=most):
            found: list[Suggestion] = []
            if self.matcher is not None:
                found += self.matcher.suggest(block)
            if self.tagger is not None:
                found += self.tagger.suggest(block)
            merged = merge(found)
            yield [s._replace(start=s.start + offset, end=s.end + offset) for s in merged] if offset else merged

    def close(self) -> None:
        if self.tagger is not None:
            self.tagger.close()


def merge(found: list[Suggestion]) -> list[Suggestion]:
    """One suggestion per place: where two recommenders overlap, the higher score wins."""
    ranked = sorted(found, key=lambda s: (-s.score, s.start, -(s.end - s.start)))
    best = [ranked[i] for i in keep_longest([(s.start, s.end) for s in ranked])]  # O(n log n)
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
            layers = store.layers([d.id for d in docs], source)  # not the others' (a model layer of 190,000 suggestions)
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
    learned = _learn_spans(documents, chosen, gazetteer)
    if "themes" in chosen:
        _learn_themes(learned, documents)
    return learned


def _learn_spans(documents: list, chosen: list[str], gazetteer: Path | None) -> Learned:
    learned = Learned(spans=sum(len(item[1]) for item in documents), documents=len(documents))
    if "string" in chosen:
        learned.matcher = StringMatcher()
        learned.matcher.learn((s.text, s.label) for _, spans, *_ in documents for s in spans)
        if gazetteer is not None:
            learned.matcher.load_gazetteer(gazetteer)
    if "crf" in chosen:
        learned.tagger = Tagger()
        try:
            learned.tagger.train((doc.text, spans) for doc, spans, *_ in documents)
        except _blocks.BlockTooLong as err:
            raise SuggestError(f"a document to learn from has {err}; the tagger learns a long document a "
                               "sentence at a time: split its file at its paragraphs and import it again") from None
    return learned


def _learn_themes(learned: Learned, documents: list) -> None:
    if documents and len(documents[0]) == 3:
        learned.themes = ThemeClassifier()
        learned.themes.train((doc.text, themes) for doc, _, themes in documents)


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
        line = (f"learned from {counted(self.learned_spans, 'span')} in {counted(self.learned_documents, 'document')}; "
                f"{counted(self.suggestions, 'suggestion')} in {counted(self.documents, 'document')}"
                + (f" ({labels})" if labels else ""))
        return line + (f"; {counted(self.themes, 'theme')} suggested" if self.themes else "")


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
    if source != GOLD:
        check_annotators(store, source, error=SuggestError)
    chosen = check_recommenders(recommenders)
    documents = training_documents(store, source, with_themes=True)
    learned = _learn_spans(documents, chosen, gazetteer)
    report = SuggestReport(learned.spans, learned.documents)
    if not learned.spans and not ("themes" in chosen and documents):
        learned.close()
        raise SuggestError(f"{source} has no spans to learn from yet")
    spans_to_suggest = learned.matcher is not None or learned.tagger is not None
    more_than_a_page = (len(ids) if ids is not None else store.count_documents()) > PAGE  # an upper bound with --lang
    helper = _Helper.start(learned) if spans_to_suggest and more_than_a_page else None
    try:
        if "themes" in chosen:  # after the fork: the helper has no use for it (and numpy's threads would forbid one)
            _learn_themes(learned, documents)
        del documents
        with store.transaction():
            store.ensure_annotator(into)
            pages = ([d for d in docs if status is None or store.status(d.id, source) is status]
                     for docs in store.document_pages(PAGE, lang=lang, ids=ids))
            for docs, found in suggested_pages(learned, pages, into, helper):
                store.clear_spans([d.id for d in docs], into)
                waiting: list[Span] = []
                for doc, doc_batches in zip(docs, found):
                    for spans in doc_batches:
                        waiting += spans
                        for span in spans:
                            report.by_label[span.label] = report.by_label.get(span.label, 0) + 1
                        if len(waiting) >= BATCH:
                            report.suggestions += store.add_spans(waiting)
                            waiting = []
                    if learned.themes is not None:
                        for theme in list(store.doc_themes(doc.id, into)):
                            store.remove_doc_theme(doc.id, into, theme)
                        picked = [(doc.id, into, theme) for theme, _ in learned.themes.suggest(doc.text)]
                        report.themes += store.add_doc_themes(picked)
                report.documents += len(docs)
                report.suggestions += store.add_spans(waiting)
    finally:
        if helper is not None:
            helper.stop()
        learned.close()
    return report


def suggested_spans(learned: Learned, into: str, doc: Document) -> list[Span]:
    """``learned``'s suggestions for ``doc`` as spans of the layer ``into``, the recommender and
    score in each one's note."""
    return _as_spans(doc, into, learned.suggest(doc.text))


def _as_spans(doc: Document, into: str, found: Iterable[tuple[int, int, str, float, str]]) -> list[Span]:
    text, doc_id = doc.text, doc.id
    notes = _NOTES
    out = []
    for start, end, label, score, recommender in found:
        note = notes.get((recommender, score))
        if note is None:
            note = notes[(recommender, score)] = f"{recommender} {score:.2f}"
        out.append(Span(doc_id, into, start, end, label, text[start:end], note))
    return out


_NOTES: dict[tuple[str, float], str] = {}  # a suggestion's note, made once per recommender and score


def suggested_pages(learned: Learned, pages: Iterable[list[Document]], into: str, helper: _Helper | None = None
                    ) -> Iterator[tuple[list[Document], list[Iterable[list[Span]]]]]:
    """Each page of documents with each document's suggested spans, in order, in batches: a
    short document's in one, a long one's (over a block, annotator.core.blocks) a block at a
    time, worked out as they are read.

    With a ``helper`` (a forked process: see :class:`_Helper`), the helper works out the next
    page's short documents while the caller writes this one: suggesting is Python, writing is
    SQLite, and the two take turns on two cores instead of one. Its answers are read in this
    thread, between writes, so no thread competes with the writing for the interpreter."""
    def long(doc: Document) -> Iterator[list[Span]]:
        try:
            for found in learned.suggest_blocks(doc.text):
                yield _as_spans(doc, into, found)
        except _blocks.BlockTooLong as err:
            raise SuggestError(f"document {doc.id!r}: {err}; suggestions work through a long document a "
                               "paragraph at a time: split its file at its paragraphs and import it again") from None

    if helper is None:
        for docs in pages:
            yield docs, [long(doc) if len(doc.text) > _blocks.SIZE else [suggested_spans(learned, into, doc)] for doc in docs]
        return
    waiting: list[Document] | None = None

    def answered(docs: list[Document], found: list) -> list[Iterable[list[Span]]]:
        return [long(doc) if len(doc.text) > _blocks.SIZE else [_as_spans(doc, into, suggested)]
                for doc, suggested in zip(docs, found)]

    for docs in pages:
        found = helper.answer() if waiting is not None else None
        helper.ask(docs)  # the helper works on it while the caller writes the page before
        if waiting is not None:
            yield waiting, answered(waiting, found)
        waiting = docs
    if waiting is not None:
        yield waiting, answered(waiting, helper.answer())


class _Helper:
    """A forked process that suggests for the pages it is sent, one at a time, for
    ``annotator suggest``: forked after learning, it has the learned model without copying it."""

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection):
        self.process, self.conn = process, conn

    @classmethod
    def start(cls, learned: Learned) -> _Helper | None:
        """The helper, or None where a fork is not safe: not Linux, or more than one thread (a fork
        keeps only the calling one, and a lock another one held would stay held)."""
        if not stopping.fork_is_safe():
            return None
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        process = context.Process(target=_helper_main, args=(theirs, ours, learned), daemon=True,
                                  name="annotator-suggest-helper")
        process.start()
        theirs.close()
        return cls(process, ours)

    def ask(self, docs: list[Document]) -> None:
        """The page's short documents; a long one (over a block) is suggested for in the caller,
        a block at a time, and not sent."""
        self.conn.send([doc.text if len(doc.text) <= _blocks.SIZE else "" for doc in docs])

    def answer(self) -> list[list[tuple[int, int, str, float, str]]]:
        """The suggestions for each text of the page asked for, as plain tuples (a third of
        the bytes of spans; the spans are made here, where the texts are)."""
        try:
            kind, payload = self.conn.recv()
        except EOFError:
            raise SuggestError(f"the suggestion helper process stopped (exit status {self.process.exitcode})") from None
        if kind == "error":
            raise SuggestError(f"the suggestion helper process failed: {payload}")
        return payload

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _helper_main(conn: Connection, parents: Connection, learned: Learned) -> None:
    """The helper's loop: a page's texts in, their suggestions out, until it is sent None.
    Ctrl+C is the parent's to handle (it stops the helper). The helper ends with its parent, even
    one killed with SIGKILL: it closes the copy of the parent's end of their pipe that the fork
    gave it (else the pipe never closes, and it waited forever, holding the database and the
    parent's output), and asks the kernel for SIGTERM when the parent dies, while it computes."""
    parents.close()
    stopping.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while (texts := conn.recv()) is not None:
            try:
                conn.send(("found", [[tuple(s) for s in learned.suggest(text)] for text in texts]))
            except Exception as err:  # noqa: BLE001 (reported to the parent, which raises it)
                conn.send(("error", f"{type(err).__name__}: {err}"))
                return
    except (EOFError, OSError):
        return  # the parent is gone


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
        raise SuggestError(f"{source} has annotated {counted(len(documents), 'document')}: evaluation needs at least 2")
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
