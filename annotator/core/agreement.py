"""Inter-annotator agreement: span F1 per pair (exact and by overlap) and theme agreement
(Cohen's kappa per pair, Fleiss' kappa, Krippendorff's alpha, nominal).

The formulas work on plain data and are checked in tests/core/test_agreement.py against small
examples worked out by hand. :func:`compute` gathers the data from a store.

Definitions:
- A document counts for a pair when both annotators have a layer on it (a span, a theme, or a
  status other than new).
- Exact match: same start, end and label. Overlap match: same label and at least one character in
  common, matched one-to-one, largest overlap first.
- F1 for a pair is 2·matches / (spans of A + spans of B): symmetric, no annotator is the truth.
  Micro-averaged over pairs: 2·Σmatches / Σ(spans of A + spans of B).
- Themes are decisions on document × theme items (ticked or not, for every theme in the schema).
- Relations (issue 25): a relation matches when its ends' spans match exactly (same start, end and
  label) and its type is the same (for an undirected type, either way round); F1 as for spans, per
  pair and per type, micro over pairs (``relations`` in the figures, see :func:`relation_figures`).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.core.relation_review import layer_keys
from annotator.storage import Store

Key = tuple[int, int, str]  # start, end, label


# --- spans ------------------------------------------------------------------------------------


def exact_matches(a: Iterable[Key], b: Iterable[Key]) -> int:
    """Spans with the same offsets and label in both (each span counts once)."""
    ca, cb = Counter(a), Counter(b)
    return sum(min(n, cb[key]) for key, n in ca.items())


def overlap_matches(a: Sequence[Key], b: Sequence[Key]) -> int:
    """One-to-one matches of same-label spans sharing at least one character, largest overlap first."""
    candidates = []
    for i, (sa, ea, la) in enumerate(a):
        for j, (sb, eb, lb) in enumerate(b):
            common = min(ea, eb) - max(sa, sb)
            if la == lb and common > 0:
                candidates.append((-common, i, j))
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def f1(matches: int, size_a: int, size_b: int) -> float | None:
    """2·matches / (|A| + |B|); None when neither has a span (nothing to agree on)."""
    total = size_a + size_b
    return 2 * matches / total if total else None


# --- themes -----------------------------------------------------------------------------------


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    """Cohen's kappa for two raters over the same items; None when chance agreement is 1
    (both raters gave one and the same value to every item: kappa is undefined)."""
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[v] * cb[v] for v in set(ca) | set(cb)) / (n * n)
    if math.isclose(expected, 1.0):
        return None
    return (observed - expected) / (1 - expected)


def fleiss_kappa(items: Sequence[Sequence[Any]]) -> float | None:
    """Fleiss' kappa: each item rated by the same number (≥ 2) of raters; None when undefined."""
    items = [list(item) for item in items if item]
    if not items:
        return None
    n = len(items[0])
    if n < 2 or any(len(item) != n for item in items):
        raise ValueError("Fleiss' kappa needs the same number (at least 2) of ratings per item")
    categories = sorted({v for item in items for v in item}, key=repr)
    big_n = len(items)
    counts = [Counter(item) for item in items]
    p_j = [sum(c[cat] for c in counts) / (big_n * n) for cat in categories]
    p_i = [(sum(c[cat] ** 2 for cat in categories) - n) / (n * (n - 1)) for c in counts]
    p_bar = sum(p_i) / big_n
    p_e = sum(p * p for p in p_j)
    if math.isclose(p_e, 1.0):
        return None
    return (p_bar - p_e) / (1 - p_e)


