"""annotator progress and report: every figure against a count made by hand (issue 24)."""

from __future__ import annotations

import json
import time
from html.parser import HTMLParser

import pytest

from annotator.core import progress
from annotator.core.assigning import assign_queues
from annotator.core.model import Document, Span, Status
from annotator.core.schema import Label
from annotator.storage import Store
from annotator.storage.common import now

TEXT = "대구시는 지난 18일 스마트시티 엑스포에서 권혁원 과장이 발표했다"
FA, KO = "شخص", "장소"  # a Persian and a Korean label


def sp(doc: str, who: str, word: str, label: str) -> Span:
    start = TEXT.index(word)
    return Span(doc, who, start, start + len(word), label, word)


def build(store: Store) -> None:
    """d1: a, b, c done; d2: a, b done, c in progress; d3: a skipped, b, c done; d4: c in progress.
    Gold: d1 adjudicated; d2 in progress (not counted)."""
    with store.transaction():  # one commit, as an import makes
        _build(store)


def _build(store: Store) -> None:
    store.add_label(Label(FA))
    store.add_label(Label(KO))
    store.insert_documents([Document(f"d{i}", f"t{i}", TEXT, "ko", "ltr") for i in range(1, 5)])
    assign_queues(store, ["a", "b", "c"], ids=["d1", "d2", "d3", "d4"], overlap=2)
    store.add_spans([
        sp("d1", "a", "대구시", KO), sp("d1", "a", "권혁원", FA),
        sp("d1", "b", "대구시", KO), sp("d1", "b", "권혁원", KO),
        sp("d1", "c", "대구시", KO),
        sp("d2", "a", "과장", FA), sp("d2", "b", "과장", FA), sp("d2", "b", "엑스포", KO),
        sp("d2", "c", "대구시", KO),
        sp("d3", "c", "엑스포", KO)])
    for doc, who, status in [("d1", "a", "done"), ("d1", "b", "done"), ("d1", "c", "done"),
                             ("d2", "a", "done"), ("d2", "b", "done"), ("d2", "c", "in_progress"),
                             ("d3", "a", "skipped"), ("d3", "b", "done"), ("d3", "c", "done"),
                             ("d4", "c", "in_progress")]:
        store.set_status(doc, who, Status(status))
    for span in (sp("d1", "gold", "대구시", KO), sp("d1", "gold", "권혁원", FA)):
        store.add_gold_span(span, proposed_by=["a"], decided_by="lead")
    store.set_gold_status("d1", "adjudicated", decided_by="lead")
    store.add_gold_span(sp("d2", "gold", "과장", FA), proposed_by=["a"], decided_by="lead")
    store.set_gold_status("d2", "in_progress", decided_by="lead")
    old = "2026-01-01T10:00:00.000+00:00"
    store.record_active_time("a", "d1", "s1", clock="m1", started_at=old, ranges=[(0, 600)])
    store.record_active_time("a", "d2", "s1", clock="m1", started_at=old, ranges=[(0, 300)])
    store.record_active_time("a", "d2", "s2", clock="m1", started_at=old, ranges=[(200, 500)])  # overlaps: 500 s
    store.record_active_time("b", "d1", "s1", clock="m2", started_at=old, ranges=[(0, 1200)])
    store.set_imported_seconds("b", "d2", 180, source="label-studio")
    store.record_active_time("c", "d2", "s1", clock="m3", started_at=old, ranges=[(10, 70)])


def test_every_figure_against_a_count_by_hand(store: Store):
    build(store)
    got = progress.compute(store)
    people = {p.name: p for p in got.annotators}
    assert set(people) == {"a", "b", "c"}
    queues = store.queues()
    assert sum(map(len, queues.values())) == 8  # 4 documents, 2 annotators each
    for name, p in people.items():
        assert p.assigned == len(queues[name])
    a, b, c = people["a"], people["b"], people["c"]
    assert (a.done, a.skipped, a.in_progress) == (2, 1, 0)
    assert (b.done, b.skipped, b.in_progress) == (3, 0, 0)
    assert (c.done, c.skipped, c.in_progress) == (2, 0, 2)
    assert (a.spans, b.spans, c.spans) == (3, 4, 2)  # spans in finished layers
    assert a.active_hours == pytest.approx(1100 / 3600)
    assert b.active_hours == pytest.approx(1380 / 3600)
    assert c.active_hours == pytest.approx(60 / 3600)
    assert a.median_minutes == pytest.approx((10 + 500 / 60) / 2)
    assert b.median_minutes == pytest.approx((20 + 3) / 2)
    assert c.median_minutes is None  # c's finished documents have no active time
    assert a.spans_per_hour == pytest.approx(3 / (1100 / 3600))
    assert c.spans_per_hour == pytest.approx(120)
    # pairs on documents both finished: ab d1,d2 (3 + 4 spans, 2 match), ac d1 (2 + 1, 1), bc d1,d3 (2 + 2, 1)
    assert a.f1_others == pytest.approx(2 * 3 / 10)
    assert b.f1_others == pytest.approx(2 * 3 / 11)
    assert c.f1_others == pytest.approx(2 * 2 / 7)
    # gold on d1 only: 대구시/KO, 권혁원/FA
    assert (a.f1_gold, b.f1_gold, c.f1_gold) == pytest.approx((1.0, 0.5, 2 / 3))
    labels = {lab.name: lab for lab in got.labels}
    assert (labels[FA].spans, labels[KO].spans) == (3, 6)
    assert labels[FA].f1_others == pytest.approx(2 * 1 / 4)
    assert labels[KO].f1_others == pytest.approx(2 * 3 / 10)
    assert labels[FA].f1_gold == pytest.approx(2 * 1 / (1 + 3))
    assert labels[KO].f1_gold == pytest.approx(2 * 3 / (4 + 3))
    corpus = got.corpus
    assert (corpus.documents, corpus.finished_by_k, corpus.k, corpus.adjudicated, corpus.left) == (4, 3, 2, 1, 1)
    assert list(got.done_per_day.values()) == [{"a": 2, "b": 3, "c": 2}]
    assert list(got.done_per_day) == [now()[:10]]
    points = {p.doc_id: p for p in got.documents}
    assert set(points) == {"d1", "d2", "d3"}
    assert (points["d1"].f1, points["d2"].f1, points["d3"].f1) == pytest.approx((0.6, 2 / 3, 0.0))
    assert points["d1"].active_minutes == pytest.approx(30)
    assert points["d2"].active_minutes == pytest.approx(500 / 60 + 3 + 1)


