"""The CoNLL exports, a sentence at a time: CoNLL-2003 columns (``--format conll``, for seqeval and
spaCy's ``-c ner`` converter) and CoNLL-U (``--format conllu``, for spaCy's ``-c conllu``
converter, which reads the source's spacing back from ``SpaceAfter=No``).

CoNLL-2003 has no place to say that two tokens were written together, so a reader joins them
with a space (대구시 는); CoNLL-U carries it. Both use the tags of annotator.core.token_view
(IOB2, the longer of overlapping spans kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from annotator.core.export_formats import Blocks, Layer, in_blocks, tagged_sentences
from annotator.core.token_view import TokenStats, bio_tags, non_overlapping

# spaCy's conll_ner_to_docs splits documents at exactly this line (CoNLL-2003's own files say
# "-DOCSTART- -X- -X- O", which spaCy takes for a token of a document of its own).
DOCSTART = "-DOCSTART- -X- O O"
# spaCy's conllu_to_docs reads an entity from MISC only with this pattern: a label of A-Z and _.
SPACY_NE = re.compile(r"[A-Z_]+")
_ESCAPES = {" ": "\\s", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\", "|": "\\p"}


class LabelError(ValueError):
    """A label that a CoNLL-U reader would not read back."""


def conll_lines(layer: Layer, views: Blocks, stats: TokenStats) -> Iterator[str]:
    """CoNLL-2003 columns (token, POS, chunk, NER; the middle two unknown), a ``-DOCSTART-`` line
    per document and a blank line after each sentence: a sentence's lines at a time."""
    yield DOCSTART + "\n\n"
    for sentence in tagged_sentences(layer, views, stats):
        yield "".join(f"{token} -X- _ {tag}\n" for token, tag in zip(sentence.tokens, sentence.tags)) + "\n"


def _spaces_after(gap: str) -> str | None:
    """MISC's word for the white space after a token: nothing for one space, ``SpaceAfter=No``
    for none, else UD's ``SpacesAfter`` with the white space escaped (\\n, \\s, \\t, ...)."""
    if gap == " ":
        return None
    if gap == "":
        return "SpaceAfter=No"
    return "SpacesAfter=" + "".join(_ESCAPES.get(c, c if c.isprintable() else f"\\u{ord(c):04X}") for c in gap)


def _safe_id(value: str) -> str:
    return re.sub(r"\s", "_", value)


def conllu_lines(layer: Layer, views: Blocks, stats: TokenStats) -> Iterator[str]:
    """CoNLL-U, a sentence at a time: ``# newdoc id``, ``# sent_id`` and ``# text`` comments, the
    token in FORM, ``_`` in the columns annotator does not know, and in MISC the entity
    (``NE=B-GPE``, spaCy's pattern) and the spacing after the token (``SpaceAfter=No``, or
    ``SpacesAfter=\\n`` for other white space). A block's last sentence waits for the next block,
    which holds the rest of the white space after it."""
    k = 0
    held: list[list[str]] | None = None  # the previous block's last sentence: rows of [form, tag, gap]
    for offset, view, aligned in in_blocks(layer, views, stats):
        text = view.text
        lead = text[:view.tokens[0].start] if view.tokens else text
        if held is not None:
            held[-1][2] += lead
            if not view.tokens:
                continue
            yield _sentence(layer, k, held)
            k, held = k + 1, None
        if not view.tokens:
            continue
        tags = bio_tags(view, non_overlapping(aligned, stats, layer.doc.id, layer.annotator, offset))
        for a, b in view.sentences:
            rows = []
            for i in range(a, b):
                token = view.tokens[i]
                following = view.tokens[i + 1].start if i + 1 < len(view.tokens) else len(text)
                if tags[i] != "O" and not SPACY_NE.fullmatch(tags[i][2:]):
                    raise LabelError(f"label {tags[i][2:]!r} cannot be read back from CoNLL-U by spaCy's converter "
                                     "(its NE=B-LABEL pattern takes capital letters A-Z and _ only); rename the "
                                     "label in the schema, or export --format conll or spacy-docbin")
                rows.append([text[token.start:token.end], tags[i], text[token.end:following]])
            if held is not None:
                yield _sentence(layer, k, held)
                k += 1
            held = rows
    if held is not None:
        yield _sentence(layer, k, held)


def _sentence(layer: Layer, k: int, rows: list[list[str]]) -> str:
    doc_id = _safe_id(layer.doc.id)
    lines = [f"# newdoc id = {doc_id}"] if k == 0 else []
    shown = "".join(form + (gap if i + 1 < len(rows) else "") for i, (form, _, gap) in enumerate(rows))
    lines += [f"# sent_id = {doc_id}#{k}", "# text = " + re.sub(r"[^\S ]", " ", shown)]
    for i, (form, tag, gap) in enumerate(rows, 1):
        misc = [f"NE={tag}"] if tag != "O" else []
        space = _spaces_after(gap)
        if space:
            misc.append(space)
        lines.append(f"{i}\t{form}\t_\t_\t_\t_\t_\t_\t_\t{'|'.join(misc) or '_'}")
    return "\n".join(lines) + "\n\n"