def krippendorff_alpha_nominal(units: Sequence[Sequence[Any]]) -> float | None:
    """Krippendorff's alpha for nominal data; each unit lists the values its raters gave (any
    number; units with fewer than two values are not pairable and are left out)."""
    coincidence: Counter[tuple[Any, Any]] = Counter()
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            coincidence[(values[i], values[j])] += 1 / (m - 1)
    if not coincidence:
        return None
    totals: Counter[Any] = Counter()
    for (c, _), weight in coincidence.items():
        totals[c] += weight
    n = sum(totals.values())
    observed = sum(w for (c, k), w in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


# --- from a store -----------------------------------------------------------------------------


@dataclass
class PairFigures:
    a: str
    b: str
    documents: int = 0
    spans_a: int = 0
    spans_b: int = 0
    exact: int = 0
    overlap: int = 0
    theme_a: list[bool] = field(default_factory=list)
    theme_b: list[bool] = field(default_factory=list)
    per_label: dict[str, list[int]] = field(default_factory=dict)  # label: [exact, overlap, |A|, |B|]
    relations: list[int] = field(default_factory=lambda: [0, 0, 0])  # [matches, |A|, |B|]
    per_type: dict[str, list[int]] = field(default_factory=dict)  # type: [matches, |A|, |B|]

    def add_relations(self, a: list[tuple], b: list[tuple]) -> None:
        """One document's relations of both, as (from, to, type) keys."""
        for figures, ka, kb in [(self.relations, a, b)] + [
                (self.per_type.setdefault(kind, [0, 0, 0]), [k for k in a if k[2] == kind], [k for k in b if k[2] == kind])
                for kind in sorted({k[2] for k in a + b})]:
            figures[0] += exact_matches(ka, kb)
            figures[1] += len(ka)
            figures[2] += len(kb)

    def relation_dict(self) -> dict[str, Any]:
        m, na, nb = self.relations
        return {"a": self.a, "b": self.b, "documents": self.documents, "relations_a": na, "relations_b": nb,
                "f1": f1(m, na, nb),
                "per_type": {kind: {"f1": f1(e, ka, kb), "relations_a": ka, "relations_b": kb}
                             for kind, (e, ka, kb) in sorted(self.per_type.items())}}

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a, "b": self.b, "documents": self.documents, "spans_a": self.spans_a,
            "spans_b": self.spans_b, "f1_exact": f1(self.exact, self.spans_a, self.spans_b),
            "f1_overlap": f1(self.overlap, self.spans_a, self.spans_b),
            "theme_kappa": cohen_kappa(self.theme_a, self.theme_b),
            "per_label": {label: {"f1_exact": f1(e, na, nb), "f1_overlap": f1(o, na, nb), "spans_a": na, "spans_b": nb}
                          for label, (e, o, na, nb) in sorted(self.per_label.items())},
        }


