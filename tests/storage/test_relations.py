"""Relations between spans (issue 25) in the database, on a file and on a team database: the
database itself keeps a relation's ends in its document and layer, a span deleted takes its
relations, and the Store's relation methods (an annotator's layer and gold)."""

from __future__ import annotations

import pytest

from annotator.core.model import GOLD, Document, Relation, Span
from annotator.core.relations import broken_by_relabel, check_relation
from annotator.storage import DATABASE_ERRORS, Store

TEXT = "🙂 محمدجواد رجائیان مدیرعامل سازمان فاوا شهرداری مشهد گفت."
KO = "대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다."


def _span(doc: str, who: str, text: str, word: str, label: str) -> Span:
    start = text.index(word)
    return Span(doc, who, start, start + len(word), label, word)


@pytest.fixture
def layer(store: Store) -> dict[str, int]:
    """Two documents; the layers of tester and minji on the first, tester's on the second."""
    store.insert_document(Document(id="fa", title="t", text=TEXT, lang="fa", direction="rtl"))
    store.insert_document(Document(id="ko", title="t", text=KO, lang="ko", direction="ltr"))
    for name in ("tester", "minji"):
        store.ensure_annotator(name)
    ids = {
        "per": store.add_span(_span("fa", "tester", TEXT, "محمدجواد رجائیان", "PER")),
        "role": store.add_span(_span("fa", "tester", TEXT, "مدیرعامل", "ROLE")),
        "org": store.add_span(_span("fa", "tester", TEXT, "سازمان فاوا شهرداری مشهد", "ORG")),
        "gpe": store.add_span(_span("fa", "tester", TEXT, "مشهد", "GPE")),
        "minji_role": store.add_span(_span("fa", "minji", TEXT, "مدیرعامل", "ROLE")),
        "ko_gpe": store.add_span(_span("ko", "tester", KO, "대구시", "GPE")),
        "ko_event": store.add_span(_span("ko", "tester", KO, "스마트시티 엑스포 월드 콩그레스", "EVENT")),
    }
    return ids


def test_the_default_schema_has_the_relation_types_the_seeds_need(store: Store):
    kinds = {kind.name: kind for kind in store.schema().relations}
    assert {"holds_role", "role_in", "located_in", "participates_in"} <= set(kinds)
    assert kinds["holds_role"].allows("PER", "ROLE") and not kinds["holds_role"].allows("ROLE", "PER")
    assert kinds["participates_in"].allows("GPE", "EVENT")
    assert any("\uac00" <= ch <= "\ud7a3" for ch in "".join(kinds["participates_in"].examples))  # Korean
    assert any("\u0600" <= ch <= "\u06ff" for ch in "".join(kinds["participates_in"].examples))  # Persian


def test_add_list_change_delete_and_restore_a_relation(store: Store, layer: dict[str, int]):
    holds = Relation("fa", "tester", layer["per"], layer["role"], "holds_role")
    first = store.add_relation(holds)
    assert first is not None
    assert store.add_relation(holds) is None  # the same relation again: nothing new
    second = store.add_relation(Relation("fa", "tester", layer["role"], layer["org"], "role_in", "دفتر"))
    assert store.relations("fa", "tester") == [holds._replace(id=first),
                                               Relation("fa", "tester", layer["role"], layer["org"], "role_in",
                                                        "دفتر", second)]
    assert [r.id for r in store.relations_of_span(layer["role"])] == [first, second]
    assert store.relations("fa", "minji") == []
    changed = store.update_relation(second, label="located_in", note=None)
    assert (changed.label, changed.note) == ("located_in", None)
    assert store.relation_counts() == {"fa": 2}
    assert store.relation_counts(annotator="minji") == {}
    assert store.relation_layers(["fa", "ko"]) == {"fa": {"tester": store.relations("fa", "tester")}}
    with pytest.raises(ValueError, match="to itself"):  # never silently not saved (SQLite's OR IGNORE)
        store.add_relation(holds._replace(to_id=layer["per"]))
    gone = store.delete_relation(first, doc_id="fa", annotator="minji")
    assert gone is None  # not minji's: left alone
    gone = store.delete_relation(first)
    assert gone == holds._replace(id=first)
    assert store.get_relation(first) is None
    store.restore_relation(gone)  # undo: back under its own id
    assert store.get_relation(first) == gone
    with pytest.raises(ValueError, match="id is taken"):
        store.restore_relation(gone)
    stats = store.stats()
    assert (stats["relations"], stats["relations_by_label"]) == (2, {"holds_role": 1, "located_in": 1})