def test_since_keeps_later_status_changes_and_sessions(store: Store):
    build(store)
    time.sleep(0.01)
    mid = now()
    store.set_status("d4", "c", Status.DONE)
    store.record_active_time("c", "d4", "s9", clock="m3", started_at=now(), ranges=[(100, 220)])
    got = {p.name: p for p in progress.compute(store, since=mid).annotators}
    assert (got["c"].done, got["c"].in_progress, got["c"].active_hours) == (1, 0, pytest.approx(120 / 3600))
    assert got["c"].median_minutes == pytest.approx(2)
    assert got["a"].done == 0 and got["a"].active_hours == 0
    assert got["a"].assigned == len(store.queue("a"))  # the queue as it is now


def test_cli_json_parses_and_since_filters(store: Store, run, db_path):
    build(store)
    store.close()
    result = run("progress", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert {p["name"]: p["done"] for p in figures["annotators"]} == {"a": 2, "b": 3, "c": 2}
    assert figures["corpus"]["left"] == 1
    later = run("progress", "--json", "--since", "2999-01-01")
    assert {p["name"]: p["done"] for p in json.loads(later.output)["annotators"]} == {"a": 0, "b": 0, "c": 0}
    table = run("progress")
    assert table.exit_code == 0 and FA in table.output and "left" in table.output
    bad = run("progress", "--since", "yesterday")
    assert bad.exit_code != 0 and "--since" in bad.output and "Traceback" not in bad.output


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def test_report_is_one_self_contained_html_file(store: Store, run, tmp_path):
    build(store)
    store.close()
    out = tmp_path / "report.html"
    result = run("report", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html
    assert parser.tags.count("svg") == 3  # done per day, time against agreement, per-label agreement
    assert FA in html and KO in html and "<bdi" in html and "@media print" in html


def test_a_report_is_titled_by_the_database_name_never_its_url():
    from annotator.core.report_html import report_title

    assert report_title("postgresql://reza@/news?host=/tmp/pg/socket") == "Progress: news"
    assert report_title("postgresql://reza:secret@db.example:5432/news") == "Progress: news"
    assert report_title("/home/sara/project.db") == "Progress: project.db"
    assert report_title(None) == "Progress: annotator"


def test_a_day_s_bars_stand_centred_on_its_label():
    import re

    from annotator.core.progress import CorpusProgress, Progress
    from annotator.core.report_html import done_per_day

    for days in ({"2026-12-07": {"ali": 2, "minji": 2, "sara": 3}},
                 {"2026-12-06": {"ali": 1}, "2026-12-07": {"ali": 2, "minji": 2, "sara": 3}}):
        figures = Progress(None, [progress.AnnotatorProgress(n) for n in ("ali", "minji", "reza", "sara")], [],
                           CorpusProgress(5, 3, 2, 2, 2), days)
        svg = done_per_day(figures)
        labels = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*>2026-12-0\d</text>', svg)]
        bars = [(float(x), float(w)) for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
                if float(w) > 10]  # the day's bars, not the legend's squares
        assert len(labels) == len(days) and len(bars) == 4 * len(days)
        for d, centre in enumerate(labels):
            group = bars[4 * d: 4 * d + 4]
            assert abs((group[0][0] + group[-1][0] + group[-1][1]) / 2 - centre) < 0.2


def test_active_time_in_one_pass_is_active_seconds(store: Store):
    """progress_active sums sessions in SQL where no clock has two on a document: the same as
    active_seconds, which merges every clock's ranges, for one session, several clocks, and
    overlapping sessions of one clock beside another clock's."""
    build(store)
    old, later = "2026-01-01T10:00:00.000+00:00", "2026-02-01T10:00:00.000+00:00"
    store.record_active_time("c", "d1", "s1", clock="m3", started_at=old, ranges=[(0, 50)])
    store.record_active_time("c", "d1", "s2", clock="m4", started_at=later, ranges=[(0, 70)])  # two clocks
    store.record_active_time("a", "d2", "s3", clock="m9", started_at=later, ranges=[(0, 40)])  # beside m1's overlap
    for since in (None, later):
        got, want = store.progress_active(since), store.active_seconds(since=since)
        assert got.keys() == want.keys() and all(got[k] == pytest.approx(want[k]) for k in want)
    assert store.progress_active()[("c", "d1")] == pytest.approx(120)
    assert store.progress_active()[("a", "d2")] == pytest.approx(540)
