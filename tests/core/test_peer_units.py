"""A peer's offsets are never read in a unit they were not counted in: spans that cut a character
of several code points, or that only fit word edges in another unit, are refused with the unit
that fits; spans that legitimately end inside a word (a Korean particle, a Persian word before
its ZWNJ) still import. The emoji and ZWJ families come BEFORE the spans."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.importing import import_paths
from annotator.core.offsets import UNITS, Units, fitting_units, misread
from annotator.core.project import open_project
from annotator.storage import Store
from tests.helpers import write

# The text of the doccano 1.8.4 project in grapheme mode that the import shifted.
FIRE = ("😀 👨🏻\u200d🚒: حمید رضایی امروز در مشهد گفت 👩\u200d👩\u200d👧 خانواده از آتش\u200cسوزی نجات یافتند "
        "سازمان آتش\u200cنشانی تهران")
FIRE_SPANS = [("حمید رضایی", "PER"), ("امروز", "DATE"), ("مشهد", "GPE"), ("👩\u200d👩\u200d👧", "PER"),
              ("خانواده", "PER"), ("آتش\u200cسوزی", "EVENT"), ("سازمان آتش\u200cنشانی تهران", "ORG")]


def counted_in(unit: str, text: str, word: str, nth: int = 0) -> list[int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    units = Units(text, unit)
    return [units.from_code_point(start), units.from_code_point(start + len(word))]


def doccano_export(path: Path, text: str, spans: list[tuple[str, str]], unit: str) -> Path:
    """admin.jsonl as doccano 1.8.4's export writes it: its example id, the text, Comments, and
    [start, end, LABEL] in the project's unit."""
    label = [[*counted_in(unit, text, word), tag] for word, tag in spans]
    line = {"id": 12, "text": text, "Comments": [], "label": label}
    return write(path, json.dumps(line, ensure_ascii=False) + "\n")


