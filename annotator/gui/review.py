"""Review mode: a reviewer compares the annotators' layers on a document and builds gold (over 400
lines: the Units panel, moving between units, deciding them, and showing a decision where it
happened, share the units and their states).

The Units panel lists the document's units (see annotator.core.adjudication): each a row with its
kind and state, and under it each version with the annotators who proposed it, a colour per
annotator (names can be hidden for blind review). The article shows the gold layer highlighted and
every undecided proposal wavy-underlined. All edits in review mode go to gold, through the same undoable
commands as annotating, with provenance. Relation units (issue 25) are listed under the span units
and walked and decided with the same keys (annotator.gui.review_relations).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.adjudication import Overlaps, Unit, decided_by_gold, reviewable_layers, units
from annotator.core.model import Span
from annotator.core.text import counted
from annotator.core.workspace import operations
from annotator.gui.plain import isolate
from annotator.gui.review_relations import RelationUnits, chip

if TYPE_CHECKING:
    from annotator.gui.host import Host

# A colour per annotator, readable on light and dark, for the units panel.
ANNOTATOR_COLOURS = ["#1C7ED6", "#E8590C", "#2B8A3E", "#AE3EC9", "#C2255C", "#0C8599", "#5C940D", "#862E9C"]


KIND_TEXT = {"agreed": "agreed by all", "agreed_by_some": "agreed by {k} of {n}", "proposed_by_one": "proposed by one",
             "label_conflict": "label conflict", "boundary_conflict": "boundary conflict"}


class UnitsPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("units-panel")
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.PlainText)
        self.blind = QCheckBox("Hide annotator names (blind review)")
        self.tree = QTreeWidget()
        self.tree.setObjectName("units-tree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Unit", "Kind", "State"])
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setFocusPolicy(Qt.NoFocus)  # keys stay with the article
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.blind)
        layout.addWidget(self.tree)


class Review:
    """The review mode's state and actions; the window owns one."""

    def __init__(self, window: Host):
        self.window = window
        self.panel = UnitsPanel()
        self.units: list[Unit] = []
        self._states: list[str | None] = []  # each unit's decision ("accepted", "rejected"), None if undecided
        self._unit_starts: list[int] = []  # where each unit starts, to find those a change overlaps
        self._longest = 0  # the longest unit's length
        self.current: int | None = None  # index into self.units
        self.annotators: list[str] = []
        self._doc_id: str | None = None
        self.agreement = None  # the Agreement dialog while it is open (live figures follow the database)
        self.panel.tree.itemClicked.connect(self._clicked)
        self.relations = RelationUnits(self)  # the relation units, in a tree under the span units'
        self.panel.layout().addWidget(self.relations.tree)
        self.panel.blind.toggled.connect(lambda _: self.refresh())

    # --- building --------------------------------------------------------------------------

    def build_menu(self, menu) -> None:
        w = self.window
        self.mode_action = w.menus.action(menu, "Review mode", self.toggle, "Ctrl+R", checkable=True)
        menu.addSeparator()
        w.menus.action(menu, "Next undecided unit", lambda: self.step(+1), "F8")  # window-wide: types nothing
        w.menus.action(menu, "Previous undecided unit", lambda: self.step(-1), "Shift+F8")
        w.menus.action(menu, "Accept unit (the version most proposed)", lambda: self.accept(None), "Return", local=True)
        self.version_actions = [
            w.menus.action(menu, f"Accept version {k}", lambda checked=False, k=k: self.accept(k - 1), f"Alt+{k}", local=True)
            for k in range(1, 10)]
        w.menus.action(menu, "Reject unit", self.reject, "Shift+Return", local=True)
        self.annotator_actions = [
            w.menus.action(menu, f"Accept all undecided units from annotator {k}",
                           lambda checked=False, k=k: self.accept_all_from(k - 1), f"Ctrl+Alt+{k}", local=True)
            for k in range(1, 10)]
        w.menus.action(menu, "Auto-accept what annotators agree on (this document)", self.auto_accept,
                       "Ctrl+Shift+Return", local=True)
        w.menus.action(menu, "Auto-accept threshold…", self.choose_threshold)
        w.menus.action(menu, "Hide annotator names", self.panel.blind.toggle, "Ctrl+Shift+B")
        menu.addSeparator()
        w.menus.action(menu, "Agreement…", self.show_agreement, "Ctrl+Shift+G")
        self.review_actions = [a for m, a in w.menu_actions if m == menu.title().replace("&", "")][1:-1]
        for action in self.review_actions:
            action.setEnabled(False)

    def show_agreement(self) -> None:
        from annotator.gui.agreement_view import AgreementDialog

        self.agreement = AgreementDialog(self.window, self.window.store)
        try:
            self.agreement.exec()
        finally:
            self.agreement = None

    # --- mode ------------------------------------------------------------------------------

    def toggle(self) -> None:
        self.set_mode(self.mode_action.isChecked())

    def set_mode(self, on: bool) -> None:
        w = self.window
        self.mode_action.setChecked(on)
        w.workspace.switch_layer(on)
        for action in self.review_actions:
            action.setEnabled(on)
        w.suggestions.set_enabled(not on)
        dock = w.findChild(QDockWidget, "dock-units")
        dock.setVisible(on)
        if on:
            dock.raise_()  # in front of the span list it shares a tab with
            # Large enough to work in: a third of the window's height, less in a small window, where
            # the article keeps its share.
            w.resizeDocks([dock], [w.height() // 3], Qt.Vertical)
        w.docks.give_article_room()
        w.undo_stack.clear()  # another layer: the history belongs to the one left
        w.documents.model.set_review(on)
        w.status_line.show_annotator()
        if w.document is not None:
            doc_id, w.document = w.document.id, None
            w.open_document(doc_id)

    # --- state -----------------------------------------------------------------------------

    def name(self, annotator: str) -> str:
        if not self.panel.blind.isChecked():
            return annotator
        return f"annotator {self.annotators.index(annotator) + 1}" if annotator in self.annotators else annotator

    def colour(self, annotator: str) -> str:
        i = self.annotators.index(annotator) if annotator in self.annotators else 0
        return ANNOTATOR_COLOURS[i % len(ANNOTATOR_COLOURS)]

    def decided(self, unit: Unit, gold: Overlaps, rejected: set) -> str | None:
        if decided_by_gold(unit, gold):
            return "accepted"
        if all((v.start, v.end, v.label) in rejected for v in unit.versions):
            return "rejected"
        return None

    def refresh(self, *, live: bool = False) -> None:
        """Re-read the open document's layers, units and gold; show them. ``live``: others
        changed them; the unit the reviewer is on stays current (found again by its place, as
        units before it may have come or gone), and the status bar keeps what it says."""
        w = self.window
        tree = self.panel.tree
        was = self.units[self.current] if live and self.current is not None and self.current < len(self.units) else None
        tree.clear()
        self.units, self.annotators = [], []
        self._states, self._unit_starts, self._longest = [], [], 0
        doc_id = w.document.id if w.document is not None else None
        if doc_id != self._doc_id or not w.review_mode:
            self.current, self._doc_id = None, doc_id  # a unit belongs to its document
        if not w.review_mode or w.document is None:
            self.relations.rebuild({})
            return
        layers = self._layers()
        self.annotators = sorted(layers)
        self.units = units({name: layer["spans"] for name, layer in layers.items()})
        gold = Overlaps(w.store.gold_spans(doc_id))
        rejected = w.store.rejected_proposals(doc_id)
        undecided = []
        self._states = [self.decided(unit, gold, rejected) for unit in self.units]
        self._unit_starts = [unit.start for unit in self.units]
        self._longest = max((unit.end - unit.start for unit in self.units), default=0)
        for i, unit in enumerate(self.units):
            state = self._states[i]
            kind = KIND_TEXT[unit.kind].format(k=len(unit.best.annotators), n=unit.annotators)
            text = " ".join(w.document.text[unit.start:unit.end].split())
            item = QTreeWidgetItem([f"{unit.start}–{unit.end}  {isolate(text)}", kind, state or "undecided"])
            item.setData(0, Qt.UserRole, i)
            for k, version in enumerate(unit.versions, 1):
                who = ", ".join(isolate(self.name(a)) for a in version.annotators)
                child = QTreeWidgetItem([f"{k}. {version.label} «{isolate(version.text)}» {version.start}–{version.end}",
                                         who, ""])
                child.setIcon(1, chip(self.colour(version.annotators[0])))
                child.setData(0, Qt.UserRole, i)
                item.addChild(child)
            tree.addTopLevelItem(item)
            item.setExpanded(state is None)
            if state is None:
                undecided.extend(Span(doc_id, v.annotators[0], v.start, v.end, v.label, v.text) for v in unit.versions)
        w.view.set_suggestions(undecided)  # the proposals still to decide, wavy-underlined
        votes = self._theme_votes(layers)
        w.themes_panel.show_votes(votes, len(layers))
        self.relations.rebuild(layers)
        self._say_summary()
        if was is not None:
            self.current = self._same_place(was)
        if self.current is not None and self.current < len(self.units):
            self._show(self.current, select_text=False, say=not live)
        self._name_actions()

    def _say_summary(self) -> None:
        w = self.window
        decided = sum(1 for state in self._states if state is not None)
        status = w.store.gold_status(w.document.id) or "not started"
        names = ", ".join(self.name(a) for a in self.annotators) or "nobody"
        related = self.relations.units
        relations = (f" · {len(related)} relation units, {sum(1 for s in self.relations.states if s)} decided"
                     if related else "")
        self.panel.summary.setText(f"{len(self.units)} units, {decided} decided{relations} · gold: {status} · "
                                   f"annotators: {names}")

    def change(self, removed: list[Span], added: list[Span]) -> None:
        """Gold changed here (a decision, an edit, or their undo): see :meth:`change_within`."""
        touched = [*removed, *added]
        if touched:
            self.change_within(min(s.start for s in touched), max(s.end for s in touched))
        else:
            self.refresh()

    def relations_changed(self) -> None:
        """Gold's relations changed (a relation accepted, edited, or undone): the relation units'
        states, and the menu's names for the keys."""
        if self.window.review_mode and self.window.document is not None:
            self.relations.update_states()
            self._say_summary()
            self._name_actions()

    def change_within(self, low: int, high: int) -> None:
        """Gold, or the rejected proposals, changed between code points ``low`` and ``high``: only
        units overlapping them can have been decided or reopened, so only their rows and their
        proposals' underlines change (a decision in a document of 10,000 units costs what it
        costs in a short one; reading every unit again was a second a key press)."""
        w = self.window
        if not w.review_mode or w.document is None or w.document.id != self._doc_id or not self.units:
            self.refresh()
            return
        first = bisect.bisect_left(self._unit_starts, low - self._longest)
        last = bisect.bisect_left(self._unit_starts, high)
        near = [i for i in range(first, last) if self.units[i].end > low]
        self.relations.update_states()  # a gold span deleted takes its gold relations
        if not near:
            return
        gold = Overlaps(s for s in w.view.spans if s.start < high + self._longest and s.end > low - self._longest)
        rejected = w.store.rejected_proposals(w.document.id)
        tree = self.panel.tree
        for i in near:
            state = self.decided(self.units[i], gold, rejected)
            if state != self._states[i]:
                self._states[i] = state
                item = tree.topLevelItem(i)
                item.setText(2, state or "undecided")
                item.setExpanded(state is None)
        # The proposals to underline between the changed units' edges: every undecided unit's there.
        low, high = min(self.units[i].start for i in near), max(self.units[i].end for i in near)
        first = bisect.bisect_left(self._unit_starts, low - self._longest)
        last = bisect.bisect_left(self._unit_starts, high)
        doc_id = w.document.id
        fresh = [Span(doc_id, v.annotators[0], v.start, v.end, v.label, v.text)
                 for i in range(first, last) if self._states[i] is None
                 for v in self.units[i].versions if low <= v.start and v.end <= high]
        w.view.change_suggestions(low, high, fresh)
        self._say_summary()
        if self.current is not None and self.current < len(self.units):
            self._show(self.current, select_text=False)
        self._name_actions()

    def _same_place(self, unit: Unit) -> int | None:
        """The unit at ``unit``'s place now: the same extent, else the first overlapping it."""
        same = [i for i, u in enumerate(self.units) if (u.start, u.end) == (unit.start, unit.end)]
        if same:
            return same[0]
        overlapping = [i for i, u in enumerate(self.units) if u.start < unit.end and unit.start < u.end]
        return overlapping[0] if overlapping else None

    def _theme_votes(self, layers: dict) -> dict[str, list[str]]:
        votes: dict[str, list[str]] = {}
        for name, layer in layers.items():
            for theme in layer["themes"]:
                votes.setdefault(theme, []).append(self.name(name))
        return votes

    def _layers(self) -> dict:
        """The annotators' layers on the open document: not gold, not a model's, not skipped."""
        w = self.window
        return reviewable_layers(w.store.layers([w.document.id]).get(w.document.id, {}))

    def _name_actions(self) -> None:
        """The menu names what each key takes: the versions of the current unit, the annotators
        of this document (by name, or by number when names are hidden)."""
        if self.relations.current is not None:
            self.relations.name_actions()
            return
        unit = self.units[self.current] if self.current is not None and self.current < len(self.units) else None
        for k, action in enumerate(self.version_actions):
            if unit is not None and k < len(unit.versions):
                v = unit.versions[k]
                action.setText(f"Accept version {k + 1}: {v.label} «{isolate(v.text)}» "
                               f"({', '.join(isolate(self.name(a)) for a in v.annotators)})")
            else:
                action.setText(f"Accept version {k + 1}")
            action.setVisible(unit is None and k < 3 or unit is not None and k < len(unit.versions))
        for k, action in enumerate(self.annotator_actions):
            if k < len(self.annotators):
                action.setText(f"Accept all undecided units from {isolate(self.name(self.annotators[k]))}")
            action.setVisible(k < max(len(self.annotators), 1))

    def theme_voters(self, theme: str) -> list[str]:
        return sorted(name for name, layer in self._layers().items() if theme in layer["themes"])

    # --- moving and deciding ---------------------------------------------------------------

    def _undecided(self) -> list[int]:
        return [i for i, state in enumerate(self._states) if state is None]

    def step(self, direction: int) -> None:
        """To the next (previous) undecided unit: the span units in text order, then the relation
        units (whose ends are span units' versions), wrapping around."""
        w = self.window
        if w.document is None:
            return
        open_units = [(0, i) for i in self._undecided()] + [(1, j) for j in self.relations.undecided()]
        if not open_units:
            w.statusBar().showMessage("Every unit in this document is decided: Ctrl+Enter marks it adjudicated", 6000)
            return
        here = ((0, self.current) if self.current is not None else (1, self.relations.current)
                if self.relations.current is not None else (-1, 0) if direction > 0 else (2, 0))
        ahead = [k for k in open_units if (k > here if direction > 0 else k < here)]
        target = (ahead[0] if direction > 0 else ahead[-1]) if ahead else (open_units[0] if direction > 0 else open_units[-1])
        if target[0] == 1:
            self.relations.show(target[1])
        else:
            self._show(target[1])

    def _show(self, index: int, *, select_text: bool = True, say: bool = True) -> None:
        self.relations.leave()
        self.current = index
        unit = self.units[index]
        item = self.panel.tree.topLevelItem(index)
        if item is not None:
            self.panel.tree.setCurrentItem(item)
        if select_text:
            self.window.view.select(unit.start, unit.end)
        kind = KIND_TEXT[unit.kind].format(k=len(unit.best.annotators), n=unit.annotators)
        versions = "; ".join(f"{k}. {v.label} ({', '.join(self.name(a) for a in v.annotators)})"
                             for k, v in enumerate(unit.versions, 1))
        if say:
            self.window.statusBar().showMessage(f"Unit {index + 1}/{len(self.units)}, {kind}: {versions}", 8000)
        self._name_actions()

    def _clicked(self, item: QTreeWidgetItem) -> None:
        index = item.data(0, Qt.UserRole)
        if index is not None:
            self._show(int(index))
            self.window.view.setFocus()

    def _unit(self) -> Unit | None:
        if self.current is None or self.current >= len(self.units):
            self.window.statusBar().showMessage("Go to a unit first (F8)", 4000)
            return None
        return self.units[self.current]

    def accept(self, version: int | None) -> None:
        if self.relations.current is not None:
            self.relations.accept(version)
            return
        unit = self._unit()
        if unit is None:
            return
        if version is not None and version >= len(unit.versions):
            self.window.statusBar().showMessage(f"This unit has {len(unit.versions)} versions", 4000)
            return
        chosen = unit.best if version is None else unit.versions[version]
        w = self.window
        w.workspace.do(operations.AddSpan(w.workspace, w.document.id, chosen.start, chosen.end, chosen.label, chosen.text,
                                          proposed_by=list(chosen.annotators)))

    def reject(self) -> None:
        if self.relations.current is not None:
            self.relations.reject()
            return
        unit = self._unit()
        if unit is not None:
            self.window.workspace.do(operations.RejectUnit(self.window.workspace, self.window.document.id, unit.versions))

    def accept_all_from(self, k: int) -> None:
        w = self.window
        if w.document is None or k >= len(self.annotators):
            w.statusBar().showMessage(f"This document has {len(self.annotators)} annotators", 4000)
            return
        who = self.annotators[k]
        chosen = [v for i in self._undecided() for v in self.units[i].versions if who in v.annotators]
        related = self.relations.of_annotator(who)
        if not chosen and not related:
            w.statusBar().showMessage(f"No undecided unit has a version from {self.name(who)}", 4000)
            return
        # One undo step: their spans, then their relations (whose ends those spans are).
        w.undo_stack.beginMacro(f"accept {len(chosen)} units and {len(related)} relations from {self.name(who)}")
        for v in chosen:
            w.workspace.do(operations.AddSpan(w.workspace, w.document.id, v.start, v.end, v.label, v.text,
                                              proposed_by=list(v.annotators)))
        taken, left = self.relations.accept_versions(related)
        w.undo_stack.endMacro()
        refused = f" ({left} left: gold decided an end otherwise)" if left else ""
        w.statusBar().showMessage(f"Accepted {counted(len(chosen), 'span')} and {counted(taken, 'relation')} "
                                  f"from {self.name(who)}{refused}", 8000)

    def threshold(self) -> int | None:
        """How many annotators must agree for auto-accept: None means all of the document's."""
        value = int(self.window.settings.value("review/min_agree", 0) or 0)
        return value if value >= 2 else None

    def choose_threshold(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        current = self.threshold() or 0
        value, ok = QInputDialog.getInt(self.window, "Auto-accept", "How many annotators must agree "
                                        "(0: all of a document's annotators)?", current, 0, 99)
        if ok:
            self.window.settings.setValue("review/min_agree", value if value >= 2 else 0)

    def auto_accept(self) -> None:
        """Accept, in this document, every unit and theme enough annotators agree on (all of them,
        or the threshold): one undo step."""
        w = self.window
        if w.document is None or len(self.annotators) < 2:
            w.statusBar().showMessage("Auto-accept needs at least two annotators on the document", 5000)
            return
        need = self.threshold() or len(self.annotators)
        agreed = []
        for i in self._undecided():
            qualified = [v for v in self.units[i].versions if len(v.annotators) >= need]
            if len(qualified) == 1:  # two versions at once: the reviewer decides
                agreed.append(qualified[0])
        settled = set(w.store.gold_themes(w.document.id)) | w.store.rejected_gold_themes(w.document.id)
        themes = [t for t in w.schema.themes if len(self.theme_voters(t.name)) >= need and t.name not in settled]
        relations = self.relations.agreed(need, self.relations.gold_ends() | {(v.start, v.end, v.label) for v in agreed})
        if not agreed and not themes and not relations:
            w.statusBar().showMessage("Nothing undecided that all annotators agree on", 5000)
            return
        w.undo_stack.beginMacro(f"auto-accept {len(agreed)} units, {len(themes)} themes, {len(relations)} relations")
        for v in agreed:
            w.workspace.do(operations.AddSpan(w.workspace, w.document.id, v.start, v.end, v.label, v.text,
                                              proposed_by=list(v.annotators)))
        for theme in themes:
            w.workspace.do(operations.ToggleTheme(w.workspace, w.document.id, theme.name, True,
                                                  proposed_by=self.theme_voters(theme.name)))
        self.relations.accept_agreed(relations)  # their ends are in gold now
        w.undo_stack.endMacro()
