"""Tokens, sentences and chunks with exact offsets, for the token-based exports and for models
(over 400 lines: the tokens' contract, Korean analysis here or elsewhere, and sentences that
every exporter and model shares are one set of rules).

``annotator.core.tokens.tokenize`` is the tokenizer entry point for training *and* inference: a
model must see at inference exactly the tokens it was trained on, so anything that runs a trained
model imports this function rather than reimplementing it. It depends on the text alone (never on
annotations, never on the surrounding document), and the rules below are its contract.

Offsets are Python code points over the (NFC) text, end-exclusive; a :class:`Token` is
``(start, end)``.

Tokens (``tokenize``)
    * White space (exactly the characters for which ``str.isspace()`` is true) is never part of
      a token and never a token.
    * A **word** is a run of letters, digits and combining marks (Unicode categories L*, N*, M*),
      so Persian/Arabic harakat and other marks stay inside their word. A ZWNJ (U+200C) or ZWJ
      (U+200D) between two such runs keeps them one word (می‌کند, سامانه‌های); joiners trailing a
      word belong to it. Three things are kept out of words because they make emoji: U+FE0F
      (emoji presentation), U+20E3 (keycap), and a letter or digit directly followed by either
      (1️⃣, ℹ️).
    * Every other non-space character is a token on its own, one **extended grapheme cluster**
      at a time (``regex``'s ``\\X``): an emoji ZWJ sequence (👩‍👩‍👧), a flag (🇮🇷, two regional
      indicators), an emoji with a skin tone, a keycap (#️⃣) or an emoji with VS16 is one token;
      punctuation (Persian ، ؛ ؟ « » and Latin alike) is one token per character. A prepended
      concatenation mark (Grapheme_Cluster_Break=Prepend, such as U+0600 ARABIC NUMBER SIGN or
      U+06DD END OF AYAH) is a token of its own: a grapheme cluster would otherwise join it to a
      following space.
    * **Korean**: a word containing Hangul is analysed alone by Kiwi (kiwipiepy), so the result
      depends on that word's string only (cached per string). The word is split once, at the
      start of its trailing run of particles (J*), copula (VCP) and endings (E*), when the
      morpheme just before that run is nominal: NNG NNP NNB NR NP (nouns, numerals, pronouns),
      XSN (noun suffix: 학생들은 → 학생들 + 은), XR (root), SN (number: 18일에 → 18일 + 에), SL
      (Latin: K리그에서 → K리그 + 에서, BTS가 → BTS + 가), SH (Hanja: 中은 → 中 + 은). So
      대구시는 → 대구시 + 는, 대구시에서는 → 대구시 + 에서는, 김정은이 → 김정은 + 이, 학생이다 →
      학생 + 이다, while verbs and adjectives (초청받았다, 하는, 발표했다: the morpheme before the
      endings is a verb or a verb-making suffix) and words without a trailing particle (김정은,
      동대구시장) stay whole. Hangul mixed with digits or Latin letters is *not* cut between the
      scripts (18일, K리그, COVID19 stay whole); only the trailing particle comes off. The cut
      must fall strictly inside the word and not inside the nominal morpheme (Kiwi's positions
      for contractions such as 그건 = 그거 + ㄴ overlap, and those are left whole). Kiwi is loaded
      once, lazily, with its typo dictionary, typo correction and coda normalisation off, so
      its positions are positions in the word.

Sentences (``sentences``)
    A sentence ends after a token . ! ? ؟ … 。 ۔ ！ ？ (plus closing quotes and brackets » " ” ’ ) ]
    directly after it, with no space between) when white space follows (or the text ends), and at
    every line break between two tokens. So 3.5, ۳.۵ and abbreviations with no space after the
    dot (e.g.x) do not end one; "U.S. Army" does (no abbreviation list). No sentence ends inside
    a ``keep`` range (the spans): the pieces on both sides stay one sentence.

Chunks (``chunk``)
    A sentence too long for a model is cut into pieces of at most ``max_tokens`` tokens, at the
    last boundary that is not inside a ``keep`` range; an entity longer than ``max_tokens`` makes
    its piece longer instead of being cut.
"""

from __future__ import annotations

import bisect
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import regex


class Token(NamedTuple):
    start: int
    end: int


