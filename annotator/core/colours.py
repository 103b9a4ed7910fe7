"""Telling label colours apart: CIEDE2000 colour differences, highlights as they are shown (a
label's colour laid translucently over the page), and common colour-vision deficiencies.

The window draws a span as its label's colour at ``LIGHT_ALPHA`` over a white page, or at
``DARK_ALPHA`` over the dark palette's page; what the annotator must tell apart is those blends.
Colour-vision deficiencies are simulated with Machado, Oliveira and Fernandes (2009) at full
severity (protanopia, deuteranopia, tritanopia), in linear RGB.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable

LIGHT_PAGE, DARK_PAGE = "#FFFFFF", "#1E1E1E"
LIGHT_ALPHA, DARK_ALPHA = 0.40, 0.50
RGB = tuple[float, float, float]

# Machado et al. 2009, severity 1.0, applied to linear RGB.
DEFICIENCIES: dict[str, tuple[RGB, RGB, RGB]] = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
VISIONS = ("normal", *DEFICIENCIES)


def rgb(colour: str) -> RGB:
    """``#RRGGBB`` as sRGB components in 0..1."""
    value = colour.lstrip("#")
    return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def blend(colour: str, alpha: float, page: str) -> RGB:
    """A translucent highlight as shown: ``colour`` at ``alpha`` over ``page`` (sRGB, as Qt paints)."""
    top, bottom = rgb(colour), rgb(page)
    return tuple(alpha * a + (1 - alpha) * b for a, b in zip(top, bottom))  # type: ignore[return-value]


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    c = min(max(c, 0.0), 1.0)
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def simulate(colour: RGB, vision: str) -> RGB:
    """How ``colour`` (sRGB) looks with ``vision`` (normal, protanopia, deuteranopia, tritanopia)."""
    if vision == "normal":
        return colour
    matrix = DEFICIENCIES[vision]
    linear = [_linear(c) for c in colour]
    return tuple(_gamma(sum(m * c for m, c in zip(row, linear))) for row in matrix)  # type: ignore[return-value]


def lab(colour: RGB) -> RGB:
    """CIE L*a*b* (D65) of an sRGB colour."""
    r, g, b = (_linear(c) for c in colour)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1: RGB, lab2: RGB) -> float:
    """The CIEDE2000 colour difference (Sharma, Wu and Dalal 2005), kL = kC = kH = 1."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    c_mean = (c1 + c2) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    else:
        dh = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dH = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    sc = 1 + 0.045 * cp_mean
    sh = 1 + 0.015 * cp_mean * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dH / sh) ** 2 + rt * (dc / sc) * (dH / sh))


def highlight_distances(colours: Iterable[str]) -> dict[tuple[str, str], float]:
    """For each page (light, dark) and vision: the smallest CIEDE2000 difference between two of
    ``colours`` as highlights, and the pair it is between (keyed ``(page, vision)``)."""
    colours = list(colours)
    out: dict[tuple[str, str], float] = {}
    for page, alpha, background in (("light", LIGHT_ALPHA, LIGHT_PAGE), ("dark", DARK_ALPHA, DARK_PAGE)):
        for vision in VISIONS:
            labs = [lab(simulate(blend(c, alpha, background), vision)) for c in colours]
            out[(page, vision)] = min((ciede2000(a, b) for a, b in itertools.combinations(labs, 2)),
                                      default=math.inf)
    return out


def contrast(colour: str, page: str) -> float:
    """WCAG contrast ratio between two opaque colours."""
    def luminance(c: str) -> float:
        r, g, b = (_linear(x) for x in rgb(c))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    a, b = sorted((luminance(colour), luminance(page)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# What two colours must keep apart, in CIEDE2000: in normal vision, and with each deficiency.
FLOOR_NORMAL, FLOOR_DEFICIENT = 13.0, 6.5


def floor(vision: str) -> float:
    return FLOOR_NORMAL if vision == "normal" else FLOOR_DEFICIENT


def swatch_distances(colours: Iterable[str]) -> dict[str, float]:
    """For each vision: the smallest CIEDE2000 difference between two of ``colours`` shown
    opaque, as the swatches of the Labels and Themes panels, the span list and the menus show
    them (the same on either page). Labels and themes are told apart here: a theme is never a
    highlight, so its colour only ever stands beside the others as a swatch."""
    colours = list(colours)
    out: dict[str, float] = {}
    for vision in VISIONS:
        labs = [lab(simulate(rgb(c), vision)) for c in colours]
        out[vision] = min((ciede2000(a, b) for a, b in itertools.combinations(labs, 2)), default=math.inf)
    return out


_SHOWINGS = [("swatch", None, None)] + [("highlight", LIGHT_ALPHA, LIGHT_PAGE), ("highlight", DARK_ALPHA, DARK_PAGE)]


@functools.lru_cache(maxsize=8192)
def _seen(colour: str, alpha: float | None, page: str | None) -> tuple[RGB, ...]:
    """``colour``'s Lab in each vision, opaque or as a highlight on ``page``."""
    shown = rgb(colour) if alpha is None else blend(colour, alpha, page)
    return tuple(lab(simulate(shown, vision)) for vision in VISIONS)


def separation(colour: str, labels: Iterable[str], themes: Iterable[str] = (), *, highlight: bool = True,
               stop_below: float = -math.inf) -> float:
    """How far ``colour`` stands from the colours in use, as a fraction of the floor (1.0: exactly
    at it): the smallest of its swatch distances to every label and theme colour and, for a label
    (``highlight``), of its highlight distances to every label colour on both pages, each in every
    vision divided by that vision's floor. Stops early once it is below ``stop_below``."""
    labels, themes = list(labels), list(themes)
    floors = [floor(v) for v in VISIONS]
    worst = math.inf
    for kind, alpha, page in _SHOWINGS:
        others = labels + themes if kind == "swatch" else (labels if highlight else [])
        if not others:
            continue
        mine = _seen(colour, alpha, page)
        for other in others:
            for a, b, f in zip(mine, _seen(other, alpha, page), floors):
                worst = min(worst, ciede2000(a, b) / f)
                if worst < stop_below:
                    return worst
    return worst


def _candidates() -> list[str]:
    """Colours a new label or theme may get: a grid over sRGB, each with a contrast of at least
    3:1 on the light page and on the dark one, as every default colour has."""
    if not _CANDIDATES:
        steps = range(0, 256, 16)
        grid = (f"#{r:02X}{g:02X}{b:02X}" for r in steps for g in steps for b in steps)
        _CANDIDATES.extend(c for c in grid if contrast(c, LIGHT_PAGE) >= 3 and contrast(c, DARK_PAGE) >= 3)
    return _CANDIDATES


_CANDIDATES: list[str] = []


def farthest(labels: Iterable[str], themes: Iterable[str] = (), *, highlight: bool = True,
             candidates: Iterable[str] | None = None) -> str:
    """Of ``candidates`` (by default a grid of colours readable on both pages), the one whose
    :func:`separation` from the colours in use is largest; the first of equals."""
    labels, themes = [c.upper() for c in labels], [c.upper() for c in themes]
    best, best_colour = -math.inf, None
    for colour in candidates if candidates is not None else _candidates():
        score = separation(colour, labels, themes, highlight=highlight, stop_below=best)
        if score > best:
            best, best_colour = score, colour
    assert best_colour is not None, "no candidate colours"
    return best_colour