def compute(store: Store, *, annotators: list[str] | None = None) -> dict[str, Any]:
    """Every figure of ``annotator agreement``, over the annotators who have a layer somewhere (a
    ``model`` layer counts only if named; gold is not an annotator)."""
    themes = [t.name for t in store.schema().themes]
    if annotators and "gold" in annotators:
        raise ValueError("gold is not an annotator's layer: compare annotators, then export --gold")
    names = annotators or store.annotators_with_layers(exclude=("model",))
    pairs = {(a, b): PairFigures(a, b) for a, b in itertools.combinations(sorted(names), 2)}
    counts: dict[str, Counter[str]] = {name: Counter() for name in names}
    finished: dict[str, list[str]] = {name: [] for name in names}
    fleiss_items: list[list[bool]] = []
    alpha_units: list[list[bool]] = []
    undirected = {kind.name for kind in store.schema().relations if not kind.directed}
    for docs in store.document_pages():
        layers = store.layers([doc.id for doc in docs])
        related = store.relation_layers([doc.id for doc in docs])
        for doc in docs:
            by = {name: layer for name, layer in layers.get(doc.id, {}).items()
                  if name in counts and layer["status"].value != "skipped"}  # skipped: not annotated
            for name, layer in by.items():
                counts[name].update(s.label for s in layer["spans"])
                if layer["status"].value == "done":
                    finished[name].append(doc.id)
            keys = {name: [(s.start, s.end, s.label) for s in layer["spans"]] for name, layer in by.items()}
            ticked = {name: set(layer["themes"]) for name, layer in by.items()}
            joined = {name: layer_keys(layer["spans"], related.get(doc.id, {}).get(name, []), undirected)
                      for name, layer in by.items()}
            for (a, b), pair in pairs.items():
                if a not in by or b not in by:
                    continue
                pair.documents += 1
                pair.spans_a += len(keys[a])
                pair.spans_b += len(keys[b])
                pair.exact += exact_matches(keys[a], keys[b])
                pair.overlap += overlap_matches(keys[a], keys[b])
                for label in {k[2] for k in keys[a] + keys[b]}:
                    ka = [k for k in keys[a] if k[2] == label]
                    kb = [k for k in keys[b] if k[2] == label]
                    figures = pair.per_label.setdefault(label, [0, 0, 0, 0])
                    figures[0] += exact_matches(ka, kb)
                    figures[1] += overlap_matches(ka, kb)
                    figures[2] += len(ka)
                    figures[3] += len(kb)
                pair.add_relations(joined[a], joined[b])
                for theme in themes:
                    pair.theme_a.append(theme in ticked[a])
                    pair.theme_b.append(theme in ticked[b])
            raters = sorted(by)
            for theme in themes:
                values = [theme in ticked[name] for name in raters]
                if len(raters) >= 2:
                    alpha_units.append(values)
                if len(raters) == len(names) >= 2:
                    fleiss_items.append(values)
    pair_dicts = [pair.to_dict() for pair in pairs.values()]
    total_exact = sum(p.exact for p in pairs.values())
    total_overlap = sum(p.overlap for p in pairs.values())
    total_spans = sum(p.spans_a + p.spans_b for p in pairs.values())
    per_label: dict[str, dict[str, Any]] = {}
    for label in sorted({label for p in pairs.values() for label in p.per_label}):
        e = sum(p.per_label.get(label, [0] * 4)[0] for p in pairs.values())
        o = sum(p.per_label.get(label, [0] * 4)[1] for p in pairs.values())
        size = sum(sum(p.per_label.get(label, [0] * 4)[2:]) for p in pairs.values())
        per_label[label] = {"f1_exact": 2 * e / size if size else None,
                            "f1_overlap": 2 * o / size if size else None, "spans": size}
    kappas = [d["theme_kappa"] for d in pair_dicts if d["theme_kappa"] is not None]
    return {
        "annotators": names,
        "span_f1_exact": 2 * total_exact / total_spans if total_spans else None,
        "span_f1_overlap": 2 * total_overlap / total_spans if total_spans else None,
        "theme_kappa": sum(kappas) / len(kappas) if kappas else None,
        "theme_fleiss_kappa": fleiss_kappa(fleiss_items) if fleiss_items else None,
        "theme_krippendorff_alpha": krippendorff_alpha_nominal(alpha_units),
        "pairs": pair_dicts,
        "per_label": per_label,
        "relations": relation_figures(list(pairs.values())),
        "counts": {name: dict(sorted(c.items())) for name, c in counts.items()},
        "finished": finished,
    }


def relation_figures(pairs: list[PairFigures]) -> dict[str, Any]:
    """The ``relations`` of :func:`compute`: ``f1`` (micro over pairs), ``pairs`` (each pair's F1
    and per type) and ``per_type`` (micro over pairs, with how many relations both sides held)."""
    matches = sum(p.relations[0] for p in pairs)
    size = sum(p.relations[1] + p.relations[2] for p in pairs)
    per_type: dict[str, dict[str, Any]] = {}
    for kind in sorted({kind for p in pairs for kind in p.per_type}):
        e = sum(p.per_type.get(kind, [0, 0, 0])[0] for p in pairs)
        n = sum(sum(p.per_type.get(kind, [0, 0, 0])[1:]) for p in pairs)
        per_type[kind] = {"f1": 2 * e / n if n else None, "relations": n}
    return {"f1": 2 * matches / size if size else None, "pairs": [p.relation_dict() for p in pairs],
            "per_type": per_type}
