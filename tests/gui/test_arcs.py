"""Relation arcs in the article (issue 25): each end over its span where the span is drawn (right in
a wrapped Persian paragraph, and in Korean), in a band above the line that covers no letter and no
label tag, overlapping arcs on distinct levels, ends on other lines joined through a margin, hover
and hit-testing; a document without relations lays out exactly as one never given any."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, QPoint
from PySide6.QtGui import QHelpEvent, QPalette, QTextCursor, QTextLine
from PySide6.QtWidgets import QApplication, QToolTip

from annotator.core.model import Span
from annotator.gui.app import create_app
from annotator.gui.article import ArticleView
from annotator.gui.article_arcs import Arc
from annotator.gui.fonts import article_font
from annotator.gui.theme import apply_theme
from tests.gui.conftest import utf16
from tests.gui.test_tags import Pixels
from tests.helpers import DAEGU_SEED, PERSIAN_SEED, SEEDS

COLOURS = {"ROLE": "#C2255C", "ORG": "#1C7ED6", "GPE": "#2B8A3E", "PER": "#E8590C", "EVENT": "#7048E8"}
PERSIAN = (SEEDS / f"{PERSIAN_SEED}.txt").read_text(encoding="utf-8")[:900]
KOREAN = (SEEDS / f"{DAEGU_SEED}.txt").read_text(encoding="utf-8")[:700]
SECOND = PERSIAN.index("محمدجواد")  # the second paragraph: «محمدجواد رجائیان مدیرعامل سازمان فاوا شهرداری مشهد»


def _span(text: str, word: str, label: str, number: int, after: int = 0) -> Span:
    start = text.index(word, after)
    return Span(doc_id="d", annotator="t", start=start, end=start + len(word), label=label, text=word, id=number)


def _arc(number: int, one: Span, two: Span, label: str, colour: str = "#3C8CB4", directed: bool = True) -> Arc:
    return Arc(number, one.start, one.end, two.start, two.end, label, colour, directed)


PERSIAN_SPANS = [
    _span(PERSIAN, "مدیرعامل", "ROLE", 1), _span(PERSIAN, "سازمان فاوا شهرداری مشهد", "ORG", 2),
    _span(PERSIAN, "مشهد", "GPE", 3),
    _span(PERSIAN, "محمدجواد رجائیان", "PER", 4, SECOND), _span(PERSIAN, "مدیرعامل", "ROLE", 5, SECOND),
    _span(PERSIAN, "سازمان فاوا شهرداری مشهد", "ORG", 6, SECOND),
]
# ROLE → ORG → GPE on the first line, and PER → ROLE, which the narrow width wraps onto two lines.
PERSIAN_ARCS = [_arc(1, PERSIAN_SPANS[0], PERSIAN_SPANS[1], "role_in"),
                _arc(2, PERSIAN_SPANS[1], PERSIAN_SPANS[2], "located_in", "#5A8C28"),
                _arc(3, PERSIAN_SPANS[3], PERSIAN_SPANS[4], "holds_role", "#D2591E"),
                _arc(4, PERSIAN_SPANS[4], PERSIAN_SPANS[5], "role_in")]
KOREAN_SPANS = [_span(KOREAN, "대구시", "GPE", 1), _span(KOREAN, "스마트시티 엑스포 월드 콩그레스", "EVENT", 2)]
KOREAN_ARCS = [_arc(1, KOREAN_SPANS[0], KOREAN_SPANS[1], "participates_in", "#9650C8")]


def _view(qtbot, text: str, direction: str, spans: list[Span], width: int, dark: bool = False) -> ArticleView:
    app = create_app()
    apply_theme(app, "dark" if dark else "light")
    view = ArticleView()
    qtbot.addWidget(view)
    view.resize(width, 900)
    view.setCursorWidth(0)
    view.show_text(text, direction, article_font(direction, 13), spans, COLOURS, dark)
    view.show()
    qtbot.waitExposed(view)
    return view


def _drawn(view: ArticleView) -> dict:
    return {d.arc.id: d for d in view.drawn_arcs()}


def _extent(view: ArticleView, text: str, span: Span) -> tuple[float, float, float]:
    """The span's part on the line of its start as Qt places its characters (each boundary's x,
    both sides, counted with positions independent of the view's converter): left, right, the
    line's top (viewport coordinates)."""
    a, b = utf16(text, span.start), utf16(text, span.end)
    block = view.document().findBlock(a)
    layout = block.layout()
    geometry = view.blockBoundingGeometry(block).translated(view.contentOffset())
    line = layout.lineForTextPosition(a - block.position())
    last = min(b - block.position(), line.textStart() + line.textLength())
    xs = [line.cursorToX(p, edge)[0] for p in range(a - block.position(), last + 1)
          for edge in (QTextLine.Leading, QTextLine.Trailing)]
    return geometry.left() + min(xs), geometry.left() + max(xs), geometry.top() + line.y()


