"""Relations between spans in the window (issue 25), everything but drawing them: the relation
mode (a key or the span menu's "Relate to…", then the other span by arrows, Tab or a click, then
the type's key or a pick from a small menu; ``/`` finds it by its words), the Relations panel and
its menu, the relabel that would break a relation (asked first), and the arcs the article is given
(ArticleView.set_arcs; after an edit only the relations it changed); over 400 lines: the mode, the
panel and the relabel all work on the one list of the open document's relations kept here.

Edits go through the workspace's operations (annotator.core.workspace.relation_operations), so
they are undone and redone like span edits and saved at once, in the layer shown (gold in review
mode). Typed against annotator.gui.host.Host.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from annotator.core.bidi import is_rtl, quoted
from annotator.core.model import Relation, Span
from annotator.core.relations import broken_by_relabel, relation_problem, spans_holding
from annotator.core.workspace.relation_operations import (AddRelation, ChangeRelationType, DeleteRelation,
                                                          RelabelBreaking)
from annotator.gui.article_arcs import Arc
from annotator.gui.panels import swatch
from annotator.gui.relation_find import SpanFinder
from annotator.gui.relations_panel import RelationsPanel
from annotator.storage import DATABASE_ERRORS

if TYPE_CHECKING:
    from annotator.gui.host import Host

START_KEY = "Ctrl+L"  # starts relation mode on the selected span ("link"); R is a label's letter
MOVE_KEYS = {Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down, Qt.Key_Tab, Qt.Key_Backtab, Qt.Key_Escape}


class Relating(QObject):
    def __init__(self, window: Host):
        super().__init__()
        self.window = window
        self.panel = RelationsPanel()
        self.source: Span | None = None  # relation mode: the span the relation starts at
        self.target: Span | None = None  # and the span it would go to
        self.relations: list[Relation] = []  # the open document's, in the layer shown
        self.ends_seen: set[int] = set()  # spans that were a relation's end since the document opened
        self.panel.relation_selected.connect(self._row_selected)
        self.panel.delete_requested.connect(self.delete)
        self.panel.menu_requested.connect(self.open_menu)
        self.dragging = AltDrag(self)  # Alt+drag from one highlight to another
        self.finder = SpanFinder()  # relation mode's "/": the other span found by typing its words
        self.matches: list[Span] = []
        window.statusBar().addPermanentWidget(self.finder)
        self.finder.typed.connect(self.find)
        self.finder.step.connect(self.find_next)
        self.finder.kept.connect(self._found)
        self.finder.closed.connect(self._found)
        window.view.viewport().installEventFilter(self.dragging)

    # --- the arcs and the panel ----------------------------------------------------------------

    def opened(self) -> None:
        """A document was opened (or the layer switched): out of relation mode, its relations shown."""
        self.cancel(message="")
        self.ends_seen = set()
        self._stress(None)
        self.refresh()

    def refresh(self) -> None:
        """Read the layer's relations on the open document again; give the view its arcs and the
        panel its rows."""
        w = self.window
        if w.document is None:
            self.relations = []
        else:
            try:
                self.relations = w.layer.relations(w.document.id)
            except DATABASE_ERRORS as err:
                w.database_failed("read the relations", err)
                return
        ends = {i for r in self.relations for i in (r.from_id, r.to_id)}
        self.ends_seen.update(ends)
        spans = {i: span for i in ends if (span := w.view.span(i)) is not None}
        set_arcs = getattr(w.view, "set_arcs", None)
        if set_arcs is not None:
            set_arcs(self._arcs(self.relations, spans))
        self.panel.set_relations(self.relations, spans, {k.name: k.colour for k in w.schema.relations})

    def _arcs(self, relations: list[Relation], spans: dict[int, Span]) -> list[Arc]:
        """The arcs of ``relations`` whose ends are among ``spans`` (by id)."""
        looks = {k.name: (k.colour, k.directed) for k in self.window.schema.relations}
        arcs = []
        for relation in relations:
            one, two = spans.get(relation.from_id), spans.get(relation.to_id)
            if one is None or two is None:
                continue
            colour, directed = looks.get(relation.label, ("#5C6B7A", True))
            arcs.append(Arc(relation.id, one.start, one.end, two.start, two.end, relation.label, colour, directed))
        return arcs

    def spans_changed(self, removed: list[Span], added: list[Span]) -> None:
        """A span edit was committed: read the relations again only if it touched a span that is
        (or was, since the document opened) a relation's end: a deletion took its relations, its
        undo brought them back, a resize moved an arc's end. A label key on a fresh span reads
        nothing more (it stays one statement)."""
        if any(s.id in self.ends_seen for s in (*removed, *added)):
            self.refresh()

    def after_change(self, delta: tuple[list[Relation], list[Relation]] | None = None) -> None:
        """A relation edit (or its undo) was committed: show it. ``delta``: the relations it
        removed and added, which are all that is redrawn (None: read them all again)."""
        w = self.window
        change_arcs = getattr(w.view, "change_arcs", None)
        if delta is None or change_arcs is None:
            self.refresh()
            return
        removed, added = delta
        gone = {r.id for r in removed}
        relations = [r for r in self.relations if r.id not in gone] if gone else list(self.relations)
        for relation in added:  # where its id puts it: the order they were made, as the store gives them
            relations.insert(bisect.bisect([r.id for r in relations], relation.id), relation)
        self.relations = relations
        ends = {i for r in added for i in (r.from_id, r.to_id)}
        self.ends_seen.update(ends)
        spans = {i: span for i in ends if (span := w.view.span(i)) is not None}
        change_arcs(gone, self._arcs(added, spans))
        self.panel.change(gone, added, spans)

    # --- relation mode -------------------------------------------------------------------------

    def build_actions(self, menu: QMenu) -> None:
        w = self.window
        self.start_action = w.menus.action(menu, "Relate the selected span to…", lambda checked=False: self.start(),
                                          START_KEY, local=True)

    def start(self, span_id: int | None = None) -> None:
        """Relation mode from ``span_id`` (else the selected span)."""
        w = self.window
        source = w.view.span(w.view.selected_span_id if span_id is None else span_id)
        if source is None:
            w.statusBar().showMessage("Click a span first: a relation starts at a span", 5000)
            return
        if not w.schema.relations:
            w.statusBar().showMessage("The schema has no relation types yet: add them in Annotate → Labels and "
                                      "themes…, Relation types (one click adds the default four)", 8000)
            return
        self.source, self.target = source, None
        w.view.installEventFilter(self)
        w.view.viewport().installEventFilter(self)
        keys = ", ".join(k.hotkey for k in w.schema.relations if k.hotkey) or "pick a type"
        w.statusBar().showMessage(f"Relation from «{quoted(source.text)}»: move to the other span (arrows / Tab, "
                                  f"or / and its words), then the type's key ({keys}), Esc cancels")
        w.view.setFocus()

    def cancel(self, message: str = "No relation made") -> None:
        w = self.window
        if self.source is None:
            return
        source = self.source
        self.source = self.target = None
        self.finder.hide()
        w.view.removeEventFilter(self)
        w.view.viewport().removeEventFilter(self)
        if message:
            w.statusBar().showMessage(message, 4000)
        w.select_span(source.id)

    def _order(self) -> list[Span]:
        return [s for s in self.window.view.spans if self.source is None or s.id != self.source.id]

    def move(self, key: int) -> None:
        """Move the target to the next or previous span: Tab, Down and (in a left-to-right
        paragraph) Right go on in reading order; in a right-to-left paragraph Left does, as the
        next span is drawn to the left."""
        w = self.window
        spans = self._order()
        if not spans or self.source is None:
            return
        here = self.target or self.source
        rtl = self._rtl(here)
        forward = key in (Qt.Key_Tab, Qt.Key_Down) or key == (Qt.Key_Left if rtl else Qt.Key_Right)
        if forward:
            after = [s for s in spans if (s.start, s.end) > (here.start, here.end)]
            self.target = after[0] if after else spans[0]
        else:
            before = [s for s in spans if (s.start, s.end) < (here.start, here.end)]
            self.target = before[-1] if before else spans[-1]
        w.view.select_span(self.target.id)
        w.statusBar().showMessage(f"Relation from «{quoted(self.source.text)}» to «{quoted(self.target.text)}» "
                                  f"({self.target.label}): the type's key, Esc cancels")

    def find(self, query: str) -> None:
        """The find field's text changed: the target is the first span after the source that
        holds it (the target stays where no span does, and the status bar says so)."""
        if self.source is None:
            return
        self.matches = spans_holding(self._order(), query, self.source)
        if self.matches:
            self._aim(self.matches[0])
        elif query.strip():
            self.window.statusBar().showMessage(f"No span holds «{quoted(query.strip())}» (Esc closes the field)")

    def find_next(self, step: int) -> None:
        if self.source is None or not self.matches:
            return
        ids = [s.id for s in self.matches]
        here = ids.index(self.target.id) if self.target is not None and self.target.id in ids else -1
        self._aim(self.matches[(here + step) % len(self.matches)])

    def _aim(self, span: Span) -> None:
        self.target = span
        self.window.view.select_span(span.id)
        place = f", {self.matches.index(span) + 1} of {len(self.matches)}" if span in self.matches else ""
        self.window.statusBar().showMessage(
            f"Relation from «{quoted(self.source.text)}» to «{quoted(span.text)}» ({span.label}{place}): "
            f"Enter keeps it, Tab the next")

    def _found(self) -> None:
        """The field closed (Enter, Esc, or the focus gone): the keys are the article's again."""
        if self.source is None:
            return
        self.window.view.setFocus()
        keys = ", ".join(k.hotkey for k in self.window.schema.relations if k.hotkey)
        to = f" to «{quoted(self.target.text)}» ({self.target.label})" if self.target is not None else ""
        self.window.statusBar().showMessage(f"Relation from «{quoted(self.source.text)}»{to}: the type's key "
                                            f"({keys}), Esc cancels")

    def _rtl(self, span: Span) -> bool:
        text = self.window.document.text if self.window.document is not None else ""
        first = text.rfind("\n", 0, span.start) + 1
        last = text.find("\n", span.end)
        return is_rtl(text[first:last if last >= 0 else len(text)])

    def choose(self, kind_name: str) -> bool:
        """Make a relation of ``kind_name`` from the source to the target, if its rule allows;
        else say why in one line and write nothing (relation mode goes on)."""
        w = self.window
        if self.source is None or self.target is None:
            w.statusBar().showMessage("Move to the other span first (arrows / Tab, or click it)", 5000)
            return False
        why = relation_problem(w.schema, kind_name, self.source.label, self.target.label)
        if why is not None:
            w.statusBar().showMessage(f"No relation made: {why}", 8000)
            return False
        source, target = self.source, self.target
        if any((r.from_id, r.to_id, r.label) == (source.id, target.id, kind_name) for r in self.relations):
            w.statusBar().showMessage(f"No relation made: a {kind_name} relation from «{quoted(source.text)}» to "
                                      f"«{quoted(target.text)}» is there already", 8000)
            return False  # nothing failed to save; relation mode goes on, as after a refused type
        self.cancel(message="")
        change = w.workspace.do(AddRelation(w.workspace, source, target, kind_name))
        if change is not None:
            w.statusBar().showMessage(f"Related «{quoted(source.text)}» {kind_name} «{quoted(target.text)}»", 5000)
        return change is not None

    def pick(self, source: Span, target: Span, at) -> QMenu:
        """Relate ``source`` to ``target`` by a pick from the types' menu (after a drag)."""
        self.start(source.id)
        self.target = target
        self.window.view.select_span(target.id)
        return self.pick_menu(at)

    def pick_menu(self, at) -> QMenu:
        """After a click on the other span: its allowed types (the others shown, greyed, with why)."""
        w = self.window
        menu = QMenu(w)
        menu.setObjectName("relation-type-menu")
        for kind in w.schema.relations:
            why = relation_problem(w.schema, kind.name, self.source.label, self.target.label)
            item = menu.addAction(swatch(kind.colour), f"{kind.display} [{kind.hotkey or ''}]")
            item.setObjectName(f"relation-type-{kind.name}")
            item.setEnabled(why is None)
            if why:
                item.setToolTip(why)
            item.triggered.connect(lambda checked=False, name=kind.name: self.choose(name))
        w.annotating._exec_menu(menu, at)
        return menu

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override: the keys and clicks of relation mode)
        if self.source is None:
            return False
        kinds = {k.hotkey: k.name for k in self.window.schema.relations if k.hotkey}
        kind = event.type()
        if kind in (QEvent.ShortcutOverride, QEvent.KeyPress):
            key, text = event.key(), event.text().lower()
            # A letter is a type's key or nothing here: a label key would relabel the span moved to.
            letter = text.isprintable() and text.strip() != "" and not event.modifiers() & ~Qt.ShiftModifier
            if key not in MOVE_KEYS and not letter:
                return False
            event.accept()
            if kind == QEvent.KeyPress:
                if key == Qt.Key_Escape:
                    self.cancel()
                elif key in MOVE_KEYS:
                    self.move(key)
                elif text in kinds:
                    self.choose(kinds[text])
                elif text == "/":
                    self.matches = []
                    self.finder.open()
                    self.window.statusBar().showMessage("Type the other span's words: Tab the next, Enter keeps "
                                                        "it, Esc closes")
                else:
                    self.window.statusBar().showMessage(
                        f"{text!r} is no relation type's key: {', '.join(kinds)} (Esc cancels)", 5000)
            return True
        if kind == QEvent.FocusOut and watched is self.window.view and event.reason() in (
                Qt.MouseFocusReason, Qt.ShortcutFocusReason) and QApplication.focusWidget() is not self.finder:
            self.cancel(message="No relation made: the keys went elsewhere")  # a click on another pane, Alt+a key
            return False
        if kind == QEvent.MouseButtonPress and watched is self.window.view.viewport():
            if event.button() != Qt.LeftButton:
                return False
            pos = event.position().toPoint()
            spans = [s for s in self.window.view.spans_at(self.window.view.offset_under(pos)) if s.id != self.source.id]
            if not spans:
                self.window.statusBar().showMessage("Click the other span's highlight (Esc cancels)", 5000)
                return True
            self.target = spans[0]
            self.window.view.select_span(self.target.id)
            self.pick_menu(self.window.view.viewport().mapToGlobal(pos))
            return True
        if kind in (QEvent.MouseButtonRelease, QEvent.MouseButtonDblClick) and watched is self.window.view.viewport():
            return True
        return False

    # --- the panel's actions -------------------------------------------------------------------

    def of_span(self, span_id: int) -> int:
        """How many of the shown relations start or end at the span."""
        return sum(span_id in (r.from_id, r.to_id) for r in self.relations)

    def arc_clicked(self, relation_id: int) -> None:
        """A click on an arc: its row in the panel, and both ends said."""
        relation = self._relation(relation_id)
        if relation is None:
            return
        self.panel.show_selected(relation_id)
        self._stress(relation_id)
        ends = self.window.view.span(relation.from_id), self.window.view.span(relation.to_id)
        if None not in ends:
            self.window.statusBar().showMessage(
                f"{relation.label}: «{quoted(ends[0].text)}» ({ends[0].label}) → «{quoted(ends[1].text)}» "
                f"({ends[1].label})", 8000)

    def _row_selected(self, relation_id: int) -> None:
        self._stress(relation_id)
        self.go_to(relation_id, "from")

    def _stress(self, relation_id: int | None) -> None:
        set_arc_focus = getattr(self.window.view, "set_arc_focus", None)
        if set_arc_focus is not None:
            set_arc_focus(relation_id)

    def _relation(self, relation_id: int) -> Relation | None:
        return next((r for r in self.relations if r.id == relation_id), None)

    def go_to(self, relation_id: int, end: str) -> None:
        relation = self._relation(relation_id)
        if relation is not None:
            self.window.select_span(relation.from_id if end == "from" else relation.to_id, flash=True)

    def delete(self, relation_id: int) -> None:
        w = self.window
        relation = self._relation(relation_id)
        if relation is not None:
            w.workspace.do(DeleteRelation(w.workspace, relation))

    def change_type(self, relation_id: int, label: str) -> None:
        w = self.window
        relation = self._relation(relation_id)
        if relation is None or relation.label == label:
            return
        spans = {s.id: s for s in w.view.spans}
        ends = spans.get(relation.from_id), spans.get(relation.to_id)
        why = relation_problem(w.schema, label, ends[0].label, ends[1].label) if None not in ends else None
        if why is not None:
            w.statusBar().showMessage(f"Type not changed: {why}", 8000)
            return
        w.workspace.do(ChangeRelationType(w.workspace, relation, label))

    def open_menu(self, relation_id: int, at) -> None:
        w = self.window
        menu = QMenu(w)
        menu.setObjectName("relation-menu")
        menu.addAction("Go to the from span").triggered.connect(lambda: self.go_to(relation_id, "from"))
        menu.addAction("Go to the to span").triggered.connect(lambda: self.go_to(relation_id, "to"))
        change = menu.addMenu("Change type to")
        change.setObjectName("relation-change-menu")
        relation = self._relation(relation_id)
        ends = (w.view.span(relation.from_id), w.view.span(relation.to_id)) if relation else (None, None)
        for kind in w.schema.relations:
            item = change.addAction(swatch(kind.colour), kind.display)
            item.setObjectName(f"relation-change-{kind.name}")
            item.setEnabled(relation is not None and kind.name != relation.label and None not in ends
                            and relation_problem(w.schema, kind.name, ends[0].label, ends[1].label) is None)
            item.triggered.connect(lambda checked=False, name=kind.name: self.change_type(relation_id, name))
        menu.addSeparator()
        delete = menu.addAction("Delete relation")
        delete.setObjectName("relation-delete")
        delete.triggered.connect(lambda: self.delete(relation_id))
        w.annotating._exec_menu(menu, at)

    # --- a relabel that would break a relation ---------------------------------------------------

    def relabel(self, span: Span, label: str) -> bool:
        """Relabel ``span`` if its relations allow, or (asked first) with the relations it would
        break deleted in the same step. True if it dealt with the relabel (made or declined)."""
        w = self.window
        spans = {s.id: s for s in w.view.spans}
        broken = broken_by_relabel(w.schema, span, label, self.relations, spans)
        if not broken:
            return False
        lines = "\n".join(f"• {r.label}: {why}" for r, why in broken)
        question = (f"Relabelling «{quoted(span.text)}» as {label} breaks {len(broken)} "
                    f"relation{'s' * (len(broken) != 1)}:\n{lines}\n\nRelabel and delete "
                    f"{'them' if len(broken) > 1 else 'it'}?")
        if not self.confirm(question):
            w.statusBar().showMessage(f"Not relabelled: it would break {len(broken)} relation"
                                      f"{'s' * (len(broken) != 1)}", 6000)
            return True
        w.workspace.do(RelabelBreaking(w.workspace, span, label, [r for r, _ in broken]))
        return True

    def confirm(self, question: str) -> bool:
        """Ask (tests replace this)."""
        return QMessageBox.question(self.window, "Relabel breaks relations", question) == QMessageBox.Yes


