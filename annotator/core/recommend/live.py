"""Learning while the annotator works: the window's recommenders, trained and served away from
the window.

The window never trains or suggests in its own process: it starts
``python -m annotator.core.recommend.worker`` (:mod:`worker`), which opens the database read-only,
learns from one layer (:func:`train`), says ``trained``, and then answers the window's requests
for a document's suggestions (:class:`LiveModel`) while a second thread evaluates the model
(:func:`evaluate`) and ranks the unannotated documents, least sure first (:func:`rank`).

The project's recommender settings (which recommenders are on, how many new spans start a
retraining) live in the database (:class:`Settings`), so a team's project behaves the same on
every laptop; which layer a person learns from is theirs (the window's own settings).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.recommend import suggesting
from annotator.core.recommend.suggesting import RECOMMENDERS, Learned, SuggestError
from annotator.core.recommend.themes import ThemeClassifier
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


def train(store: Store, source: str, annotator: str, settings: Settings, generation: int = 1,
          *, themes: bool = True) -> tuple[Learned, State]:
    """Learn from ``source``'s layer. Suggestions ``annotator`` rejected lower their patterns' scores.
    With ``themes=False`` the theme classifier is left for :func:`train_themes` (the worker learns
    it after it has begun to serve spans: it is a third of the time on 1,000 documents)."""
    started = time.perf_counter()
    documents = suggesting.training_documents(store, source, with_themes=True)
    gazetteer = Path(settings.gazetteer) if settings.gazetteer else None
    chosen = [n for n in settings.recommenders or RECOMMENDERS if themes or n != "themes"]
    learned = (suggesting.learn(documents, chosen, gazetteer) if chosen else
               Learned(spans=sum(len(item[1]) for item in documents), documents=len(documents)))
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
    return learned, state


def train_themes(store: Store, source: str, learned: Learned, state: State,
                 lock: threading.Lock | None = None) -> State:
    """Learn the theme classifier into ``learned`` (under ``lock``, which the serving thread holds
    while it suggests)."""
    documents = suggesting.training_documents(store, source, with_themes=True)
    classifier = ThemeClassifier()
    classifier.train((doc.text, themes) for doc, _, themes in documents)
    with lock or threading.Lock():
        learned.themes = classifier
    state.recommenders["themes"] = {"themes": list(classifier.themes)}
    return state


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


def rank(store: Store, learned: Learned, annotator: str, limit: int = RANK_LIMIT,
         lock: threading.Lock | None = None) -> list[tuple[str, float]]:
    """``annotator``'s unannotated documents (the first ``limit`` in list order), least sure first."""
    ids = store.unannotated_ids(annotator, limit)
    scored = []
    lock = lock or threading.Lock()
    for docs in store.document_pages(suggesting.PAGE, ids=ids):
        for doc in docs:
            with lock:  # the tagger's handle is shared with the thread that serves suggestions
                scored.append((doc.id, round(uncertainty(learned, doc.text), 4)))
    return sorted(scored, key=lambda item: -item[1])


class LiveModel:
    """What was learned, serving suggestions (kept per document for the model's life)."""

    def __init__(self, learned: Learned, state: State):
        self.learned = learned
        self.state = state
        self.lock = threading.Lock()
        self._cache: dict[str, tuple[list, list]] = {}

    def suggest(self, text: str) -> tuple[list[list], list[list]]:
        """[[start, end, label, score, recommender], ...] and [[theme, score], ...] for ``text``."""
        found = self._cache.get(text)
        if found is None:
            with self.lock:
                spans = [[s.start, s.end, s.label, s.score, s.recommender] for s in self.learned.suggest(text)]
                themes = ([[t, p] for t, p in self.learned.themes.suggest(text)]
                          if self.learned.themes is not None else [])
            found = self._cache[text] = (spans, themes)
        return found

    def forget(self) -> None:
        """What was suggested before is stale (the themes were learned since)."""
        with self.lock:
            self._cache.clear()

    def reject(self, text: str, label: str) -> None:
        """A rejection lowers its pattern's score at once (training applies it again next time)."""
        if self.learned.matcher is not None:
            with self.lock:
                self.learned.matcher.reject(text, label)
            self._cache.clear()

    def close(self) -> None:
        self.learned.close()
        self._cache.clear()
