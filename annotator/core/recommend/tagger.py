"""A CRF sequence tagger (python-crfsuite, CPU only) trained on one layer's spans.

Tokens and sentences are annotator's own (annotator.core.token_view), the same the BIO export
writes, so a model sees the tokens it will be asked about. Features fit Persian and Korean:
the token folded, its affixes, its script, whether it holds a ZWNJ, digits of either system,
whether it is a Korean particle split off the word before, and its neighbours. A suggestion's
score is the tagger's marginal probability of its first tag.
"""

from __future__ import annotations

import ctypes
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from annotator.core import stopping
from annotator.core.model import Span
from annotator.core.recommend import Suggestion
from annotator.core.text import fold
from annotator.core.tokens import analysed_here
from annotator.core.token_view import TokenStats, align, bio_tags, doc_token_blocks, doc_tokens, non_overlapping

# Korean particles (and the copula): a token that is one of these gets the feature "particle".
# A feature of the tagger's, not an edge rule: where a particle comes off its noun is decided by
# annotator.core.tokens.noun_end (Kiwi), which split the tokens already; this list only names the
# split-off token to the tagger, as it did for every model trained so far.
PARTICLES = frozenset("""
은 는 이 가 을 를 의 에 에서 에게 께 께서 한테 로 으로 와 과 랑 이랑 하고 도 만 까지 부터 보다 처럼 마다
조차 밖에 이나 나 이며 며 이다 다 에는 에서는 에도 에서도 으로는 로는 와는 과는 에게는 까지는 부터는 이라 라
이라는 라는 이란 란 에의 과의 와의 으로의 로의 이었다 였다 입니다 이고 고
""".split())

NAME = "crf"


def _script(token: str) -> str:
    for ch in token:
        if "\uac00" <= ch <= "\ud7a3":
            return "hangul"
        if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff":
            return "arabic"
        if ch.isalpha():
            return "latin"
    return "digit" if any(ch.isdigit() for ch in token) else "other"


_OFFSETS = (-2, -1, 1, 2)
_EDGE = tuple((f"{offset}:edge".encode(),) for offset in _OFFSETS)


@lru_cache(maxsize=100_000)
def _word_features(word: str) -> tuple[tuple[bytes, ...], tuple[bytes, bytes], tuple[bytes, bytes],
                                       tuple[bytes, bytes], tuple[bytes, bytes]]:
    """A token's own features, and what it gives the token 2 before it, 1 before it, 1 after it
    and 2 after it: they depend on the token's string alone, so each distinct token is worked out
    once. UTF-8 bytes, as crfsuite keeps them (it would encode every string on every call)."""
    f = fold(word)
    script = _script(word)
    # Prefixes and suffixes strictly shorter than the token: one as long as the token is the
    # token itself (w=), which crfsuite would only take in again (0.7 s of 1,000 documents).
    affixes = [f"{kind}{n}={f[:n] if kind == 'p' else f[-n:]}" for n in (1, 2, 3) if n < len(f) for kind in "ps"]
    own = ["bias", f"w={f}", *affixes, f"script={script}", f"len={min(len(word), 8)}"]
    if "\u200c" in word:
        own.append("zwnj")
    if any(unicodedata.category(ch) == "Nd" for ch in word):
        own.append("digit")
    if word in PARTICLES:
        own.append("particle")
    if not any(ch.isalnum() for ch in word):
        own.append("punct")
    # what this token gives the token 2 after it (its -2 neighbour), the one after it, the one
    # before it (its +1 neighbour) and the one 2 before it
    # (the script only for the next-door neighbours: two tokens away it added a tenth to what
    # crfsuite takes in, for the same held-out spans)
    seen = [(f"{offset}:w={f}".encode(), f"{offset}:script={script}".encode()) if abs(offset) == 1
            else (f"{offset}:w={f}".encode(),) for offset in _OFFSETS]
    return (tuple(x.encode() for x in own), *seen)


def sentence_features(tokens: list[str]) -> list[tuple[bytes, ...]]:
    """Features for every token of a sentence, as UTF-8 bytes (crfsuite's own form): the token's
    own (the token folded, its prefixes and suffixes of 1 to 3 letters shorter than it, script,
    length, ZWNJ, digits, a Korean particle, punctuation), then the folded form of its neighbours
    at -2, -1, +1 and +2 (and the script of those at -1 and +1), or that the sentence's edge is there."""
    info = list(map(_word_features, tokens))
    minus2, minus1, plus1, plus2 = _EDGE
    own, two_after, one_after, one_before, two_before = zip(*info) if info else ((), (), (), (), ())
    return [o + m2 + m1 + p1 + p2 for o, m2, m1, p1, p2 in zip(
        own,
        (minus2, minus2, *two_after),  # token j is the -2 neighbour of token j + 2
        (minus1, *one_after),
        (*one_before[1:], plus1),
        (*two_before[2:], plus2, plus2))]


def token_features(tokens: list[str], i: int) -> tuple[bytes, ...]:
    return sentence_features(tokens)[i]