def test_a_grapheme_mode_export_read_as_utf16_is_refused_not_shifted(run, db_path, tmp_path: Path):
    path = doccano_export(tmp_path / "admin.jsonl", FIRE, FIRE_SPANS, "graphemes")
    result = run("import", str(path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"Error: {path}:1: span 1: [5, 15) read as UTF-16 code units cuts the character '👨🏻\\u200d🚒' (one "
        "grapheme of 4 code points) (offsets counted in UTF-16 code units, doccano's default); --offsets "
        "graphemes would fit"]
    with open_project(db_path) as store:
        assert store.count_documents() == 0  # as it was
    right = run("import", "--offsets", "graphemes", str(path))
    assert right.exit_code == 0, right.output
    with open_project(db_path) as store:
        assert [(s.label, s.text) for s in store.spans("12", "admin")] == [
            (tag, word) for word, tag in FIRE_SPANS]


def test_a_refusal_names_every_unit_that_fits(store: Store, tmp_path: Path):
    # An emoji is one code point and one grapheme: on this line both fit, and a grapheme-mode
    # file's next line (a ZWJ family) fits only graphemes, so naming code points alone would send
    # the reader the wrong way (the peers' round trip met this).
    text = "😀 خبر: رجائیان در مشهد گفت"
    path = doccano_export(tmp_path / "admin.jsonl", text, [("رجائیان", "PER"), ("مشهد", "GPE")], "graphemes")
    with pytest.raises(InputError, match=r"read as code points or as grapheme clusters every span starts and ends "
                                         r"on a word's edge: import with --offsets codepoints or --offsets graphemes"):
        import_paths(store, [path], annotator="tester")
    assert store.count_documents() == 0


def test_spans_that_cut_words_in_the_default_unit_but_fit_another_are_refused(store: Store, tmp_path: Path):
    # Persian with harakat (marks that join their letter into one grapheme) before the spans.
    text = "«بِسْمِ اللَّهِ» استاندار سمنان گفت که شهرداری مشهد"
    spans = [("سمنان", "GPE"), ("شهرداری مشهد", "ORG")]
    path = doccano_export(tmp_path / "admin.jsonl", text, spans, "graphemes")
    with pytest.raises(InputError, match=r"admin.jsonl:1: 3 span edges fall inside words when read as UTF-16 code "
                                         r"units \(offsets counted in UTF-16 code units, doccano's default\), and "
                                         r"read as grapheme clusters every span starts and ends on a word's edge: "
                                         r"import with --offsets graphemes"):
        import_paths(store, [path], annotator="tester")
    assert store.count_documents() == 0
    import_paths(store, [path], annotator="tester", offsets="graphemes")
    assert [s.text for s in store.spans("12", "admin")] == ["سمنان", "شهرداری مشهد"]
    # A unit given with --offsets is the user's word, not a guess: kept even where it cuts words.
    import_paths(store, [path], annotator="kim", annotator_given=True, offsets="utf16")
    assert [s.text for s in store.spans("12", "kim")] == ["اندار", "فت که شهردار"]


def test_spans_ending_inside_words_that_fit_their_unit_still_import(store: Store, tmp_path: Path):
    """The refusals' false positives: this imported before them and must still."""
    # Korean particles (서울 in 서울소방재난본부는, 대구시 in 대구시는) and Persian words before their
    # ZWNJ (سامانه in سامانه‌های), after an emoji and a ZWJ family: UTF-16 as doccano counts.
    text = ("😀 👩\u200d👩\u200d👧 서울소방재난본부는 대구시는 밝혔다. "
            "سامانه\u200cهای هوشمند شهرداری مشهد راه\u200cاندازی شد")
    spans = [("서울", "ORG"), ("대구시", "GPE"), ("سامانه", "LOC"), ("راه", "EVENT")]
    path = doccano_export(tmp_path / "admin.jsonl", text, spans, "utf16")
    report = import_paths(store, [path], annotator="tester")
    assert [(s.label, s.text) for s in store.spans("12", "admin")] == [(tag, word) for word, tag in spans]
    assert report.spans_added == 4


# --- what a span may cut, in every source whose spans carry no text -------------------------------


def test_an_inception_span_that_cuts_an_emoji_sequence_is_refused_in_one_line(run, db_path, tmp_path: Path):
    import zipfile

    from tests.core.test_inception import inception_cas

    text = "🇰🇷👩\u200d👩\u200d👧 서울시청은 발표"
    xmi, ts = inception_cas(text, [("ORG", "\u200d👩\u200d👧 서울시청")], "doc.txt")
    target = tmp_path / "doc.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("doc.txt.xmi", xmi)
        archive.writestr("TypeSystem.xml", ts)
    result = run("import", str(target))
    assert result.exit_code == 1 and "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert "cuts the character '👩\\u200d👩\\u200d👧'" in line and "--offsets" not in line, line
    with open_project(db_path) as store:
        assert store.count_documents() == 0


EZAFE = "وزیرِ امور خارجهٔ ایران گفت."


@pytest.mark.parametrize("offsets", [None, "codepoints"])
def test_a_span_that_ends_before_a_combining_mark_imports(store: Store, tmp_path: Path, offsets):
    # The ezafe kasra (U+0650) and hamza above (U+0654) are marks of their own: وزیر without its kasra.
    words = ["وزیر", "خارجه", "ایران"]
    spans = [{"start": EZAFE.index(w), "end": EZAFE.index(w) + len(w), "label": "X"} for w in words]
    line = {"text": EZAFE, "spans": spans, "_input_hash": 1, "_task_hash": 2, "answer": "accept",
            "meta": {"id": "ezafe"}}
    path = write(tmp_path / "prodigy.jsonl", json.dumps(line, ensure_ascii=False) + "\n")
    import_paths(store, [path], annotator="tester", offsets=offsets)
    assert [s.text for s in store.spans("ezafe", "tester")] == words


@pytest.mark.parametrize("text, word", [
    ("👩\u200d👩\u200d👧 서울", "\u200d👩"),  # inside a ZWJ family
    ("👍🏽 서울", "🏽"),  # before a skin tone
    ("❤\ufe0f 서울", "\ufe0f"),  # before VS16 (a mark, but of an emoji)
    ("1\ufe0f\u20e3 서울", "\u20e3"),  # before the keycap mark
    ("🇮🇷 서울", "🇷"),  # between a flag's two regional indicators
    ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f 서울", "\U000e0062"),  # inside a tag sequence
    (unicodedata.normalize("NFD", "서울 대구"), "\u1165"),  # inside a Hangul syllable of jamo
])
def test_cuts_no_editor_makes_are_refused_whatever_the_unit(text, word):
    start = text.index(word)
    why = misread(text, [(start, len(text))], "codepoints", unit_chosen=True)
    assert why is not None and "cuts the character" in why


def test_nfd_korean_spans_before_a_particle_are_on_a_word_edge(store: Store, tmp_path: Path):
    text = unicodedata.normalize("NFD", "대구와 김의 국회도")
    label = [[0, 4, "LOC"], [7, 10, "PER"]]  # 대구 and 김 in jamo, UTF-16 (doccano's default)
    path = write(tmp_path / "nfd.jsonl", json.dumps({"id": "nfd", "text": text, "label": label}) + "\n")
    import_paths(store, [path], annotator="tester")
    assert [s.text for s in store.spans("nfd", "tester")] == ["대구", "김"]


@pytest.mark.parametrize("text, words", [
    ("🇰🇷 KBS를 𠜎 KBS은 🇰🇷 2024년에서 삼성전자도 3일도 𠜎 부산시도", ["KBS은", "2024년"]),  # /tmp/rev/fuzz.py's
    ("😀 부산시는 서울에서 정부의 발표", ["부산시", "서울", "정부"]),
])
def test_an_emoji_then_korean_nouns_before_particles_fit_their_unit(text, words):
    at, spans = 0, []
    for word in words:
        at = text.index(word, at)
        word = word.removesuffix("은")  # the second KBS, without its particle
        spans.append((at, at + len(word)))
        at += len(word)
    for unit in ("codepoints", "utf16"):
        units = Units(text, unit)
        counted = [(units.from_code_point(a), units.from_code_point(b)) for a, b in spans]
        assert misread(text, counted, unit, unit_chosen=False) is None


def test_the_hint_names_only_units_whose_reading_passes_every_check():
    text = "😀 👩\u200d💻 🇮🇷 김정은 위원장"
    # [1, 4) in code points ends inside 👩‍💻; in UTF-16 it starts inside 😀; graphemes read it whole
    assert fitting_units(text, [(1, 4)]) == ["graphemes"]
    assert fitting_units(text, [(1, 4)], exclude="graphemes") == []
    assert fitting_units(EZAFE, [(0, 4)]) == list(UNITS)  # a span before a mark cuts nothing
