"""Snap to words: Korean particles can be trimmed, Persian ZWNJ words stay whole."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.tokens import noun_end
from annotator.core.words import left_out, nudge, snap, word_at
from tests.helpers import DAEGU_SEED, SEEDS


def test_snap_grows_a_partial_selection_to_the_whole_word():
    text = "지난 18일 대구시는 발표 مشهد"
    start = text.index("구시")
    assert text[slice(*snap(text, start, start + 2))] == "대구시"  # the particle after it stays out
    assert text[slice(*snap(text, start, start + 1))] == "대구시"  # from inside the noun too
    assert text[slice(*snap(text, text.index("شه"), text.index("شه") + 1))] == "مشهد"


def test_nudge_moves_an_edge_past_a_korean_particle():
    text = "대구시는 발표"
    s, e = snap(text, 1, 2)
    assert text[slice(*nudge(text, s, e, "end", +1))] == "대구시는"
    assert text[slice(*nudge(text, s, e, "end", -1))] == "대구"


def test_a_selection_that_ends_before_a_particle_keeps_it_out():
    text = "지난 18일 대구시는 포항시와 대구시에서는 발표"
    assert text[slice(*snap(text, text.index("대구시"), text.index("대구시") + 3))] == "대구시"
    assert text[slice(*snap(text, text.index("포항"), text.index("포항") + 3))] == "포항시"
    second = text.index("대구시에서는")
    assert text[slice(*snap(text, second, second + 3))] == "대구시"
    assert text[slice(*snap(text, second + 1, second + 2))] == "대구시"  # inside the noun: the noun


def test_snap_keeps_brackets_and_quotes_whole_and_trims_them_outside():
    text = "스마트시티 엑스포 월드 콩그레스(SCEWC)에 초청"
    start = text.index("스마트")
    end = text.index(")")  # a drag that stopped just short of the closing bracket
    assert text[slice(*snap(text, start, end))] == "스마트시티 엑스포 월드 콩그레스(SCEWC)"
    quoted = "گفت «مشهد،» را"
    s = quoted.index("«")
    assert quoted[slice(*snap(quoted, s, s + len("«مشهد،»")))] == "مشهد"
    said = 'he said "smart city" today'
    assert said[slice(*snap(said, said.index('"') , said.index("city") + 4))] == "smart city"


def test_zwnj_joined_persian_word_is_one_word():
    text = "این سامانه\u200cهای هوشمند"
    start = text.index("های")
    assert text[slice(*snap(text, start, start + 1))] == "سامانه\u200cهای"
    assert text[slice(*word_at(text, text.index("سامانه")))] == "سامانه\u200cهای"


def test_snap_trims_punctuation_and_keeps_pure_punctuation():
    text = "از مشهد، گفت"
    s = text.index(" مشهد،")
    assert text[slice(*snap(text, s, s + 6))] == "مشهد"
    comma = text.index("،")
    assert snap(text, comma, comma + 1) == (comma, comma + 1)


def test_nudge_never_empties_or_leaves_the_text():
    assert nudge("abc", 0, 1, "end", -1) == (0, 1)
    assert nudge("abc", 0, 3, "end", +1) == (0, 3)
    assert nudge("abc", 0, 2, "start", -1) == (0, 2)
    assert nudge("abc", 1, 2, "start", +1) == (1, 2)


@pytest.mark.parametrize("word, noun", [("대구시는", "대구시"), ("포항시는", "포항시"), ("대구시에서는", "대구시"),
                                        ("대구시가", "대구시"), ("18일에", "18일"), ("K리그에서", "K리그"),
                                        ("김정은이", "김정은"), ("학생이다", "학생"), ("한동훈이", "한동훈"),
                                        ("엔비디아의", "엔비디아")])
def test_a_korean_particle_stays_out_wherever_the_selection_stops(word: str, noun: str):
    """Before the particle, on it, after it, or inside the noun: the noun, by the tokens' analysis."""
    text = f"지난 {word} 발표"
    at = text.index(word)
    for end in range(at + 1, at + len(word) + 1):
        assert text[slice(*snap(text, at, end))] == noun, (word, end)
    assert text[slice(*snap(text, at, at + len(word) + 1))] == noun  # and the space after it
    cut = at + len(noun)
    assert snap(text, at, at + len(word)) == (at, cut) and noun_end(word) == len(noun)
    assert left_out(text, at, cut) == word[len(noun):]