class AltDrag(QObject):
    """Alt+drag from a span's highlight to another's: the types' menu, as after "Relate to…" and a
    click (a plain drag still selects text)."""

    def __init__(self, relating: Relating):
        super().__init__()
        self.relating = relating
        self.source: Span | None = None

    def _span_at(self, event) -> Span | None:
        view = self.relating.window.view
        spans = view.spans_at(view.offset_under(event.position().toPoint()))
        return spans[0] if spans else None

    def _arc_at(self, event) -> int | None:
        arc_at = getattr(self.relating.window.view, "arc_at", None)  # drawn by article_arcs.py
        return arc_at(event.position().toPoint() if hasattr(event, "position") else event.pos()) if arc_at else None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind == QEvent.ContextMenu and self.relating.source is None:
            relation_id = self._arc_at(event)
            if relation_id is not None:  # right-click on an arc: the relation's menu
                self.relating.open_menu(relation_id, event.globalPos())
                return True
            return False
        if kind == QEvent.MouseButtonPress and event.button() == Qt.LeftButton and \
                not event.modifiers() & Qt.AltModifier and self.relating.source is None:
            relation_id = self._arc_at(event)
            if relation_id is not None:  # a click on an arc (not on a letter under it)
                self.relating.arc_clicked(relation_id)
                return True
            return False
        if kind == QEvent.MouseButtonPress and event.button() == Qt.LeftButton and \
                event.modifiers() & Qt.AltModifier and self.relating.source is None:
            self.source = self._span_at(event)
            return self.source is not None  # a press off any span: Qt's own
        if self.source is None:
            return False
        if kind == QEvent.MouseMove:
            return True
        if kind == QEvent.MouseButtonRelease:
            source, self.source = self.source, None
            target = self._span_at(event)
            w = self.relating.window
            if target is None or target.id == source.id:
                w.statusBar().showMessage("No relation made: drop on another span's highlight", 5000)
            else:
                self.relating.pick(source, target, watched.mapToGlobal(event.position().toPoint()))
            return True
        return False
