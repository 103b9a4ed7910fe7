"""The corpus-scale benchmark (``annotator bench``; over 400 lines: each figure with its floor
beside it): the Qt-free figures, each beside a floor measured in the same run. The window's figures are in annotator.gui.bench.

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
import shutil
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
    decimals: int = 1  # how the value and floor are printed in the table
    skipped: str | None = None  # why it was not measured here (then it neither passes nor fails the run)

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None

    @property
    def ok(self) -> bool:
        if self.skipped:
            return True
        measured = self.ratio if self.limit_is_ratio else self.value
        return measured is not None and measured <= self.limit

    @classmethod
    def skip(cls, name: str, unit: str, target: str, why: str) -> Figure:
        return cls(name, float("nan"), unit, None, target, float("nan"), False, skipped=why)

    def row(self) -> str:
        if self.skipped:
            return f"{self.name:<66} {'—':>13} {'—':>13} {'—':>7}  {self.target:<16} {self.skipped}"
        d = self.decimals
        floor = f"{self.floor:10.{d}f} {self.unit:<2}" if self.floor is not None else f"{'—':>13}"
        ratio = f"{self.ratio:6.2f}x" if self.ratio is not None else f"{'—':>7}"
        return (f"{self.name:<66} {self.value:10.{d}f} {self.unit:<2} {floor} {ratio}  {self.target:<16} "
                f"{'ok' if self.ok else 'MISSED'}")

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("limit", "limit_is_ratio", "decimals"):
            data.pop(key)
        if self.skipped:
            data["value"] = None  # not measured (JSON has no NaN)
        else:
            data.pop("skipped")
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
        pieces = store.db.execute("SELECT * FROM document_pieces").fetchall()  # long documents' only
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
            conn.executemany("INSERT INTO document_pieces VALUES (?, ?, ?)", pieces)
            conn.executemany(f"INSERT INTO spans VALUES ({', '.join('?' * len(spans[0]))})", spans)
            conn.executemany(f"INSERT INTO doc_themes VALUES ({', '.join('?' * len(themes[0]))})", themes)
        conn.close()

    floor_s = _timed(floor)
    figure = Figure(f"import {len(documents):,} documents from JSONL (search index included)", ours, "s", floor_s,
                    "<= 3x floor", 3.0, True)
    return figure, db


SEARCHES = (("two-syllable Korean word", "대구"), ("Persian word", "مشهد"), ("phrase", '"شهرهای هوشمند"'))


def search_times(db: Path | str, runs: int = 7) -> list[tuple[str, list[float], bool]]:
    """(kind, each run's milliseconds, whether every result really contains the query) of the
    three kinds of query, on a database file or a team database's URL."""
    from annotator.core.project import open_project
    from annotator.core.text import find_in, match_expression

    out = []
    with open_project(db) as store:
        for name, query in SEARCHES:
            expression = match_expression(query)
            times, found = [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                found = store.search(expression, limit=20)
                times.append((time.perf_counter() - t0) * 1000)
            correct = bool(found) and all(find_in(doc.text, query) is not None for doc in found)
            out.append((name, times, correct))
    return out


def search_figures(db: Path, runs: int = 7) -> list[Figure]:
    """Median time of three kinds of query; each result must really contain the query."""
    return [Figure(f"search, {name} (median of {runs}, checked)",
                   statistics.median(times) if correct else float("inf"), "ms", None, "<= 50 ms", 50.0, False)
            for name, times, correct in search_times(db, runs)]


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


# --- suggestions (issue 13) -------------------------------------------------------------------

TRAIN_DOCUMENTS = 1_000  # the learning figure is defined over 1,000 annotated documents
SUGGEST_DOCUMENTS = 10_000  # annotator suggest over 10,000 documents, learning from the first 1,000
MEMORY_DOCUMENTS = 2_000  # ... and over 2,000, to show its memory does not grow with the documents


def read_documents(corpus: Path, first: int, count: int) -> list:
    """Documents ``first`` to ``first + count`` of a JSONL corpus as (Document, spans of "a")."""
    from annotator.core.model import Document, Span

    out = []
    with corpus.open(encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i >= first + count:
                break
            if i >= first:
                record = json.loads(line)
                doc = Document(record["id"], "", record["text"], "und", "rtl")
                out.append((doc, [Span(doc.id, "a", s["start"], s["end"], s["label"], doc.text[s["start"]:s["end"]])
                                  for s in record.get("spans", [])]))
    return out


LEARNING_RUNS = 3  # learning and its floor, each measured this many times in turns (the median of each)


def learning_figures(corpus: Path, workdir: Path, documents: int = TRAIN_DOCUMENTS, *, probe: int = 50,
                     scale: str = "") -> list[Figure]:
    """Learning the string matcher and the tagger from ``documents`` annotated documents of the
    benchmark corpus, then suggesting for documents it has not seen, as when one is opened.

    Learning's floor is crfsuite alone: the same trainer, parameters and sentences, fed features
    computed beforehand (the ratio is annotator's tokenizing, sentences and features, and the
    string matcher). Both must write the same model file byte for byte, or the figure is
    infinite. The open document's floor is the same document's C work alone: crfsuite tagging
    its sentences from features computed beforehand, and the string matcher's one regular
    expression over its folded text. Kiwi (the Korean analyser, 1-2 s to load once per process)
    is loaded before either clock starts.
    """
    import pycrfsuite

    from annotator.core.recommend.strings import fold_with_origin
    from annotator.core.recommend.suggesting import learn, suggested_spans
    from annotator.core.recommend.tagger import ALGORITHM, same_shuffle, sentence_features, sequences, training_params
    from annotator.core import tokens as tokens_module
    from annotator.core.recommend import tagger as tagger_module
    from annotator.core.token_view import doc_tokens
    from annotator.core.tokens import preload

    preload()
    items = read_documents(corpus, 0, documents + probe)
    train, unseen = items[:documents], items[documents:]
    spans = sum(len(s) for _, s in train)
    data = [(sentence_features(tokens), tags) for doc, s in train for tokens, tags in sequences(doc.text, s)]
    model = workdir / "floor.crfsuite"

    def floor() -> None:
        trainer = pycrfsuite.Trainer(algorithm=ALGORITHM, verbose=False)
        for xseq, yseq in data:
            trainer.append(xseq, yseq)
        trainer.set_params(training_params())
        same_shuffle()
        trainer.train(str(model))

    # Three of each in turns, the median of each: one run of either varied by a third on this
    # shared machine, more than the margin the figure is about. Each of annotator's starts cold,
    # as the first learning in a process does: nothing remembered of the words (the floor's
    # features above, or the run before, would have warmed them).
    learned, ours_runs, floor_runs = None, [], []
    for _ in range(LEARNING_RUNS):
        if learned is not None:
            learned.close()
        for remembered in (tokens_module.korean_split, tokens_module._run_tokens, tagger_module._word_features):
            remembered.cache_clear()
        t0 = time.perf_counter()
        learned = learn(train, ["string", "crf"])
        ours_runs.append(time.perf_counter() - t0)
        floor_runs.append(_timed(floor))
    ours, floor_s = statistics.median(ours_runs), statistics.median(floor_runs)
    try:
        tagger = learned.tagger
        assert tagger is not None and tagger.model_path is not None and learned.matcher is not None
        same_model = model.read_bytes() == tagger.model_path.read_bytes()
        data.clear()  # the memory for what follows

        opened, bare = [], []
        _, pattern = learned.matcher._compiled or (None, None)
        for doc, _ in unseen:
            t0 = time.perf_counter()
            suggested_spans(learned, "learned", doc)
            opened.append((time.perf_counter() - t0) * 1000)
            view = doc_tokens(doc.text, [])
            features = [sentence_features([doc.text[t.start:t.end] for t in view.tokens[a:b]]) for a, b in view.sentences]
            folded, _ = fold_with_origin(doc.text)
            t0 = time.perf_counter()
            for xseq in features:
                tagger._tagger.tag(xseq)
            if pattern is not None:
                list(pattern.finditer(folded))
            bare.append((time.perf_counter() - t0) * 1000)
    finally:
        learned.close()
    worst = max(range(len(opened)), key=opened.__getitem__) if opened else 0
    # The target is 10 s for 1,000 documents; a smaller run (--quick) is held to its floor instead.
    target = ("<= 10 s", 10.0, False) if documents == TRAIN_DOCUMENTS else ("<= 1.25x floor", 1.25, True)
    return [
        Figure(f"learn string+crf from {documents:,} docs ({spans:,} spans), median of {LEARNING_RUNS}{scale}",
               ours if same_model else float("inf"), "s", floor_s, *target),
        Figure(f"suggestions for an opened 3,000-char doc, slowest of {len(opened)}{scale}",
               opened[worst] if opened else float("inf"), "ms", bare[worst] if bare else None, "<= 100 ms", 100.0,
               False),
    ]


def suggest_database(corpus: Path, workdir: Path, documents: int, learned_from: int) -> Path:
    """A database of the corpus's first ``documents`` documents, of which the first
    ``learned_from`` are annotated by "a" (imported, untimed)."""
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    part = workdir / f"suggest-{documents}.jsonl"
    with corpus.open(encoding="utf-8") as source, part.open("w", encoding="utf-8") as out:
        for i, line in zip(range(documents), source):
            record = json.loads(line)
            if i >= learned_from:
                record.pop("spans", None)
                record.pop("themes", None)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    db = workdir / f"suggest-{documents}.db"
    with open_project(db) as store:
        import_paths(store, [part], annotator="a")
    part.unlink()
    return db


_SUGGEST = r"""
import resource, sys
from annotator.cli import cli
cli.main(["--db", sys.argv[1], "suggest", "--from", "a", "--recommenders", "string,crf"], standalone_mode=False)
print("HELPER_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
""" + PEAK


def _suggest_child(base: Path, run: Path) -> tuple[float, float, float, str]:
    """`annotator suggest --from a` on a copy of ``base``, in a new process: (seconds, its peak
    memory in MB, its helper's peak in MB, its summary line)."""
    shutil.copyfile(base, run)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _SUGGEST, str(run)], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed: {out.stderr[-500:]}")
    lines = out.stdout.splitlines()
    peak = next(int(line.split()[1]) for line in lines if line.startswith("PEAK_KB"))
    helper = next(int(line.split()[1]) for line in lines if line.startswith("HELPER_KB"))
    summary = next((line for line in lines if line.startswith("learned from")), "")
    return seconds, peak / 1024, helper / 1024, summary


def _write_floor(ours: Path, base: Path, target: Path) -> tuple[float, int]:
    """Raw ``executemany`` of the spans ``ours`` holds in the layer model into a copy of
    ``base`` (the same schema, triggers and indexes), a page of rows at a time, in one
    transaction; only the writing and the commit are timed. (seconds, rows)."""
    shutil.copyfile(base, target)
    source = sqlite3.connect(ours)
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    rows = source.execute('SELECT doc_id, annotator, start, "end", label, text, note, created_at, updated_at '
                          "FROM spans WHERE annotator = 'model' ORDER BY id")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT OR IGNORE INTO annotators VALUES (?, ?)",
                     source.execute("SELECT * FROM annotators WHERE name = 'model'").fetchall())
    seconds, count = 0.0, 0
    while batch := rows.fetchmany(100_000):
        t0 = time.perf_counter()
        conn.executemany('INSERT OR IGNORE INTO spans(doc_id, annotator, start, "end", label, text, note, '
                         "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
        seconds += time.perf_counter() - t0
        count += len(batch)
    t0 = time.perf_counter()
    conn.execute("COMMIT")
    seconds += time.perf_counter() - t0
    written = conn.execute("SELECT count(*) FROM spans WHERE annotator = 'model'").fetchone()[0]
    conn.close()
    source.close()
    if written != count:
        raise RuntimeError(f"the floor wrote {written} of {count} suggestions")
    return seconds, count


def suggest_figures(corpus: Path, workdir: Path, documents: int = SUGGEST_DOCUMENTS,
                    learned_from: int = TRAIN_DOCUMENTS, smaller: int | None = MEMORY_DOCUMENTS) -> list[Figure]:
    """`annotator suggest --from a --recommenders string,crf` over ``documents`` documents, the
    first ``learned_from`` of them annotated, as a user runs it (a new process: start-up, Kiwi,
    learning, suggesting, writing in pages). Floor: raw ``executemany`` of the same suggestions
    into the same schema (SQLite's own cost of storing them; the ratio is everything annotator
    adds, learning included). Memory: the command's peak and its helper's, for ``smaller``
    documents and for ``documents``; flat means the peak does not grow with the documents (a
    page of 200 is in memory, whatever their number)."""
    base = suggest_database(corpus, workdir, documents, learned_from)
    run = workdir / "suggest-run.db"
    seconds, peak, helper, summary = _suggest_child(base, run)
    match = re.search(r"([\d,]+) suggestions in", summary)
    count = match.group(1) if match else "?"
    floor_s, rows = _write_floor(run, base, workdir / "suggest-floor.db")
    for path in (run, workdir / "suggest-floor.db", base):
        for extra in ("", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
    # The target is 2 minutes for 10,000 documents; a smaller run is held to its floor instead.
    target = ("<= 120 s", 120.0, False) if documents == SUGGEST_DOCUMENTS else ("<= 2x floor", 2.0, True)
    figures = [Figure(f"annotator suggest {documents:,} docs, {learned_from:,} learned ({rows:,} spans)",
                      seconds, "s", floor_s, *target)]
    assert count.replace(",", "") == str(rows) or count == "?", (count, rows)
    if smaller:
        small_base = suggest_database(corpus, workdir, smaller, learned_from)
        _, small_peak, small_helper, _ = _suggest_child(small_base, run)
        for path in (run, small_base):
            for extra in ("", "-wal", "-shm"):
                Path(f"{path}{extra}").unlink(missing_ok=True)
        growth = max(peak - small_peak, helper - small_helper)
        figures.append(Figure(f"suggest peak RSS {smaller:,}->{documents:,} docs: {small_peak:.0f}->{peak:.0f} MB, "
                              f"helper {small_helper:.0f}->{helper:.0f}", growth, "MB", None, "flat: <= 50 MB", 50.0,
                              False))
    return figures