# White space: exactly the characters for which str.isspace() is true (the exports trim with it).
_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# A word character: letter, digit or mark, but not the emoji-making U+FE0F / U+20E3, and not a
# letter or digit that one of them follows (a keycap 1️⃣ or an emoji-styled letter ℹ️).
_WORD_CHAR = "(?:(?![\\p{L}\\p{N}][\\ufe0f\\u20e3])[\\p{L}\\p{N}\\p{M}--[\\ufe0f\\u20e3]])"
_TOKEN = regex.compile(
    f"(?P<word>{_WORD_CHAR}+(?:[\\u200c\\u200d]+{_WORD_CHAR}+)*[\\u200c\\u200d]*)"
    f"|\\p{{Grapheme_Cluster_Break=Prepend}}"
    f"|(?![{_SPACE}])\\X",
    regex.V1,
)
_HANGUL = regex.compile("[\\u1100-\\u11ff\\u3130-\\u318f\\ua960-\\ua97f\\uac00-\\ud7af\\ud7b0-\\ud7ff]")

# Korean: what may stand before a trailing particle/ending run for the run to come off.
NOMINAL_TAGS = frozenset({"NNG", "NNP", "NNB", "NR", "NP", "XSN", "XR", "SN", "SL", "SH"})
_kiwi: Any = None
_kiwi_lock = threading.Lock()


def _load_kiwi() -> Any:
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi  # only when Korean shows up: loading takes a second or two
                # Without the multi-word and default dictionaries: 260 MB less, the seeds' and bench
                # corpus's words split the same, 한동훈이 and 엔비디아의 right (tests/core/test_words.py).
                # One thread (num_workers=0: its pool goes unused), so a helper can be forked safely.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)  # "num_workers=0 changed in 0.21"
                    kiwi = Kiwi(num_workers=0, load_typo_dict=False, load_multi_dict=False, load_default_dict=False,
                                typos=None)
                kiwi.tokenize("가")  # the first analysis builds Kiwi's tables (~1.3 s): pay it here
                _kiwi = kiwi
    return _kiwi


def preload() -> None:
    """Load the Korean analyser now (1-2 s, once per process) rather than on the first Korean word
    (the analyser's own process, annotator.core.analyser, and the bench do)."""
    _load_kiwi()


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


def _tag(morpheme: Any) -> str:
    return str(morpheme.tag).split("-")[0]  # VV-R / VV-I (regular/irregular) are still VV


def _is_tail(tag: str) -> bool:
    return tag.startswith(("J", "E")) or tag == "VCP"


# Asked instead of Kiwi here where this process should not hold it (annotator.core.analyser: 300 MB).
_elsewhere: Callable[[str], int | None] | None = None
_many: Callable[[list[str]], list[int | None]] | None = None


def analyse_elsewhere(split: Callable[[str], int | None] | None,
                      many: Callable[[list[str]], list[int | None]] | None = None) -> None:
    """Have :func:`korean_split` ask ``split`` (the same analysis, in another process) instead
    of loading Kiwi here, and :func:`tokenize` ask ``many`` (the same for a list of words, one
    answer each, in order) about a text's words all at once; None: here again."""
    global _elsewhere, _many
    if split != _elsewhere or many != _many:
        _elsewhere, _many = split, many
        _forget()


def analysed_here() -> bool:
    """Whether Korean words are analysed in this process (not asked of another through a pipe)."""
    return _elsewhere is None and _many is None


_UNKNOWN = object()
_splits: dict[str, int | None] = {}  # each Korean word's split once analysed, here or elsewhere
_runs_ahead: set[str] = set()  # the runs of non-space characters whose words were asked ahead


def korean_split(word: str) -> int | None:
    """Where ``word`` (one word token containing Hangul) splits into noun + particles, as an
    offset inside it, or None. Depends on the string alone (remembered; ``cache_clear`` forgets)."""
    cut = _splits.get(word, _UNKNOWN)
    if cut is _UNKNOWN:
        ask = _elsewhere
        cut = ask(word) if ask is not None else split_here(word)
        _remember({word: cut})
    return cut  # type: ignore[return-value]


def _remember(answers: dict[str, int | None]) -> None:
    if len(_splits) >= 200_000 or len(_runs_ahead) >= 100_000:
        _forget()  # then asked again
    _splits.update(answers)


def _forget() -> None:
    _splits.clear()
    _runs_ahead.clear()


korean_split.cache_clear = _forget  # type: ignore[attr-defined]  (as functools' caches say it)


def _ask_ahead(text: str, many: Callable[[list[str]], list[int | None]]) -> None:
    """Ask ``many`` at once about the Korean words of ``text`` not yet known (those :func:`scan`
    would ask about one by one) in its runs of non-space characters not looked at before."""
    runs = [run for run in set(_HANGUL_RUN.findall(text)) if run not in _runs_ahead]
    found = (m.group() for run in runs for m in _TOKEN.finditer(run) if m.group("word") is not None)
    words = list(dict.fromkeys(w for w in found if w not in _splits and _HANGUL.search(w) is not None))
    if words:
        _remember(dict(zip(words, many(words))))
    _runs_ahead.update(runs)  # after the answers: another thread meanwhile asked them itself


