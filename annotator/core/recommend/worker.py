"""The window's recommender process: ``python -m annotator.core.recommend.worker``.

It opens the database read-only (the window keeps writing meanwhile: SQLite's WAL lets both),
learns, and then serves what it learned, so the window never loads a model, never trains, and
never shares an interpreter lock with either. It talks in JSON lines.

On standard output:

    {"event": "trained", "state": {...}}
    {"event": "suggestions", "doc_id": "…", "generation": 3, "spans": [[start, end, label, score, recommender], …],
     "themes": [[theme, score], …]}
    {"event": "themes", "state": {...}}             (from a second thread, while it serves: the
                                                     theme classifier has learned)
    {"event": "evaluated", "state": {...}}
    {"event": "ranked", "ranking": [["doc-id", 0.41], …]}
    {"event": "failed", "message": "one line"}

On standard input, after ``trained``: ``{"suggest": "doc-id"}``, ``{"reject": ["text", "label"]}``.
The process ends when its standard input closes. A failure is one line, never a traceback.

With ``--analyser ADDRESS`` (the window gives it, and the key in ``$ANNOTATOR_ANALYSER_KEY``) it
tokenizes Korean by asking the window's analyser process (annotator.core.analyser) and never loads
Kiwi: about 300 MB less, one Kiwi for the session, the same tokens.
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import gc
import importlib.abc
import json
import os
import sys
import threading
from dataclasses import asdict

from annotator.core.errors import AnnotatorError

_lock = threading.Lock()
WARM_UP = "خبر از مشهد. 대구시는 발표했다."


def say(event: str, **fields) -> None:
    line = json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n"
    with _lock:
        sys.stdout.write(line)
        sys.stdout.flush()


class _NoPandas(importlib.abc.MetaPathFinder):
    """pandas is not there for this process. scikit-learn (the theme classifier) imports it, and
    with it pyarrow, whenever it is installed, and works without it: 65 MB this process would
    hold for nothing (it hands scikit-learn no data frames)."""

    def find_spec(self, name, path, target=None):  # noqa: ANN001, ANN201 (importlib's protocol)
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (not used by the suggestion process)", name=name)
        return None


def _yield_to_others() -> None:
    """The window's key presses come first: on Linux this process runs only on CPU time nobody
    else wants (SCHED_IDLE: a key press's wake-up takes the core at once, where at nice 10 it
    waited its turn: a label key took 15-18 ms while the recommenders trained, 11-14 ms so);
    elsewhere at a lower priority."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        if hasattr(os, "nice"):
            os.nice(10)


def give_back() -> None:
    """Hand the memory that learning, evaluating or ranking freed back to the system. glibc's
    malloc keeps freed heap for the process's next allocations, and learning's peaks are one-off:
    without this the worker held its peaks (790 MB after learning from 1,000 documents, instead
    of about 540)."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator does as it does
        pass


def use_analyser(address: str) -> None:
    """Tokenize with the window's Korean analyser process (one Kiwi for the session, 300 MB this
    process does not hold) rather than a Kiwi of this process's own: the same analysis, the same
    tokens. If it cannot be reached this process starts one of its own (annotator.core.analyser)."""
    from annotator.core import analyser, tokens

    try:
        secret = bytes.fromhex(os.environ.get(analyser.KEY_VARIABLE, ""))
    except ValueError:
        secret = b""  # refused there: one of its own answers instead
    lent = analyser.Analyser(address, secret)
    atexit.register(lent.close)  # a process of its own, if it had to start one, ends and its folder goes
    tokens.analyse_elsewhere(lent.split, lent.splits)


def failed(err: BaseException) -> None:
    known = isinstance(err, (AnnotatorError, OSError, ValueError))
    say("failed", message=str(err) if known else f"{type(err).__name__}: {err}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="annotator-learn")
    parser.add_argument("--db", required=True)
    parser.add_argument("--from", dest="source", required=True)
    parser.add_argument("--annotator", required=True)
    parser.add_argument("--generation", type=int, default=1)
    parser.add_argument("--no-evaluate", action="store_true")
    parser.add_argument("--no-serve", action="store_true", help="Train, evaluate and rank, then end.")
    parser.add_argument("--analyser", metavar="ADDRESS",
                        help="Ask the Korean analyser process listening there (annotator.core.analyser; its key "
                             "in $ANNOTATOR_ANALYSER_KEY) instead of loading Kiwi here.")
    args = parser.parse_args(argv)
    _yield_to_others()
    sys.meta_path.insert(0, _NoPandas())
    if args.analyser:
        use_analyser(args.analyser)

    from annotator.core.recommend import live
    from annotator.storage import open_readonly

    try:
        store = open_readonly(args.db)
    except AnnotatorError as err:
        failed(err)
        return 1
    try:
        settings = live.Settings.load(store)
        learned, state = live.train(store, args.source, args.annotator, settings, args.generation, themes=False)
        model = live.LiveModel(learned, state)
        model.suggest(WARM_UP)  # the matcher's pattern compiled, the Korean analyser loaded (or asked): before the first request
        give_back()
        say("trained", state=asdict(state))
    except Exception as err:  # noqa: BLE001 (a training failure reaches the window as one line)
        failed(err)
        store.close()
        return 1

    def evaluate_and_rank() -> None:
        try:
            with open_readonly(args.db) as own:  # a connection of this thread's own
                if "themes" in settings.recommenders:  # spans are served meanwhile
                    live.train_themes(own, args.source, learned, state, model.lock)
                    model.forget()
                    give_back()
                    say("themes", state=asdict(state))
                if not args.no_evaluate:
                    live.evaluate(own, args.source, settings, state)
                    give_back()
                    say("evaluated", state=asdict(state))
                if learned.tagger is not None:
                    ranking = live.rank(own, learned, args.annotator, lock=model.lock)
                    give_back()
                    say("ranked", ranking=ranking)
        except Exception as err:  # noqa: BLE001
            failed(err)

    side = threading.Thread(target=evaluate_and_rank, daemon=True)
    side.start()
    if args.no_serve:
        side.join()
        model.close()
        store.close()
        return 0
    try:
        for line in sys.stdin:
            try:
                request = json.loads(line)
                if "suggest" in request:
                    doc = store.get_document(str(request["suggest"]))
                    if doc is None:
                        continue
                    spans, themes = model.suggest(doc.text)
                    say("suggestions", doc_id=doc.id, generation=state.generation, spans=spans, themes=themes)
                elif "reject" in request:
                    text, label = request["reject"]
                    model.reject(str(text), str(label))
            except (ValueError, TypeError, KeyError) as err:
                failed(err)
    finally:
        model.close()  # the tagger's model file goes with it
        store.close()
    if side.is_alive():
        # The window has gone while the second thread still evaluates or ranks, inside crfsuite or
        # Kiwi: ending the interpreter around a thread in C code can abort (seen: SIGABRT), so the
        # process ends here, its output flushed and its files removed.
        sys.stdout.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
