"""The theme classifier: document themes learned from the themes already ticked (multi-label).

A linear model (scikit-learn's logistic regression, one per theme) over character n-grams of the
folded text, which suits Persian and Korean alike without a word tokenizer. A theme is suggested
when the model gives it a probability of at least ``threshold``; a theme ticked on every training
document, or on none, is not learned (there is nothing to tell apart).
"""

from __future__ import annotations

from collections.abc import Iterable

from annotator.core.text import fold

NAME = "themes"


class ThemeClassifier:
    def __init__(self, threshold: float = 0.5):
        self.threshold = threshold
        self.themes: list[str] = []
        self.documents = 0
        self._vectorizer = None
        self._models: dict[str, object] = {}

    def train(self, documents: Iterable[tuple[str, list[str]]]) -> int:
        """Train on (text, themes) pairs; returns how many themes could be learned."""
        docs = [(fold(text), set(themes)) for text, themes in documents]
        self.documents = len(docs)
        self._models = {}
        self.themes = []
        learnable = [theme for theme in sorted({t for _, themes in docs for t in themes})
                     if not all(theme in themes for _, themes in docs)]
        if len(docs) < 2 or not learnable:
            return 0  # and scikit-learn (about 100 MB) is not even loaded
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                                           max_features=200_000)
        matrix = self._vectorizer.fit_transform([text for text, _ in docs])
        for theme in sorted({t for _, themes in docs for t in themes}):
            target = [theme in themes for _, themes in docs]
            if all(target) or not any(target):
                continue
            model = LogisticRegression(max_iter=1000, class_weight="balanced")
            model.fit(matrix, target)
            self._models[theme] = model
        self.themes = list(self._models)
        return len(self._models)

    def scores(self, text: str) -> dict[str, float]:
        if not self._models:
            return {}
        vector = self._vectorizer.transform([fold(text)])
        return {theme: float(model.predict_proba(vector)[0][1]) for theme, model in self._models.items()}

    def suggest(self, text: str) -> list[tuple[str, float]]:
        """(theme, probability) for each theme at or above the threshold, the surest first."""
        found = [(t, round(p, 3)) for t, p in self.scores(text).items() if p >= self.threshold]
        return sorted(found, key=lambda tp: -tp[1])