def split_here(word: str) -> int | None:
    """:func:`korean_split` by the analyser loaded in this process."""
    morphemes = _load_kiwi().tokenize(word, normalize_coda=False, z_coda=False, split_complex=False,
                                      compatible_jamo=False)
    i = len(morphemes)
    while i > 0 and _is_tail(_tag(morphemes[i - 1])):
        i -= 1
    if i == len(morphemes) or i == 0:
        return None
    before, first = morphemes[i - 1], morphemes[i]
    if _tag(before) not in NOMINAL_TAGS:
        return None
    cut = first.start
    if not (0 < cut < len(word)) or cut < before.start + before.len:
        return None
    return cut


def noun_end(word: str) -> int | None:
    """Where a trailing Korean particle or ending comes off ``word`` (one word, as the tokens'
    rules define it), as an offset inside it, or None when nothing comes off (no Hangul, a verb,
    no particle): 대구시는 → 3, 18일에 → 3, 김정은 → None. The one definition the tokens, snap to
    words (annotator.core.words) and the string matcher share."""
    return korean_split(word) if _HANGUL.search(word) else None


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (see the module's rules); depends on the text alone.

    No token holds white space and none reaches across it, so each run of non-space characters
    is tokenized on its own, once per distinct run (cached): a corpus repeats its words, so most
    runs are looked up, not matched again. The result is the same as :func:`scan` over the whole
    text (tests compare the two)."""
    many = _many
    if many is not None and _HANGUL.search(text) is not None:
        _ask_ahead(text, many)
    out: list[Token] = []
    append, new = out.append, tuple.__new__  # new(Token, …): no NamedTuple __new__ frame (a third of the time)
    at = 0
    for i, piece in enumerate(_SPACES.split(text)):  # runs at even places, white space at odd ones
        if i % 2 == 0 and piece:
            inside = _run_tokens(piece)
            if inside is None:
                append(new(Token, (at, at + len(piece))))
            else:
                for k in range(0, len(inside), 2):
                    append(new(Token, (at + inside[k], at + inside[k + 1])))
        at += len(piece)
    return out


# White space, kept by split (a capturing group), so runs and spaces alternate.
_SPACES = re.compile(f"([{_SPACE}]+)")
# A run of non-space characters holding Hangul (tokenize's runs that have Korean words).
_HANGUL_RUN = regex.compile(f"[^{_SPACE}]*{_HANGUL.pattern}[^{_SPACE}]*")


@lru_cache(maxsize=100_000)
def _run_tokens(run: str) -> tuple[int, ...] | None:
    """The tokens of one run of non-space characters as flat (start, end, start, end, …) offsets
    inside it, or None when the run is one token (most words: the cache stays small)."""
    tokens = scan(run)
    if len(tokens) == 1 and tokens[0] == (0, len(run)):
        return None
    return tuple(offset for token in tokens for offset in token)


def scan(text: str) -> list[Token]:
    """The module's rules applied token by token over the whole of ``text``, without the cache
    (:func:`tokenize` gives the same)."""
    out: list[Token] = []
    append = out.append
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        if m.group("word") is not None:
            cut = noun_end(m.group())
            if cut is not None:
                append(Token(start, start + cut))
                append(Token(start + cut, end))
                continue
        append(Token(start, end))
    return out


def split_at(tokens: list[Token], edges: set[int]) -> tuple[list[Token], int]:
    """Split tokens so that every offset in ``edges`` falls on a token edge; also returns how many
    edges fell inside a token."""
    starts = [t.start for t in tokens]
    inside: dict[int, list[int]] = {}
    for edge in edges:
        i = bisect.bisect_right(starts, edge) - 1
        if i >= 0 and tokens[i].start < edge < tokens[i].end:
            inside.setdefault(i, []).append(edge)
    if not inside:
        return tokens, 0
    out: list[Token] = []
    for i, token in enumerate(tokens):
        cuts = sorted(inside.get(i, ()))
        if not cuts:
            out.append(token)
            continue
        bounds = [token.start, *cuts, token.end]
        out.extend(Token(a, b) for a, b in zip(bounds, bounds[1:]))
    return out, sum(len(c) for c in inside.values())


def token_index(tokens: list[Token], start: int, end: int, starts: list[int] | None = None) -> tuple[int, int] | None:
    """(first, last) token of ``[start, end)``, inclusive, or None if it is not on token edges or
    covers no token (a span of white space only). ``starts`` (each token's start), when given,
    saves building it again for every span of a document."""
    if starts is None:
        starts = [t.start for t in tokens]
    first = bisect.bisect_left(starts, start)
    if first == len(tokens) or tokens[first].start != start:
        return None
    last = bisect.bisect_right(starts, end - 1) - 1
    if last < first or tokens[last].end != end:
        return None
    return first, last


# --- sentences and chunks ---------------------------------------------------------------------

TERMINALS = frozenset({".", "!", "?", "\u061f", "\u2026", "\u3002", "\u06d4", "\uff01", "\uff1f"})
CLOSERS = frozenset({"\u00bb", '"', "\u201d", "\u2019", ")", "]"})
LINE_BREAK = regex.compile("[\\n\\r\\x0b\\x0c\\x1c-\\x1e\\x85\\u2028\\u2029]")
_TERMINAL = regex.compile("[" + regex.escape("".join(sorted(TERMINALS))) + "]")


def _blocked(tokens: Sequence[Token], lo: int, hi: int, keep: Iterable[tuple[int, int]]) -> bytearray:
    """For the boundaries inside tokens[lo:hi]: ``blocked[i - lo]`` is 1 when the boundary before
    token i (lo < i < hi) lies inside a keep range, i.e. the range holds characters on both sides."""
    blocked = bytearray(max(hi - lo, 0))
    if hi - lo < 2:
        return blocked
    ends = None
    starts = [t.start for t in tokens[lo:hi]]
    for s, e in keep:
        if ends is None:
            ends = [t.end for t in tokens[lo:hi]]
        # boundary before token i is cut by [s, e) iff tokens[i-1].end > s and tokens[i].start < e
        first = bisect.bisect_right(ends, s) + 1  # smallest i with tokens[i-1].end > s
        last = bisect.bisect_left(starts, e) - 1  # largest i with tokens[i].start < e
        for i in range(max(first, 1), min(last, hi - lo - 1) + 1):
            blocked[i] = 1
    return blocked


def sentences(text: str, tokens: list[Token], keep: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Sentences as ``(first_token, last_token_exclusive)`` ranges covering all tokens in order;
    none ends inside a ``keep`` character range ``(start, end)``."""
    n = len(tokens)
    if n == 0:
        return []
    blocked = _blocked(tokens, 0, n, keep)
    out: list[tuple[int, int]] = []
    first = 0
    # A sentence can end only after a terminal or before a line break: only those tokens are
    # looked at (in order), not every token of the document.
    starts = [t.start for t in tokens]
    candidates = {bisect.bisect_left(starts, m.start()) for m in _TERMINAL.finditer(text)}
    candidates.update(bisect.bisect_right(starts, m.start()) - 1 for m in LINE_BREAK.finditer(text))
    after = 0  # the first token not yet looked at
    for i in sorted(candidates):
        if i < after or i < 0:
            continue
        if i >= n - 1:
            break
        ends_here = False
        token, following = tokens[i], tokens[i + 1]
        if text[token.start:token.end] in TERMINALS:
            j = i
            while (j + 1 < n and tokens[j + 1].start == tokens[j].end
                   and text[tokens[j + 1].start:tokens[j + 1].end] in CLOSERS):
                j += 1
            if j + 1 == n:
                break
            if tokens[j + 1].start > tokens[j].end:  # white space follows (only space lies between tokens)
                i, token, following, ends_here = j, tokens[j], tokens[j + 1], True
        if not ends_here and LINE_BREAK.search(text, token.end, following.start):
            ends_here = True
        if ends_here and not blocked[i + 1]:
            out.append((first, i + 1))
            first = i + 1
        after = i + 1
    out.append((first, n))
    return out


def chunk(tokens: list[Token], sentence: tuple[int, int], max_tokens: int,
          keep: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Cut ``sentence`` (a token range) into pieces of at most ``max_tokens`` tokens, only between
    tokens not inside a ``keep`` range, at the last allowed cut within reach; a keep range longer
    than ``max_tokens`` gives a longer piece (callers may count those)."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, not {max_tokens}")
    lo, hi = sentence
    if hi - lo <= max_tokens:
        return [(lo, hi)] if hi > lo else []
    blocked = _blocked(tokens, lo, hi, keep)
    out: list[tuple[int, int]] = []
    start = lo
    while hi - start > max_tokens:
        cut = start + max_tokens
        while cut > start and blocked[cut - lo]:
            cut -= 1
        if cut == start:  # no allowed cut within reach: the first one after it
            cut = start + max_tokens + 1
            while cut < hi and blocked[cut - lo]:
                cut += 1
        out.append((start, cut))
        start = cut
    if start < hi:
        out.append((start, hi))
    return out
