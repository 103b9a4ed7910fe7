"""Recommenders: suggestions learned from an annotator's own spans, offline, on the CPU.

- :mod:`strings`: every span text learned becomes a pattern with its label, matched with the
  rules of each script (Arabic and Persian letters as one, ZWNJ and harakat optional, whole words;
  a Korean match may be followed by a particle but never starts inside a longer word).
- :mod:`tagger`: a CRF sequence tagger (python-crfsuite) over annotator's own tokens.

A suggestion is a :class:`Suggestion`: code-point offsets over the stored text, a label, a score
in 0..1 and the recommender that made it. Suggestions go into a layer of their own (``model``
by default) through the same checks as an import, never into a person's layer.
"""

from __future__ import annotations

from typing import NamedTuple


class Suggestion(NamedTuple):
    start: int
    end: int
    label: str
    score: float
    recommender: str
