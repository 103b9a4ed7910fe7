"""A long document's parts and display breaks: how the window shows it, never what is stored."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.pages import LINE, Part, display_breaks, part_of, parts, shown_end, shown_text
from annotator.core.utf16 import PartIndex

SENTENCE = "شهرداری مشهد گفت که طرح تازه اجرا می‌شود. 대구시는 지난 18일 발표했다. "


def test_parts_cover_the_text_cut_after_a_line_break_where_there_is_one():
    text = "\n".join(SENTENCE * 3 for _ in range(2_000))
    found = parts(text, size=20_000)
    assert found[0].start == 0 and found[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(found, found[1:]))  # consecutive, nothing skipped
    assert all(p.end - p.start <= 20_000 for p in found)
    assert all(text[p.end - 1] == "\n" for p in found[:-1])
    assert [part_of(found, p.start) for p in found] == list(range(len(found)))
    assert part_of(found, len(text)) == len(found) - 1


def test_a_single_line_is_cut_after_a_space_and_a_text_without_one_in_short_parts():
    line = SENTENCE * 3_000
    found = parts(line, size=20_000)
    assert len(found) > 1 and all(line[p.end - 1] == " " for p in found[:-1])
    assert all(p.end - p.start > 19_000 for p in found[:-1])
    blob = "ب" * 25_000  # nowhere to break it for display: parts short enough to lay out whole
    assert [p.end - p.start for p in parts(blob, size=20_000, unbroken=10_000)] == [10_000, 10_000, 5_000]
    mixed = "کلمه " * 3_000 + blob  # spaces, then a stretch without: cut at the last space
    assert [p.end for p in parts(mixed, size=20_000, unbroken=10_000)][:2] == [15_000, 25_000]


def test_long_paragraphs_break_at_a_sentence_end_in_place_of_a_space():
    text = "عنوان\n" + SENTENCE * 400 + "\nپایان"
    breaks = display_breaks(text, 0, len(text))
    assert breaks and all(text[b] == " " for b in breaks)
    assert all(text[b - 1] in ".!?؟" for b in breaks)  # where a sentence ended
    shown = shown_text(text, parts(text)[0], breaks)
    assert len(shown) == len(text)  # the same positions: a space became a line break
    assert all(s == t or (s == "\n" and t == " ") for s, t in zip(shown, text))
    assert max(map(len, shown.split("\n"))) <= LINE


def test_a_paragraph_without_sentence_ends_breaks_at_a_space_and_one_without_spaces_stays_whole():
    words = "کلمه " * 2_000
    breaks = display_breaks(words, 0, len(words))
    assert breaks and all(words[b] == " " for b in breaks)
    assert max(map(len, shown_text(words, parts(words)[0], breaks).split("\n"))) <= LINE
    assert display_breaks("ب" * 5_000, 0, 5_000) == []


def test_a_part_ending_with_a_line_break_is_shown_without_it():
    text = "الف\nب\n"
    assert shown_text(text, parts(text)[0], []) == "الف\nب"


def test_a_part_converts_offsets_of_the_whole_text_with_an_emoji_before_it():
    text = "😀 " + SENTENCE * 1_000 + " 𠜎 대구시는 끝"
    found = parts(text, size=20_000)
    last = found[-1]
    index = PartIndex(text, last.start, last.end)
    start = text.index("대구시", last.start)
    a, b = index.span_to_utf16(start, start + 3)
    shown = text[last.start:last.end]
    assert shown.encode("utf-16-le")[2 * a:2 * b].decode("utf-16-le") == "대구시"  # the emoji in the part counts twice
    assert index.span_to_code_points(a, b) == (start, start + 3)
    assert index.to_utf16(0) == 0 and index.to_utf16(len(text) + 5) == index.length_utf16  # held to the part's edges


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab cد\nه😀.")), max_size=3_000),
       st.integers(min_value=40, max_value=400), st.integers(min_value=8, max_value=60))
def test_parts_and_breaks_never_move_a_character(text, size, line):
    found = parts(text, size=size)
    assert found[0].start == 0 and found[-1].end == len(text)
    assert all(a.end == b.start and b.start > a.start for a, b in zip(found, found[1:]))
    for part in found:
        breaks = display_breaks(text, part.start, part.end, line)
        assert all(part.start <= b < part.end and text[b].isspace() for b in breaks)
        shown = shown_text(text, part, breaks)
        original = text[part.start:part.end]
        assert len(shown) == len(original) or (len(shown) == len(original) - 1 and original.endswith("\n"))
        assert all(s == t or (s == "\n" and t.isspace()) for s, t in zip(shown, original))


def test_a_part_shows_the_start_of_the_next_one_up_to_a_space():
    line = SENTENCE * 3_000
    found = parts(line, size=20_000)
    end = shown_end(line, found[0], overlap=2_000)
    assert found[0].end + 1_000 <= end <= found[0].end + 2_000 and line[end] == " "
    assert shown_end(line, found[-1]) == len(line)


def test_a_few_words_left_over_end_the_last_part_and_a_hard_cut_keeps_a_family_whole():
    line = SENTENCE * 300
    found = parts(line + "پایان", size=len(line) - 3)
    assert found == [Part(0, len(line) + 5)]  # the few words past the cut end this part, not one of their own
    family = "👩\u200d👩\u200d👧"
    blob = "ب" * 9_998 + family + "ب" * 5_000
    first = parts(blob, size=20_000, unbroken=10_000)[0]
    assert first.end == 9_998  # before the family, not inside it
