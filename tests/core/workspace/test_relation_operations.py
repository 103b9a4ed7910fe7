"""The relation edits as workspace operations (issue 25), against a real store (SQLite and the team
database): made, retyped and deleted in one step each, undone and redone under the same id, in an
annotator's layer and in gold; a relabel that breaks a relation deletes it in the same step."""

from __future__ import annotations

import pytest

from annotator.core.model import Document
from annotator.core.relations import broken_by_relabel
from annotator.core.workspace import Workspace
from annotator.core.workspace import operations as ops
from annotator.core.workspace.relation_operations import (AddRelation, ChangeRelationType, DeleteRelation,
                                                          DeleteRelationType, RelabelBreaking)

TEXT = "대구시는 지난 18일 스마트시티 엑스포에서 권혁원 과장이 발표했다"


@pytest.fixture
def workspace(store) -> Workspace:
    with store.transaction():
        store.insert_documents([Document("d1", "one", TEXT, "ko", "ltr")])
    store.ensure_annotator("tester")
    return Workspace(store, "tester")


def span(workspace: Workspace, word: str, label: str):
    start = TEXT.index(word)
    change = workspace.do(ops.AddSpan(workspace, "d1", start, start + len(word), label, word))
    return workspace.layer.get(change.focus_span)


def ends(workspace: Workspace) -> list[tuple[int, int, str]]:
    return [(r.from_id, r.to_id, r.label) for r in workspace.layer.relations("d1")]


@pytest.mark.parametrize("review", [False, True])
def test_add_change_delete_a_relation_each_undone_and_redone(workspace, review):
    workspace.switch_layer(review)
    city, expo = span(workspace, "대구시", "GPE"), span(workspace, "스마트시티 엑스포", "EVENT")
    change = workspace.do(AddRelation(workspace, city, expo, "participates_in"))
    assert change.relations and change.delta is None and change.doc_id == "d1"
    [made] = workspace.layer.relations("d1")
    assert ends(workspace) == [(city.id, expo.id, "participates_in")]
    assert workspace.store.relations("d1", "tester") == ([] if review else [made])
    assert (workspace.store.gold_relations("d1") == [made]) is review
    workspace.history.undo()
    assert ends(workspace) == []
    workspace.history.redo()
    assert workspace.layer.relations("d1") == [made]  # under its own id
    workspace.do(ChangeRelationType(workspace, made, "located_in"))
    assert ends(workspace) == [(city.id, expo.id, "located_in")]
    workspace.history.undo()
    assert ends(workspace) == [(city.id, expo.id, "participates_in")]
    workspace.do(DeleteRelation(workspace, made))
    assert ends(workspace) == []
    workspace.history.undo()
    assert workspace.layer.relations("d1") == [made]
    workspace.history.undo()  # the delete dropped the type change's redo: this undoes the add
    assert ends(workspace) == []


def test_the_same_relation_twice_is_not_saved_and_says_so(workspace):
    city, expo = span(workspace, "대구시", "GPE"), span(workspace, "스마트시티 엑스포", "EVENT")
    workspace.do(AddRelation(workspace, city, expo, "participates_in"))
    failed: list = []
    workspace.events.connect("failed", lambda what, error: failed.append(str(error)))
    assert workspace.do(AddRelation(workspace, city, expo, "participates_in")) is None
    assert failed == ["that participates_in relation is there already"] and len(ends(workspace)) == 1


def test_deleting_a_span_takes_its_relation_and_undo_brings_both(workspace):
    city, expo = span(workspace, "대구시", "GPE"), span(workspace, "스마트시티 엑스포", "EVENT")
    workspace.do(AddRelation(workspace, city, expo, "participates_in"))
    [made] = workspace.layer.relations("d1")
    workspace.do(ops.DeleteSpan(workspace, expo))
    assert ends(workspace) == []
    workspace.history.undo()
    assert workspace.layer.relations("d1") == [made]


def test_a_relabel_that_breaks_a_relation_deletes_it_in_one_undoable_step(workspace):
    role, org = span(workspace, "과장", "ROLE"), span(workspace, "권혁원", "ORG")
    workspace.do(AddRelation(workspace, role, org, "role_in"))
    [made] = workspace.layer.relations("d1")
    schema = workspace.store.schema()
    broken = broken_by_relabel(schema, org, "PER", [made], {role.id: role, org.id: org})
    assert [(r, why) for r, why in broken] == [(made, "a role_in relation joins ROLE -> ORG|GPE, not 'ROLE' -> 'PER'")]
    change = workspace.do(RelabelBreaking(workspace, org, "PER", [made]))
    assert change.relations and change.delta[1][0].label == "PER" and ends(workspace) == []
    workspace.history.undo()
    assert workspace.layer.get(org.id).label == "ORG" and workspace.layer.relations("d1") == [made]
    workspace.history.redo()
    assert workspace.layer.get(org.id).label == "PER" and ends(workspace) == []


def test_a_relation_type_renamed_and_deleted_as_schema_steps_undone_and_redone(workspace):
    from dataclasses import replace

    city, expo = span(workspace, "대구시", "GPE"), span(workspace, "스마트시티 엑스포", "EVENT")
    workspace.do(AddRelation(workspace, city, expo, "participates_in"))
    [made] = workspace.layer.relations("d1")
    store = workspace.store
    before = store.schema()
    renamed = replace(before, relations=tuple(replace(k, name="joins") if k.name == "participates_in" else k
                                              for k in before.relations))
    change = workspace.do(ops.EditSchema(workspace, "rename", before, renamed, ("relations", "participates_in", "joins")))
    assert change.renamed == ("relations", "participates_in", "joins") and store.schema() == renamed
    assert ends(workspace) == [(city.id, expo.id, "joins")]
    workspace.history.undo()
    assert store.schema() == before and ends(workspace) == [(city.id, expo.id, "participates_in")]
    workspace.history.redo()
    gone = replace(renamed, relations=tuple(k for k in renamed.relations if k.name != "joins"))
    assert workspace.do(DeleteRelationType(workspace, renamed, gone, "joins", 1)).operation.text == (
        "delete relation type joins (and 1 relation)")
    assert store.schema() == gone and ends(workspace) == []
    workspace.history.undo()
    assert store.schema() == renamed and workspace.layer.relations("d1") == [made._replace(label="joins")]
    workspace.history.redo()
    assert store.schema() == gone and ends(workspace) == []