def _check_ends(view: ArticleView, text: str, spans: list[Span], arcs: list[Arc]) -> None:
    drawn = _drawn(view)
    by_place = {(s.start, s.end): s for s in spans}
    for arc in arcs:
        item = drawn[arc.id]
        for end, (start, stop) in zip(item.ends, ((arc.from_start, arc.from_end), (arc.to_start, arc.to_end))):
            left, right, top = _extent(view, text, by_place[(start, stop)])
            assert left < end.x() < right, f"arc {arc.label}'s end at {end.x()} is not over «{text[start:stop]}»"
            assert top - view._layout.gap - view._layout.band <= end.y() < top - view._layout.gap


def test_arc_ends_sit_over_their_spans_in_a_wrapped_persian_paragraph(qtbot):
    view = _view(qtbot, PERSIAN, "rtl", PERSIAN_SPANS, 330)
    view.set_arcs(PERSIAN_ARCS)
    _check_ends(view, PERSIAN, PERSIAN_SPANS, PERSIAN_ARCS)
    drawn = _drawn(view)
    # مدیرعامل comes first in the text and is drawn rightmost: its arc starts on the right
    role_in = drawn[1]
    assert role_in.runs[0][0] == drawn[2].runs[0][0]  # one line
    assert role_in.ends[0].x() > role_in.ends[1].x()
    assert role_in.lines[0][0] == role_in.ends[0] and role_in.lines[0][-1] == role_in.ends[1]
    # two arcs end on سازمان فاوا شهرداری مشهد: at two places over it, the one going left on the left
    assert drawn[2].ends[0].x() < role_in.ends[1].x()
    # PER and its ROLE are on two lines: one path, from each end up and through a side margin
    holds = drawn[3]
    assert holds.ends[0].y() < holds.ends[1].y()
    assert len(holds.runs) == 2 and holds.runs[0][0] != holds.runs[1][0]
    path = holds.lines[0]
    assert path[0] == holds.ends[0] and path[-1] == holds.ends[1]
    margin = view.document().documentMargin()
    assert any(p.x() < margin or p.x() > view.viewport().width() - margin for p in path)


def test_arc_ends_sit_over_their_spans_after_emoji_in_both_languages(qtbot):
    # Each emoji before the spans is one code point and two UTF-16 units (the family, five and
    # eight): an end converted by the wrong count would land letters away, off a short span.
    for prefix, text, direction, spans, arcs, width in (
            ("😀🇮🇷 ", PERSIAN, "rtl", PERSIAN_SPANS, PERSIAN_ARCS, 330),
            ("🎉👩‍👩‍👧 ", KOREAN, "ltr", KOREAN_SPANS, KOREAN_ARCS, 420)):
        n = len(prefix)
        moved = [s._replace(start=s.start + n, end=s.end + n) for s in spans]
        moved_arcs = [Arc(a.id, a.from_start + n, a.from_end + n, a.to_start + n, a.to_end + n, a.label, a.colour,
                          a.directed) for a in arcs]
        view = _view(qtbot, prefix + text, direction, moved, width)
        view.set_arcs(moved_arcs)
        _check_ends(view, prefix + text, moved, moved_arcs)


