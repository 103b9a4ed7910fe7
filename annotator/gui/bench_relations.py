"""The window's relation figures (issue 25), beside the span figures of :mod:`annotator.gui.bench`:

- open: the same 100,000-character Persian document with its 5,000 spans and 2,000 relations
  between them, until painted, against the document without relations opened in the same window
  (the floor; target: at most 2x);
- add a relation by key: relation mode on a span (Ctrl+L), Tab to the other span, then the
  type's key, timed from that key press to committed and repainted (arcs and the Relations panel
  included), median (target: at most 16 ms, a frame at 60 Hz; the floor beside it is adding a
  span by key in the same document, measured just before).

The relations join spans a few places apart, as a news article's do (a PER and the ROLE after it,
an ORG and its GPE), so most arcs are short and some cross a line.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotator.benchmarks import Figure

RELATIONS = 2_000
WITH = "long-related"  # the document with relations; "long" (the same text and spans) has none


def related_spans(spans: list[dict[str, Any]], count: int | None = None) -> list[dict[str, str]]:
    """``count`` relations between ``spans`` (labelled PER, ORG, GPE, LOC, EVENT, DATE, ROLE in
    turn, as ``persian_document`` makes them), each allowed by the default schema's types; the
    spans are named by their ids ``s0``, ``s1``, ... (their places)."""
    count = RELATIONS if count is None else count
    out: list[dict[str, str]] = []
    for i in range(0, len(spans) - 8, 7):  # i: a PER; i+1 ORG, i+2 GPE, i+4 EVENT, i+6 ROLE, i+8 ORG
        for a, b, kind in ((i, i + 6, "holds_role"), (i + 6, i + 8, "role_in"), (i + 1, i + 2, "located_in"),
                           (i, i + 4, "participates_in")):
            out.append({"from": f"s{a}", "to": f"s{b}", "label": kind})
            if len(out) == count:
                return out
    raise ValueError(f"{len(spans)} spans make fewer than {count} relations")


def write_related(path: Path, text: str, spans: list[dict[str, Any]]) -> None:
    """The document ``WITH``: ``text`` and ``spans`` with ``RELATIONS`` relations, as JSONL."""
    ided = [{"id": f"s{n}", **span} for n, span in enumerate(spans)]
    path.write_text(json.dumps({"id": WITH, "lang": "fa", "text": text, "spans": ided, "annotator": "bench",
                                "relations": related_spans(spans)}, ensure_ascii=False) + "\n", encoding="utf-8")


def open_figure(window: Any, *, runs: int = 7, progress: Callable[[str], None] = print) -> Figure:
    """Opening ``WITH`` against opening "long" (the same text and spans, no relations) in
    ``window`` (a MainWindow whose store holds both in the layer "bench"), interleaved; before any
    span is added to either, so that they differ only by the relations."""
    app = QApplication.instance()
    progress(f"opening the document with {RELATIONS:,} relations …")

    def open_ms(doc_id: str) -> float:
        window.open_document("000_b57cd57af517ef66")  # away, as a person comes from another article
        app.processEvents()
        gc.collect()  # what the document opened before left behind is not charged to either
        t0 = time.perf_counter()
        window.open_document(doc_id)
        app.processEvents()
        window.view.viewport().repaint()
        return (time.perf_counter() - t0) * 1000

    bare, related = [], []
    for _ in range(runs):  # interleaved, so that a slower moment of the machine weighs on both
        bare.append(open_ms("long"))
        related.append(open_ms(WITH))
    shown = len(window.relating.relations)
    if shown != RELATIONS:
        raise RuntimeError(f"the window shows {shown} relations, not {RELATIONS}")
    return Figure(f"open the same document with {RELATIONS:,} relations (floor: without)", statistics.median(related),
                  "ms", statistics.median(bare), "<= 2x floor", 2.0, True)


def add_figure(window: Any, span_add_ms: float, *, adds: int = 40,
               progress: Callable[[str], None] = print) -> Figure:
    """Relations made by key in ``WITH``; ``span_add_ms``: the median span added by key in the
    same window, the floor beside it."""
    progress("adding relations with the keyboard …")
    window.open_document(WITH)
    added = add_relations_by_key(window, adds)
    return Figure("add one relation by key, type key to repainted (median; floor: a span)", statistics.median(added),
                  "ms", span_add_ms, "<= 16 ms", 16.0, False)


def add_relations_by_key(window: Any, count: int) -> list[float]:
    """Milliseconds of each of ``count`` relations made in the open ``WITH`` document: Ctrl+L on
    a GPE span, Tab twice to the EVENT two spans on, then M (participates_in), timed from M to
    committed and repainted; each must be saved."""
    app = QApplication.instance()
    view = window.view
    view.setFocus()
    app.processEvents()
    before = len(window.store.relations(WITH, "bench"))
    spans = sorted(view.spans, key=lambda s: (s.start, s.end))
    times = []
    for n in range(count):
        source, target = spans[2 + 7 * (3 + n * 13)], spans[4 + 7 * (3 + n * 13)]  # a GPE, the EVENT after it
        window.select_span(source.id)
        app.processEvents()
        QTest.keyClick(view, Qt.Key_L, Qt.ControlModifier)
        QTest.keyClick(view, Qt.Key_Tab)
        QTest.keyClick(view, Qt.Key_Tab)
        if window.relating.target is None or window.relating.target.id != target.id:
            raise RuntimeError("Tab did not reach the span the benchmark relates to")
        app.processEvents()
        t0 = time.perf_counter()
        QTest.keyClick(view, "m")
        app.processEvents()  # committed, the arcs and the panel given the new relation, repainted
        times.append((time.perf_counter() - t0) * 1000)
    if len(window.store.relations(WITH, "bench")) != before + count:
        raise RuntimeError("a key press in the benchmark did not save its relation")
    return times
