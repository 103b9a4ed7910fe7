"""A schema change that would leave stored relations breaking their type's end rule is refused
(issue 25): `annotator schema load` with a narrower `from` or `to`, in one line naming the file,
the database unchanged. Before, it was taken, and the database's own export could then not be
imported again ("a holds_role relation joins ORG -> ROLE, not 'PER' -> 'ROLE'")."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.core.model import GOLD
from tests.helpers import write

KO = "권혁원 과장이 말했다."
LINE = {"id": "ko1", "text": KO, "annotator": "sara",
        "spans": [{"id": "p", "start": 0, "end": 3, "label": "PER"}, {"id": "r", "start": 4, "end": 6, "label": "ROLE"}],
        "relations": [{"from": "p", "to": "r", "label": "holds_role"}]}
SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "schema.toml"


def _schema(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = SCHEMA.read_text(encoding="utf-8")
    assert old in text
    return write(tmp_path / name, text.replace(old, new, 1))


def test_loading_a_schema_whose_rule_the_stored_relations_break_is_refused(run, store, tmp_path: Path):
    lines = [LINE, dict(LINE, annotator=GOLD)]
    result = run("import", str(write(tmp_path / "a.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n"
                                                                    for x in lines))))
    assert result.exit_code == 0, result.output
    before = store.dump()
    narrower = _schema(tmp_path, "narrower.toml", 'from = ["PER"]', 'from = ["ORG"]')
    refused = run("schema", "load", str(narrower))
    assert refused.exit_code == 1 and refused.stderr.strip().splitlines() == [
        f"Error: {narrower}: 2 relations of type holds_role join PER -> ROLE, which its rule ORG -> ROLE would "
        "not allow (sara's and gold's): change or delete them first"]
    assert store.dump() == before
    wider = _schema(tmp_path, "wider.toml", 'from = ["PER"]', 'from = ["PER", "ORG"]')
    loaded = run("schema", "load", str(wider))
    assert loaded.exit_code == 0, loaded.output
    assert store.schema().relation("holds_role").from_labels == ("PER", "ORG")
    exported = run("export", "-o", "-").stdout
    assert run("import", str(write(tmp_path / "again.jsonl", exported))).exit_code == 0
