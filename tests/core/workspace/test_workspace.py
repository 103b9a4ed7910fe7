"""The workspace's operations against a real store (SQLite and the team database): each step and
its undo, and the events saying what changed."""

from __future__ import annotations

import pytest

from annotator.core.model import Document, Span
from annotator.core.workspace import Events, Workspace
from annotator.core.workspace import operations as ops

TEXT = "대구시는 지난 18일 스마트시티 엑스포에서 권혁원 과장이 발표했다"


@pytest.fixture
def workspace(store) -> Workspace:
    with store.transaction():
        store.insert_documents([Document("d1", "one", TEXT, "ko", "ltr"), Document("d2", "two", TEXT, "ko", "ltr")])
    store.ensure_annotator("tester")
    return Workspace(store, "tester")


def heard(workspace: Workspace, *names: str) -> list[tuple[str, dict]]:
    said: list[tuple[str, dict]] = []
    for name in names:
        workspace.events.connect(name, lambda name=name, **what: said.append((name, what)))
    return said


def add(workspace: Workspace, word: str, label: str = "GPE", doc_id: str = "d1") -> ops.AddSpan:
    start = TEXT.index(word)
    return ops.AddSpan(workspace, doc_id, start, start + len(word), label, word)


def test_adding_a_span_commits_it_and_says_what_changed(workspace):
    said = heard(workspace, "document_wanted", "span_added", "changed")
    change = workspace.apply(add(workspace, "대구시"))
    [span] = workspace.layer.spans("d1")
    assert (span.text, span.label) == ("대구시", "GPE")
    assert change.delta == ([], [span]) and change.focus_span == span.id
    assert change.row == (1, "in_progress")  # the document's first span starts it
    assert [name for name, _ in said] == ["document_wanted", "span_added", "changed"]
    assert said[0][1] == {"doc_id": "d1"} and said[1][1] == {"span": span} and said[2][1] == {"change": change}


def test_history_undoes_and_redoes_a_span_under_the_same_id(workspace):
    history = workspace.history
    history.push(add(workspace, "대구시"))
    [span] = workspace.layer.spans("d1")
    undone = history.undo()
    assert workspace.layer.spans("d1") == [] and undone.delta == ([span], []) and undone.undone
    assert workspace.layer.status("d1") == "new"  # unstarted again
    history.redo()
    assert workspace.layer.spans("d1") == [span]
    assert history.undo() is not None and history.undo() is None  # nothing more to undo


def test_relabel_and_delete_record_the_span_before_and_after(workspace):
    workspace.do(add(workspace, "권혁원", "PER"))
    [span] = workspace.layer.spans("d1")
    change = workspace.apply(ops.UpdateSpan(workspace, span, "relabel", label="ORG"))
    assert change.delta == ([span], [span._replace(label="ORG")])
    delete = ops.DeleteSpan(workspace, span._replace(label="ORG"))
    assert workspace.apply(delete).delta == ([span._replace(label="ORG")], [])
    assert workspace.apply(delete, undone=True).focus_span == span.id
    assert workspace.layer.get(span.id).label == "ORG"


def test_a_refused_step_changes_nothing_and_says_why(workspace):
    said = heard(workspace, "failed", "changed")
    workspace.do(add(workspace, "대구시"))
    said.clear()
    assert workspace.apply(add(workspace, "대구시")) is None  # the same span twice
    assert [name for name, _ in said] == ["failed"]
    assert said[0][1]["what"].startswith("label «") and "already there" in str(said[0][1]["error"])
    assert len(workspace.layer.spans("d1")) == 1
    assert len(workspace.history.done) == 1  # the refused one is not in the history


def test_themes_and_statuses_come_back_on_undo(workspace):
    workspace.do(ops.ToggleTheme(workspace, "d1", "economy", True))
    assert workspace.layer.themes("d1") == ["economy"]
    workspace.do(ops.SetStatus(workspace, "d1", "done"))
    assert workspace.layer.status("d1") == "done"
    workspace.history.undo()
    workspace.history.undo()
    assert (workspace.layer.themes("d1"), workspace.layer.status("d1")) == ([], "new")


def test_review_mode_edits_gold_and_an_operation_keeps_its_layer(workspace):
    said = heard(workspace, "layer_switched")
    workspace.switch_layer(True)
    assert said == [("layer_switched", {"review": True})] and workspace.layer.is_gold
    workspace.do(add(workspace, "대구시"))
    workspace.switch_layer(False)
    assert workspace.layer.spans("d1") == []
    workspace.history.undo()  # made on gold: undone on gold
    workspace.switch_layer(True)
    assert workspace.layer.spans("d1") == []


