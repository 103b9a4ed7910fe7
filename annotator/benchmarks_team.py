"""The team database's figures in ``annotator bench`` (issue 14), Qt-free: over a throwaway
PostgreSQL cluster the bench starts itself (``annotator.storage.cluster``: the installed server
binaries, a Unix socket, no TCP) and stops at the end, whatever happens. The window's figure on a
team database (adding a span) is in annotator.gui.bench, which runs them all
(:func:`annotator.gui.bench.run_team_benchmarks`).

- import: the same documents of the benchmark corpus, by the same ``import_paths``, into a team
  database against into a SQLite file, both in this run (target: at most 3x SQLite);
- search: the SQLite search figure's three queries on the team database (at most 50 ms);
- seen: one member saves a span (``store.add_span``), another member's store polls
  ``store.changes()`` every 50 ms, as a window's timer would; from the save's start to the
  change seen, the slowest of the saves (at most 2 s).

Where the server binaries are not installed, each team figure says so (:func:`skipped_figures`)
and the rest of the bench runs as before.
"""

from __future__ import annotations

import contextlib
import random
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.benchmarks import SEARCHES, Figure, _timed, search_times

TEAM_DOCUMENTS = 10_000  # the import figure is defined over 10,000 documents
SKIPPED = "skipped: PostgreSQL server binaries not installed"
MEMBERS = ("sara", "omid")  # an annotator who saves, another who watches


def skipped_figures() -> list[Figure]:
    """The team figures' rows when there is no PostgreSQL server to measure them on."""
    return [
        Figure.skip("team: import into PostgreSQL (floor: into SQLite)", "s", "<= 3x floor", SKIPPED),
        Figure.skip("team: add one span in the window, key press to repainted", "ms", "<= 12 ms", SKIPPED),
        *(Figure.skip(f"team: search, {name}", "ms", "<= 50 ms", SKIPPED) for name, _ in SEARCHES),
        Figure.skip("team: span seen by another store", "ms", "<= 2000 ms", SKIPPED),
        Figure.skip("team: another member's window draws a span", "ms", "<= 2000 ms", SKIPPED),
    ]


@contextlib.contextmanager
def team_cluster() -> Iterator[Any | None]:
    """A throwaway cluster for the bench, stopped (pg_ctl, then its folder removed) when the block
    ends, on failure too; None where the server binaries are not installed."""
    from annotator.storage import cluster

    try:
        server = cluster.start()
    except FileNotFoundError:
        yield None
        return
    try:
        yield server
    finally:
        server.stop()


def team_database(server: Any, name: str) -> str:
    """A new team database set up as a team's owner would (``team init``, the members, the
    default schema); its owner's URL."""
    from annotator.core.project import open_project
    from annotator.storage import team

    url = server.create_database(name)
    with server.connect(database=name) as conn:
        team.init(conn)
        for member in MEMBERS:
            team.add_member(conn, member)
    open_project(url).close()
    return url


def first_documents(corpus: Path, path: Path, documents: int) -> int:
    """The corpus's first ``documents`` lines as their own JSONL file; how many there were."""
    count = 0
    with corpus.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for _, line in zip(range(documents), source):
            out.write(line)
            count += 1
    return count


def _counts(store: Any) -> tuple[int, ...]:
    return tuple(store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                 for table in ("documents", "spans", "doc_themes"))


def team_import_figure(corpus: Path, workdir: Path, server: Any, documents: int = TEAM_DOCUMENTS,
                       scale: str = "") -> tuple[Figure, str]:
    """The corpus's first ``documents`` documents imported by its owner into a new team database,
    against the same import into a new SQLite file (the floor); both must hold the same number
    of documents, spans and themes, or the figure is infinite. Also returns the team database's
    owner URL, for the search figures."""
    from annotator.core.importing import import_paths
    from annotator.core.project import open_project

    part = workdir / "team-import.jsonl"
    count = first_documents(corpus, part, documents)
    with open_project(workdir / "team-floor.db") as store:
        floor = _timed(lambda: import_paths(store, [part], annotator="a"))
        expected = _counts(store)
    url = team_database(server, "bench_import")
    with open_project(url) as store:
        ours = _timed(lambda: import_paths(store, [part], annotator="a"))
        same = _counts(store) == expected
    part.unlink()
    return Figure(f"team: import {count:,} docs into PostgreSQL (floor: into SQLite){scale}",
                  ours if same else float("inf"), "s", floor, "<= 3x floor", 3.0, True), url


def team_search_figures(url: str, runs: int = 7) -> list[Figure]:
    """The SQLite search figure's queries on the team database: median and slowest of ``runs``,
    each result checked to contain the query."""
    return [Figure(f"team: search, {name} (median of {runs}, max {max(times):.1f} ms)",
                   statistics.median(times) if correct else float("inf"), "ms", None, "<= 50 ms", 50.0, False)
            for name, times, correct in search_times(url, runs)]


def team_seen_figure(server: Any, saves: int = 20, poll: float = 0.05, timeout: float = 10.0) -> Figure:
    """One member saves a span, another member's store polls ``changes()`` every ``poll``
    seconds on its own thread (the window's live timer, store-level); from the start of each save
    to the change seen. The saves come at random moments of the poll's period, one at a time.
    The value is the slowest (the target is a bound: "within 2 s"); the median is in its name; a
    save never seen within ``timeout`` makes the figure infinite. Floor: the save alone (its
    round trip and commit)."""
    from annotator.core.model import Document, Span
    from annotator.core.project import open_project

    owner = team_database(server, "bench_seen")
    text = "گزارش شهرداری مشهد درباره شهرهای هوشمند و حمل و نقل عمومی. " * 10
    with open_project(owner) as store:
        store.insert_documents([Document("seen", "", text, "fa", "rtl")])
    saver = open_project(server.url(user=MEMBERS[0], database="bench_seen"))
    watcher = open_project(server.url(user=MEMBERS[1], database="bench_seen"))
    seen: list[float] = []
    arrived = threading.Event()
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(poll):
            for change in watcher.changes():
                if change.get("table") == "spans" and change.get("by") == MEMBERS[0]:
                    seen.append(time.perf_counter())
                    arrived.set()

    try:
        watcher.changes()  # listening from now on
        thread = threading.Thread(target=watch, name="bench-watcher", daemon=True)
        thread.start()
        rng = random.Random(3)
        latencies, commits = [], []
        try:
            for i in range(saves):
                time.sleep(rng.uniform(0, poll))
                arrived.clear()
                seen.clear()
                start = 1 + i * 7 % (len(text) - 10)
                t0 = time.perf_counter()
                saver.add_span(Span("seen", MEMBERS[0], start, start + 3, "LOC", text[start:start + 3]))
                commits.append((time.perf_counter() - t0) * 1000)
                if not arrived.wait(timeout):
                    latencies.append(float("inf"))
                    continue
                latencies.append((seen[0] - t0) * 1000)
        finally:
            stop.set()
            thread.join()
    finally:
        saver.close()
        watcher.close()
    return Figure(f"team: span seen by another store ({poll * 1000:.0f} ms poll), max of {saves}, median "
                  f"{statistics.median(latencies):.0f} ms",
                  max(latencies), "ms", statistics.median(commits), "<= 2000 ms", 2000.0, False)
