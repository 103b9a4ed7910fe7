"""The tokenizer contract (text alone decides the tokens), sentences and chunks."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import tokens as T
from annotator.core.tokens import Token, chunk, sentences, split_at, token_index, tokenize


def words(text: str) -> list[str]:
    return [text[t.start:t.end] for t in tokenize(text)]


def check_cover(text: str, tokens: list[Token]) -> None:
    """Tokens are ordered, disjoint, non-empty, hold no white space, and cover every other
    character exactly once."""
    covered: list[int] = []
    previous_end = 0
    for start, end in tokens:
        assert previous_end <= start < end <= len(text)
        assert not any(c.isspace() for c in text[start:end]), (text, start, end)
        covered.extend(range(start, end))
        previous_end = end
    assert covered == [i for i, c in enumerate(text) if not c.isspace()]


# --- Persian ----------------------------------------------------------------------------------


def test_zwnj_keeps_persian_words_whole():
    assert words("سامانه\u200cهای هوشمند در سمنان راه\u200cاندازی می\u200cشود") == [
        "سامانه\u200cهای", "هوشمند", "در", "سمنان", "راه\u200cاندازی", "می\u200cشود"]
    assert words("می\u200cکند") == ["می\u200cکند"]


def test_harakat_stay_inside_words():
    assert words("بِسْمِ اللَّهِ الرَّحْمٰنِ") == ["بِسْمِ", "اللَّهِ", "الرَّحْمٰنِ"]


def test_persian_punctuation_is_its_own_token():
    assert words("«تهران»، ایران؛ چرا؟") == ["«", "تهران", "»", "،", "ایران", "؛", "چرا", "؟"]
    assert words("مشهد،محمدجواد") == ["مشهد", "،", "محمدجواد"]  # no space after the comma
    assert words("۳.۵ درصد, 3.5%") == ["۳", ".", "۵", "درصد", ",", "3", ".", "5", "%"]


# --- emoji and grapheme clusters ----------------------------------------------------------------


@pytest.mark.parametrize("emoji", [
    "👩\u200d👩\u200d👧",  # ZWJ family
    "🇮🇷",  # flag: two regional indicators
    "👍🏽",  # skin tone
    "1\ufe0f\u20e3", "#\ufe0f\u20e3",  # keycaps
    "❤\ufe0f",  # VS16
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # subdivision flag (tags)
    "👨🏽\u200d💻",  # skin tone inside a ZWJ sequence
])
def test_an_emoji_is_one_token(emoji: str):
    assert words(f"خبر{emoji}خبر {emoji} 대구{emoji}") == ["خبر", emoji, "خبر", emoji, "대구", emoji]


def test_two_flags_side_by_side_are_two_tokens():
    assert words("🇮🇷🇰🇷") == ["🇮🇷", "🇰🇷"]


def test_a_keycap_is_not_glued_to_the_word_before_it():
    assert words("ab1\ufe0f\u20e3c") == ["ab", "1\ufe0f\u20e3", "c"]


def test_a_prepended_mark_never_swallows_a_space():
    text = "\u0600 \u0301x \u06dd١٢"
    assert words(text) == ["\u0600", "\u0301x", "\u06dd", "١٢"]


# --- Korean -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "parts"), [
    ("대구시는", ["대구시", "는"]),
    ("대구시에서는", ["대구시", "에서는"]),
    ("포항시와", ["포항시", "와"]),
    ("콩그레스에", ["콩그레스", "에"]),
    ("김정은이", ["김정은", "이"]),
    ("학생들은", ["학생들", "은"]),  # noun suffix, then particle
    ("대구시장이었다", ["대구시장", "이었다"]),  # copula and endings come off together
    ("18일에", ["18일", "에"]),  # digits + Hangul stay together, the particle comes off
    ("K리그에서", ["K리그", "에서"]),
    ("BTS가", ["BTS", "가"]),
])
def test_korean_particles_come_apart(word: str, parts: list[str]):
    assert words(word) == parts
    assert words(f"지난 {word} 발표") == ["지난", *parts, "발표"]


@pytest.mark.parametrize("word", ["김정은", "초청받았다", "하는", "오는", "동대구시장", "발표했다", "18일", "K리그",
                                  "그건"])  # 그건 = 그거 + ㄴ: Kiwi's positions overlap, left whole
def test_korean_words_that_stay_whole(word: str):
    assert words(word) == [word]


def test_korean_in_a_sentence():
    assert words("지난 18일 대구시는 포항시와 함께 김정은이 초청받았다.") == [
        "지난", "18일", "대구시", "는", "포항시", "와", "함께", "김정은", "이", "초청받았다", "."]


def test_korean_after_an_emoji_or_persian_without_a_space():
    assert words("😀대구시는") == ["😀", "대구시", "는"]
    assert words("(대구시는)") == ["(", "대구시", "는", ")"]


def test_a_korean_word_is_tokenized_the_same_in_any_context():
    contexts = ["{}", "지난 18일 {} 포항시와 발표했다.", "«{}»", "سمنان {} 😀", "\n\n{}\n"]
    for word in ["대구시는", "김정은이", "초청받았다", "동대구시장", "콩그레스에"]:
        seen = set()
        for context in contexts:
            text = context.format(word)
            offset = text.index(word)
            inside = [(s - offset, e - offset) for s, e in tokenize(text) if offset <= s < offset + len(word)]
            seen.add(tuple(inside))
        assert len(seen) == 1, word
    # nor on the cache: a fresh analysis gives the same tokens
    text = "지난 18일 대구시는 포항시와 김정은이 초청받았다"
    before = tokenize(text)
    T.korean_split.cache_clear()
    assert tokenize(text) == before


def test_tokens_do_not_depend_on_annotations():
    """tokenize takes the text and nothing else."""
    import inspect

    assert list(inspect.signature(tokenize).parameters) == ["text"]


def test_nfd_is_not_expected_but_is_still_covered():
    """The stored text is NFC; NFD Hangul (conjoining jamo) is not analysed into particles, but
    every character is still in exactly one token."""
    nfc = "대구시는 포항시와"
    nfd = unicodedata.normalize("NFD", nfc)
    check_cover(nfd, tokenize(nfd))
    assert words(nfc) == ["대구시", "는", "포항시", "와"]
    assert words(nfd) == unicodedata.normalize("NFD", "대구시는 포항시와").split()


def test_kiwi_is_loaded_once():
    tokenize("대구시는")
    kiwi = T._kiwi
    assert kiwi is not None
    T.korean_split.cache_clear()
    tokenize("포항시와")
    assert T._kiwi is kiwi


# --- white space and coverage -------------------------------------------------------------------


def test_every_white_space_character_separates_and_nothing_else_does():
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    for c in spaces:
        assert tokenize(f"a{c}b") == [Token(0, 1), Token(2, 3)], hex(ord(c))
    for c in ["\u200b", "\ufeff", "\u180e", "\u200e", "\u200f"]:  # format characters are not space
        assert tokenize(f"a{c}b") == [Token(0, 1), Token(1, 2), Token(2, 3)], hex(ord(c))


def test_crlf_and_mixed_space():
    text = "첫 줄\r\n서울특별시 경찰청\u00a0\t끝\u3000"
    check_cover(text, tokenize(text))
    assert words(text) == ["첫", "줄", "서울특별시", "경찰청", "끝"]


TRICKY = list("\u200c\u200d\ufe0f\u20e3\u0301\u064e\u0651\u0600\u06dd \n\t\r\u00a0\u3000.!?؟…«»،؛\"()#*1۳٫3"
              "aبیکمهدعل대구시는에서와이가은을의K") + ["👩", "🇮", "🇷", "🏽", "😀", "\U000e0067"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs",))),
               max_size=40))
def test_tokens_cover_every_non_space_character_once(text: str):
    tokens = tokenize(text)
    check_cover(text, tokens)
    assert tokenize(text) == tokens


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(TRICKY), max_size=20), st.sampled_from([" ", "\n", "\u00a0 ", "\t"]),
       st.text(alphabet=st.sampled_from(TRICKY), max_size=20))
def test_white_space_makes_tokenizing_local(left: str, space: str, right: str):
    """Whatever stands on the other side of white space cannot change a token."""
    shift = len(left) + len(space)
    assert tokenize(left + space + right) == tokenize(left) + [Token(s + shift, e + shift) for s, e in tokenize(right)]


# --- split_at and token_index keep their meaning --------------------------------------------------


def test_split_at_and_token_index():
    text = "지난 18일 대구시는"
    tokens = tokenize(text)
    assert token_index(tokens, 7, 10) == (2, 2)  # 대구시
    assert token_index(tokens, 0, 6) == (0, 1)  # 지난 18일
    assert token_index(tokens, 3, 5) is None  # 18 is inside 18일
    split, inside = split_at(tokens, {3, 5, 7, 10})
    assert inside == 1 and [text[s:e] for s, e in split] == ["지난", "18", "일", "대구시", "는"]


# --- sentences ------------------------------------------------------------------------------------


def sentence_texts(text: str, keep=()) -> list[str]:
    tokens = tokenize(text)
    found = sentences(text, tokens, keep)
    assert [i for s, e in found for i in range(s, e)] == list(range(len(tokens)))  # covers, in order
    assert all(s < e for s, e in found)
    return [text[tokens[s].start:tokens[e - 1].end] for s, e in found]


def test_sentences_end_at_terminals_followed_by_space_and_at_line_breaks():
    text = "استاندار گفت: رشد ۳.۵ درصد است. آیا ممکن است؟ «بله.» او رفت!\nتیتر بعدی\n\n대구시는 3.5% 올랐다. 끝"
    assert sentence_texts(text) == [
        "استاندار گفت: رشد ۳.۵ درصد است.", "آیا ممکن است؟", "«بله.»", "او رفت!", "تیتر بعدی",
        "대구시는 3.5% 올랐다.", "끝"]


def test_no_sentence_end_without_space_after_the_dot():
    assert sentence_texts("see e.g.this and U.S.A.is fine… really") == [
        "see e.g.this and U.S.A.is fine…", "really"]
    assert sentence_texts("Wait... what?! Yes (really.) Done") == ["Wait...", "what?!", "Yes (really.)", "Done"]


def test_a_span_across_a_sentence_end_keeps_the_sentences_together():
    text = "او به سازمان ملل. متحد رفت. سپس برگشت.\nخط دوم"
    start = text.index("ملل")
    span = (start, text.index("متحد") + len("متحد"))
    assert sentence_texts(text) == ["او به سازمان ملل.", "متحد رفت.", "سپس برگشت.", "خط دوم"]
    assert sentence_texts(text, [span]) == ["او به سازمان ملل. متحد رفت.", "سپس برگشت.", "خط دوم"]
    line = (text.index("برگشت"), text.index("خط") + 2)  # across a line break
    assert sentence_texts(text, [line]) == ["او به سازمان ملل.", "متحد رفت.", "سپس برگشت.\nخط دوم"]


def test_a_span_ending_at_the_period_does_not_block_the_end():
    text = "대구시는 발표했다. 포항시와"
    keep = [(text.index("발표"), text.index(".") + 1)]  # the span ends with the period
    assert sentence_texts(text, keep) == ["대구시는 발표했다.", "포항시와"]


def test_sentences_of_nothing():
    assert sentences("", []) == []
    assert sentences("  \n ", tokenize("  \n ")) == []


# --- chunks ---------------------------------------------------------------------------------------


def test_chunk_cuts_at_most_max_tokens_and_never_inside_a_keep_range():
    text = " ".join(f"w{i}" for i in range(10))
    tokens = tokenize(text)
    whole = (0, len(tokens))
    assert chunk(tokens, whole, 4) == [(0, 4), (4, 8), (8, 10)]
    keep = [(tokens[3].start, tokens[5].end)]  # w3 w4 w5
    assert chunk(tokens, whole, 4, keep) == [(0, 3), (3, 7), (7, 10)]
    assert chunk(tokens, (2, 6), 10) == [(2, 6)]
    assert chunk(tokens, (5, 5), 3) == []


def test_an_entity_longer_than_max_tokens_makes_a_longer_piece():
    tokens = tokenize("a b c d e f g")
    keep = [(tokens[1].start, tokens[5].end)]  # b..f, five tokens
    assert chunk(tokens, (0, 7), 3, keep) == [(0, 1), (1, 6), (6, 7)]
    with pytest.raises(ValueError):
        chunk(tokens, (0, 7), 0)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(1, 8),
       st.lists(st.tuples(st.integers(0, 39), st.integers(1, 6)), max_size=5))
def test_chunks_cover_the_sentence_and_respect_keep(n: int, max_tokens: int, raw_keep):
    text = " ".join("x" * (1 + i % 3) for i in range(n))
    tokens = tokenize(text)
    keep = [(tokens[a % n].start, tokens[min(a % n + length, n) - 1].end) for a, length in raw_keep]
    pieces = chunk(tokens, (0, n), max_tokens, keep)
    assert [i for s, e in pieces for i in range(s, e)] == list(range(n))
    for (_, cut), _next in zip(pieces, pieces[1:]):
        assert not any(s < tokens[cut - 1].end and tokens[cut].start < e for s, e in keep)
    for s, e in pieces:
        if e - s > max_tokens:  # only when a keep range forces it: no allowed cut within reach
            assert all(any(a < tokens[c - 1].end and tokens[c].start < b for a, b in keep)
                       for c in range(s + 1, s + max_tokens + 1))


def test_keep_longest_matches_the_plain_definition():
    import random

    from annotator.core.token_view import keep_longest

    rng = random.Random(4)
    for _ in range(300):
        ranges = []
        for _ in range(rng.randint(0, 12)):
            a = rng.randint(0, 30)
            ranges.append((a, a + rng.randint(1, 8)))
        plain: list[int] = []
        for i, (s, e) in enumerate(ranges):
            if not any(s < ranges[k][1] and ranges[k][0] < e for k in plain):
                plain.append(i)
        assert keep_longest(ranges) == plain


def test_keep_longest_matches_the_plain_definition_across_buckets(monkeypatch):
    """Many kept ranges (buckets split, a range kept before all of them, beside a bucket's
    edge), small buckets so that every path is taken."""
    import random

    from annotator.core import token_view

    monkeypatch.setattr(token_view, "BUCKET", 2)
    rng = random.Random(7)
    for _ in range(200):
        ranges = []
        for _ in range(rng.randint(0, 60)):
            a = rng.randint(0, 120)
            ranges.append((a, a + rng.randint(1, 6)))
        plain: list[int] = []
        for i, (s, e) in enumerate(ranges):
            if not any(s < ranges[k][1] and ranges[k][0] < e for k in plain):
                plain.append(i)
        assert token_view.keep_longest(ranges) == plain


def test_kept_ranges_move_a_bucket_not_every_kept_range():
    """The kept ranges are never one list: 20,000 ranges, each before all the others (the worst
    case for one sorted list, which moved every entry on every insert), sit in buckets of at most
    2 * BUCKET, so an insert moves at most that many."""
    from annotator.core.token_view import BUCKET, KeptRanges

    kept = KeptRanges()
    assert all(kept.add(10 * (20_000 - i), 10 * (20_000 - i) + 5) for i in range(20_000))
    assert not kept.add(10 * 700 + 2, 10 * 700 + 3)
    sizes = [len(starts) for starts, _ in kept.buckets]
    assert sum(sizes) == 20_000 and max(sizes) <= 2 * BUCKET
    assert [s for starts, _ in kept.buckets for s in starts] == sorted(10 * (i + 1) for i in range(20_000))
