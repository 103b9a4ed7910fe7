"""The article's relation arcs (issue 25): what the window gives the view to draw, one ``Arc`` a
relation, its ends by their spans' offsets (code points over the document), and how the view
draws them (over 400 lines: placing, stacking, painting and hit-testing share the geometry kept
per layout and scroll, and are one feature).

Where an arc goes. A line holding an arc's end gets a band above its label tags' gap (the layout,
annotator.gui.article_layout, makes the room; without relations nothing changes). An arc's end is the
middle of its span's visual extent on the line where the span starts (the union of Qt's glyph
runs for the span's characters on that line, so a Persian span's end is over its letters whatever
the logical order), at the bottom of that line's band: it never enters the tags' gap or a line.
From each end a leg rises to a level of the band; ends on one line are joined along that level.
Ends on different lines (a wrapped paragraph, two paragraphs) each run along a level of their own
line's band to the nearer side margin (left or right, whichever is shorter for both), where a
vertical track joins them: the path is one colour and can be followed. An end in a paragraph off
the screen, or outside the part of a long document shown, runs to the margin and along it to the
viewport's top or bottom edge (towards where it is); an arc with both ends outside is left out.

Levels: on each line, the horizontal runs (with their labels) are stacked bottom-up, shorter
first, each at the lowest level where it overlaps no other; the band grows (up to
``MAX_LEVELS``) when the lines on screen need more levels than it has. The type's name is drawn
once, on the arc's top (its run on the line of its upper end), with the page's background behind
it; a directed arc has an arrow head at its ``to`` end. The selected relation's arc (its row in
the Relations panel, or a click on it) and the one hovered are drawn on top, thicker, the label
filled with the type's colour.

Cost: the geometry of the arcs on screen is computed once per layout or scroll (a key of the
content offset, the viewport's size, the first paragraph shown, the gap and the arcs) and kept;
a paint only draws the kept paths."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import NamedTuple

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QToolTip

from annotator.gui.plain import quoted, tooltip_line

MAX_LEVELS = 6
_MIN_LEVELS = 2
_FOOT = 5.0  # the arrow head's room at the bottom of the band
_MARGIN_TRACKS = 4  # vertical tracks in each side margin, 3 px apart


class Arc(NamedTuple):
    """A relation as the article draws it: from the span [from_start, from_end) to the span
    [to_start, to_end), its type's name and colour (#RRGGBB), an arrow head when directed (a
    tuple: a document opened makes thousands)."""

    id: int
    from_start: int
    from_end: int
    to_start: int
    to_end: int
    label: str
    colour: str
    directed: bool = True


@dataclass
class Drawn:
    """One arc as it is on screen (viewport coordinates): its path as polylines, its label's
    rectangle, where its ends are (None: off the screen), and its horizontal runs as (paragraph
    and line number, left, right, level)."""

    arc: Arc
    lines: list[list[QPointF]] = field(default_factory=list)
    label: QRectF | None = None
    ends: tuple[QPointF | None, QPointF | None] = (None, None)
    runs: list[tuple[tuple[int, int], float, float, int]] = field(default_factory=list)
    arrow: QPolygonF | None = None


@dataclass
class _Run:
    """A horizontal run of an arc on one line's band, before its level is known."""

    drawn: Drawn
    line: tuple[int, int]  # (paragraph number, line number)
    band_bottom: float
    low: float
    high: float
    label_width: float = 0.0  # the label's width when this run carries it
    end: tuple | None = None  # the end this run starts from (margin runs)
    level: int = 0


