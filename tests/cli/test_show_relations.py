"""`annotator show` lists a layer's relations by their ends' places in the text, whatever order
they were made or imported in, so that the same layer shows the same lines after any round trip
(Label Studio writes relations after every region, brat by R number, JSONL by place)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import write

KO = "🎉 대구시는 스마트시티 엑스포 월드 콩그레스에 참가했다. 권혁원 과장이 말했다."


def _span(word: str, label: str, span_id: str) -> dict:
    start = KO.index(word)
    return {"id": span_id, "start": start, "end": start + len(word), "label": label}


def test_show_lists_relations_by_their_ends_places_not_by_when_they_came(run, tmp_path: Path):
    line = {"id": "ko1", "text": KO, "annotator": "tester",
            "spans": [_span("대구시", "GPE", "c"), _span("스마트시티 엑스포 월드 콩그레스", "EVENT", "e"),
                      _span("권혁원", "PER", "p"), _span("과장", "ROLE", "r")],
            "relations": [{"from": "p", "to": "r", "label": "holds_role"},  # the later place first
                          {"from": "c", "to": "e", "label": "participates_in"}]}
    result = run("import", str(write(tmp_path / "a.jsonl", json.dumps(line, ensure_ascii=False) + "\n")))
    assert result.exit_code == 0, result.output
    shown = run("show", "ko1").stdout.split("# 2 relations by tester\n")[1].splitlines()
    assert [row.split()[3] for row in shown[:2]] == ["participates_in", "holds_role"]


def test_a_span_across_a_line_break_is_one_line_in_show(run, tmp_path: Path):
    text = "سازمان فاوا\nشهرداری مشهد در کنفرانس شرکت کرد."
    org, event = "سازمان فاوا\nشهرداری مشهد", "کنفرانس"
    line = {"id": "nl1", "text": text, "annotator": "tester",
            "spans": [{"id": "o", "start": 0, "end": len(org), "label": "ORG"},
                      {"id": "e", "start": text.index(event), "end": text.index(event) + len(event), "label": "EVENT"}],
            "relations": [{"from": "o", "to": "e", "label": "participates_in"}]}
    run("import", str(write(tmp_path / "nl.jsonl", json.dumps(line, ensure_ascii=False) + "\n")))
    out = run("show", "nl1").stdout
    spans = out.split("# 2 spans by tester\n")[1].split("\n\n")[0].splitlines()
    relations = out.split("# 1 relation by tester\n")[1].split("\n\n")[0].splitlines()
    assert len(spans) == 2 and spans[0].endswith("سازمان فاوا⏎شهرداری مشهد")
    assert relations == ["     0 -> 28     participates_in  سازمان فاوا⏎شهرداری مشهد -> کنفرانس"]
