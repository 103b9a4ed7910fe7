"""Any outside model: a command that reads documents as JSON lines on standard input
(``{"id", "text", "lang"}``) and writes JSON lines on standard output
(``{"id", "spans": [{"start", "end", "label", "score"?}], "themes": [...]}``), offsets in code
points over exactly the text it was given. Its output is checked like an import: a line that is
not JSON, an unknown id, offsets outside the text or a span's ``text`` that does not match are an
error naming the output line, and nothing is written.

docs/format.md has an example that wraps a spaCy pipeline.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterable

from annotator.core.errors import AnnotatorError
from annotator.core.model import Document
from annotator.core.recommend import Suggestion
from annotator.core.schema import valid_name

NAME = "command"


class CommandError(AnnotatorError):
    pass


def run(command: str, documents: Iterable[Document], *, timeout: float = 600
        ) -> dict[str, tuple[list[Suggestion], list[str]]]:
    """Run ``command`` over ``documents``; ``{doc id: (span suggestions, themes)}``."""
    docs = {doc.id: doc for doc in documents}
    payload = "".join(json.dumps({"id": d.id, "text": d.text, "lang": d.lang}, ensure_ascii=False) + "\n"
                      for d in docs.values())
    try:
        done = subprocess.run(shlex.split(command), input=payload, capture_output=True, text=True,
                              timeout=timeout, encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"--command {command!r}: no such program") from None
    except subprocess.TimeoutExpired:
        raise CommandError(f"--command {command!r} did not finish within {timeout:.0f} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(nothing on standard error)"])[-1]
        raise CommandError(f"--command {command!r} failed with exit status {done.returncode}: {last}")
    out: dict[str, tuple[list[Suggestion], list[str]]] = {}
    for lineno, line in enumerate(done.stdout.splitlines(), 1):
        if not line.strip():
            continue
        where = f"--command output line {lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise CommandError(f"{where}: not JSON ({err.msg})") from None
        doc = docs.get(record.get("id")) if isinstance(record, dict) else None
        if doc is None:
            raise CommandError(f"{where}: no document with the id {record.get('id') if isinstance(record, dict) else record!r} was given")
        spans: list[Suggestion] = []
        for i, span in enumerate(record.get("spans") or [], 1):
            if not isinstance(span, dict):
                raise CommandError(f"{where}: span {i} is not an object")
            start, end, label = span.get("start"), span.get("end"), span.get("label")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(doc.text)):
                raise CommandError(f"{where}: span {i}: [{start}, {end}) is not inside the text "
                                   f"({len(doc.text)} code points)")
            if not isinstance(label, str) or not valid_name(label):
                raise CommandError(f"{where}: span {i}: label {label!r} is not a label name")
            if "text" in span and span["text"] != doc.text[start:end]:
                raise CommandError(f"{where}: span {i}: its text {span['text']!r} is not what [{start}, {end}) covers "
                                   f"({doc.text[start:end]!r}); offsets are code points")
            score = span.get("score", 1.0)
            spans.append(Suggestion(start, end, label, float(score) if isinstance(score, (int, float)) else 1.0, NAME))
        themes = [t for t in record.get("themes") or [] if isinstance(t, str) and valid_name(t)]
        out[doc.id] = (spans, themes)
    return out