class RelationArcs:
    """Mixed into ArticleView (annotator.gui.article): the arcs of the open document's layer."""

    _arcs: tuple[Arc, ...] = ()
    _arc_levels = _MIN_LEVELS
    _arc_cache: tuple[object, list[Drawn]] | None = None
    _arc_places: list[tuple] = []  # per arc, each end's UTF-16 [a, b) in the part, or "above"/"below" it
    _arc_by_end: list[tuple[int, int]] = []  # (an end's UTF-16 start, the arc's number), sorted
    _arc_ends: list[int] = []  # the UTF-16 starts of the ends, once each, sorted
    _arc_places_key: tuple | None = None
    _arc_version = 0  # counts set_arcs calls: what was computed from the arcs is kept by it
    _arc_focus: int | None = None  # the arc of the relation selected (its panel row, a click on it)
    _arc_hover: int | None = None  # the arc under the pointer when its tooltip showed

    @property
    def arcs(self) -> tuple[Arc, ...]:
        return self._arcs

    def set_arc_focus(self, relation_id: int | None) -> None:
        """Draw this relation's arc over the others, thicker, its label filled (None: none)."""
        if relation_id != self._arc_focus:
            self._arc_focus = relation_id
            self.viewport().update()

    def focused_arcs(self) -> set[int]:
        """The arcs drawn stressed: the selected relation's and the one hovered."""
        return {i for i in (self._arc_focus, self._arc_hover) if i is not None}

    def set_arcs(self, arcs: list[Arc]) -> None:
        """The document's relations to draw (all of them; an empty list for none). The band above
        the lines appears with the first and goes with the last."""
        self._arcs = tuple(arcs)
        self._arc_version += 1
        self._arc_cache = None
        if not self._arcs:
            self._arc_levels = _MIN_LEVELS
        self._set_room()
        self.viewport().update()

    def change_arcs(self, removed: set[int], added: list[Arc]) -> None:
        """Some arcs gone (by id) and some new: the same as ``set_arcs`` with the list changed,
        but only the new arcs' ends are placed (a relation made by key is one arc among
        thousands), when the part shown is the one the others were placed in."""
        key = self._arc_places_key
        index = self.index
        if key is None or key[0] != self._arc_version or key[1:] != (index.text, index.start, index.end) \
                or not self._arcs:  # nothing placed yet for this part (or no band yet): all of them
            self.set_arcs(sorted([a for a in self._arcs if a.id not in removed] + added, key=lambda a: a.id))
            return
        if not removed and added and min(a.id for a in added) > self._arcs[-1].id:  # made now: after the others
            self._add_arcs(sorted(added, key=lambda a: a.id))
            return
        # The arcs stay in the order of their ids (the order relations are made), as set_arcs has them.
        merged = sorted([(arc.id, n, arc) for n, arc in enumerate(self._arcs) if arc.id not in removed]
                        + [(arc.id, -1, arc) for arc in added], key=lambda item: item[0])
        number = {old: new for new, (_, old, _) in enumerate(merged) if old >= 0}
        arcs = [arc for _, _, arc in merged]
        places = [self._arc_places[old] if old >= 0 else self._place(arc) for _, old, arc in merged]
        by_end = [(a, number[n]) for a, n in self._arc_by_end if n in number]
        by_end += [(p[0], new) for new, (_, old, _) in enumerate(merged) if old < 0
                   for p in places[new] if not isinstance(p, str)]
        by_end.sort()
        self._arcs = tuple(arcs)
        self._arc_version += 1
        self._arc_cache = None
        if not self._arcs:
            self._arc_levels = _MIN_LEVELS
        self._arc_places, self._arc_by_end = places, by_end
        self._arc_places_key = (self._arc_version, index.text, index.start, index.end)
        self._arc_ends = sorted({a for a, _ in by_end})
        self._set_band(None)
        self.viewport().update()

    def _add_arcs(self, added: list[Arc]) -> None:
        """New arcs after the others (relations just made): the others keep their numbers, so
        only the new ends are placed and put in order among the kept ones."""
        index = self.index
        places, by_end, ends = list(self._arc_places), list(self._arc_by_end), list(self._arc_ends)
        for number, arc in enumerate(added, len(self._arcs)):
            place = self._place(arc)
            places.append(place)
            for p in place:
                if not isinstance(p, str):
                    bisect.insort(by_end, (p[0], number))
                    at = bisect.bisect_left(ends, p[0])
                    if at == len(ends) or ends[at] != p[0]:
                        ends.insert(at, p[0])
        self._arcs = (*self._arcs, *added)
        self._arc_version += 1
        self._arc_cache = None
        self._arc_places, self._arc_by_end, self._arc_ends = places, by_end, ends
        self._arc_places_key = (self._arc_version, index.text, index.start, index.end)
        self._set_band(None)
        self.viewport().update()

    def _place(self, arc: Arc) -> tuple:
        """The arc's ends in the part shown: each UTF-16 [a, b) there, or "above" or "below" it."""
        index = self.index
        return _placed(arc, index.start, index.end, index.length_utf16 == index.end - index.start, index)

    def _set_room(self, gap: int | None = None) -> None:
        """The layout's room: ``gap`` above every line (the label tags'; as it is when None), and
        the arcs' band above each line holding an arc's end (in the part shown). Each arc's ends
        are turned into the part's UTF-16 positions here, once (a scroll only looks them up)."""
        index, places, by_end = self.index, [], []
        key = (self._arc_version, index.text, index.start, index.end)
        if self._arc_places_key == key:  # the same arcs over the same part: only the band changes
            self._set_band(gap)
            return
        low, high = index.start, index.end
        plain = index.length_utf16 == high - low
        for number, arc in enumerate(self._arcs):
            place = _placed(arc, low, high, plain, index)
            for p in place:
                if p.__class__ is tuple:
                    by_end.append((p[0], number))
            places.append(place)
        by_end.sort()
        self._arc_places, self._arc_by_end, self._arc_places_key = places, by_end, key
        self._arc_ends = sorted({a for a, _ in by_end})
        self._set_band(gap)

    def _set_band(self, gap: int | None) -> None:
        if self._layout.set_room(self._layout.gap if gap is None else gap, self.arc_band(), self._arc_ends):
            self._arc_cache = None
            self._layout.documentSizeChanged.emit(self._layout.documentSize())  # the scroll range follows
            self.viewport().update()

    # --- sizes ---------------------------------------------------------------------------------

    def _arc_font(self) -> QFont:
        font = QFont(self._tag_font)
        font.setBold(False)
        return font

    def _arc_step(self) -> float:
        """One level's height: a label's."""
        return QFontMetricsF(self._arc_font()).height() + 1

    def arc_band(self) -> int:
        """The band's height above each line (0 without arcs)."""
        if not self._arcs:
            return 0
        return int(_FOOT + self._arc_levels * self._arc_step() + 2)

    # --- geometry ------------------------------------------------------------------------------

    def _arc_key(self) -> tuple:
        offset = self.contentOffset()
        return (offset.x(), offset.y(), self.viewport().width(), self.viewport().height(),
                self.firstVisibleBlock().blockNumber(), self._layout.gap, self.part, self._arc_version,
                self.document().revision(), self.font().pointSizeF())

    def drawn_arcs(self) -> list[Drawn]:
        """The arcs on screen, computed once per layout or scroll."""
        key = self._arc_key()
        if self._arc_cache is None or self._arc_cache[0] != key:
            drawn, needed = self._compute_arcs()
            if needed > self._arc_levels and self._arc_levels < MAX_LEVELS:
                self._arc_levels = min(needed, MAX_LEVELS)
                self._set_room()  # a wider band: the lines move, the geometry is computed again
                key = self._arc_key()
                drawn, _ = self._compute_arcs()
            self._arc_cache = (key, drawn)
        return self._arc_cache[1]

    def _visible_blocks(self) -> dict[int, tuple]:
        """Paragraph number -> (block, its geometry in the viewport), for the paragraphs on screen."""
        shown: dict[int, tuple] = {}
        offset, bottom = self.contentOffset(), self.viewport().height()
        block = self.firstVisibleBlock()
        while block.isValid():
            if block.isVisible():
                self._align_block(block)
                geometry = self.blockBoundingGeometry(block).translated(offset)
                shown[block.blockNumber()] = (block, geometry)
                if geometry.bottom() > bottom:
                    break
            block = block.next()
        return shown

    def _end(self, shown: dict, place, low: int, high: int):
        """Where an arc's end at ``place`` (UTF-16 [a, b), or "above" or "below" the part) is: (x,
        band bottom, line key, line's left, line's right) when its paragraph is on screen (UTF-16
        [low, high)), else "above" or "below"."""
        if isinstance(place, str):
            return place
        a, b = place
        if not low <= a < high:
            return "above" if a < low else "below"
        number = self.document().findBlock(a).blockNumber()
        if number not in shown:  # a hidden paragraph
            return "below"
        block, geometry = shown[number]
        layout = block.layout()
        inside = a - block.position()
        line = layout.lineForTextPosition(inside)
        if not line.isValid():
            return "below"
        last = min(b - block.position(), line.textStart() + line.textLength())
        low = high = None
        for run in line.glyphRuns(inside, max(1, last - inside)):
            rect = run.boundingRect()
            low = rect.left() if low is None else min(low, rect.left())
            high = rect.right() if high is None else max(high, rect.right())
        if low is None:  # no ink (spaces): the logical ends' places
            xs = [line.cursorToX(inside)[0], line.cursorToX(max(inside, last))[0]]
            low, high = min(xs), max(xs)
        tags = self._tag_height + 2 if self._show_tags else 0
        bottom = geometry.top() + line.y() - tags - 1
        return (geometry.left() + (low + high) / 2, bottom, (number, line.lineNumber()),
                geometry.left() + low, geometry.left() + high)

    def _compute_arcs(self) -> tuple[list[Drawn], int]:
        if not self._arcs:
            return [], 0
        shown = self._visible_blocks()
        if not shown:
            return [], 0
        width, height = self.viewport().width(), self.viewport().height()
        metrics = QFontMetricsF(self._arc_font())
        runs: list[_Run] = []
        pending = []
        crossing = 0
        blocks = [block for block, _ in shown.values()]
        top, bottom = blocks[0].position(), blocks[-1].position() + blocks[-1].length()
        first, last = bisect.bisect_left(self._arc_by_end, (top, -1)), bisect.bisect_left(self._arc_by_end, (bottom, -1))
        found = []
        for number in sorted({number for _, number in self._arc_by_end[first:last]}):
            arc, (place_one, place_two) = self._arcs[number], self._arc_places[number]
            ends = [arc, self._end(shown, place_one, top, bottom), self._end(shown, place_two, top, bottom)]
            if not (isinstance(ends[1], str) and isinstance(ends[2], str)):
                found.append(ends)  # else neither end on screen (both above, both below, or across it: left out)
        _spread(found)
        for arc, one, two in found:
            drawn = Drawn(arc, ends=(None if isinstance(one, str) else QPointF(one[0], one[1]),
                                     None if isinstance(two, str) else QPointF(two[0], two[1])))
            label_width = metrics.horizontalAdvance(arc.label) + 6
            if not isinstance(one, str) and not isinstance(two, str) and one[2] == two[2]:
                low, high = sorted((one[0], two[0]))
                runs.append(_Run(drawn, one[2], one[1], low, high, label_width))
                pending.append((drawn, "line", one, two, None))
                continue
            # ends on different lines, or one off the screen: to a side margin, and along it
            places = [e[0] for e in (one, two) if not isinstance(e, str)]
            left = sum(places) <= sum(width - x for x in places)
            track = crossing % _MARGIN_TRACKS
            crossing += 1
            margin = 2.0 + 3 * track if left else width - 3.0 - 3 * track
            first = True  # the label goes on the upper end's run
            ordered = sorted([e for e in (one, two) if not isinstance(e, str)], key=lambda e: (e[1], e[0]))
            for end in ordered:
                low, high = sorted((end[0], margin))
                runs.append(_Run(drawn, end[2], end[1], low, high, label_width if first else 0.0, end))
                first = False
            pending.append((drawn, "margin", one, two, margin))
        needed = self._assign_levels(runs)
        step = self._arc_step()
        by_drawn: dict[int, list[_Run]] = {}
        for run in runs:
            by_drawn.setdefault(id(run.drawn), []).append(run)

        def level_y(run: _Run) -> float:
            return run.band_bottom - _FOOT - (min(run.level, self._arc_levels - 1) + 0.5) * step

        result = []
        for drawn, kind, one, two, margin in pending:
            mine = by_drawn[id(drawn)]
            drawn.runs = [(r.line, r.low, r.high, r.level) for r in mine]
            if kind == "line":
                run = mine[0]
                y = level_y(run)
                drawn.lines = [[QPointF(one[0], one[1]), QPointF(one[0], y), QPointF(two[0], y),
                                QPointF(two[0], two[1])]]
                label_run = run
            else:
                legs = []
                for run in mine:
                    end, y = run.end, level_y(run)
                    legs.append((run, [QPointF(end[0], end[1]), QPointF(end[0], y), QPointF(margin, y)]))
                if len(legs) == 2:
                    (_, upper), (_, lower) = legs
                    drawn.lines = [upper + [QPointF(margin, lower[-1].y())] + list(reversed(lower[:-1]))]
                else:
                    (_, leg), = legs
                    off = one if isinstance(one, str) else two
                    drawn.lines = [leg + [QPointF(margin, 0.0 if off == "above" else float(height))]]
                label_run = legs[0][0]
            label_width = metrics.horizontalAdvance(drawn.arc.label) + 6
            centre = (label_run.low + label_run.high) / 2
            centre = min(max(centre, label_width / 2 + 1), width - label_width / 2 - 1)
            y = level_y(label_run)
            drawn.label = QRectF(centre - label_width / 2, y - step / 2 + 0.5, label_width, step - 1)
            if drawn.arc.directed and drawn.ends[1] is not None:
                tip = drawn.ends[1]
                drawn.arrow = QPolygonF([tip, QPointF(tip.x() - 3.5, tip.y() - _FOOT), QPointF(tip.x() + 3.5, tip.y() - _FOOT)])
            result.append(drawn)
        return result, needed

    @staticmethod
    def _assign_levels(runs: list[_Run]) -> int:
        """Each run the lowest level of its line where it overlaps no other run (nor its label),
        shorter runs first; the number of levels the busiest line needs."""
        lines: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
        needed = 0
        for run in sorted(runs, key=lambda r: (r.high - r.low, r.low)):
            centre = (run.low + run.high) / 2
            low = min(run.low, centre - run.label_width / 2) - 3
            high = max(run.high, centre + run.label_width / 2) + 3
            taken = lines.setdefault(run.line, [])
            level = 0
            while any(level == other and low < b and a < high for a, b, other in taken):
                level += 1
            run.level = level
            taken.append((low, high, level))
            needed = max(needed, level + 1)
        return needed

    # --- painting and hit-testing ----------------------------------------------------------------

    def _paint_arcs(self, area) -> None:
        drawn = self.drawn_arcs()
        if not drawn:
            return
        dark = self.palette().color(QPalette.Base).lightness() < 128
        background = self.palette().color(QPalette.Base)
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setFont(self._arc_font())
        stressed = self.focused_arcs()
        drawn = sorted(drawn, key=lambda item: item.arc.id in stressed)  # the stressed ones on top
        for item in drawn:
            colour = QColor(item.arc.colour)
            painter.setPen(QPen(colour, 3.0 if item.arc.id in stressed else 1.5, Qt.SolidLine, Qt.FlatCap,
                                Qt.MiterJoin))
            painter.setBrush(Qt.NoBrush)
            for points in item.lines:
                painter.drawPolyline(QPolygonF(points))
            if item.arrow is not None:
                painter.setPen(Qt.NoPen)
                painter.setBrush(colour)
                painter.drawPolygon(item.arrow)
        for item in drawn:  # the labels over every line
            if item.label is None or not item.label.intersects(QRectF(area)):
                continue
            colour = QColor(item.arc.colour)
            painter.setPen(QPen(colour, 1))
            painter.setBrush(colour if item.arc.id in stressed else background)
            painter.drawRoundedRect(item.label, 3, 3)
            if item.arc.id in stressed:  # filled: the text in the page's colour
                painter.setPen(background)
            else:
                painter.setPen(colour.lighter(135) if dark else colour.darker(135))
            painter.drawText(item.label, Qt.AlignCenter, item.arc.label)
        painter.end()

    def arc_at(self, point) -> int | None:
        """The id of the arc whose line or label is under ``point`` (viewport coordinates)."""
        here = QPointF(point)
        best, distance = None, 3.5
        for item in self.drawn_arcs():
            if item.label is not None and item.label.contains(here):
                return item.arc.id
            for points in item.lines:
                for a, b in zip(points, points[1:]):
                    d = _distance(here, a, b)
                    if d <= distance:
                        best, distance = item.arc.id, d
        return best

    def arc_description(self, arc: Arc) -> str:
        """What hovering an arc says: its type and both ends' texts, each isolated."""
        text = self.index.text
        arrow = "→" if arc.directed else "—"
        return (f"{arc.label}: «{quoted(text[arc.from_start:arc.from_end])}» {arrow} "
                f"«{quoted(text[arc.to_start:arc.to_end])}»")  # each isolated, on one line, shortened

    def viewportEvent(self, event) -> bool:  # noqa: N802 (Qt override: an arc's tooltip)
        if event.type() == QEvent.Leave and self._arc_hover is not None:
            self._arc_hover = None
            self.viewport().update()
        if event.type() == QEvent.ToolTip and self._arcs:
            found = self.arc_at(QPointF(event.pos()))
            if found != self._arc_hover:  # hovering an arc stresses it, and both its ends are said
                self._arc_hover = found
                self.viewport().update()
            if found is not None:
                arc = next(a for a in self._arcs if a.id == found)
                QToolTip.showText(event.globalPos(), tooltip_line(self.arc_description(arc)), self)
                return True
        return super().viewportEvent(event)


