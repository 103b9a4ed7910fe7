"""The one UTF-16 <-> code-point converter: emoji, ZWJ sequences and astral CJK before a span."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.core.utf16 import Utf16Index

TEXT = "😀 👩\u200d💻 𠜎 대구시는 مشهد"


def test_offsets_after_astral_characters_shift_by_one_unit_each():
    index = Utf16Index(TEXT)
    start = TEXT.index("대구시")
    # 😀, 👩, 💻 and 𠜎 are astral: four extra UTF-16 units before the span.
    assert index.to_utf16(start) == start + 4
    assert index.span_to_code_points(start + 4, start + 7) == (start, start + 3)
    assert index.length_utf16 == len(TEXT.encode("utf-16-le")) // 2


def test_position_inside_a_surrogate_pair_counts_as_that_character():
    index = Utf16Index("a😀b")
    assert [index.to_code_point(u) for u in range(5)] == [0, 1, 1, 2, 3]


@given(st.text(max_size=40))
def test_round_trip_and_agreement_with_utf16_encoding(text):
    index = Utf16Index(text)
    for offset in range(len(text) + 1):
        position = index.to_utf16(offset)
        assert position == len(text[:offset].encode("utf-16-le")) // 2
        assert index.to_code_point(position) == offset
