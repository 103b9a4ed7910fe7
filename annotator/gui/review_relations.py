"""Review mode's relation units (issue 25): the annotators' relations on the open document, grouped
as annotator.core.relation_review groups them, listed in a tree of their own under the span units
and decided with the same keys (F8 walks the span units, then these; Return accepts the version
most proposed, Alt+k version k). Accepting one puts it into gold with its proposers, and its ends
too when gold lacks them (annotator.core.workspace.relation_operations.AcceptRelation): one undo
step, saved at once; Shift+Return rejects every version; Ctrl+Alt+k takes annotator k's versions
after their span units (annotator.gui.review). A unit is decided once gold holds a relation between
its ends, or all its versions are rejected.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from annotator.core.relation_review import (RelationUnit, RelationVersion, end_refused, gold_pairs, place,
                                            relation_units, unit_decided, unit_rejected)
from annotator.core.workspace.relation_operations import AcceptRelation, RejectRelationUnit
from annotator.gui.plain import isolate

KIND_TEXT = {"agreed": "agreed by all", "agreed_by_some": "agreed by {k} of {n}", "proposed_by_one": "proposed by one",
             "type_conflict": "type conflict"}


def chip(colour: str) -> QIcon:
    """A small square of an annotator's colour, beside the versions they proposed."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def _short(text: str, most: int = 30) -> str:
    text = " ".join(text.split())
    return isolate(text if len(text) <= most else text[:most - 1] + "…")