def _placed(arc: Arc, low: int, high: int, plain: bool, index) -> tuple:
    """The arc's two ends in a part of code points [low, high): each UTF-16 [a, b) there (``plain``:
    no character in it takes two units, so positions are offsets), or "above" or "below" it."""
    place = []
    for start, end in ((arc.from_start, arc.from_end), (arc.to_start, arc.to_end)):
        if not (start < high and max(end, start + 1) > low):  # ArticleParts.shows
            place.append("above" if start < low else "below")
        elif plain:
            place.append((max(start, low) - low, min(end, high) - low))
        else:
            place.append(index.span_to_utf16(max(start, low), min(end, high)))
    return tuple(place)


def _spread(found: list[list]) -> None:
    """Several arcs ending on one span: their ends spread evenly over the span's extent, ordered
    by where each arc goes (its other end's x), so that their legs do not start at one point."""
    sharing: dict[tuple, list[tuple[list, int]]] = {}
    for item in found:
        for side in (1, 2):
            if not isinstance(item[side], str):
                sharing.setdefault(item[side][2:], []).append((item, side))
    for (_, low, high), ends in sharing.items():
        if len(ends) < 2:
            continue
        ends.sort(key=lambda e: e[0][3 - e[1]][0] if not isinstance(e[0][3 - e[1]], str) else e[0][e[1]][0])
        for number, (item, side) in enumerate(ends):
            item[side] = (low + (high - low) * (number + 1) / (len(ends) + 1), *item[side][1:])


def _distance(point: QPointF, a: QPointF, b: QPointF) -> float:
    line = QLineF(a, b)
    length = line.length()
    if length == 0:
        return QLineF(point, a).length()
    t = ((point.x() - a.x()) * (b.x() - a.x()) + (point.y() - a.y()) * (b.y() - a.y())) / (length * length)
    t = min(max(t, 0.0), 1.0)
    return QLineF(point, QPointF(a.x() + t * (b.x() - a.x()), a.y() + t * (b.y() - a.y()))).length()
