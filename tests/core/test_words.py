"""Snap to words: Korean particles can be trimmed, Persian ZWNJ words stay whole."""

from __future__ import annotations

from annotator.core.words import nudge, snap, word_at


def test_snap_grows_a_partial_selection_to_the_whole_word():
    text = "지난 18일 대구시는 발표"
    start = text.index("구시")
    assert text[slice(*snap(text, start, start + 2))] == "대구시는"


def test_nudge_keeps_a_korean_particle_out():
    text = "대구시는 발표"
    s, e = snap(text, 1, 2)
    assert text[slice(*nudge(text, s, e, "end", -1))] == "대구시"


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