class RelationUnits:
    """The relation units of the document the review shows; the Review owns one."""

    def __init__(self, review: Any):  # annotator.gui.review.Review, which imports this module
        self.review = review
        self.window = review.window
        self.units: list[RelationUnit] = []
        self.states: list[str | None] = []
        self.current: int | None = None
        self._doc_id: str | None = None  # the document the units are of
        tree = self.tree = QTreeWidget()
        tree.setObjectName("relation-units-tree")
        tree.setColumnCount(3)
        tree.setHeaderLabels(["Relation unit", "Kind", "State"])
        tree.setSelectionMode(QAbstractItemView.SingleSelection)
        tree.setFocusPolicy(Qt.NoFocus)  # keys stay with the article
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        tree.itemClicked.connect(self._clicked)
        tree.hide()

    def version_text(self, unit: RelationUnit, version: RelationVersion) -> str:
        arrow = "—" if version.label in self._undirected() else "→"
        return (f"{version.label} «{_short(unit.texts[version.source])}» {arrow} "
                f"«{_short(unit.texts[version.target])}»")

    def _undirected(self) -> set[str]:
        return {kind.name for kind in self.window.schema.relations if not kind.directed}

    def rebuild(self, layers: dict) -> None:
        """Group the relations of ``layers`` (the annotators' layers on the open document) again;
        on the same document, the current unit stays current (found again by its ends)."""
        w = self.window
        doc_id = w.document.id if w.document is not None else None
        same = doc_id == self._doc_id and self.current is not None and self.current < len(self.units)
        was = self.units[self.current].ends if same else None
        self.tree.clear()
        self.units, self.states, self.current, self._doc_id = [], [], None, doc_id
        if not layers or w.document is None:
            self.tree.hide()
            return
        related = w.store.relation_layers([w.document.id]).get(w.document.id, {})
        self.units = relation_units({name: layer["spans"] for name, layer in layers.items()},
                                    {name: related.get(name, []) for name in layers}, self._undirected())
        self.tree.setVisible(bool(self.units))
        for i, unit in enumerate(self.units):
            item = QTreeWidgetItem([f"«{_short(unit.texts[unit.ends[0]])}» · «{_short(unit.texts[unit.ends[1]])}»",
                                    self._kind(unit), ""])
            item.setData(0, Qt.UserRole, i)
            for k, version in enumerate(unit.versions, 1):
                who = ", ".join(isolate(self.review.name(a)) for a in version.annotators)
                child = QTreeWidgetItem([f"{k}. {self.version_text(unit, version)}", who, ""])
                child.setIcon(1, chip(self.review.colour(version.annotators[0])))
                child.setData(0, Qt.UserRole, i)
                item.addChild(child)
            self.tree.addTopLevelItem(item)
        self.current = next((i for i, u in enumerate(self.units) if u.ends == was), None)
        self.update_states()
        if self.current is not None:
            self.tree.setCurrentItem(self.tree.topLevelItem(self.current))

    def _kind(self, unit: RelationUnit) -> str:
        return KIND_TEXT[unit.kind].format(k=len(unit.best.annotators), n=unit.annotators)

    def update_states(self) -> None:
        """Read gold's relations again; show which units they decide."""
        w = self.window
        if not self.units or w.document is None:
            return
        pairs = gold_pairs(w.store.gold_spans(w.document.id), w.store.gold_relations(w.document.id))
        rejected = w.store.rejected_relations(w.document.id)
        self.states = ["accepted" if unit_decided(unit, pairs) else "rejected" if unit_rejected(unit, rejected)
                       else None for unit in self.units]
        for i, state in enumerate(self.states):
            item = self.tree.topLevelItem(i)
            item.setText(2, state or "undecided")
            item.setExpanded(state is None)

    def undecided(self) -> list[int]:
        return [i for i, state in enumerate(self.states) if state is None]

    def show(self, index: int, *, say: bool = True) -> None:
        """Make unit ``index`` the current one: its row selected, its from end selected in the text."""
        self.review.current = None  # one current unit at a time: a span unit's or this one
        self.current = index
        unit = self.units[index]
        item = self.tree.topLevelItem(index)
        self.tree.setCurrentItem(item)
        self.review.panel.tree.clearSelection()
        self.window.view.select(*unit.best.source[:2])
        if say:
            versions = "; ".join(f"{k}. {self.version_text(unit, v)} ({', '.join(self.review.name(a) for a in v.annotators)})"
                                 for k, v in enumerate(unit.versions, 1))
            self.window.statusBar().showMessage(
                f"Relation unit {index + 1}/{len(self.units)}, {self._kind(unit)}: {versions}", 8000)
        self.name_actions()

    def leave(self) -> None:
        """A span unit became the current one."""
        self.current = None
        self.tree.clearSelection()

    def _clicked(self, item: QTreeWidgetItem) -> None:
        index = item.data(0, Qt.UserRole)
        if index is not None:
            self.show(int(index))
            self.window.view.setFocus()

    def name_actions(self) -> None:
        """The Review menu names the relation versions Alt+1…9 take while a relation unit is current."""
        unit = self.units[self.current] if self.current is not None and self.current < len(self.units) else None
        if unit is None:
            return
        for k, action in enumerate(self.review.version_actions):
            if k < len(unit.versions):
                v = unit.versions[k]
                action.setText(f"Accept version {k + 1}: {self.version_text(unit, v)} "
                               f"({', '.join(isolate(self.review.name(a)) for a in v.annotators)})")
            action.setVisible(k < len(unit.versions))

    def accept(self, version: int | None) -> None:
        w = self.window
        unit = self.units[self.current]
        if version is not None and version >= len(unit.versions):
            w.statusBar().showMessage(f"This relation unit has {len(unit.versions)} versions", 4000)
            return
        chosen = unit.best if version is None else unit.versions[version]
        w.workspace.do(AcceptRelation(w.workspace, w.document.id, chosen, unit.texts))

    def reject(self) -> None:
        w = self.window
        w.workspace.do(RejectRelationUnit(w.workspace, w.document.id, self.units[self.current].versions))

    def agreed(self, need: int, ends_in_gold: set) -> list[tuple[RelationUnit, RelationVersion]]:
        """Auto-accept's relations: undecided units whose single version ``need`` annotators
        proposed, whose ends are in ``ends_in_gold`` (gold's, with the spans it is taking)."""
        out = []
        for i in self.undecided():
            unit = self.units[i]
            qualified = [v for v in unit.versions if len(v.annotators) >= need]
            if len(qualified) == 1 and qualified[0].source in ends_in_gold and qualified[0].target in ends_in_gold:
                out.append((unit, qualified[0]))
        return out

    def of_annotator(self, who: str) -> list[tuple[RelationUnit, RelationVersion]]:
        """The versions ``who`` proposed in the undecided relation units (what Ctrl+Alt+k takes)."""
        return [(self.units[i], v) for i in self.undecided() for v in self.units[i].versions if who in v.annotators]

    def accept_versions(self, chosen: list[tuple[RelationUnit, RelationVersion]]) -> tuple[int, int]:
        """Accept each of ``chosen`` into gold, with its ends when gold lacks them, but not one whose
        end gold decided otherwise (that would only be refused): (how many were accepted, how many
        were left out)."""
        w = self.window
        if not chosen:
            return 0, 0
        gold = w.store.gold_spans(w.document.id)
        rejected = w.store.rejected_proposals(w.document.id)
        taken = 0
        for unit, version in chosen:
            if not any(end_refused(end, gold, rejected, unit.texts[end]) for end in (version.source, version.target)) \
                    and w.workspace.do(AcceptRelation(w.workspace, w.document.id, version, unit.texts)) is not None:
                taken += 1
        return taken, len(chosen) - taken

    def accept_agreed(self, chosen: list[tuple[RelationUnit, RelationVersion]]) -> None:
        w = self.window
        for unit, version in chosen:
            w.workspace.do(AcceptRelation(w.workspace, w.document.id, version, unit.texts))

    def gold_ends(self) -> set:
        return {place(s) for s in self.window.store.gold_spans(self.window.document.id)}
