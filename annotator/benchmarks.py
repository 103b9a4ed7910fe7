"""The corpus-scale benchmark (``annotator bench``): the Qt-free figures, each beside a floor
measured in the same run. The window's figures are in annotator.gui.bench.

This module sits beside the core, not in it: its floors are raw sqlite3 by definition, the one
place outside storage allowed to import it (tests/test_layers.py).

The corpus: documents of about 3,000 characters mixing Persian and Korean sentences from seeds/,
shuffled, each with about 10 entity spans and a theme: 100,000 documents, or 10,000 with --quick.
No figure skips work the real command does.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from annotator.core.resources import seeds_dir

LABELS = ["PER", "ORG", "GPE", "LOC", "EVENT", "DATE", "ROLE"]
THEMES = ["smart_governance", "public_safety", "mobility", "digital_infrastructure", "ai_cybersecurity",
          "health", "international", "economy"]


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    floor: float | None
    target: str
    limit: float
    limit_is_ratio: bool

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None

    @property
    def ok(self) -> bool:
        measured = self.ratio if self.limit_is_ratio else self.value
        return measured is not None and measured <= self.limit

    def row(self) -> str:
        floor = f"{self.floor:10.1f} {self.unit:<2}" if self.floor is not None else f"{'—':>13}"
        ratio = f"{self.ratio:6.2f}x" if self.ratio is not None else f"{'—':>7}"
        return (f"{self.name:<66} {self.value:10.1f} {self.unit:<2} {floor} {ratio}  {self.target:<16} "
                f"{'ok' if self.ok else 'MISSED'}")

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("limit", "limit_is_ratio"):
            data.pop(key)
        return json.dumps({**data, "ratio": self.ratio, "ok": self.ok})


HEADER = f"{'figure':<66} {'value':>13} {'floor':>13} {'ratio':>7}  {'target':<16} result"


def sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(seeds_dir().glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [s.strip() for s in re.split(r"(?<=[.!?؟])\s+|\n+", text) if len(s.strip()) > 20]
    return out


def make_corpus(path: Path, documents: int, *, seed: int = 7, chars: int = 3000, spans: int = 10) -> int:
    """Write the benchmark corpus as JSONL; returns the number of spans."""
    rng = random.Random(seed)
    pool = sentences()
    total = 0
    with path.open("w", encoding="utf-8") as handle:
        for i in range(documents):
            parts: list[str] = []
            while sum(map(len, parts)) + len(parts) < chars:
                parts.append(rng.choice(pool))
            text = " ".join(parts)
            words = [m.span() for m in re.finditer(r"\S+", text)]
            picks = sorted(rng.sample(range(len(words)), min(spans, len(words))))
            items = [{"start": words[k][0], "end": words[k][1], "label": rng.choice(LABELS)} for k in picks]
            total += len(items)
            handle.write(json.dumps({"id": f"b{i:06d}", "text": text, "spans": items,
                                     "themes": [rng.choice(THEMES)]}, ensure_ascii=False) + "\n")
    return total


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def import_figure(corpus: Path, workdir: Path) -> tuple[Figure, Path]:
    """Import with annotator against raw ``executemany`` of the same rows in one transaction.

    The floor writes exactly the rows the import wrote (read back from its database, with the
    search index's rows computed beforehand) into a fresh database with the same schema, tables,
    indexes, triggers and search index: SQLite's own cost of storing this corpus. What the ratio
    measures is everything annotator adds on top: reading and checking JSON, normalising text,
    detecting language, folding and bigramming for search, and batching.
    """
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project
    from annotator.core.text import index_form

    db = workdir / "bench.db"
    with open_project(db) as store:
        ours = _timed(lambda: import_paths(store, [corpus], annotator="a"))
        documents = store.db.execute("SELECT * FROM documents ORDER BY seq").fetchall()
        columns = [c[1] for c in store.db.execute("PRAGMA table_info(documents)")]
        spans = store.db.execute("SELECT * FROM spans ORDER BY id").fetchall()
        themes = store.db.execute("SELECT * FROM doc_themes").fetchall()
        names = store.db.execute("SELECT * FROM annotators").fetchall()
        schema = {table: store.db.execute(f"SELECT * FROM {table}").fetchall() for table in ("labels", "themes")}
    text_at = columns.index("text")
    bodies = [(row[0], index_form(row[text_at])) for row in documents]

    floor_db = workdir / "floor.db"
    open_project(floor_db).close()  # the same schema, made by annotator

    def floor() -> None:
        conn = sqlite3.connect(floor_db)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        with conn:
            conn.executemany("INSERT OR IGNORE INTO annotators VALUES (?, ?)", names)
            for table, rows in schema.items():  # the default schema is there; labels the import added
                if rows:
                    conn.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
            conn.executemany(f"INSERT INTO documents VALUES ({', '.join('?' * len(columns))})", documents)
            conn.executemany("INSERT INTO doc_search(rowid, body) VALUES (?, ?)", bodies)
            conn.executemany(f"INSERT INTO spans VALUES ({', '.join('?' * len(spans[0]))})", spans)
            conn.executemany(f"INSERT INTO doc_themes VALUES ({', '.join('?' * len(themes[0]))})", themes)
        conn.close()

    floor_s = _timed(floor)
    figure = Figure(f"import {len(documents):,} documents from JSONL (search index included)", ours, "s", floor_s,
                    "<= 3x floor", 3.0, True)
    return figure, db


def search_figures(db: Path, runs: int = 7) -> list[Figure]:
    """Median time of three kinds of query; each result must really contain the query."""
    from annotator.core.project import open_project
    from annotator.core.text import find_in, match_expression

    out = []
    with open_project(db) as store:
        for name, query in (("two-syllable Korean word", "대구"), ("Persian word", "مشهد"),
                            ("phrase", '"شهرهای هوشمند"')):
            expression = match_expression(query)
            times, found = [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                found = store.search(expression, limit=20)
                times.append((time.perf_counter() - t0) * 1000)
            correct = bool(found) and all(find_in(doc.text, query) is not None for doc in found)
            value = statistics.median(times) if correct else float("inf")
            out.append(Figure(f"search, {name} (median of {runs}, checked)", value, "ms", None,
                              "<= 50 ms", 50.0, False))
    return out


# A child's own peak memory: VmHWM belongs to its address space. (ru_maxrss would not do: on
# Linux it keeps the high-water mark of the parent's pages from before exec.)
PEAK = "print('PEAK_KB', [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"

_EXPORT = r"""
import sys
from annotator.core.exporting import ExportOptions, export_file
from annotator.core.project import open_project
with open_project(sys.argv[1]) as store:
    export_file(store, sys.argv[2], ExportOptions(format="jsonl"))
""" + PEAK

_EXPORT_FLOOR = r"""
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
spans = conn.execute('SELECT d.seq, s.start, s."end", s.label, s.text FROM spans s '
                     'JOIN documents d ON d.id = s.doc_id ORDER BY d.seq, s.start, s."end", s.label')
pending = next(spans, None)
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for seq, doc_id, title, text, lang, meta in conn.execute(
            "SELECT seq, id, title, text, lang, meta FROM documents ORDER BY seq"):
        items = []
        while pending is not None and pending[0] == seq:
            items.append({"start": pending[1], "end": pending[2], "label": pending[3], "text": pending[4]})
            pending = next(spans, None)
        out.write(json.dumps({"id": doc_id, "title": title, "text": text, "lang": lang,
                              "meta": json.loads(meta), "spans": items}, ensure_ascii=False) + "\n")
""" + PEAK


def _child(script: str, *args: str) -> tuple[float, float]:
    """(seconds, the child's own peak memory in MB) of a child process running ``script``."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {out.stderr[-500:]}")
    peak = next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("PEAK_KB"))
    return seconds, int(peak) / 1024


_OPEN_ONLY = r"""
import sys
from annotator.core.project import open_project
open_project(sys.argv[1]).close()
""" + PEAK


def export_figures(db: Path, workdir: Path, spans: int) -> list[Figure]:
    """Export time against json.dumps over raw rows; memory: the exporting process's peak above a
    process that only opens the same database. Flat means that margin does not grow with the
    corpus (it is a page of documents, whatever their number)."""
    ours_s, ours_rss = _child(_EXPORT, str(db), str(workdir / "ours.jsonl"))
    floor_s, _ = _child(_EXPORT_FLOOR, str(db), str(workdir / "floor.jsonl"))
    _, open_rss = _child(_OPEN_ONLY, str(db))
    return [
        Figure(f"export {spans:,} spans as jsonl", ours_s, "s", floor_s, "<= 2x floor", 2.0, True),
        Figure(f"export: memory above opening the database (open-only: {open_rss:.0f} MB)", ours_rss - open_rss,
               "MB", None, "flat: <= 64 MB", 64.0, False),
    ]


AGREEMENT_DOCUMENTS = 10_000  # the figure is defined over 3 annotators x 10,000 documents


def agreement_database(corpus: Path, workdir: Path, documents: int = AGREEMENT_DOCUMENTS) -> Path:
    """A database of the corpus's first ``documents`` documents (imported, untimed), for the
    agreement figure when the corpus is larger than that."""
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    part = workdir / "agreement.jsonl"
    with corpus.open(encoding="utf-8") as source, part.open("w", encoding="utf-8") as out:
        for _, line in zip(range(documents), source):
            out.write(line)
    db = workdir / "agreement.db"
    with open_project(db) as store:
        import_paths(store, [part], annotator="a")
    return db


def agreement_figure(db: Path, documents: int) -> Figure:
    """Three annotators on every document: b moves some span ends, c relabels some spans."""
    from annotator.core.agreement import compute
    from annotator.core.project import open_project

    with open_project(db) as store:
        with store.transaction():
            for name in ("b", "c"):
                store.ensure_annotator(name)
            trimmed = 'id % 5 = 0 AND "end" - start > 1'
            store.db.execute(
                'INSERT INTO spans(doc_id, annotator, start, "end", label, text, created_at, updated_at) '
                f"SELECT doc_id, 'b', start, CASE WHEN {trimmed} THEN \"end\" - 1 ELSE \"end\" END, label, "
                f"CASE WHEN {trimmed} THEN substr(text, 1, length(text) - 1) ELSE text END, created_at, updated_at "
                "FROM spans WHERE annotator = 'a'")
            store.db.execute(
                'INSERT INTO spans(doc_id, annotator, start, "end", label, text, created_at, updated_at) '
                "SELECT doc_id, 'c', start, \"end\", CASE WHEN id % 7 = 0 THEN "
                "(CASE WHEN label = 'ORG' THEN 'LOC' ELSE 'ORG' END) ELSE label END, text, created_at, updated_at "
                "FROM spans WHERE annotator = 'a'")
            for name in ("b", "c"):
                store.db.execute("INSERT OR IGNORE INTO doc_themes(doc_id, annotator, theme, created_at) "
                                 "SELECT doc_id, ?, theme, created_at FROM doc_themes WHERE annotator = 'a'", [name])
        seconds = _timed(lambda: compute(store))
    return Figure(f"agreement over 3 annotators x {documents:,} documents", seconds, "s", None, "<= 10 s", 10.0, False)
