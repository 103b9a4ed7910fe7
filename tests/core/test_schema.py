"""The default schema fits the seeds and reads on light and dark; bad schema files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.core.resources import default_schema_path
from annotator.core.schema import load_schema_file
from tests.helpers import write


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_default_schema_has_the_labels_the_seeds_need():
    schema = load_schema_file(default_schema_path())
    titles = {label.title for label in schema.labels}
    assert {"person", "organisation", "geo-political entity", "location", "event", "date", "role"} <= titles
    assert len(schema.themes) >= 8
    assert {"smart governance", "mobility and traffic", "health and pandemic response"} <= {
        t.title for t in schema.themes
    }


def test_every_label_and_theme_has_a_unique_single_key_hotkey():
    schema = load_schema_file(default_schema_path())
    keys = [item.hotkey for item in schema.labels + schema.themes + schema.relations]
    assert all(k is not None and len(k) == 1 for k in keys)
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("background", ["#FFFFFF", "#1E1E1E"])
def test_colours_read_on_light_and_dark_backgrounds(background):
    schema = load_schema_file(default_schema_path())
    for item in schema.labels + schema.themes + schema.relations:
        assert _contrast(item.colour, background) >= 2.9, (item.name, item.colour, background)


def test_guidelines_give_a_persian_and_a_korean_example_per_label():
    schema = load_schema_file(default_schema_path())
    for label in schema.labels:
        assert label.description
        assert any("\u0600" <= ch <= "\u06ff" for ch in label.example_fa), label.name
        assert any("\uac00" <= ch <= "\ud7a3" for ch in label.example_ko), label.name
    text = schema.guidelines_text()
    assert "مدیرعامل" in text and "과장" in text


_REL = '[[labels]]\nname = "A"\nhotkey = "a"\n[[relations]]\n'


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[[labels]]\nname = "A"\nhotkey = "a"\n[[labels]]\nname = "B"\nhotkey = "a"\n', "hotkey 'a' is used by both A and B"),
        ('[[labels]]\nname = "A"\ncolour = "red"\n', "colour 'red'"),
        ('[[labels]]\nname = "A B"\n', "name 'A B'"),
        ('[[labels]]\nname = "A"\n[[labels]]\nname = "A"\n', "'A' appears twice"),
        ('[[labels]]\nname = "A"\nhotkey = "ab"\n', "hotkey 'ab'"),
        ('name = "x"\nlabels = [\n', "invalid TOML"),
        ('[[labels]]\nname = "A"\nsize = 3\n', "unknown field 'size'"),
        # relation types (issue 25)
        (_REL + 'name = "r"\nfrom = ["A"]\nto = ["NOPE"]\n',
         "relations[0] (r): to names 'NOPE', which is not a label of this schema"),
        (_REL + 'name = "r"\n[[relations]]\nname = "r"\n', "relations: 'r' appears twice"),
        (_REL + 'name = "r"\nhotkey = "a"\n', "hotkey 'a' is used by both A and r"),
        (_REL + 'name = "r"\ndirected = "yes"\n', "relations[0] (r): directed must be true or false"),
        (_REL + 'name = "r"\nfrom = [1]\n', "relations[0] (r): from must be a list of label names"),
        (_REL + 'name = "r"\nexamples = [1]\n', "relations[0] (r): examples must be a list of strings"),
        (_REL + 'name = "r"\nweight = 1\n', "relations[0]: unknown field 'weight'"),
        (_REL + 'name = "r s"\n', "relations[0]: name 'r s'"),
        (_REL + 'name = "A"\n', "relations[0] (A): the name is a label's; a relation type needs a name of its own"),
    ],
)
def test_bad_schema_files_are_refused_with_the_file_named(tmp_path: Path, content: str, message: str):
    path = write(tmp_path / "bad.toml", content)
    with pytest.raises(InputError) as err:
        load_schema_file(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_json_schema_with_its_line_on_error(tmp_path: Path):
    path = write(tmp_path / "s.json", '{"labels": [\n  {"name": "A"},\n  oops\n]}')
    with pytest.raises(InputError, match=r"s\.json:3: invalid JSON"):
        load_schema_file(path)
    good = write(tmp_path / "ok.json", '{"labels": [{"name": "A", "hotkey": "a"}], "themes": []}')
    assert [label.name for label in load_schema_file(good).labels] == ["A"]


def test_relation_types_load_with_their_rules_and_examples_in_both_languages(tmp_path: Path):
    path = write(tmp_path / "s.toml", '[[labels]]\nname = "PER"\nhotkey = "p"\n[[labels]]\nname = "ROLE"\nhotkey = "r"\n'
                 '[[relations]]\nname = "holds_role"\nfrom = ["PER"]\nto = "ROLE"\nhotkey = "h"\n'
                 'examples = ["محمدجواد رجائیان → مدیرعامل", "권혁원 → 과장"]\n'
                 '[[relations]]\nname = "same_as"\ndirected = false\n')
    schema = load_schema_file(path)
    holds, same = schema.relations
    assert (holds.from_labels, holds.to_labels, holds.directed, holds.rule()) == (("PER",), ("ROLE",), True,
                                                                                  "PER -> ROLE")
    assert holds.allows("PER", "ROLE") and not holds.allows("ROLE", "PER")
    assert (same.directed, same.rule(), same.allows("ROLE", "PER"), same.colour) == (False, "any -- any", True,
                                                                                      "#5C6B7A")
    assert "holds_role: holds_role [h] (PER -> ROLE)" in schema.guidelines_text()
    assert "권혁원 → 과장" in schema.guidelines_text()
    # What schema show --json writes loads back as the same schema.
    import json

    again = write(tmp_path / "again.json", json.dumps(schema.to_dict(), ensure_ascii=False))
    assert load_schema_file(again) == schema