def test_spans_across_documents_are_one_step(workspace):
    spans = [Span(d, "tester", 0, 3, "GPE", "대구시") for d in ("d1", "d2")]
    change = workspace.apply(ops.AddSpansAcross(workspace, spans, "label all"))
    assert change.doc_id is None and change.doc_ids == {"d1", "d2"} and change.added == 2
    assert workspace.apply(change.operation, undone=True).added == 0
    assert workspace.layer.spans("d1") == workspace.layer.spans("d2") == []


def test_opening_and_selecting_are_said():
    workspace = Workspace(store=None, annotator="tester")
    said = heard(workspace, "document_opened", "selection_changed")
    doc = Document("d1", "one", TEXT, "ko", "ltr")
    workspace.open(doc)
    workspace.select(0, 3)
    assert workspace.document is doc and workspace.selection == (0, 3, None)
    assert said == [("document_opened", {"document": doc}),
                    ("selection_changed", {"start": 0, "end": 3, "span_id": None})]


def test_events_call_listeners_in_order_and_can_let_go():
    events, calls = Events(), []
    first = lambda **what: calls.append(("first", what))  # noqa: E731
    events.connect("x", first)
    events.connect("x", lambda **what: calls.append(("second", what)))
    events.emit("x", a=1)
    events.disconnect("x", first)
    events.emit("x", a=2)
    events.emit("nobody listens")
    assert calls == [("first", {"a": 1}), ("second", {"a": 1}), ("second", {"a": 2})]


def test_a_schema_edit_renames_spans_along_and_undoes_to_the_old_name(workspace):
    import dataclasses

    workspace.do(add(workspace, "대구시", "GPE"))
    before = workspace.store.schema()
    labels = tuple(dataclasses.replace(x, name="PLACE") if x.name == "GPE" else x for x in before.labels)
    said = heard(workspace, "changed")
    workspace.do(ops.EditSchema(workspace, "rename label GPE as PLACE", before,
                                dataclasses.replace(before, labels=labels), ("labels", "GPE", "PLACE")))
    [(_, what)] = said
    assert what["change"].renamed == ("labels", "GPE", "PLACE") and what["change"].schema.label("PLACE")
    assert [s.label for s in workspace.layer.spans("d1")] == ["PLACE"]
    undone = workspace.history.undo()
    assert undone.renamed == ("labels", "PLACE", "GPE") and workspace.store.schema() == before
    assert [s.label for s in workspace.layer.spans("d1")] == ["GPE"]


def test_renaming_a_label_in_the_editor_renames_it_in_the_relation_types_ends(workspace):
    """Issue 25: the editor's schema after a rename still names the old label in the relation
    types (they name labels by value); the step renames it there too, and undo puts it back."""
    import dataclasses

    before = workspace.store.schema()
    labels = tuple(dataclasses.replace(x, name="PLACE") if x.name == "GPE" else x for x in before.labels)
    workspace.do(ops.EditSchema(workspace, "rename label GPE as PLACE", before,
                                dataclasses.replace(before, labels=labels), ("labels", "GPE", "PLACE")))
    assert workspace.store.schema().relation("located_in").to_labels == ("PLACE", "LOC")
    assert workspace.store.schema().relation("role_in").to_labels == ("ORG", "PLACE")
    workspace.history.undo()
    assert workspace.store.schema() == before


def test_undoing_a_spans_deletion_brings_its_relations_back(workspace):
    """Issue 25: deleting a span takes its relations (the database's cascade); undo restores the
    span and those relations under their ids, in an annotator's layer and in gold."""
    from annotator.core.model import Relation

    store = workspace.store
    for review in (False, True):
        workspace.switch_layer(review)
        workspace.do(add(workspace, "대구시"))
        workspace.do(add(workspace, "스마트시티 엑스포", "EVENT"))
        city, expo = sorted(workspace.layer.spans("d1"), key=lambda s: s.start)
        if review:
            made = store.add_gold_relation(Relation("d1", "gold", city.id, expo.id, "participates_in"),
                                           proposed_by=[], decided_by="tester")
            relations = lambda: store.gold_relations("d1")  # noqa: E731
        else:
            made = store.add_relation(Relation("d1", "tester", city.id, expo.id, "participates_in"))
            relations = lambda: store.relations("d1", "tester")  # noqa: E731
        before = relations()
        assert [r.id for r in before] == [made]
        workspace.do(ops.DeleteSpan(workspace, city))
        assert relations() == []
        workspace.history.undo()
        assert relations() == before
        workspace.history.redo()
        assert relations() == []
        workspace.history.undo()
        assert relations() == before