def sequences(text: str, spans: list[Span]) -> Iterable[tuple[list[str], list[str]]]:
    """(tokens, tags) per sentence of one document annotated with ``spans``, a block of whole
    sentences at a time (annotator.core.blocks: none ends inside a span)."""
    stats = TokenStats()
    ordered = sorted(spans, key=lambda s: s.start)
    at = 0
    for offset, view in doc_token_blocks([text], sorted({(s.start, s.end) for s in spans})):
        end = offset + len(view.text)
        mine = []
        while at < len(ordered) and ordered[at].start < end:
            mine.append(ordered[at]._replace(start=ordered[at].start - offset, end=ordered[at].end - offset))
            at += 1
        tags = bio_tags(view, non_overlapping(align("", "", view, mine, stats), stats))
        tokens, block = view.tokens, view.text
        for a, b in view.sentences:
            yield [block[start:end] for start, end in tokens[a:b]], tags[a:b]


def _sentences(documents: list[tuple[str, list[Span]]]) -> Iterator[tuple[list[str], list[str]]]:
    """:func:`sequences` of every document, in order. Tokenizing them takes a quarter of what
    taking in their features takes crfsuite, so where Kiwi is this process's own (not asked
    through a pipe another process answers) they are made in a forked child meanwhile."""
    def made() -> Iterator[tuple[list[str], list[str]]]:
        for text, spans in documents:
            yield from sequences(text, spans)

    return stopping.produced_apart(made) if analysed_here() and len(documents) > 1 else made()


# Averaged perceptron: a CRF trained in a tenth of L-BFGS's time, close in accuracy for this.
ALGORITHM = "ap"


# Rounds of the averaged perceptron. 8, not 10: on held-out text the two give the same spans
# (leave-one-out on the seeds' gold, CRF F1 0.110 either way; 200 held-out documents of the
# learning corpus, F1 0.957 either way), and 8 rounds train 1,000 benchmark documents about
# 1.3 s sooner (the 10 s target).
ITERATIONS = 8


def training_params(iterations: int = ITERATIONS) -> dict[str, object]:
    """crfsuite's parameters for training (the benchmark's floor trains with the same)."""
    return {"max_iterations": iterations, "feature.possible_transitions": True}


def same_shuffle() -> None:
    """Start C's rand() from the seed every process starts with: the averaged perceptron
    shuffles the sentences with it, so without this the same sentences would give a different
    model after any earlier training in the process (the window's worker retrains, evaluate
    trains once a fold)."""
    try:
        ctypes.CDLL(None).srand(1)
    except (OSError, AttributeError):  # no C library to ask (not Linux or macOS): shuffles differ, nothing worse
        pass


class Tagger:
    def __init__(self) -> None:
        self.model_path: Path | None = None
        self.sentences = 0
        self._tagger = None

    def train(self, documents: Iterable[tuple[str, list[Span]]], *, iterations: int = ITERATIONS) -> int:
        """Train on (text, spans) pairs; returns the number of sentences learned from."""
        import pycrfsuite

        trainer = pycrfsuite.Trainer(algorithm=ALGORITHM, verbose=False)
        count = 0
        for tokens, tags in _sentences(list(documents)):
            trainer.append(sentence_features(tokens), tags)
            count += 1
        if not count:
            self.model_path, self._tagger = None, None
            return 0
        trainer.set_params(training_params(iterations))
        handle = tempfile.NamedTemporaryFile(prefix="annotator-crf-", suffix=".model", delete=False)
        handle.close()
        same_shuffle()
        try:
            stopping.run_apart(lambda: trainer.train(handle.name))  # a stop waits for no round of training
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        self.model_path = Path(handle.name)
        tagger = pycrfsuite.Tagger()
        tagger.open(handle.name)
        self._tagger = tagger
        self.sentences = count
        return count

    def suggest(self, text: str) -> list[Suggestion]:
        if self._tagger is None:
            return []
        view = doc_tokens(text, [])
        out: list[Suggestion] = []
        for a, b in view.sentences:
            tokens = [text[t.start:t.end] for t in view.tokens[a:b]]
            tags = self._tagger.tag(sentence_features(tokens))
            if tags.count("O") == len(tags):  # most sentences: nothing to walk through
                continue
            i = 0
            while i < len(tags):
                if tags[i].startswith("B-") or (tags[i].startswith("I-") and (i == 0 or tags[i - 1] == "O")):
                    label = tags[i][2:]
                    j = i + 1
                    while j < len(tags) and tags[j] == f"I-{label}":
                        j += 1
                    score = self._tagger.marginal(tags[i], i)
                    start, end = view.tokens[a + i].start, view.tokens[a + j - 1].end
                    out.append(Suggestion(start, end, label, round(score, 3), NAME))
                    i = j
                else:
                    i += 1
        return out

    def close(self) -> None:
        if self.model_path is not None:
            self.model_path.unlink(missing_ok=True)
        self.model_path, self._tagger = None, None