@pytest.mark.parametrize("word", ["김정은", "초청받았다", "하는", "발표했다", "동대구시장", "18일", "K리그", "그건"])
def test_korean_words_without_a_particle_snap_whole(word: str):
    text = f"지난 {word} 발표"
    at = text.index(word)
    assert text[slice(*snap(text, at + 1, at + 2 if len(word) > 2 else at + 1 + 1))] == word
    assert noun_end(word) is None and left_out(text, at, at + len(word)) == ""


def test_snap_and_the_tokens_agree_on_every_korean_word_of_a_seed():
    """Snap's edges fall on the export tokens' edges: one definition of the particle."""
    from annotator.core.tokens import tokenize

    text = unicodedata.normalize("NFC", (SEEDS / f"{DAEGU_SEED}.txt").read_text(encoding="utf-8"))
    edges = {edge for token in tokenize(text) for edge in token}
    for word in re.finditer(r"[\uac00-\ud7a3]\w*", text):
        s, e = snap(text, word.start(), word.start() + 1)
        assert s in edges and e in edges, word.group()


def test_a_particle_alone_snaps_to_itself():
    text = "대구시는 발표"
    assert text[slice(*snap(text, 3, 4))] == "는"


def test_an_emoji_before_the_span_keeps_code_point_offsets():
    text = "😀👩\u200d💻 대구시는 지난"
    at = text.index("대구시는")
    assert at == 5  # code points: the emoji count one each, not two (UTF-16)
    assert snap(text, at + 1, at + 4) == (at, at + 3) and text[at:at + 3] == "대구시"


def test_a_persian_trailing_comma_stays_out_and_a_zwnj_word_whole():
    text = "سامانه\u200cهای هوشمند، مشهد, و"
    at = text.index("های")
    assert text[slice(*snap(text, at, text.index("هوشمند") + 3))] == "سامانه\u200cهای هوشمند"
    assert text[slice(*snap(text, text.index("هوشمند"), text.index("،") + 1))] == "هوشمند"
    assert text[slice(*snap(text, text.index("مشهد"), text.index(",") + 1))] == "مشهد"


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("대구시는에서 지난18일 .,(),«»سامانه\u200cهای😀K")), max_size=20),
       st.data())
def test_snapping_twice_changes_nothing(text: str, data):
    """The live highlight shows the snapped selection; the label key snaps it again."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    once = snap(text, start, end)
    assert snap(text, *once) == once


def test_a_joiner_at_the_edge_is_trimmed_with_what_it_followed():
    """Found by the test above: a trailing ZWNJ after an emoji kept the emoji in, and snapping
    the result again took it out."""
    text = "111111111😀\u200c"
    assert snap(text, 0, 11) == (0, 9) == snap(text, 0, 9)


def test_a_selection_without_a_letter_loses_only_the_white_space_around_it():
    """Found by a new user: a drag from the space before an emoji or a symbol onto it stored the
    space too (" 😀", "▲ ", " 👍🏽")."""
    text = "서울시에서 😀 발표했다 ▲ [대구시청] خبر 👍🏽 خوب"
    for piece in (" 😀", "😀 ", "▲ ", " ▲", " 👍🏽 "):
        start = text.index(piece)
        s, e = snap(text, start, start + len(piece))
        assert text[s:e] == piece.strip()
    start = text.index("[")
    assert snap(text, start, start + 1) == (start, start + 1)  # a lone bracket is kept
    assert snap(text, 5, 6) == (5, 6)  # only a space: kept as it is, nothing to trim it to