def test_arc_ends_sit_over_their_spans_in_korean(qtbot):
    view = _view(qtbot, KOREAN, "ltr", KOREAN_SPANS, 420)
    view.set_arcs(KOREAN_ARCS)
    _check_ends(view, KOREAN, KOREAN_SPANS, KOREAN_ARCS)
    item = _drawn(view)[1]
    assert item.ends[0].x() < item.ends[1].x()  # left to right: 대구시 first, on the left
    assert item.arrow is not None and item.arrow.boundingRect().bottom() == item.ends[1].y()


def _grab(view) -> Pixels:
    view.viewport().repaint()
    return Pixels(view.viewport().grab().toImage())


@pytest.mark.parametrize("palette", ["light", "dark"])
@pytest.mark.parametrize("case", ["persian", "korean"])
def test_no_arc_covers_a_letter_or_a_tag(qtbot, case, palette, monkeypatch):
    text, direction, spans, arcs, width = ((PERSIAN, "rtl", PERSIAN_SPANS, PERSIAN_ARCS, 330) if case == "persian"
                                           else (KOREAN, "ltr", KOREAN_SPANS, KOREAN_ARCS, 420))
    dark = palette == "dark"
    try:
        view = _view(qtbot, text, direction, spans, width, dark)
        view.set_arcs(arcs)
        view.highlighter.set_marks([])  # tags only
        drawn = view.drawn_arcs()
        with_arcs = _grab(view)
        monkeypatch.setattr(view, "_paint_arcs", lambda area: None)  # the same layout, no arcs drawn
        tags = _grab(view)
        view._store_spans([])  # letters alone
        letters = _grab(view)
    finally:
        apply_theme(create_app(), "light")
    base = view.palette().color(QPalette.Base).rgb()
    arc_pixels = [(x, y) for y in range(tags.height) for x in range(tags.width)
                  if with_arcs.rows[y][x] != tags.rows[y][x]]
    assert len(arc_pixels) > 200 and len(drawn) == len(arcs)
    covered = [(x, y) for x, y in arc_pixels if letters.rows[y][x] != base or tags.rows[y][x] != letters.rows[y][x]]
    assert not covered, f"{len(covered)} pixels of letters or tags under arcs, first at {covered[:3]}"


def _line_tops(view) -> list[float]:
    tops, block = [], view.document().firstBlock()
    while block.isValid():
        top = view.blockBoundingGeometry(block).top()
        view.blockBoundingRect(block)
        layout = block.layout()
        tops += [top + layout.lineAt(n).y() for n in range(layout.lineCount())]
        block = block.next()
    return tops


def test_without_relations_the_lines_stay_where_they_were_and_with_them_only_lines_with_ends_move(qtbot):
    plain = _view(qtbot, PERSIAN, "rtl", PERSIAN_SPANS, 330)
    before = _line_tops(plain)
    view = _view(qtbot, PERSIAN, "rtl", PERSIAN_SPANS, 330)
    view.set_arcs([])
    assert _line_tops(view) == before
    view.set_arcs(PERSIAN_ARCS)
    during = _line_tops(view)
    steps = [b - a for a, b in zip(during, during[1:])]
    normal = [b - a for a, b in zip(before, before[1:])]
    grown = [n for n, (s, o) in enumerate(zip(steps, normal)) if s != o]
    band = view._layout.band
    assert band > 0 and all(steps[n] - normal[n] == band for n in grown)
    assert during[0] - before[0] == band  # the first line, which holds ROLE → ORG → GPE
    assert len(grown) == 2  # PER's line and its ROLE's, the next one
    view.set_arcs([])
    assert _line_tops(view) == before


