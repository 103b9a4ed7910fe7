"""Export speed: `annotator export --format jsonl` against json.dumps over the same rows read raw.

    .venv/bin/python benchmarks/export_speed.py [--docs 100000]

Builds a corpus of ~3,000-character articles (Persian and Korean seed sentences, shuffled) with 10
spans each, imports it with annotator (not timed), then times, in the same run:
- the floor: raw sqlite3 reads of the documents and their spans, one dict per document, json.dumps,
  written to a file;
- annotator's jsonl export of the same documents to a file (every span checked, as always).
Each runs in a child process, so its peak RSS is its own; the baseline is a child that only opens
the database.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_memory import make_corpus  # noqa: E402

FLOOR = r"""
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
"""

OURS = r"""
import sys
from annotator.core.exporting import ExportOptions, export_file
from annotator.core.project import open_project
with open_project(sys.argv[1]) as store:
    export_file(store, sys.argv[2], ExportOptions(format="jsonl"))
"""

BASELINE = r"""
import sys
from annotator.core.project import open_project
open_project(sys.argv[1]).close()
"""


def child(script: str, *args: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a child process running ``script``."""
    t0 = time.perf_counter()
    import os

    proc = subprocess.Popen([sys.executable, "-c", script, *args])
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if status != 0:
        raise SystemExit(f"child failed with status {status}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    args = parser.parse_args()
    import random

    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    with tempfile.TemporaryDirectory() as tmp:
        corpus, db = Path(tmp) / "corpus.jsonl", Path(tmp) / "bench.db"
        make_corpus(corpus, args.docs, random.Random(3))
        t0 = time.perf_counter()
        with open_project(db) as store:
            report = import_paths(store, [corpus], annotator="bench")
        print(f"corpus: {report.documents_added} documents, {report.spans_added} spans "
              f"(import {time.perf_counter() - t0:.1f} s, not part of the figures)")
        base_t, base_rss = child(BASELINE, str(db))
        floor_t, floor_rss = child(FLOOR, str(db), str(Path(tmp) / "floor.jsonl"))
        ours_t, ours_rss = child(OURS, str(db), str(Path(tmp) / "ours.jsonl"))
        lines = sum(1 for _ in open(Path(tmp) / "ours.jsonl", encoding="utf-8"))
        print(f"{'figure':<40} {'ours':>10} {'floor':>10} {'ratio':>7}  target")
        print(f"{'export jsonl, seconds':<40} {ours_t:>10.2f} {floor_t:>10.2f} {ours_t / floor_t:>6.2f}x  <= 2x")
        print(f"{'peak RSS of the exporting process, MB':<40} {ours_rss:>10.1f} {floor_rss:>10.1f} "
              f"{'':>7}  flat (open-only baseline {base_rss:.1f} MB)")
        print(f"lines written: {lines}")


if __name__ == "__main__":
    main()
