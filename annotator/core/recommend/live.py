"""Learning while the annotator works: the window's recommenders, trained away from the window.

The window never trains in its own process: it starts ``python -m annotator.core.recommend.worker``
(:mod:`worker`), which opens the database read-only, learns from one layer (:func:`train`), saves
what it learned in a folder the window gave it, and reports on standard output, one JSON line per
step: ``trained`` (the model can be loaded), then ``evaluated`` (its self-evaluation), then
``ranked`` (the unannotated documents, least sure first). The window loads the model and asks it
for the open document's suggestions (:class:`LiveModel`).

The project's recommender settings (which recommenders are on, how many new spans start a
retraining) live in the database (:class:`Settings`), so a team's project behaves the same on
every laptop; which layer a person learns from is theirs (the window's own settings).
"""

from __future__ import annotations

import json
import pickle
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.model import Document, Span
from annotator.core.recommend import suggesting
from annotator.core.recommend.suggesting import RECOMMENDERS, Learned, SuggestError
from annotator.storage import Store

LEARNED = "learned"  # the source name of the window's own suggestions (and of their rejections)
SETTINGS_KEY = "recommenders"
RANK_LIMIT = 2000  # unannotated documents ranked for "least sure first", in list order


@dataclass
class Settings:
    """The project's recommender settings, kept in the database."""

    recommenders: tuple[str, ...] = RECOMMENDERS
    retrain_every: int = 20  # new spans that start a retraining (0: only on Ctrl+Enter and on demand)
    gazetteer: str | None = None
    folds: int = 3  # the self-evaluation's folds

    @classmethod
    def load(cls, store: Store) -> Settings:
        raw = store.setting(SETTINGS_KEY)
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            known = [n for n in data.get("recommenders", RECOMMENDERS) if n in RECOMMENDERS]
            return cls(tuple(known), max(0, int(data.get("retrain_every", 20))), data.get("gazetteer") or None,
                       max(2, int(data.get("folds", 3))))
        except (ValueError, TypeError, AttributeError):
            return cls()  # a damaged setting is not worth a failure: the defaults serve

    def save(self, store: Store) -> None:
        data = asdict(self)
        data["recommenders"] = list(self.recommenders)
        store.set_setting(SETTINGS_KEY, json.dumps(data, ensure_ascii=False))


@dataclass
class State:
    """What the recommenders learned, when, and how well they did on held-out documents."""

    source: str = ""
    generation: int = 0
    trained_at: str = ""
    seconds: float = 0.0
    spans: int = 0
    documents: int = 0
    recommenders: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluation: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    evaluated_at: str = ""
    folds: int = 0


def train(store: Store, source: str, annotator: str, settings: Settings, out: Path, generation: int = 1
          ) -> tuple[Path, State]:
    """Learn from ``source``'s layer; save the model in ``out`` and return its path and state.

    Suggestions ``annotator`` rejected lower their patterns' scores."""
    started = time.perf_counter()
    documents = suggesting.training_documents(store, source, with_themes=True)
    gazetteer = Path(settings.gazetteer) if settings.gazetteer else None
    learned = suggesting.learn(documents, settings.recommenders or RECOMMENDERS, gazetteer)
    if learned.matcher is not None:
        for text, label in store.rejected_suggestion_texts(annotator, LEARNED):
            learned.matcher.reject(text, label)
    state = State(source=source, generation=generation, trained_at=time.strftime("%Y-%m-%d %H:%M:%S"),
                  spans=learned.spans, documents=learned.documents)
    if learned.matcher is not None:
        state.recommenders["string"] = {"patterns": learned.matcher.size}
    if learned.tagger is not None:
        state.recommenders["crf"] = {"sentences": learned.tagger.sentences}
    if learned.themes is not None:
        state.recommenders["themes"] = {"themes": list(learned.themes.themes)}
    state.seconds = round(time.perf_counter() - started, 3)
    return save(learned, out, generation), state


def save(learned: Learned, out: Path, generation: int) -> Path:
    """Pickle ``learned`` into ``out`` (the tagger's model file moves there beside it)."""
    out.mkdir(parents=True, exist_ok=True)
    tagger = learned.tagger
    handle = None
    if tagger is not None:
        handle = tagger._tagger
        if tagger.model_path is not None:
            moved = out / f"crf-{generation}.model"
            shutil.move(str(tagger.model_path), moved)
            tagger.model_path = moved
        tagger._tagger = None  # a crfsuite handle cannot be pickled; load() opens the file again
    path = out / f"learned-{generation}.pickle"
    partial = path.with_suffix(".partial")
    with partial.open("wb") as f:
        pickle.dump(learned, f, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)  # the window never sees half a model
    if tagger is not None:
        tagger._tagger = handle
    return path


