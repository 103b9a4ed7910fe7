"""The string matcher: what an annotator labelled once, found again.

Matching works on search's folded form of the text (:func:`annotator.core.text.fold_with_map`):
Arabic ي and ك are Persian ی and ک, ZWNJ and harakat are dropped, so «سامانه‌های» and «سامانههای»
match alike, and case is ignored. A match must be a whole word: the letter before it and the
letter after it are not word letters. One exception, Korean: a match may be followed by a
particle or ending glued to it (포항시는 holds 포항시) — where the word's particle comes off, as the
tokens and snap to words find it (annotator.core.tokens.noun_end) — but it never starts inside a
longer Hangul word (동대구시장 holds no 대구시), and 대구시장 (a different word) holds no 대구시.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from annotator.core.errors import InputError
from annotator.core.recommend import Suggestion
from annotator.core.text import FOLD_TABLE, fold, fold_with_map
from annotator.core.tokens import noun_end
from annotator.core.words import is_word_char

NAME = "string"
_HANGUL = re.compile("[\uac00-\ud7a3]")
# Characters fold_with_map drops, and the two whose folding is not one character per character
# (İ lowers to two; Σ lowers by its place in the word).
_DROPPED = re.compile("[" + "".join(re.escape(chr(c)) for c, to in FOLD_TABLE.items() if to is None) + "]")
_UNEVEN = re.compile("[\u0130\u03a3]")


def fold_with_origin(text: str) -> tuple[str, Sequence[int]]:
    """What :func:`annotator.core.text.fold_with_map` gives, a character at a time only when it
    must: folding keeps every other character as one, so the origins are the offsets of the
    characters it does not drop (a range when it drops none)."""
    if _UNEVEN.search(text):
        return fold_with_map(text)
    dropped = [m.start() for m in _DROPPED.finditer(text)]
    if not dropped:
        return fold(text), range(len(text))
    origin: list[int] = []
    previous = 0
    for at in dropped:
        origin += range(previous, at)
        previous = at + 1
    origin += range(previous, len(text))
    return fold(text), origin


class StringMatcher:
    _best = None  # a class default too, for a matcher pickled before it had one

    def __init__(self) -> None:
        self.labels: dict[str, Counter[str]] = defaultdict(Counter)  # folded pattern -> label counts
        self.rejected: Counter[tuple[str, str]] = Counter()  # (pattern, label) -> rejections
        self._compiled: tuple[list[str], re.Pattern[str]] | None = None
        self._best: dict[str, tuple[str, float] | None] | None = None  # see suggest

    def learn(self, texts_and_labels: Iterable[tuple[str, str]]) -> None:
        for text, label in texts_and_labels:
            key = " ".join(fold(text).split())
            if key:
                self.labels[key][label] += 1
                self._compiled = self._best = None

    def reject(self, text: str, label: str) -> None:
        """A rejected suggestion lowers its pattern's score for that label."""
        self.rejected[(" ".join(fold(text).split()), label)] += 1
        self._best = None

    def load_gazetteer(self, path: str | Path) -> int:
        """Add patterns from a TSV file (text, tab, label); returns how many lines were read."""
        path = Path(path)
        n = 0
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                raise InputError(path, "a gazetteer line is TEXT<TAB>LABEL", lineno)
            self.learn([(parts[0].strip(), parts[1].strip())])
            n += 1
        return n

    @property
    def size(self) -> int:
        return len(self.labels)

    def score(self, key: str, label: str) -> float:
        counts = self.labels[key]
        total = sum(counts.values()) + sum(n for (k, _), n in self.rejected.items() if k == key)
        return (counts[label] - self.rejected[(key, label)]) / total if total else 0.0

    def best(self, key: str) -> tuple[str, float]:
        """The pattern's most given label and its score."""
        label, _ = max(self.labels[key].items(), key=lambda kv: (kv[1], kv[0]))
        return label, self.score(key, label)

    def suggest(self, text: str) -> list[Suggestion]:
        """Every place in ``text`` a learned pattern matches, with the pattern's best label."""
        if not self.labels:
            return []
        folded, origin = fold_with_origin(text)
        if self._compiled is None:
            # One regex of every pattern, longest first, so a longer name wins where two start
            # together; it only starts where a word starts.
            keys = sorted(self.labels, key=len, reverse=True)
            self._compiled = (keys, re.compile("(?<![^\\W_]|[\u200c\u200d\u0300-\u036f\u064b-\u065f\u0670])(?:"
                                               + "|".join(map(re.escape, keys)) + ")"))
        keys, pattern = self._compiled
        if self._best is None:
            self._best = {}
        hits = self._best  # pattern -> (label, score rounded) or None: worked out once per pattern
        ends_well = self._ends_well
        length = len(folded)
        out: list[Suggestion] = []
        for match in pattern.finditer(folded):
            at, end = match.span()
            key = match.group()
            if end < length and is_word_char(folded[end]) and not ends_well(folded, end):
                # the longest pattern here runs into a longer word: a shorter one may still end well
                key = next((k for k in keys if len(k) < end - at and folded.startswith(k, at)
                            and ends_well(folded, at + len(k))), None)
                if key is None:
                    continue
                end = at + len(key)
            hit = hits.get(key, False)
            if hit is False:
                label, score = self.best(key)
                hit = hits[key] = (label, round(score, 3)) if score > 0 else None
            if hit is not None:
                out.append(Suggestion(origin[at], origin[end - 1] + 1, hit[0], hit[1], NAME))
        return out

    @staticmethod
    def _ends_well(folded: str, end: int) -> bool:
        if end >= len(folded) or not is_word_char(folded[end]):
            return True
        if _HANGUL.match(folded[end]) and _HANGUL.match(folded[end - 1]):
            word_start, word_end = end, end
            while word_start > 0 and is_word_char(folded[word_start - 1]):
                word_start -= 1
            while word_end < len(folded) and is_word_char(folded[word_end]):
                word_end += 1
            return noun_end(folded[word_start:word_end]) == end - word_start  # 포항시 + 는
        return False
