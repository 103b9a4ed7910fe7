"""The window's training process: ``python -m annotator.core.recommend.worker``.

It opens the database read-only (the window keeps writing meanwhile: SQLite's WAL lets both),
learns, and reports on standard output one JSON line per step (see :mod:`live`):

    {"event": "trained", "path": ".../learned-3.pickle", "state": {...}}
    {"event": "evaluated", "state": {...}}
    {"event": "ranked", "ranking": [["doc-id", 0.41], ...]}
    {"event": "failed", "message": "one line"}

A failure is one line, never a traceback: the window shows it in the Suggestions panel.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from annotator.core.errors import AnnotatorError


def say(event: str, **fields) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="annotator-learn")
    parser.add_argument("--db", required=True)
    parser.add_argument("--from", dest="source", required=True)
    parser.add_argument("--annotator", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--generation", type=int, default=1)
    parser.add_argument("--no-evaluate", action="store_true")
    parser.add_argument("--no-rank", action="store_true")
    args = parser.parse_args(argv)

    from annotator.core.recommend import live
    from annotator.storage import Store

    try:
        store = Store.open_readonly(args.db)
    except AnnotatorError as err:
        say("failed", message=str(err))
        return 1
    try:
        settings = live.Settings.load(store)
        path, state = live.train(store, args.source, args.annotator, settings, Path(args.out), args.generation)
        say("trained", path=str(path), state=asdict(state))
        if not args.no_evaluate:
            say("evaluated", state=asdict(live.evaluate(store, args.source, settings, state)))
        if not args.no_rank and "crf" in settings.recommenders:
            learned = live.load(path)
            try:
                say("ranked", ranking=live.rank(store, learned, args.annotator))
            finally:
                learned.tagger = None  # the model file belongs to the window now; only the handle goes
        return 0
    except (AnnotatorError, OSError, ValueError) as err:
        say("failed", message=str(err))
        return 1
    except Exception as err:  # noqa: BLE001 (a training failure must reach the window as one line)
        say("failed", message=f"{type(err).__name__}: {err}")
        return 1
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
