"""Export speed and memory at full scale, on their own (also part of `annotator bench`):

    .venv/bin/python benchmarks/export_speed.py [--docs 100000]

Builds the benchmark corpus (annotator.benchmarks.make_corpus), imports it (timed against raw
executemany), then times `--format jsonl` export against json.dumps over the same rows read raw,
and its memory above a process that only opens the database.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from annotator import benchmarks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        spans = benchmarks.make_corpus(work / "corpus.jsonl", args.docs)
        imported, db = benchmarks.import_figure(work / "corpus.jsonl", work)
        print(benchmarks.HEADER)
        for figure in [imported, *benchmarks.export_figures(db, work, spans)]:
            print(figure.row())


if __name__ == "__main__":
    main()
