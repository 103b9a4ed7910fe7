"""A long document worked through in blocks (annotator.core.blocks) gives exactly its tokens and
sentences: the exports and suggestions stream through blocks and must not change a byte."""

from __future__ import annotations

import random

import pytest

from annotator.core.blocks import BlockTooLong, blocks
from annotator.core.token_view import doc_token_blocks, doc_tokens

# Pieces chosen for the sentence rules' edges: terminals with and without space after, closers,
# line breaks of several kinds, decimals, a prepended mark, emoji, Korean particles, ZWNJ.
PIECES = ["대구시는", "발표했다", ".", "?", "؟", "…", "»", '"', ")", " ", " ", "  ", "\n", "\r\n", "\u2029", "\t",
          "3.5", "۳.۵", "می\u200cکند", "سامانه", "e.g.x", "U.S.", "\u0600", "👩\u200d👩\u200d👧", "1\ufe0f\u20e3",
          "«", "،", "K리그에서", "abc", "Σ"]


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(n))


def random_keep(rng: random.Random, text: str, k: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(k):
        a = rng.randrange(max(len(text) - 1, 1))
        out.append((a, min(len(text), a + rng.randint(1, 12))))
    return sorted(set(out))


def whole_and_blocks(text, keep, size, **options):
    whole = doc_tokens(text, keep, **options)
    tokens, sentences = [], []
    for offset, view in doc_token_blocks([text[i:i + 37] for i in range(0, len(text), 37)], keep, size=size,
                                         **options):
        base = len(tokens)
        tokens += [(t.start + offset, t.end + offset) for t in view.tokens]
        sentences += [(a + base, b + base) for a, b in view.sentences]
    return whole, tokens, sentences


@pytest.mark.parametrize("options", [{}, {"chars": True}, {"max_tokens": 3}, {"chars": True, "max_tokens": 4}])
def test_blocks_give_the_documents_tokens_and_sentences(options):
    rng = random.Random(11)
    for _ in range(150):
        text = random_text(rng, rng.randint(0, 300))
        keep = random_keep(rng, text, rng.randint(0, 20))
        whole, tokens, sentences = whole_and_blocks(text, keep, rng.randint(1, 60), **options)
        assert tokens == [tuple(t) for t in whole.tokens]
        assert sentences == whole.sentences


def test_blocks_put_together_are_the_text_and_cut_where_allowed():
    rng = random.Random(5)
    for _ in range(200):
        text = random_text(rng, rng.randint(0, 200))
        keep = random_keep(rng, text, 5)
        found = list(blocks([text[i:i + 13] for i in range(0, len(text), 13)], keep, size=rng.randint(1, 30)))
        assert "".join(piece for _, piece in found) == text
        assert [offset for offset, _ in found] == [sum(len(p) for _, p in found[:i]) for i in range(len(found))]
        for offset, _ in found[1:]:
            assert text[offset].isspace()
            assert not any(s < offset < e for s, e in keep)


def test_a_block_is_at_least_its_size_where_the_text_allows():
    text = "\n".join(["word. another one"] * 1000)
    found = list(blocks([text], size=100))
    assert all(len(piece) > 100 for _, piece in found[:-1])
    assert len(found) > 100


def test_a_stretch_without_a_sentence_end_is_refused_naming_where():
    text = "x. " + "word " * 100
    with pytest.raises(BlockTooLong) as caught:
        list(blocks([text[i:i + 10] for i in range(0, len(text), 10)], size=1, most=50))
    assert caught.value.at == 2 and "no line break or sentence end" in str(caught.value)


def test_blocks_of_a_text_held_whole_are_cut_by_index(monkeypatch):
    """A text given at once is cut by index, never by slicing the rest off after every block (a
    100 MB article would be copied once per block): the only strings made are the blocks."""
    text = "\n".join(["some words here."] * 20_000)
    found = list(blocks([text], size=1000))
    sizes = [len(piece) for _, piece in found]
    assert sum(sizes) == len(text) and max(sizes) < 1100