def test_the_database_refuses_a_relation_across_documents_or_layers_in_plain_sql(store: Store, layer):
    insert = ("INSERT INTO relations(doc_id, annotator, from_span, to_span, label, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, '2026-12-07', '2026-12-07')")
    before = store.dump()
    for row in (
        ["fa", "tester", layer["per"], layer["ko_gpe"], "holds_role"],  # its end in another document
        ["ko", "tester", layer["per"], layer["ko_gpe"], "holds_role"],  # named as the other document's
        ["fa", "tester", layer["per"], layer["minji_role"], "holds_role"],  # its end in minji's layer
        ["fa", "minji", layer["per"], layer["minji_role"], "holds_role"],  # named as minji's
        ["fa", "tester", layer["per"], layer["per"], "holds_role"],  # a span to itself
        ["fa", "tester", layer["per"], 10**9, "holds_role"],  # no such span
        ["fa", "tester", layer["per"], layer["role"], "no_such_type"],
    ):
        with pytest.raises(DATABASE_ERRORS):
            store.db.execute(insert, row)
    assert store.dump() == before
    # Nor may a relation's end move to another layer's span afterwards.
    made = store.add_relation(Relation("fa", "tester", layer["per"], layer["role"], "holds_role"))
    with pytest.raises(DATABASE_ERRORS):
        store.db.execute("UPDATE relations SET to_span = ? WHERE id = ?", [layer["minji_role"], made])


def test_a_deleted_span_takes_its_relations_and_gold_likewise(store: Store, layer):
    kept = store.add_relation(Relation("ko", "tester", layer["ko_gpe"], layer["ko_event"], "participates_in"))
    store.add_relation(Relation("fa", "tester", layer["per"], layer["role"], "holds_role"))
    store.add_relation(Relation("fa", "tester", layer["role"], layer["org"], "role_in"))
    assert store.delete_span(layer["role"]) is not None
    assert store.relations("fa", "tester") == []
    assert [r.id for r in store.relations("ko", "tester")] == [kept]
    store.delete_document("ko")
    assert store.relation_counts() == {}

    span = _span("fa", GOLD, TEXT, "مشهد", "GPE")
    gpe = store.add_gold_span(span, proposed_by=[], decided_by="tester")
    org = store.add_gold_span(_span("fa", GOLD, TEXT, "سازمان فاوا شهرداری مشهد", "ORG"), proposed_by=[],
                              decided_by="tester")
    gold = store.add_gold_relation(Relation("fa", GOLD, org, gpe, "located_in"), proposed_by=[], decided_by="tester")
    assert store.add_gold_relation(Relation("fa", GOLD, org, gpe, "located_in"), proposed_by=[],
                                   decided_by="tester") is None
    assert store.gold_relations("fa") == [Relation("fa", GOLD, org, gpe, "located_in", None, gold)]
    assert store.relation_counts(annotator=GOLD) == {"fa": 1}
    found, provenance = store.get_gold_relation(gold)
    assert provenance["decided_by"] == "tester"
    store.delete_gold_relation(gold)
    store.restore_gold_relation(found, provenance)
    assert store.gold_relation_layers(["fa"]) == {"fa": [(found, store.get_gold_relation(gold)[1])]}
    changed = store.update_gold_relation(gold, decided_by="leila", note="شهر")
    assert (changed.note, store.get_gold_relation(gold)[1]["decided_by"]) == ("شهر", "leila")
    assert [r.id for r in store.gold_relations_of_span(gpe)] == [gold]
    store.delete_gold_span(gpe)
    assert store.gold_relations("fa") == []