def test_fifty_arcs_overlapping_get_distinct_levels_and_labels_never_collide(qtbot):
    words = [w for w in KOREAN.split() if len(w) >= 2][:52]
    spans, after = [], 0
    for number, word in enumerate(words):
        span = _span(KOREAN, word, "GPE", number + 1, after)
        after = span.end
        spans.append(span)
    view = _view(qtbot, KOREAN, "ltr", spans, 560)
    view.resize(560, 2400)  # all of it on screen
    arcs = [_arc(n + 1, spans[n], spans[n + 2], "located_in", "#5A8C28", directed=n % 2 == 0) for n in range(50)]
    view.set_arcs(arcs)
    drawn = view.drawn_arcs()
    assert len(drawn) == 50
    runs = [(line, low, high, level, item.arc.id) for item in drawn for line, low, high, level in item.runs]
    overlapping = 0
    for i, (line, low, high, level, arc) in enumerate(runs):
        for other_line, other_low, other_high, other_level, other in runs[i + 1:]:
            if line == other_line and low < other_high and other_low < high:
                overlapping += 1
                assert level != other_level, f"arcs {arc} and {other} share a level where they overlap"
    assert overlapping > 20
    labels = [item.label for item in drawn]
    assert not [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:] if a.intersects(b)]
    _check_ends(view, KOREAN, spans, arcs)


def test_arc_at_finds_an_arc_by_its_label_or_its_line_and_hovering_names_both_ends(qtbot):
    view = _view(qtbot, PERSIAN, "rtl", PERSIAN_SPANS, 330)
    view.set_arcs(PERSIAN_ARCS)
    drawn = _drawn(view)
    assert view.arc_at(drawn[1].label.center()) == 1
    leg = drawn[2].lines[0]
    assert view.arc_at((leg[0] + leg[1]) / 2) == 2
    left, right, top = _extent(view, PERSIAN, PERSIAN_SPANS[0])
    assert view.arc_at(QPointF((left + right) / 2, top + 5)) is None  # on the word: no arc
    point = drawn[3].label.center().toPoint()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.ToolTip, point, view.viewport().mapToGlobal(point)))
    assert QToolTip.isVisible()
    assert "holds_role: «\u2068محمدجواد رجائیان\u2069» → «\u2068مدیرعامل\u2069»" in QToolTip.text()
    QToolTip.hideText()


def test_an_arc_whose_other_end_is_off_the_screen_runs_to_the_viewports_edge(qtbot):
    view = _view(qtbot, PERSIAN, "rtl", PERSIAN_SPANS, 330)
    view.resize(330, 220)
    far = _span(PERSIAN, "ایتالیا", "GPE", 9)
    view.set_arcs([_arc(1, PERSIAN_SPANS[0], far, "located_in", "#5A8C28")])
    cursor = QTextCursor(view.document())
    cursor.setPosition(utf16(PERSIAN, far.start))
    assert view.cursorRect(cursor).top() > view.viewport().height()  # below the screen
    (item,) = view.drawn_arcs()
    assert item.ends[1] is None and item.lines[0][-1].y() == view.viewport().height()
    assert item.arrow is None
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    (item,) = view.drawn_arcs()  # scrolled: computed again, now from the other end up
    assert item.ends[0] is None and item.lines[0][-1].y() == 0.0
    assert item.arrow is not None


def test_in_a_long_document_an_arc_to_another_part_runs_to_the_edge_and_one_outside_is_left_out(qtbot, monkeypatch):
    import annotator.gui.article as article
    from annotator.core import pages

    monkeypatch.setattr(article, "parts", lambda text: pages.parts(text, size=1000, unbroken=400))
    text = "\n\n".join([PERSIAN] * 6)
    here, there = _span(text, "مدیرعامل", "ROLE", 1), _span(text, "مدیرعامل", "ROLE", 2, 4000)
    elsewhere = _span(text, "سازمان فاوا", "ORG", 3, 4000)
    view = _view(qtbot, text, "rtl", [here, there, elsewhere], 330)
    assert view.part_count > 2 and not view.shows(there.start, there.end)
    view.set_arcs([_arc(1, here, there, "role_in"), _arc(2, there, elsewhere, "role_in")])
    (item,) = view.drawn_arcs()  # the arc within another part is not drawn here
    assert item.arc.id == 1 and item.ends[1] is None and item.lines[0][-1].y() == view.viewport().height()
    assert view._layout.ends == [utf16(text, here.start)]  # only the end in this part has a band
