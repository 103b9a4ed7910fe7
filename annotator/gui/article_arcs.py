"""The article's relation arcs (issue 25): what the window gives the view to draw, one ``Arc`` a
relation, its ends by their spans' offsets (code points over the document)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arc:
    """A relation as the article draws it: from the span [from_start, from_end) to the span
    [to_start, to_end), its type's name and colour (#RRGGBB), an arrow head when directed."""

    id: int
    from_start: int
    from_end: int
    to_start: int
    to_end: int
    label: str
    colour: str
    directed: bool = True


class RelationArcs:
    """Mixed into ArticleView (annotator.gui.article): the arcs of the open document's layer."""

    _arcs: tuple[Arc, ...] = ()

    @property
    def arcs(self) -> tuple[Arc, ...]:
        return self._arcs

    def set_arcs(self, arcs: list[Arc]) -> None:
        """The document's relations to draw (all of them; an empty list for none)."""
        self._arcs = tuple(arcs)
        self.viewport().update()
