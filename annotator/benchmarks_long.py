"""Long documents (``annotator bench --long``): one document of about 1 MB with 10,000 spans, and
one article of about 100 MB, each figure beside its target (and a floor where one is measured in
the same run). The window's long-document figures are in annotator.gui.bench.

The text: Persian and Korean seed sentences from seeds/, shuffled into paragraphs of two to five
sentences (a paragraph is one language), with entity spans on whole words spread evenly through
the document, as a person or a machine pre-annotation would leave them.
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from annotator.benchmarks import PEAK, Figure, _child
from annotator.core.resources import seeds_dir

LABELS = ["PER", "ORG", "GPE", "LOC", "EVENT", "DATE", "ROLE"]
LONG_CHARS = 1_000_000
LONG_SPANS = 10_000
HUGE_CHARS = 100_000_000
_WORD = re.compile(r"[^\s.,!?؟،:;()«»\"']+")


def _sentences() -> dict[str, list[str]]:
    """The seeds' sentences by script: Persian and Korean."""
    out: dict[str, list[str]] = {"fa": [], "ko": []}
    for path in sorted(seeds_dir().glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for sentence in re.split(r"(?<=[.!?؟])\s+|\n+", text):
            sentence = sentence.strip()
            if len(sentence) <= 20:
                continue
            if re.search("[\u0600-\u06ff]", sentence):
                out["fa"].append(sentence)
            elif re.search("[\uac00-\ud7a3]", sentence):
                out["ko"].append(sentence)
    return out


def long_text(chars: int, *, seed: int = 1) -> str:
    """About ``chars`` characters of paragraphs (cut to exactly ``chars``, at a paragraph's end
    where one is near)."""
    rng = random.Random(seed)
    pool = _sentences()
    paragraphs, size = [], 0
    while size < chars:
        language = "fa" if rng.random() < 0.5 else "ko"
        paragraph = " ".join(rng.choice(pool[language]) for _ in range(rng.randint(2, 5)))
        paragraphs.append(paragraph)
        size += len(paragraph) + 1
    return "\n".join(paragraphs)[:chars].rstrip()


def word_spans(text: str, spans: int, *, seed: int = 1) -> list[dict]:
    """``spans`` non-overlapping spans on whole words, spread evenly through ``text``."""
    rng = random.Random(seed)
    words = [m.span() for m in _WORD.finditer(text)]
    if spans >= len(words):
        picks = range(len(words))
    else:
        step = len(words) / spans
        picks = [int(i * step + rng.random() * (step - 1)) for i in range(spans)]
    return [{"start": words[k][0], "end": words[k][1], "label": LABELS[n % len(LABELS)]}
            for n, k in enumerate(picks)]


def write_long(path: Path, chars: int = LONG_CHARS, spans: int = LONG_SPANS, *, doc_id: str = "long",
               seed: int = 1, one_line: bool = False) -> tuple[str, list[dict]]:
    """Write one long document with its spans as a JSONL file of one line; returns both.
    ``one_line``: its paragraphs joined by spaces (a page scraped without its breaks, a
    transcript, a machine's output), the harder case for a text layout."""
    text = long_text(chars, seed=seed)
    if one_line:
        text = text.replace("\n", " ")
    items = word_spans(text, spans, seed=seed) if spans else []
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": doc_id, "text": text, "spans": items}, ensure_ascii=False) + "\n")
    return text, items


def _import_timed(db: str | Path, path: Path) -> tuple[float, object]:
    """``annotator import --annotator sara FILE`` in this process: opening the database and
    ``import_paths``, as the command does; (seconds, the import's report)."""
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    t0 = time.perf_counter()
    with open_project(db) as store:
        report = import_paths(store, [path], annotator="sara", annotator_given=True)
    return time.perf_counter() - t0, report


def _imported(report, added: int, unchanged: int) -> bool:
    return (report.spans_added, report.spans_unchanged) == (added, unchanged)


def storage_figures(workdir: Path, progress, *, chars: int = LONG_CHARS, spans: int = LONG_SPANS) -> list:
    """Import, re-import and ``check`` of the 1 MB document with 10,000 spans into a file, as the
    commands do them (in this process: the functions the commands call); and import and re-import
    into a team database, beside the file's in the same run as its floor, when PostgreSQL's server
    binaries are installed. A figure whose command did not do all its work (every span imported,
    then found again, a check without problems) is infinite."""
    from annotator.benchmarks import Figure
    from annotator.benchmarks_team import SKIPPED, team_cluster, team_database
    from annotator.storage.maintenance import check

    path = workdir / "long-storage.jsonl"
    _, items = write_long(path, chars, spans)
    spans = len(items)
    name = f"{chars / 1e6:g} MB document with {spans:,} spans"
    db = workdir / "long-storage.db"
    progress(f"importing a {name} into a file …")
    first, report = _import_timed(db, path)
    first = first if _imported(report, spans, 0) else float("inf")
    again, report = _import_timed(db, path)
    again = again if _imported(report, 0, spans) else float("inf")
    progress("checking it …")
    t0 = time.perf_counter()
    checked = check(db)
    checking = time.perf_counter() - t0 if checked.ok and checked.counts.get("spans") == spans else float("inf")
    figures = [
        Figure(f"import of a {name}", first, "s", None, "<= 2 s", 2.0, False, decimals=2),
        Figure(f"import of the same file again (nothing new), {name}", again, "s", None, "<= 1 s", 1.0, False,
               decimals=2),
        Figure(f"annotator check of a {name}", checking, "s", None, "<= 5 s", 5.0, False, decimals=2),
    ]
    progress(f"importing the {name} into a team database …")
    with team_cluster() as server:
        if server is None:
            return figures + [Figure.skip(f"team: import of a {name} (floor: into a file)", "s", "<= 3x floor",
                                          SKIPPED),
                              Figure.skip("team: import of the same file again (floor: into a file)", "s",
                                          "<= 3x floor", SKIPPED)]
        url = team_database(server, "bench_long")
        team_first, report = _import_timed(url, path)
        team_first = team_first if _imported(report, spans, 0) else float("inf")
        team_again, report = _import_timed(url, path)
        team_again = team_again if _imported(report, 0, spans) else float("inf")
    return figures + [
        Figure(f"team: import of a {name} (floor: into a file)", team_first, "s", first, "<= 3x floor", 3.0, True,
               decimals=2),
        Figure("team: import of the same file again (floor: into a file)", team_again, "s", again, "<= 3x floor",
               3.0, True, decimals=2),
    ]


# A command in a child process, which prints its own peak memory (benchmarks.PEAK) at the end.
_COMMAND = r"""
import sys
from annotator.cli import cli
cli.main(sys.argv[1:], prog_name="annotator", standalone_mode=False)
""" + PEAK


def _command(*args: str) -> tuple[float, float]:
    """(seconds, its own peak memory in MB) of ``annotator ARGS`` in a child process."""
    return _child(_COMMAND, *args)


def stream_figures(workdir: Path, progress) -> list:
    """``suggest`` on the 1 MB document; export bio and spacy-docbin of the 100 MB article
    (:func:`huge_database`, shared with the window's figures), each in a child process of its
    own (its peak memory its own). The Korean analyser (Kiwi, about 320 MB) is loaded in each of
    them: it is part of the figure."""
    folder = workdir / "streams"
    folder.mkdir(exist_ok=True)
    figures = []
    progress("streams: writing and importing the 1 MB document (10,000 spans) …")
    long_file, long_db = folder / "long.jsonl", folder / "long.db"
    write_long(long_file)
    _command("--db", str(long_db), "import", str(long_file), "--annotator", "sara")
    progress("streams: annotator suggest --from sara on it …")
    seconds, peak = _command("--db", str(long_db), "suggest", "--from", "sara")
    figures += [Figure("suggest --from sara on 1 MB with 10,000 spans: time", seconds, "s", None, "<= 60 s", 60.0, False),
                Figure("suggest --from sara on 1 MB with 10,000 spans: peak memory", peak, "MB", None, "<= 400 MB",
                       400.0, False, decimals=0)]
    huge_db = huge_database(workdir, progress)
    for fmt, name in (("bio", "huge.jsonl"), ("spacy-docbin", "huge.spacy")):
        progress(f"streams: export {fmt} of the 100 MB article …")
        seconds, peak = _command("--db", str(huge_db), "export", "--format", fmt, "--include-untouched",
                                 "-o", str(folder / name))
        (folder / name).unlink(missing_ok=True)
        figures.append(Figure(f"export {fmt} of a 100 MB article: peak memory ({seconds:.0f} s)", peak, "MB", None,
                              "<= 500 MB", 500.0, False, decimals=0))
    return figures


def huge_database(workdir: Path, progress=lambda message: None) -> Path:
    """A database in ``workdir`` holding the 100 MB article as "huge", beside the seed articles
    (made once, then shared by the figures that need it)."""
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    db = workdir / "huge.db"
    if not db.exists():
        progress("writing and importing a 100,000,000-character article …")
        corpus = workdir / "huge.jsonl"
        write_long(corpus, HUGE_CHARS, 0, doc_id="huge")
        with open_project(db) as store:
            import_paths(store, [seeds_dir(), corpus], annotator="bench")
        corpus.unlink()
    return db
