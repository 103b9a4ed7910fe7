"""Snap to words: Korean particles can be trimmed, Persian ZWNJ words stay whole."""

from __future__ import annotations

from annotator.core.words import nudge, snap, word_at


def test_snap_grows_a_partial_selection_to_the_whole_word():
    text = "지난 18일 대구시는 발표 مشهد"
    start = text.index("구시")
    assert text[slice(*snap(text, start, start + 2))] == "대구시"  # the particle after it stays out
    assert text[slice(*snap(text, start, start + 1))] == "대구시는"
    assert text[slice(*snap(text, text.index("شه"), text.index("شه") + 1))] == "مشهد"


def test_nudge_keeps_a_korean_particle_out():
    text = "대구시는 발표"
    s, e = snap(text, 1, 2)
    assert text[slice(*nudge(text, s, e, "end", -1))] == "대구시"


def test_a_selection_that_ends_before_a_particle_keeps_it_out():
    text = "지난 18일 대구시는 포항시와 대구시에서는 발표"
    assert text[slice(*snap(text, text.index("대구시"), text.index("대구시") + 3))] == "대구시"
    assert text[slice(*snap(text, text.index("포항"), text.index("포항") + 3))] == "포항시"
    second = text.index("대구시에서는")
    assert text[slice(*snap(text, second, second + 3))] == "대구시"
    assert text[slice(*snap(text, second + 1, second + 2))] == "대구시에서는"  # inside the noun: the eojeol


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
