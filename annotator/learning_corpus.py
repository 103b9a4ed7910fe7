"""A synthetic annotated corpus for the learning figures of ``annotator bench``.

Its sentences and their spans come from the seed articles' gold annotation
(resources/seeds-gold.jsonl): each document mixes the sentences of one article (mostly) with a
few from the others, shuffled, to about 3,000 characters, and carries that article's gold themes.
Its entities repeat the seeds' entities, so figures learned on it are optimistic (the same names
come back in every document); docs/performance.md says so beside them and links the honest
figures (leave-one-out on the five seeds) in docs/suggestions.md.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from annotator.core.resources import seeds_gold_path

_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+|\n+")


def gold_sentences() -> dict[str, tuple[list[tuple[str, list[dict]]], list[str]]]:
    """Per seed article: its sentences with the gold spans inside them (offsets in the sentence),
    and its themes. A sentence that a span crosses out of is left out."""
    out = {}
    for line in seeds_gold_path().read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text, spans = record["text"], record["spans"]
        sentences, at = [], 0
        for boundary in [*_SENTENCE_END.finditer(text), None]:
            end = boundary.start() if boundary is not None else len(text)
            piece = text[at:end]
            lead = len(piece) - len(piece.lstrip())
            start, stop = at + lead, at + len(piece.rstrip())
            inside = [s for s in spans if start <= s["start"] and s["end"] <= stop]
            crossing = any(s["start"] < stop and s["end"] > start and s not in inside for s in spans)
            if stop - start > 20 and not crossing:
                sentences.append((text[start:stop], [{"start": s["start"] - start, "end": s["end"] - start,
                                                      "label": s["label"]} for s in inside]))
            at = boundary.end() if boundary is not None else len(text)
        out[record["id"]] = (sentences, record.get("themes", []))
    return out


def make_learning_corpus(path: Path, documents: int, *, seed: int = 5, chars: int = 3000, own: float = 0.75) -> int:
    """Write ``documents`` annotated documents as JSONL; returns the number of spans."""
    rng = random.Random(seed)
    articles = gold_sentences()
    ids = sorted(articles)
    pool = [item for sentences, _ in articles.values() for item in sentences]
    total = 0
    with path.open("w", encoding="utf-8") as handle:
        for i in range(documents):
            article = ids[rng.randrange(len(ids))]
            sentences, themes = articles[article]
            parts, spans, size = [], [], 0
            while size < chars:
                text, inner = rng.choice(sentences) if rng.random() < own else rng.choice(pool)
                offset = size + (1 if parts else 0)
                spans += [{**s, "start": s["start"] + offset, "end": s["end"] + offset} for s in inner]
                parts.append(text)
                size = offset + len(text)
            total += len(spans)
            handle.write(json.dumps({"id": f"l{i:06d}", "text": " ".join(parts), "spans": spans,
                                     "themes": themes}, ensure_ascii=False) + "\n")
    return total
