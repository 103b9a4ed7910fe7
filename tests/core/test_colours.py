"""Label colours that can be told apart: CIEDE2000 against published values, and the default
schema's highlights (as drawn, on the light and dark page) apart in normal vision and with the
three common colour-vision deficiencies; its labels and themes apart as swatches; and a new label's
colour the farthest there is from those in use."""

from __future__ import annotations

import pytest

from annotator.core import colours
from annotator.core.colours import DARK_PAGE, LIGHT_PAGE, ciede2000, contrast, highlight_distances, lab, rgb, simulate
from annotator.core.schema import load_schema_file
from annotator.core.resources import default_schema_path

# Sharma, Wu and Dalal (2005), table 1: pairs and their CIEDE2000 differences.
SHARMA = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
]


@pytest.mark.parametrize(("a", "b", "expected"), SHARMA)
def test_ciede2000_matches_the_published_values(a, b, expected):
    assert ciede2000(a, b) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(b, a) == pytest.approx(expected, abs=1e-4)


def test_lab_and_deficiency_simulation_on_known_colours():
    assert lab(rgb("#FFFFFF")) == pytest.approx((100, 0, 0), abs=0.01)
    assert lab(rgb("#FF0000")) == pytest.approx((53.24, 80.09, 67.20), abs=0.05)
    # Red and green that differ hugely in normal vision come close with deuteranopia.
    red, green = rgb("#D03030"), rgb("#6A8A00")
    normal = ciede2000(lab(red), lab(green))
    deutan = ciede2000(lab(simulate(red, "deuteranopia")), lab(simulate(green, "deuteranopia")))
    assert normal > 40 and deutan < normal / 3


def test_the_default_label_highlights_are_apart_for_every_reader():
    schema = load_schema_file(default_schema_path())
    colours = [label.colour for label in schema.labels]
    assert len(colours) == 7
    distances = highlight_distances(colours)
    for (page, vision), distance in distances.items():
        floor = 13.0 if vision == "normal" else 6.5
        assert distance >= floor, (page, vision, round(distance, 1))
    for colour in colours:
        assert contrast(colour, LIGHT_PAGE) >= 3 and contrast(colour, DARK_PAGE) >= 3, colour


def test_the_old_palette_failed_it():
    """PER #D9480F and DATE #DB7100 were near twins: the check is able to fail."""
    old = ["#D9480F", "#1C7ED6", "#2B8A3E", "#1098AD", "#AE3EC9", "#DB7100", "#E64980"]
    distances = highlight_distances(old)
    assert distances[("light", "normal")] < 13 and distances[("light", "deuteranopia")] < 2


def _default():
    schema = load_schema_file(default_schema_path())
    return [label.colour for label in schema.labels], [theme.colour for theme in schema.themes]


def test_the_default_labels_and_themes_together_are_apart_as_swatches():
    labels, themes = _default()
    assert len(themes) == 8
    for vision, distance in colours.swatch_distances(labels + themes).items():
        assert distance >= colours.floor(vision), (vision, round(distance, 1))
    for colour in themes:
        assert contrast(colour, LIGHT_PAGE) >= 3 and contrast(colour, DARK_PAGE) >= 3, colour


def test_the_old_theme_colours_failed_it():
    """Themes 1 and 5 were near twins of a purple, economy a twin of DATE's orange."""
    labels, _ = _default()
    old = ["#7950F2", "#E03131", "#4263EB", "#0C8599", "#845EF7", "#2F9E44", "#D6336C", "#B36B00"]
    assert ciede2000(lab(rgb("#7950F2")), lab(rgb("#845EF7"))) < 5
    assert colours.swatch_distances(labels + old)["normal"] < 5


def test_a_new_label_gets_the_candidate_farthest_from_every_colour_in_use():
    labels, themes = _default()
    chosen = colours.farthest(labels, themes)
    scores = {c: colours.separation(c, labels, themes) for c in colours._candidates()}
    assert colours.separation(chosen, labels, themes) == max(scores.values())
    assert chosen not in labels + themes
    # What an added label used to get (the first palette colour not in use) stood 10 from ROLE.
    role = next(c for c in labels if c == "#C32D87")
    assert ciede2000(lab(rgb("#C2255C")), lab(rgb(role))) < 11
    assert colours.separation("#C2255C", labels, themes) < colours.separation(chosen, labels, themes)
    assert min(ciede2000(lab(rgb(chosen)), lab(rgb(c))) for c in labels + themes) >= 13


def test_a_new_theme_is_kept_apart_as_a_swatch_only():
    labels, themes = _default()
    theme = colours.farthest(labels, themes, highlight=False)
    scores = [colours.separation(c, labels, themes, highlight=False) for c in colours._candidates()]
    assert colours.separation(theme, labels, themes, highlight=False) == max(scores)
    assert colours.separation(theme, labels, themes, highlight=False) >= colours.separation(
        colours.farthest(labels, themes), labels, themes, highlight=False)


def test_farthest_takes_the_first_of_equals_and_never_a_colour_in_use():
    candidates = ["#E10000", "#2D96F0", "#2D783C"]
    picked: list[str] = []
    for _ in range(3):
        picked.append(colours.farthest(picked, candidates=candidates))
    assert picked[0] == "#E10000"  # nothing in use: all equal, the first
    assert sorted(picked) == sorted(candidates)  # each one picked is in use for the next
