"""Text rules: normalisation keeps spans on the same characters; folding and the search index."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.text import (
    OffsetMap,
    detect_language,
    find_in,
    fold,
    index_form,
    match_expression,
    normalize,
    snippet,
    title_of,
)

from tests.helpers import SEEDS


def test_normalize_makes_lf_and_nfc():
    assert normalize("a\r\nb\rc\n") == "a\nb\nc\n"
    assert normalize(unicodedata.normalize("NFD", "대구")) == "대구"


def test_offset_map_is_identity_on_normalised_text():
    m = OffsetMap("مشهد 대구 😀")
    assert m.text == "مشهد 대구 😀"
    assert m.span(5, 7) == (5, 7)


def test_nfd_korean_span_maps_to_the_composed_syllables():
    raw = unicodedata.normalize("NFD", "지난 대구시는 발표")
    start = raw.index(unicodedata.normalize("NFD", "대구시"))
    end = start + len(unicodedata.normalize("NFD", "대구시"))
    m = OffsetMap(raw)
    s, e = m.span(start, end)
    assert m.text[s:e] == "대구시"


def test_boundary_inside_a_decomposed_syllable_widens_the_span():
    raw = unicodedata.normalize("NFD", "대구")  # 4 jamo
    m = OffsetMap(raw)
    assert m.span(1, 3) == (0, 2)  # start moves left, end moves right: 대구


def test_crlf_boundaries():
    m = OffsetMap("ab\r\ncd")
    assert m.text == "ab\ncd"
    assert m.span(4, 6) == (3, 5)
    assert m.text[slice(*m.span(4, 6))] == "cd"
    assert m.span(2, 3) == (2, 3)  # a span on the lone \r covers the \n it became


def test_combining_mark_stays_with_its_letter():
    raw = "cafe\u0301 noir"
    m = OffsetMap(raw)
    assert m.text == "café noir"
    assert m.text[slice(*m.span(0, 5))] == "café"
    assert m.text[slice(*m.span(6, 10))] == "noir"


_ALPHABET = st.sampled_from(
    list("مشهدیکپژ ")
    + ["\u200c", "😀", "👩\u200d💻", "\r\n", "\r", "\n", "e\u0301", "𠜎"]
    + [unicodedata.normalize("NFD", s) for s in ("대구", "서울", "시는")]
    + list("대구시 abc۱۲۳")
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_ALPHABET, min_size=1, max_size=40), data=st.data())
def test_spans_on_piece_boundaries_map_exactly(pieces, data):
    """A span that starts and ends between whole pieces covers exactly their normal form."""
    raw = "".join(pieces)
    cuts = [0]
    for p in pieces:
        cuts.append(cuts[-1] + len(p))
    i = data.draw(st.integers(0, len(pieces) - 1))
    j = data.draw(st.integers(i + 1, len(pieces)))
    m = OffsetMap(raw)
    s, e = m.span(cuts[i], cuts[j])
    covered = normalize("".join(pieces[i:j]))
    # \r then \n from separate pieces merge into one newline: the span may then take the \n too.
    assert m.text[s:e] == covered or (m.text[s:e].rstrip("\n") == covered.rstrip("\n"))
    assert m.text == normalize(raw)


@settings(max_examples=300, deadline=None)
@given(raw=st.text(min_size=1, max_size=60), data=st.data())
def test_any_span_maps_inside_the_text_and_keeps_order(raw, data):
    start = data.draw(st.integers(0, len(raw) - 1))
    end = data.draw(st.integers(start + 1, len(raw)))
    m = OffsetMap(raw)
    s, e = m.span(start, end)
    assert 0 <= s <= e <= len(m.text)
    assert normalize(raw[start:end]).strip("\n") in m.text[s:e] or not normalize(raw[start:end]).strip()


def test_detect_language_on_seeds():
    langs = {p.stem: detect_language(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    assert {k: (v.code, v.direction) for k, v in langs.items()} == {
        "000_b57cd57af517ef66": ("fa", "rtl"),
        "001_78640d9e2bc3da88": ("fa", "rtl"),
        "002_26049669d35f669e": ("ko", "ltr"),
        "003_6c8efea14556703f": ("fa", "rtl"),
        "004_07f1b5d4621585f7": ("ko", "ltr"),
    }
    assert detect_language("كيف حالك").code == "ar"
    assert detect_language("1234 !!").code == "und"


def test_a_long_english_preamble_does_not_outvote_the_article():
    persian = (SEEDS / "000_b57cd57af517ef66.txt").read_text(encoding="utf-8")[:2000]
    preamble = "Copyright notice and syndication terms of the agency, reproduced here. " * 17  # ~1,200
    assert (detect_language(preamble + persian).code, detect_language(preamble + persian).direction) == ("fa", "rtl")
    assert detect_language(persian[:900] + preamble * 3).code == "und"  # mostly English: not Persian


def test_title_is_first_non_empty_line():
    assert title_of("\n\n  عنوان خبر  \nمتن") == "عنوان خبر"


def test_fold_treats_arabic_letters_as_persian_and_drops_zwnj():
    assert fold("كرماني") == fold("کرمانی") == "کرمانی"
    assert fold("می\u200cشود") == fold("میشود")
    assert fold("۲۰۲۰ SCEWC") == "2020 scewc"


def test_index_form_splits_hangul_runs_into_bigrams():
    assert index_form("대구시는 18일").split() == ["대구", "구시", "시는", "18", "일"]


def test_match_expression_phrases_and_prefixes():
    assert match_expression("대구") == '"대구" *'
    assert match_expression('"شهر هوشمند" 2020') == '"شهر هوشمند" * AND "2020" *'
    assert match_expression("  !!  ") is None


def test_find_in_and_snippet_point_at_the_original_text():
    text = "به گزارش از مشهد،محمدجواد رجائیان"
    s, e = find_in(text, "مشهد")
    assert text[s:e] == "مشهد"
    text = "کنفرانس بین\u200cالمللی شهرها"
    s, e = find_in(text, "بینالمللی")
    assert text[s:e] == "بین\u200cالمللی"
    snip = snippet("대구시는 지난 18일", "대구")
    assert (snip.before, snip.match, snip.after) == ("", "대구", "시는 지난 18일")


# The fast forms against the plain ones they replaced: the same tokens, character for character.
_MIXED = st.text(alphabet=st.sampled_from(list("대구시는남 서울ab1٢۳ ،.-\n") + ["\u200c", "ي", "ك", "ۀ", "\u064e", "Ä"]),
                 max_size=40)


def _reference_fold(text: str) -> str:
    from annotator.core.text import FOLD_TABLE

    return text.translate(FOLD_TABLE).lower()


def _reference_index_form(text: str) -> str:
    import re

    def bigrams(match: re.Match[str]) -> str:
        run = match.group()
        return f" {run} " if len(run) == 1 else " " + " ".join(a + b for a, b in zip(run, run[1:])) + " "

    return re.sub("[\uac00-\ud7a3]+", bigrams, _reference_fold(text))


@settings(max_examples=400)
@given(_MIXED)
def test_fold_and_index_form_match_their_plain_definitions(text):
    import re

    assert fold(text) == _reference_fold(text)
    token = re.compile(r"[^\W_]+")
    assert token.findall(index_form(text)) == token.findall(_reference_index_form(text))


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(list("مشهد كي پ대구시 ㄱabcשלום 12،.") + ["\u200c", "\u1100"]), max_size=60))
def test_script_counting_that_stops_early_decides_as_counting_everything(text):
    from annotator.core.text import _LETTER, _SCRIPTS, _language_of, _letters, _script_counts

    full = {name: _letters(rx, text) for name, rx in _SCRIPTS.items()}
    full["other"] = _letters(_LETTER, text) - sum(full.values())
    assert _language_of(text, _script_counts(text)) == _language_of(text, full)


def test_a_persian_or_latin_match_starts_a_word_and_a_korean_one_may_not():
    """Found by a new user: searching برگزاری marked it inside خبرگزاری ("news agency"), where
    the index itself never finds it (Persian and Latin words match as prefixes of words)."""
    from annotator.core.text import find_all, find_in, snippet

    text = "به گزارش خبرگزاری فارس، 😀 برگزاری جلسه در شهر برگزارکننده؛ south 남대구 대구시"
    assert [text[a:b] for a, b in find_all(text, "برگزاری")] == ["برگزاری"]
    assert find_all(text, "برگزاری")[0][0] == text.index(" برگزاری") + 1
    assert [text[a:b] for a, b in find_all(text, "برگزار")] == ["برگزار", "برگزار"]  # prefixes of words
    assert find_in(text, "برگزاری") == find_all(text, "برگزاری")[0]
    assert snippet(text, "برگزاری").before.endswith("😀 ")
    assert find_all(text, "outh") == []
    assert [text[a:b] for a, b in find_all(text, "대구")] == ["대구", "대구"]  # inside 남대구 too
