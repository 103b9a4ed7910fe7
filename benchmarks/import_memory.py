"""Peak memory of `annotator import` as the input file grows: it should stay flat (streaming).

    .venv/bin/python benchmarks/import_memory.py [--sizes 2000 20000]

Builds JSONL files of ~3,000-character articles (Persian and Korean sentences from seeds/, shuffled,
10 spans each), imports each into a fresh database in a child process, and prints the child's peak
RSS and time beside the baseline: the same child opening an empty database and importing nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys
from annotator.core.importing import import_paths
from annotator.core.project import open_project
store = open_project(sys.argv[1])
if len(sys.argv) > 2:
    report = import_paths(store, [sys.argv[2]], annotator="bench")
    print(report.documents_added, report.spans_added)
store.close()
"""


def sentences() -> list[str]:
    out: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 20]
    return out


def make_corpus(path: Path, docs: int, rng: random.Random) -> int:
    pool = sentences()
    with path.open("w", encoding="utf-8") as handle:
        for i in range(docs):
            parts: list[str] = []
            while sum(map(len, parts)) < 3000:
                parts.append(rng.choice(pool))
            text = " ".join(parts)
            spans = []
            for start in sorted(rng.sample(range(0, len(text) - 12), 10)):
                spans.append({"start": start, "end": start + rng.randint(2, 10), "label": "ORG"})
            handle.write(json.dumps({"id": f"d{i}", "text": text, "spans": spans}, ensure_ascii=False) + "\n")
    return path.stat().st_size


def run_child(*args: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, *args], check=True, capture_output=True)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all waited-for children, so run sizes in rising order.
    return max(peak, before) / 1024, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        base_rss, base_t = run_child(str(Path(tmp) / "empty.db"))
        print(f"{'documents':>10} {'file MB':>8} {'peak RSS MB':>12} {'baseline MB':>12} {'seconds':>8}")
        print(f"{0:>10} {0:>8} {base_rss:>12.1f} {base_rss:>12.1f} {base_t:>8.2f}")
        for n in sorted(args.sizes):
            corpus = Path(tmp) / f"c{n}.jsonl"
            size = make_corpus(corpus, n, rng)
            rss, elapsed = run_child(str(Path(tmp) / f"db{n}.db"), str(corpus))
            print(f"{n:>10} {size / 1e6:>8.1f} {rss:>12.1f} {base_rss:>12.1f} {elapsed:>8.2f}")


if __name__ == "__main__":
    main()