def test_a_relation_is_checked_against_the_schema_and_a_relabel_says_what_it_breaks(store: Store, layer):
    schema = store.schema()
    spans = {s.id: s for s in store.spans("fa", "tester")}
    ok = Relation("fa", "tester", layer["per"], layer["role"], "holds_role", id=1)
    assert check_relation(schema, ok, spans) is None
    assert check_relation(schema, ok._replace(label="likes"), spans).startswith("relation type 'likes' is not")
    assert check_relation(schema, ok._replace(from_id=layer["role"], to_id=layer["per"]), spans) == (
        "a holds_role relation joins PER -> ROLE, not 'ROLE' -> 'PER'")
    assert "not a span of this document and layer" in check_relation(schema, ok._replace(to_id=10**9), spans)
    role_in = Relation("fa", "tester", layer["role"], layer["org"], "role_in", id=2)
    broken = broken_by_relabel(schema, spans[layer["role"]], "PER", [ok, role_in], spans)
    assert [(r.id, why) for r, why in broken] == [
        (1, "a holds_role relation joins PER -> ROLE, not 'PER' -> 'PER'"),
        (2, "a role_in relation joins ROLE -> ORG|GPE, not 'PER' -> 'ORG'")]
    assert broken_by_relabel(schema, spans[layer["role"]], "ROLE", [ok, role_in], spans) == []


def test_renaming_a_relation_type_or_a_label_follows_into_relations_and_rules(store: Store, layer):
    made = store.add_relation(Relation("fa", "tester", layer["per"], layer["role"], "holds_role"))
    store.rename_relation_type("holds_role", "has_role")
    assert store.get_relation(made).label == "has_role"
    store.rename_label("labels", "ROLE", "OFFICE")
    assert store.schema().relation("has_role").to_labels == ("OFFICE",)
    # A schema loaded without the type keeps it while relations use it.
    change = store.replace_schema(store.schema().__class__(labels=store.schema().labels))
    assert "has_role" in change.kept_in_use and "role_in" in change.removed


def test_a_relation_type_renamed_takes_every_layers_and_golds_relations_and_taken_ones_come_back(
        store: Store, layer: dict[str, int]):
    mine = store.add_relation(Relation("fa", "tester", layer["role"], layer["org"], "role_in"))
    gold = [store.add_gold_span(_span("fa", GOLD, TEXT, word, label), proposed_by=[], decided_by="tester")
            for word, label in (("مدیرعامل", "ROLE"), ("سازمان فاوا شهرداری مشهد", "ORG"))]
    golden = store.add_gold_relation(Relation("fa", GOLD, *gold, "role_in"), proposed_by=["tester"], decided_by="tester")
    store.rename_relation_type("role_in", "serves_in")
    assert [r.label for r in store.relations("fa", "tester")] == ["serves_in"]
    assert [r.label for r in store.gold_relations("fa")] == ["serves_in"]
    assert store.relation_type_usage("serves_in") == {"tester": 1, "gold": 1} and store.relation_type_usage("x") == {}
    before = store.relations("fa", "tester"), store.get_gold_relation(golden)
    with store.transaction():
        own, taken = store.take_relations_of_type("serves_in")
    assert store.relations("fa", "tester") == [] and store.gold_relations("fa") == []
    assert [r.id for r in own] == [mine] and [r.id for r, _ in taken] == [golden]
    for relation in own:
        store.restore_relation(relation)
    for relation, provenance in taken:
        store.restore_gold_relation(relation, provenance)
    assert (store.relations("fa", "tester"), store.get_gold_relation(golden)) == before