def load(path: Path) -> Learned:
    """A model :func:`save` wrote (the window's own folder: never a file from elsewhere)."""
    with Path(path).open("rb") as f:
        learned: Learned = pickle.load(f)  # noqa: S301 (written by our own worker, in our own folder)
    tagger = learned.tagger
    if tagger is not None and tagger.model_path is not None:
        import pycrfsuite

        handle = pycrfsuite.Tagger()
        handle.open(str(tagger.model_path))
        tagger._tagger = handle
    return learned


def evaluate(store: Store, source: str, settings: Settings, state: State) -> State:
    """The recommenders' self-evaluation: cross-validated over ``source``'s documents."""
    chosen = [n for n in settings.recommenders if n != "themes"]
    if not chosen:
        return state
    try:
        results = suggesting.evaluate(store, source, folds=settings.folds, recommenders=chosen)
    except SuggestError:
        return state  # fewer than two documents: nothing to hold out yet
    state.evaluation = {name: {label: s.to_dict() for label, s in sorted(scores.items())}
                        for name, scores in results.items()}
    state.evaluated_at = time.strftime("%Y-%m-%d %H:%M:%S")
    state.folds = min(settings.folds, state.documents)
    return state


def uncertainty(learned: Learned, text: str) -> float:
    """How unsure the tagger is about ``text``: one minus the per-token geometric mean of the
    probability of its best tagging, for the document's least sure sentence (0 = sure)."""
    from annotator.core.recommend.tagger import sentence_features
    from annotator.core.token_view import doc_tokens

    tagger = learned.tagger
    if tagger is None or tagger._tagger is None:
        return 0.0
    view = doc_tokens(text, [])
    worst = 0.0
    for a, b in view.sentences:
        tokens = [text[t.start:t.end] for t in view.tokens[a:b]]
        if not tokens:
            continue
        handle = tagger._tagger
        handle.set(sentence_features(tokens))
        best = handle.tag()
        worst = max(worst, 1.0 - handle.probability(best) ** (1.0 / len(best)))
    return worst


def rank(store: Store, learned: Learned, annotator: str, limit: int = RANK_LIMIT) -> list[tuple[str, float]]:
    """``annotator``'s unannotated documents (the first ``limit`` in list order), least sure first."""
    ids = store.unannotated_ids(annotator, limit)
    scored = []
    for docs in store.document_pages(suggesting.PAGE, ids=ids):
        scored += [(doc.id, round(uncertainty(learned, doc.text), 4)) for doc in docs]
    return sorted(scored, key=lambda item: -item[1])


class LiveModel:
    """A loaded model and the suggestions it makes for a document, kept for the model's life."""

    def __init__(self, learned: Learned, state: State):
        self.learned = learned
        self.state = state
        self._cache: dict[str, tuple[list[Span], list[tuple[str, float]]]] = {}

    def suggestions(self, doc: Document) -> list[Span]:
        return self._for(doc)[0]

    def themes(self, doc: Document) -> list[tuple[str, float]]:
        return self._for(doc)[1]

    def _for(self, doc: Document) -> tuple[list[Span], list[tuple[str, float]]]:
        found = self._cache.get(doc.id)
        if found is None:
            spans = [Span(doc.id, LEARNED, s.start, s.end, s.label, doc.text[s.start:s.end],
                          f"{s.recommender} {s.score:.2f}")
                     for s in self.learned.suggest(doc.text)
                     if 0 <= s.start < s.end <= len(doc.text)]  # the same bounds an import checks
            themes = self.learned.themes.suggest(doc.text) if self.learned.themes is not None else []
            found = self._cache[doc.id] = (spans, themes)
        return found

    def reject(self, span: Span) -> None:
        """A rejection lowers its pattern's score at once (the worker applies it again on retraining)."""
        if self.learned.matcher is not None:
            self.learned.matcher.reject(span.text, span.label)
            self._cache.clear()

    def close(self) -> None:
        self.learned.close()
        self._cache.clear()
